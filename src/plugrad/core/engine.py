"""The backward walk.

Iterative, never recursive.  Functions wait in buckets keyed by generation and are run newest
generation first, each once, in arrival order within a generation, so the walk is deterministic.
A function's inputs are always of an older generation than the function itself (that is how
generations are assigned), so the buckets are visited by a counter that only goes down: the
walk costs time linear in the size of the graph, with no heap and no sorting.  Gradients that
are still on their way live in a dict local to the walk; an error halfway leaves no stale state.

First order runs on plain ndarrays (``backward_array``); ``create_graph=True`` runs the ops'
differentiable ``backward`` on Variables with the graph recorded, so the result can be
differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plugrad._typing import Array
from plugrad.core.config import _enable_backprop, using_config
from plugrad.core.function import AnyFunction
from plugrad.core.variable import Variable

Grad = Any  # an ndarray on the first-order path, a Variable with create_graph

# Gradients on their way are keyed by the value they belong to: a leaf by itself, a value made
# by a function by that function's weak reference to it (``Variable._ref``), which a stand-in
# shares (see ``Function.retains_inputs``), and which outlives the value.
Key = Any


def run_backward(output: Variable, *, retain_grad: bool, create_graph: bool) -> None:
    """Backpropagate from ``output``; see ``Variable.backward``."""
    if output.data is None:
        raise ValueError("backward() on a Variable whose data is None")
    seed: Grad
    if output.grad is not None:
        seed = output.grad if create_graph else output.grad.data
    else:
        ones = np.ones_like(output.data)
        seed = Variable(ones) if create_graph else ones

    output.grad = None  # the seed is taken; with retain_grad it comes back as the grad
    root = output.creator
    if root is None:  # a leaf: its gradient with respect to itself
        output.grad = seed if create_graph else Variable(seed)
        return

    if create_graph:
        with using_config("enable_backprop", True):
            _walk(output, root, seed, retain_grad, create_graph=True)
    else:
        _walk(output, root, seed, retain_grad, create_graph=False)


def _walk(
    output: Variable, root: AnyFunction, seed: Grad, retain_grad: bool, create_graph: bool
) -> None:
    pending: dict[Key, Grad] = {output._ref or output: seed}
    leaves: list[Variable] = []
    generation = root.generation
    buckets: dict[int, list[AnyFunction]] = {generation: [root]}
    queued: set[AnyFunction] = {root}

    while buckets:
        bucket = buckets.pop(generation, None)
        if bucket is None:  # a gap between generations (left by unchain, say)
            generation = max(buckets)
            continue
        for func in bucket:
            gxs = _run_backward_of(func, pending, retain_grad, create_graph)
            inputs = func.inputs
            for x, gx in zip(inputs, gxs):  # noqa: B905  # lengths checked by _run_backward_of
                if gx is None or x._constant:
                    continue
                data = x.data
                try:
                    fits = gx.shape == data.shape and gx.dtype == data.dtype
                except AttributeError:  # not an array (a float, say): the slow path says why
                    fits = False
                if not fits:
                    gx = _checked_grad(func, inputs.index(x), gx, data, create_graph)
                key = x._ref or x
                previous = pending.get(key)
                pending[key] = gx if previous is None else previous + gx
                creator = x.creator
                if creator is None:
                    if previous is None:
                        leaves.append(x)
                elif creator not in queued:
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


def _run_backward_of(
    func: AnyFunction, pending: dict[Key, Grad], retain_grad: bool, create_graph: bool
) -> tuple[Grad, ...]:
    """Take the gradients waiting on ``func``'s outputs and run its backward on them."""
    outputs = func.outputs
    if len(outputs) == 1 and not retain_grad:
        # The common case, inline: the only output's gradient is waiting (that is how this
        # function was reached).
        gy = pending.pop(outputs[0], None)
        if gy is None:
            gy = _waiting_grad(func, 0, pending, create_graph)
        gys: list[Grad] = [gy]
    else:
        gys = _output_grads(func, pending, retain_grad, create_graph)

    if create_graph:
        gxs = _graph_backward(func, gys)
    elif func.has_array_backward:
        gxs = func.backward_array(*gys)
    else:
        gxs = _array_backward_through_variables(func, gys)
    result: tuple[Grad, ...] = gxs if type(gxs) is tuple else (gxs,)
    if len(result) != len(func.inputs):
        raise _gradient_count_error(func, len(result), len(func.inputs))
    return result


