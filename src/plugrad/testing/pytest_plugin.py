"""plugrad's pytest plugin, loaded through pytest's ``pytest11`` entry point.

It gives op authors:

* the ``plugrad_ops`` marker with the ``plugrad_op`` argument: a test that takes
  ``plugrad_op`` runs once per registered op the marker selects::

      @pytest.mark.plugrad_ops(distribution="my-plugin")
      def test_op(plugrad_op: OpCase) -> None:
          plugrad_op.check()

  (``plugrad.testing.op_tests`` is the same as a one-liner);
* the ``plugrad_registry`` fixture: a function that builds an isolated registry from plugin
  objects (plus plugrad's own ops) and makes it the active one for the rest of the test;
* the ``plugrad_isolate`` ini option: ``plugrad_isolate = ["my-plugin"]`` in a plugin's
  ``[tool.pytest.ini_options]`` makes the whole session see plugrad's own ops and that
  distribution's only, so another installed plugin that is broken never fails the suite;
* readable test ids (the op's name) for ``OpCase`` parameters.

plugrad is imported only when one of these is used, so the plugin costs nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from plugrad.registry import Registry

MARKER = "plugrad_ops"
ARGUMENT = "plugrad_op"
ISOLATE = "plugrad_isolate"

_session_registry = pytest.StashKey[ExitStack]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        ISOLATE,
        type="args",
        default=[],
        help="distributions whose op plugins this session loads, besides plugrad's own ops; "
        "no other installed plugin is imported (for a plugin's own test suite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(distribution=None, names=None): run a test taking '{ARGUMENT}' once per "
        "registered op (of that distribution, or with those names)",
    )
    distributions: list[str] = config.getini(ISOLATE)
    if distributions:
        config.stash[_session_registry] = _isolate(distributions)


def pytest_unconfigure(config: pytest.Config) -> None:
    stack = config.stash.get(_session_registry, None)
    if stack is not None:
        stack.close()
        del config.stash[_session_registry]


def _isolate(distributions: list[str]) -> ExitStack:
    """Make a registry of plugrad's ops and ``distributions`` the active one, until closed."""
    from plugrad.registry import Registry, RegistryError, use_registry

    registry = Registry.for_distributions(*distributions)
    stack = ExitStack()
    try:
        stack.enter_context(use_registry(registry))
    except RegistryError as error:
        import traceback

        cause = error.__cause__
        details = "" if cause is None else "\n" + "".join(traceback.format_exception(cause))
        raise pytest.UsageError(f"{ISOLATE} = {distributions}: {error}{details}") from error
    _check_installed(registry, distributions, stack)
    return stack


def _check_installed(registry: Registry, distributions: list[str], stack: ExitStack) -> None:
    from plugrad.registry._settings import normalize

    found = {normalize(plugin.origin.distribution) for plugin in registry.plugin_records()}
    missing = [name for name in distributions if normalize(name) not in found]
    if missing:
        stack.close()
        raise pytest.UsageError(
            f"{ISOLATE} names {', '.join(missing)}, but no installed distribution of that name "
            "has a plugrad plugin (an entry point in the 'plugrad.plugins' group); install it "
            "first, such as with `pip install -e .` in its folder"
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if ARGUMENT not in metafunc.fixturenames:
        return
    from plugrad.testing import op_cases

    marker = metafunc.definition.get_closest_marker(MARKER)
    kwargs = dict(marker.kwargs) if marker is not None else {}
    distribution = kwargs.pop("distribution", None)
    names = kwargs.pop("names", None)
    if kwargs:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} got unknown arguments {sorted(kwargs)}")
    cases = op_cases(distribution, names=names)
    metafunc.parametrize(ARGUMENT, cases, ids=[case.name for case in cases])


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    from plugrad.testing import OpCase

    return val.name if isinstance(val, OpCase) else None


@pytest.fixture
def plugrad_registry() -> Iterator[Callable[..., Registry]]:
    """``plugrad_registry(*plugins, builtins=True)``: an isolated registry, active for the test.

    Nothing is installed: plugins are modules or objects with a ``plugrad_register_ops`` hook,
    or ``plugrad.testing.plugin_source(...)`` / ``fake_plugin(...)`` fakes with a distribution name.
    """
    from contextlib import ExitStack

    from plugrad.registry import Registry, use_registry

    with ExitStack() as stack:

        def activate(*plugins: object, builtins: bool = True) -> Registry:
            registry = Registry.from_plugins(*plugins, builtins=builtins)
            stack.enter_context(use_registry(registry))
            return registry

        yield activate
