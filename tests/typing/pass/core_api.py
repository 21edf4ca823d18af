"""Types a user of the core sees: wrappers, operators, grads, ops called directly, grad mode."""

from typing import assert_type

import numpy as np

import plugrad.functions as F
from plugrad import Parameter, Variable, no_grad, test_mode, using_config
from plugrad.functions import add, square
from plugrad.typing import Array

x = Variable(np.array(2.0))
y = Variable(np.array(3.0))

# The seed example.
z = add(square(x), square(y))
assert_type(z, Variable)
z.backward()
assert_type(x.grad, Variable | None)
if x.grad is not None:
    assert_type(x.grad.data, Array)
    assert float(x.grad.data) == 4.0

# Operators with numbers and arrays on either side.
assert_type(x + 1.0, Variable)
assert_type(x + 1, Variable)
assert_type(1 - x, Variable)  # an int is no bool: no deprecation report
assert_type(x / 2, Variable)
assert_type(x + np.int64(1), Variable)
assert_type(1.0 + x, Variable)
assert_type(2.0 * x, Variable)
assert_type(x * 2, Variable)
assert_type(x - y, Variable)
assert_type(3.0 - x, Variable)
assert_type(x / y, Variable)
assert_type(1.0 / x, Variable)
assert_type(x**2, Variable)
assert_type(-x, Variable)
v = Variable(np.ones(3))
assert_type(v * np.ones(3), Variable)
assert_type(np.ones(3) * v, Variable)  # numpy's stubs defer to Variable.__rmul__ here
assert_type(np.ones(3) + v, Variable)
assert_type(np.ones(3) - v, Variable)
assert_type(np.ones(3) / v, Variable)
assert_type(np.float64(2.0) * v, Variable)
# A 0-d array on the left: numpy's stubs answer Any (the value is a Variable at run time).
scaled = np.array(2.0) * v
assert isinstance(scaled, Variable)

# Ops called directly and through F.
assert_type(F.Square()(x), Variable)
assert_type(F.Add()(x, y), Variable)
assert_type(F.Add()(x, 1.0), Variable)
assert_type(F.Exp()(np.ones(2)), Variable)
assert_type(F.sum(v), Variable)
assert_type(F.sum(v, axis=0, keepdims=True), Variable)
assert_type(v.sum(), Variable)
m = Variable(np.ones((2, 3)))
assert_type(m.T, Variable)
assert_type(m.transpose(1, 0), Variable)
assert_type(m.reshape(3, 2), Variable)
assert_type(m @ Variable(np.ones((3, 4))), Variable)
assert_type(F.matmul(m, np.ones((3, 4))), Variable)
assert_type(F.tanh(F.exp(F.log(F.sin(F.cos(m))))), Variable)

# Array-like properties.
assert_type(m.shape, tuple[int, ...])
assert_type(m.ndim, int)
assert_type(m.size, int)
assert_type(len(m), int)
assert_type(m.creator is None, bool)
assert_type(m.name, str | None)
assert_type(m.generation, int)

# Grad mode.
with no_grad():
    w = square(x)
    assert_type(w, Variable)
    assert w.creator is None
with using_config("enable_backprop", False), test_mode():
    assert_type(x * 2.0, Variable)

# Parameter is a Variable.
p = Parameter(np.zeros(2))
assert_type(p, Parameter)
q: Variable = p
assert_type(square(q), Variable)

# Higher order: grads are Variables too.
t = Variable(np.array(0.5))
F.tanh(t).backward(create_graph=True)
gt = t.grad
assert gt is not None
t.cleargrad()
gt.backward()
assert_type(t.grad, Variable | None)
