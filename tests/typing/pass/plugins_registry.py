"""A plugin's typed wrappers, ops looked up by name, and the test kit.

A plugin ships ``py.typed`` with its op classes and wrappers, which is where precise types
come from; the registry serves lookup by name and gives op classes, checked at run time.
"""

from __future__ import annotations

from typing import assert_type

import numpy as np

import plugrad.functions as F
from plugrad import Function, Variable
from plugrad.registry import OpRecord, Registry, active_registry, resolve
from plugrad.typing import AnyFunction, Array
from plugrad_special import Erf, GammaLn, Polygamma, erf, gammaln, logsumexp, polygamma

x = Variable(np.array([0.5, 1.5, 2.5]))

# The classes, called directly (plugrad's own suite runs with third-party plugins off).
assert_type(Erf()(x), Variable)
assert_type(GammaLn()(x), Variable)
assert_type(Polygamma(1)(x), Variable)


def special(x: Variable) -> Variable:  # the wrappers resolve through the registry
    assert_type(erf(x), Variable)
    assert_type(polygamma(2, x), Variable)
    assert_type(logsumexp(x, axis=0), Variable)
    return erf(x) + gammaln(x)


# Lookup by name: an op class, whose arity the checker cannot know.
registry = active_registry()
assert_type(registry, Registry)
add_class = registry.get("add")
assert_type(add_class, type[AnyFunction])
assert issubclass(add_class, Function)
record = registry.record("add")
assert_type(record, OpRecord)
assert_type(registry.ops(), list[OpRecord])
assert_type(resolve(F.Add), type[F.Add])
assert_type(resolve(F.Add)()(x, x), Variable)
array: Array = F.Exp().forward(np.zeros(2))
assert_type(array, Array)
