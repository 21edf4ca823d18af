"""plugrad's pytest plugin (``pytest11`` entry point), run the way a plugin author runs it."""

from __future__ import annotations

import pytest

BUGGY_PLUGIN = """
from plugrad import Function
from plugrad.plugin import Sample, hookimpl

def samples(rng):
    return [Sample((rng.standard_normal(3),))]

class Halve(Function, name="halve", samples=samples, double_backward=False):
    '''y = x / 2;  dy/dx = 1/2'''

    def forward(self, x):
        return 0.5 * x

    def vjp(self, x, gy):
        return 2.0 * gy  # the bug: should be 0.5 * gy

@hookimpl
def plugrad_register_ops(registrar):
    registrar.register_module(__name__)
"""


def test_the_marker_parametrizes_over_registered_ops(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.plugrad_ops(names=["square", "exp", "sum"])
        def test_op(plugrad_op):
            plugrad_op.check()
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_op?square? PASSED*", "*test_op?sum? PASSED*"])


def test_the_one_liner(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from plugrad.testing import op_tests
        test_ops = op_tests(distribution="plugrad", names=["sin", "cos"])
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_ops?cos? PASSED*"])


def test_a_buggy_plugin_fails_its_generated_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(buggy_ops=BUGGY_PLUGIN)
    pytester.makepyfile(
        """
        import pytest
        import buggy_ops
        from plugrad.testing import plugin_source

        def test_halve(plugrad_registry):
            registry = plugrad_registry(plugin_source(buggy_ops, distribution="buggy"))
            registry.record("halve")  # it is there, and its gradient is wrong:
            from plugrad.testing import check_op
            check_op("halve")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*OpCheckError: op 'halve' (Halve) from plugin 'buggy_ops' (buggy 0, buggy_ops)*"
            "check 'gradient' failed*"
        ]
    )


def test_the_registry_fixture_restores_the_active_registry(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(buggy_ops=BUGGY_PLUGIN)
    pytester.makepyfile(
        """
        import buggy_ops
        import pytest
        from plugrad.registry import UnknownOpError, active_registry

        def test_inside(plugrad_registry):
            plugrad_registry(buggy_ops)
            assert active_registry().get("halve")

        def test_after():
            with pytest.raises(UnknownOpError):
                active_registry().get("halve")
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_an_empty_selection_is_an_error_not_a_skip(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from plugrad.testing import op_tests
        test_ops = op_tests(distribution="not-installed-anywhere")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*LookupError: no registered op matches*not-installed-anywhere*"])


def test_a_fake_plugin_in_the_registry_fixture(pytester: pytest.Pytester) -> None:
    """The docstring example of ``fake_plugin``, as a plugin author's test would use it."""
    pytester.makepyfile(
        """
        from plugrad import Function
        from plugrad.plugin import Sample
        from plugrad.testing import check_op, fake_plugin

        def samples(rng):
            return [Sample((rng.standard_normal(3),), reference=lambda x: 2.0 * x)]

        class Scale(Function, name="scale", samples=samples):
            '''y = 2 x;  dy/dx = 2'''

            def forward(self, x):
                return 2.0 * x

            def vjp(self, x, gy):
                return gy * 2.0

        def test_scale(plugrad_registry):
            source = fake_plugin(lambda r: r.register(Scale),
                                 name="scale", distribution="scale-ops", version="1.0")
            registry = plugrad_registry(source)
            record = registry.record("scale")
            assert record.spec.function is Scale
            assert record.origin.distribution == "scale-ops"
            check_op("scale")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_an_op_without_samples_fails_its_test(pytester: pytest.Pytester) -> None:
    """The samples rule: registering needs none, passing the kit does."""
    pytester.makepyfile(
        """
        from plugrad.ops.elementwise import Sin
        from plugrad.registry import Registry
        from plugrad.testing import fake_plugin, op_tests

        class Unsampled(Sin, name="unsampled"):
            '''y = sin(x), declared without samples'''

        REGISTRY = Registry.from_plugins(
            fake_plugin(lambda r: r.register(Unsampled), name="u", distribution="u-ops")
        )
        test_ops = op_tests(distribution="u-ops", registry=REGISTRY)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*check 'samples' failed: no samples: declare the op with*"])
