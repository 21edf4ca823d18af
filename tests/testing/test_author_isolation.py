"""A plugin author's suite is theirs: someone else's broken plugin in the environment neither
warns nor fails it, and their own plugin's faults are errors there.

Each test lays out "installed" distributions (a ``.dist-info`` with plugrad's entry point) and
runs pytest on an author's test files in a fresh process, with warnings as errors, as the
guide and ``plugrad new-plugin`` set a plugin's suite up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.registry.helpers import install_fake_distribution

AUTHOR_OPS = '''
from plugrad import Function
from plugrad.plugin import Sample, hookimpl
from plugrad.registry import resolve


def samples(rng):
    return [Sample((rng.standard_normal(3),), reference=lambda x: 3.0 * x)]


class Triple(Function, name="author.triple", samples=samples):
    """y = 3 x;  dy/dx = 3"""

    def forward(self, x):
        return 3.0 * x

    def vjp(self, x, gy):
        return gy * 3.0


def triple(x):
    return resolve(Triple)()(x)


@hookimpl
def plugrad_register_ops(registrar):
    registrar.register_module(__name__)
'''

# Importing it leaves a mark, so a test can tell whether it was imported at all.
FOREIGN_BROKEN = """
import pathlib
pathlib.Path(__file__).with_name("foreign_was_imported").touch()
import no_such_module_anywhere
"""

TEST_KIT = """
from plugrad.testing import op_tests

test_ops = op_tests(distribution="author-ops")
"""

TEST_VALUES = """
import numpy as np
from author_ops import triple


def test_triple():
    assert float(triple(np.array(2.0)).data) == 6.0
"""


@pytest.fixture
def site(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The author's distribution and a broken foreign one, "installed" in a folder on the path
    of the pytest runs; this suite's own knobs (autoload off) are not passed on."""
    site = pytester.path / "site"
    install_fake_distribution(
        site,
        "author-ops",
        entry_points={"author": "author_ops"},
        files={"author_ops.py": AUTHOR_OPS},
    )
    install_fake_distribution(
        site,
        "foreign-ops",
        entry_points={"foreign": "foreign_broken"},
        files={"foreign_broken.py": FOREIGN_BROKEN},
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    for knob in ("PLUGRAD_DISABLE_PLUGIN_AUTOLOAD", "PLUGRAD_PLUGINS", "PLUGRAD_BLOCK_PLUGINS"):
        monkeypatch.delenv(knob, raising=False)
    pytester.makepyfile(test_kit=TEST_KIT, test_values=TEST_VALUES)
    return site


def ini(pytester: pytest.Pytester, *lines: str) -> None:
    pytester.makeini("\n".join(["[pytest]", "filterwarnings = error", *lines]))


def test_a_broken_foreign_plugin_does_not_fail_an_isolated_suite(
    pytester: pytest.Pytester, site: Path
) -> None:
    ini(pytester, "plugrad_isolate = author-ops")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert not (site / "foreign_was_imported").exists()  # never even imported


def test_the_kits_one_liner_is_isolated_on_its_own(pytester: pytest.Pytester, site: Path) -> None:
    """Without the ini option, the one-liner still tests its distribution in isolation, while a
    test calling an op through the process-wide registry meets the broken plugin."""
    ini(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_kit.py::test_ops?author.triple? PASSED*"])
    result.stdout.fnmatch_lines(
        [
            "E * plugrad.registry.PluginWarning: plugrad: plugin 'foreign' (foreign-ops 1.0, "
            "foreign_broken) failed to load and is skipped: *",
            "*FAILED test_values.py::test_triple - plugrad.registry.PluginWarning*",
        ]
    )


def test_the_authors_own_broken_plugin_is_an_error(pytester: pytest.Pytester, site: Path) -> None:
    (site / "author_ops.py").write_text("import no_such_module_anywhere\n")
    ini(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_kit.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*PluginLoadError: plugrad: plugin 'author' (author-ops 1.0, author_ops) failed to "
            "load: ModuleNotFoundError: No module named 'no_such_module_anywhere'*"
        ]
    )


def test_the_authors_own_empty_plugin_is_an_error(pytester: pytest.Pytester, site: Path) -> None:
    (site / "author_ops.py").write_text("def plugrad_register_ops(registrar):\n    pass\n")
    ini(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_kit.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*registers no ops*without the @hookimpl marker*"])


def test_isolating_a_distribution_that_is_not_installed_is_a_usage_error(
    pytester: pytest.Pytester, site: Path
) -> None:
    ini(pytester, "plugrad_isolate = author-opz")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*plugrad_isolate names author-opz, but no installed*"])
