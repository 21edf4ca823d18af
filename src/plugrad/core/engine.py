"""The backward walk.

Iterative, never recursive.  Functions wait in buckets keyed by generation and are run newest
generation first, each once, in arrival order within a generation, so the walk is deterministic.
A function's inputs are always of an older generation than the function itself (that is how
generations are assigned), so the buckets are visited by a counter that only goes down: the
walk costs time linear in the size of the graph, with no heap and no sorting.  Gradients that
are still on their way live in a dict local to the walk, keyed by the value they belong to: a
leaf by itself, a function's output by the function (and the output's index, past the first).
An error halfway leaves no stale state.

Each function's derivative rule (``Function.vjp``) runs on plain ndarrays for first order and
on Variables, recorded, under ``create_graph=True``; see ``plugrad.core.function``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plugrad.core.config import _enable_backprop, using_config
from plugrad.core.describe import describe
from plugrad.core.function import output_variable
from plugrad.core.variable import StandIn, Variable
from plugrad.typing import AnyFunction, Array

Grad = Any  # an ndarray on the first-order path, a Variable with create_graph
Key = Any  # a leaf Variable, a Function (its first output), or (Function, index)


def run_backward(output: Variable, *, retain_grad: bool, create_graph: bool) -> None:
    """Backpropagate from ``output``; see ``Variable.backward``."""
    if output.data is None:
        raise ValueError("backward() on a Variable whose data is None")
    seed: Grad
    if output.grad is not None:
        seed = output.grad if create_graph else output.grad.data
    else:
        ones = np.ones_like(output.data)
        # A constant, as PyTorch's implicit seed: nothing is differentiated with respect to it.
        seed = Variable._wrap(ones, constant=True) if create_graph else ones

    root = output.creator
    if root is None:  # a leaf: its gradient with respect to itself
        output.grad = seed if create_graph else Variable(seed)
        return

    if create_graph:
        with using_config("enable_backprop", True):
            _walk(output, root, seed, retain_grad, create_graph=True)
    else:
        _walk(output, root, seed, retain_grad, create_graph=False)


def _key(x: Variable) -> Key:
    creator = x.creator
    if creator is None:
        return x
    return creator if x._index == 0 else (creator, x._index)


def _walk(
    output: Variable, root: AnyFunction, seed: Grad, retain_grad: bool, create_graph: bool
) -> None:
    pending: dict[Key, Grad] = {_key(output): seed}
    leaves: list[Variable] = []
    # With retain_grad, the intermediate Variables met on the way get their gradients.
    retained: dict[Key, list[Variable]] | None = {} if retain_grad else None
    generation = root.generation
    buckets: dict[int, list[AnyFunction]] = {generation: [root]}
    queued: set[AnyFunction] = {root}  # functions of several outputs already waiting
    fast = retained is None and not create_graph  # the common first-order walk

    while buckets:
        bucket = buckets.pop(generation, None)
        if bucket is None:  # a gap between generations (left by unchain, say)
            generation = max(buckets)
            continue
        for func in bucket:
            inputs = func._inputs
            y = func._y
            if fast and func.has_array_rule and type(y) is not tuple:
                # One output, first order: the common case, inline.
                gy = pending.pop(func)
                if type(inputs) is not tuple:
                    x: Variable = inputs  # type: ignore[assignment]  # one input: not a tuple
                    data = x.data
                    if func.takes_scalars and data.ndim == 0:
                        data = data[()]
                    if func.retains_outputs:
                        gx = func.array_rule(data, y, gy)
                    else:
                        gx = func.array_rule(data, gy)
                    if type(gx) is tuple:
                        if len(gx) != 1:
                            raise _gradient_count_error(func, len(gx), 1)
                        gx = gx[0]
                    if gx is None or x._constant:
                        continue
                    pairs: Any = ((x, gx),)
                else:
                    if len(inputs) == 2 and not func.retains_outputs:
                        x0, x1 = inputs
                        gxs = func.array_rule(x0.data, x1.data, gy)
                    else:
                        gxs = func.array_rule(*_arrays_of(func), gy)
                    if type(gxs) is not tuple or len(gxs) != len(inputs):
                        count = len(gxs) if type(gxs) is tuple else 1
                        raise _gradient_count_error(func, count, len(inputs))
                    pairs = zip(inputs, gxs)  # noqa: B905  # lengths checked above
            else:
                gxs = _run_rule(func, pending, retained, create_graph)
                xs = func.inputs
                if type(gxs) is not tuple:
                    gxs = (gxs,)
                if len(gxs) != len(xs):
                    raise _gradient_count_error(func, len(gxs), len(xs))
                pairs = zip(xs, gxs)  # noqa: B905  # lengths checked above
            for x, gx in pairs:
                if gx is None or x._constant:
                    continue
                data = x.data
                try:
                    fits = gx.shape == data.shape and (
                        gx.dtype is data.dtype or gx.dtype == data.dtype
                    )
                except AttributeError:  # not an array (a float, say): the slow path says why
                    fits = False
                if not fits:
                    gx = _checked_grad(func, func.inputs.index(x), gx, data, create_graph)
                creator = x.creator
                if creator is None:
                    previous = pending.get(x)
                    if previous is None:
                        pending[x] = gx
                        leaves.append(x)
                    else:
                        pending[x] = previous + gx
                    continue
                key = creator if x._index == 0 else (creator, x._index)
                previous = pending.get(key)
                if retained is not None:
                    _remember(retained, key, x)
                if previous is not None:
                    pending[key] = previous + gx
                    continue
                pending[key] = gx
                # A one-output function waits in a bucket exactly while its gradient is
                # pending; one of several outputs may already wait through another output.
                if type(creator._y) is tuple:
                    if creator in queued:
                        continue
                    queued.add(creator)
                older = creator.generation
                if older >= generation:
                    raise _generation_error(func, creator)
                waiting = buckets.get(older)
                if waiting is None:
                    buckets[older] = [creator]
                else:
                    waiting.append(creator)
        generation -= 1

    # The seed may be an array the caller still holds (a grad they set): no leaf may get it.
    handed_out: set[int] = set() if create_graph else {id(seed)}
    for leaf in leaves:
        _accumulate(leaf, pending.pop(leaf), create_graph, handed_out)
    if retain_grad:
        output.grad = seed if create_graph else Variable._wrap(np.array(seed))
    else:
        output.grad = None  # DeZero clears every output's grad when it does not retain them


def _remember(retained: dict[Key, list[Variable]], key: Key, x: Variable) -> None:
    value = x.original() if isinstance(x, StandIn) else x
    if value is None:
        return
    seen = retained.get(key)
    if seen is None:
        retained[key] = [value]
    elif not any(v is value for v in seen):
        seen.append(value)


def _run_rule(
    func: AnyFunction,
    pending: dict[Key, Grad],
    retained: dict[Key, list[Variable]] | None,
    create_graph: bool,
) -> Any:
    """Take the gradients waiting on ``func``'s outputs and run its derivative on them."""
    if type(func._y) is not tuple:  # one output: its gradient is waiting (that is how we came)
        gy = pending.pop(func)
        if retained is not None:
            _retain(retained.pop(func, ()), gy, create_graph)
        gys: tuple[Grad, ...] = (gy,)
    else:
        gys = _output_grads(func, pending, retained, create_graph)

    if create_graph:
        return _graph_rule(func, gys)
    if func.has_array_rule:
        return func.array_rule(*_arrays_of(func), *gys)
    if func.has_backward:
        return _dezero_backward(func, gys)
    raise NotImplementedError(f"{describe(func)} defines no derivative (vjp or backward)")


