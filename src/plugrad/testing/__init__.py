"""The test kit for op authors: gradient-check, arity-check and mutation-check an op.

``check_op("name")`` (or a ``Function`` subclass, with samples) runs every check and raises
``OpCheckError``, an ``AssertionError``, naming the op, the check and the values that
disagreed.  For pytest, one line in a test module covers every op a distribution registers,
beside plugrad's own ops and isolated from every other installed plugin::

    from plugrad.testing import op_tests
    test_ops = op_tests(distribution="my-plugin")

An op registered without samples gets a test too, which fails: registering needs no samples,
passing the kit does.

``fake_plugin``, ``failing_source`` and ``plugin_source`` make plugins that were never
installed, for tests of registration; ``numerical_gradient`` is the central difference the kit
(and ``plugrad.utils.gradient_check``) compares gradients with.

The ``plugrad`` pytest plugin (installed with plugrad) adds the ``plugrad_registry`` fixture,
the ``plugrad_ops`` marker and the ``plugrad_isolate`` ini option; see
``plugrad.testing.pytest_plugin``.
"""

from plugrad.testing._cases import OpCase as OpCase
from plugrad.testing._cases import op_cases as op_cases
from plugrad.testing._cases import op_tests as op_tests
from plugrad.testing._check import Tolerances as Tolerances
from plugrad.testing._check import check_op as check_op
from plugrad.testing._errors import OpCheckError as OpCheckError
from plugrad.testing._numeric import numerical_gradient as numerical_gradient
from plugrad.testing._plugins import PluginSource as PluginSource
from plugrad.testing._plugins import failing_source as failing_source
from plugrad.testing._plugins import fake_plugin as fake_plugin
from plugrad.testing._plugins import plugin_source as plugin_source

__all__ = [
    "OpCase",
    "OpCheckError",
    "PluginSource",
    "Tolerances",
    "check_op",
    "failing_source",
    "fake_plugin",
    "numerical_gradient",
    "op_cases",
    "op_tests",
    "plugin_source",
]