def _waiting_grad(
    func: AnyFunction, index: int, pending: dict[Key, Grad], create_graph: bool
) -> Grad:
    """The slow path of taking output ``index``'s gradient: one keyed by the output itself (a
    creator set by hand with ``set_creator``), or zeros for an output that got none."""
    y = func.outputs[index]()
    gy = pending.pop(y, None) if y is not None else None
    return gy if gy is not None else _missing_grad(func, index, create_graph)


def _missing_grad(func: AnyFunction, index: int, create_graph: bool) -> Grad:
    """Zeros for an output that received no gradient (unused, or already dropped)."""
    y = func.outputs[index]()
    if y is not None:
        shape, dtype = y.data.shape, y.data.dtype
    else:
        shape, dtype = func.output_spec(index)
    zeros = np.zeros(shape, dtype=dtype)
    return Variable(zeros) if create_graph else zeros


def _output_grads(
    func: AnyFunction, pending: dict[Key, Grad], retain_grad: bool, create_graph: bool
) -> list[Grad]:
    """Take the gradients waiting on ``func``'s outputs (zeros for outputs that got none)."""
    gys: list[Grad] = []
    for index, ref in enumerate(func.outputs):
        try:
            gy = pending.pop(ref, None)
        except TypeError:  # a dropped output nobody used: its reference was never hashed
            gy = None
        if gy is None:
            gy = _waiting_grad(func, index, pending, create_graph)
        elif retain_grad and (y := ref()) is not None:
            # The walk goes on using gy, so the retained grad gets its own copy.
            _accumulate(y, gy if create_graph else np.array(gy), create_graph)
        gys.append(gy)
    return gys


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


def _graph_backward(func: AnyFunction, gys: list[Variable]) -> Any:
    if not func.has_graph_backward and func.has_array_backward:
        raise NotImplementedError(
            f"{_describe(func)} has no differentiable backward(), so "
            "backward(create_graph=True) cannot pass through it (first order works)"
        )
    gxs = func.backward(*gys)
    if isinstance(gxs, tuple):
        return tuple([_as_grad_variable(g) for g in gxs])
    return _as_grad_variable(gxs)


def _as_grad_variable(g: object) -> Variable | None:
    if g is None or isinstance(g, Variable):
        return g
    return Variable(np.asarray(g))


def _array_backward_through_variables(func: AnyFunction, gys: list[Array]) -> Any:
    """First order for an op that wrote only the Variable form (DeZero-style ops)."""
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


def _describe(func: AnyFunction) -> str:
    from plugrad.registry import describe_op

    return describe_op(type(func))


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
                f"{_describe(func)}: backward returned {type(gx).__name__} as the gradient of "
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
        f"{_describe(func)}: backward returned {got} gradient(s) for {expected} input(s); "
        "return one gradient per input (None for an input that needs none)"
    )


def _gradient_shape_error(
    func: AnyFunction, index: int, got: tuple[int, ...], expected: tuple[int, ...]
) -> ValueError:
    return ValueError(
        f"{_describe(func)}: backward returned a gradient of shape {got} for input {index}, "
        f"whose shape is {expected}; reduce broadcast gradients with sum_to"
    )


def _generation_error(func: AnyFunction, creator: AnyFunction) -> RuntimeError:
    return RuntimeError(
        f"{_describe(func)} (generation {func.generation}) has an input made by "
        f"{_describe(creator)} of generation {creator.generation}; an input must be older "
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
                value = x._ref() if x._ref is not None else None
                if value is not None and value is not x:
                    value.unchain()
                x.unchain()
                if creator not in seen:
                    seen.add(creator)
                    stack.append(creator)