def _arrays_of(func: AnyFunction) -> list[Array]:
    """The rule's leading arguments on the first-order path: input arrays, retained outputs."""
    arrays = [x.data for x in func.inputs]
    if func.retains_outputs:
        y = func._y
        arrays.extend(y if type(y) is tuple else (y,))
    return arrays


def _output_grads(
    func: AnyFunction,
    pending: dict[Key, Grad],
    retained: dict[Key, list[Variable]] | None,
    create_graph: bool,
) -> tuple[Grad, ...]:
    """Take the gradients waiting on each output of ``func`` (zeros for outputs that got none)."""
    gys: list[Grad] = []
    for index in range(func.output_count()):
        key = func if index == 0 else (func, index)
        gy = pending.pop(key, None)
        if gy is None:
            shape, dtype = func.output_spec(index)
            zeros = np.zeros(shape, dtype=dtype)
            gy = Variable(zeros) if create_graph else zeros
        elif retained is not None:
            _retain(retained.pop(key, ()), gy, create_graph)
        gys.append(gy)
    return tuple(gys)


def _retain(variables: Any, gy: Grad, create_graph: bool) -> None:
    """Give each intermediate Variable its gradient (a copy: the walk goes on using ``gy``)."""
    for y in variables:
        _accumulate(y, gy if create_graph else np.array(gy), create_graph)


def _accumulate(
    x: Variable, gx: Grad, create_graph: bool, handed_out: set[int] | None = None
) -> None:
    """Add ``gx`` into ``x.grad`` without touching the array a previous grad holds.

    On the first-order path each grad gets an array of its own that it may change in place
    (optimizer hooks do, as in DeZero): one already handed to another variable in this walk
    (``Add`` passes ``gy`` to both inputs), or a read-only broadcast view, is copied.
    """
    if create_graph:
        gx = gx if isinstance(gx, Variable) else Variable(np.asarray(gx))
        x.grad = gx if x.grad is None else x.grad + gx
        return
    if x.grad is not None:
        x.grad = Variable._wrap(x.grad.data + gx)
        return
    data = gx if type(gx) is np.ndarray else np.asarray(gx)
    if handed_out is not None:
        if id(data) in handed_out or not data.flags.writeable or data.base is not None:
            data = data.copy()
        handed_out.add(id(data))
    x.grad = Variable._wrap(data)


