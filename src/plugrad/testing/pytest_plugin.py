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
* readable test ids (the op's name) for ``OpCase`` parameters.

plugrad is imported only when one of these is used, so the plugin costs nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from plugrad.registry import Registry

MARKER = "plugrad_ops"
ARGUMENT = "plugrad_op"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(distribution=None, names=None): run a test taking '{ARGUMENT}' once per "
        "registered op (of that distribution, or with those names)",
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