def _graph_rule(func: AnyFunction, gys: tuple[Variable, ...]) -> Any:
    """Run the derivative on Variables, recorded (``create_graph=True``)."""
    if func.has_vjp:
        inputs = func._inputs
        if type(inputs) is not tuple and len(gys) == 1:  # one input, one output: no packing
            if func.retains_outputs:
                gxs = func.vjp(inputs, output_variable(func, 0), gys[0])
            else:
                gxs = func.vjp(inputs, gys[0])
        elif func.retains_outputs:
            outputs = [output_variable(func, i) for i in range(func.output_count())]
            gxs = func.vjp(*func.inputs, *outputs, *gys)
        else:
            gxs = func.vjp(*func.inputs, *gys)
    elif func.has_backward:
        gxs = func.backward(*gys)
    else:
        raise NotImplementedError(
            f"{describe(func)} has only an array form of its derivative, so "
            "backward(create_graph=True) cannot pass through it (first order works)"
        )
    if type(gxs) is tuple:
        for g in gxs:
            if g is not None and not isinstance(g, Variable):
                return tuple([_as_grad_variable(g) for g in gxs])
        return gxs
    return _as_grad_variable(gxs)


def _as_grad_variable(g: object) -> Variable | None:
    if g is None or isinstance(g, Variable):
        return g
    return Variable(np.asarray(g))


def _dezero_backward(func: AnyFunction, gys: tuple[Array, ...]) -> Any:
    """First order for an op written DeZero's way (``backward`` on Variables)."""
    token = _enable_backprop.set(False)
    try:
        gxs = func.backward(*[Variable._wrap(np.asarray(gy)) for gy in gys])
    finally:
        _enable_backprop.reset(token)
    if isinstance(gxs, tuple):
        return tuple([_as_grad_array(g) for g in gxs])
    return _as_grad_array(gxs)


def _as_grad_array(g: object) -> Array | None:
    if g is None:
        return None
    if isinstance(g, Variable):
        return g.data
    return np.asarray(g)


def _checked_grad(
    func: AnyFunction, index: int, gx: object, data: Array, create_graph: bool
) -> Grad:
    """Make a gradient that missed the fast check fit its input, or raise naming the op.

    A float input gets its gradient in its own dtype (so a float32 graph stays float32 even
    under an op that computed in float64); an integer input takes whatever dtype arrives.
    """
    if create_graph:
        if not isinstance(gx, Variable):
            gx = Variable(np.asarray(gx))
        shape = gx.shape
    else:
        if isinstance(gx, Variable):  # a DeZero-style op may hand back Variables
            gx = gx.data
        if not isinstance(gx, np.ndarray | np.generic | float | int):
            raise TypeError(
                f"{describe(func)}: backward returned {type(gx).__name__} as the gradient of "
                f"input {index}; return a numpy.ndarray (or None)"
            )
        gx = np.asarray(gx)
        shape = gx.shape
    if shape != data.shape:
        raise _gradient_shape_error(func, index, shape, data.shape)
    if isinstance(gx, np.ndarray) and data.dtype.kind == "f" and gx.dtype != data.dtype:
        gx = gx.astype(data.dtype)
    return gx


def _gradient_count_error(func: AnyFunction, got: int, expected: int) -> TypeError:
    return TypeError(
        f"{describe(func)}: backward returned {got} gradient(s) for {expected} input(s); "
        "return one gradient per input (None for an input that needs none)"
    )


def _gradient_shape_error(
    func: AnyFunction, index: int, got: tuple[int, ...], expected: tuple[int, ...]
) -> ValueError:
    return ValueError(
        f"{describe(func)}: backward returned a gradient of shape {got} for input {index}, "
        f"whose shape is {expected}; reduce broadcast gradients with sum_to"
    )


def _generation_error(func: AnyFunction, creator: AnyFunction) -> RuntimeError:
    return RuntimeError(
        f"{describe(func)} (generation {func.generation}) has an input made by "
        f"{describe(creator)} of generation {creator.generation}; an input must be older "
        "than the function using it (was a generation or creator set by hand?)"
    )


def unchain_graph(output: Variable) -> None:
    """Detach every function behind ``output`` from its inputs (iteratively)."""
    if output.creator is None:
        return
    stack = [output.creator]
    seen = {output.creator}
    while stack:
        func = stack.pop()
        for x in func.inputs:
            creator = x.creator
            if creator is not None:
                # A stand-in's value may still be alive in the program (an RNN's state, say):
                # cut that too, or the next step's graph would reach back through it.
                if isinstance(x, StandIn) and (value := x.original()) is not None:
                    value.unchain()
                x.unchain()
                if creator not in seen:
                    seen.add(creator)
                    stack.append(creator)
