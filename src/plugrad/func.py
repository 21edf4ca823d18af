"""Differentiation as a function: ``grad``, ``vjp``, ``jvp``, Jacobians and Hessians.

``y.backward()`` is DeZero's way to differentiate, and stays.  This module is JAX's and
torch.func's way: a transform takes a function and gives back a function that computes
derivatives, and transforms compose (``grad(grad(f))``, ``jacfwd(jacrev(f))``)::

    from plugrad.func import grad, hessian

    def f(x: Operand) -> Variable:
        return F.sum(F.tanh(x) ** 2)

    g = grad(f)(np.ones(3))  # a Variable of shape (3,); nothing is written to any .grad
    H = hessian(f)(np.ones(3))  # shape (3, 3)

Arguments may be ndarrays, numbers or Variables; results are Variables.  How the transforms
sit on a define-by-run engine:

- **Each differentiated argument becomes a node of its own**: a new leaf for an array or a
  number; for a Variable of an outer computation, a recorded identity of it.  A transform
  differentiates with respect to its node only, so a transform called inside another never
  takes the outer one's input for its own (``d/dx (x * d/dy (x + y))`` is 1), and the result
  stays connected to the outer graph, which can differentiate it again.
- **Gradients come from ``plugrad.gradients``**: no ``.grad`` is written, so no reference
  cycle is left behind, and the walk stops at the nodes.
- **The backward pass is recorded only when someone may differentiate the result again**: when
  the transform runs inside another one (or inside a function it evaluates), or when an
  argument is a Variable that takes gradients.  On arrays at top level every pass is first
  order: no Variable is built for it.  (A function that closes over a Variable of the caller
  at top level gets a result that is a constant: pass the Variable as an argument instead.)
- **Forward mode comes from reverse mode.**  ``u -> J^T u`` (a VJP) is linear in ``u``, and
  its own VJP with a tangent ``v`` is ``J v``; so ``jvp`` and ``jacfwd`` are two reverse
  passes, the second over the graph the first recorded, and every op's one ``vjp`` rule serves
  both modes (plugins included).  An op whose rule runs on ndarrays only cannot take part.
- **Jacobians seed one walk with all rows at once**: the one-hot cotangents stacked along a
  leading axis (``plugrad._batched``), as ``vmap`` does for JAX's Jacobians.  Where a rule does
  something the stack cannot carry out, the rows are computed one walk at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final, ParamSpec, TypeGuard, TypeVar, TypeVarTuple, cast, final, overload

import numpy as np

from plugrad._batched import Batched, run_rule
from plugrad.core.config import enable_grad, is_grad_enabled
from plugrad.core.engine import collect_gradients, gradients
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.ops.shape import concat, reshape
from plugrad.typing import Array, Operand, Shape, V

P = ParamSpec("P")
Ts = TypeVarTuple("Ts")
X = TypeVar("X")

# How many transforms are evaluating a function right now: inside one, results are recorded.
_depth: Final[ContextVar[int]] = ContextVar("plugrad_func_depth", default=0)


class _Input(Function[Array]):
    """y = x, the node a transform differentiates with respect to;  gx = gy"""

    __slots__ = ()
    retains_inputs = False  # the rule reads nothing of the input

    def forward(self, x: Array) -> Array:
        return x

    def vjp(self, x: V, gy: V) -> V:
        return gy


# -- the transforms ---------------------------------------------------------------------------


@overload
def grad(f: Callable[P, Variable], argnums: int = 0) -> Callable[P, Variable]: ...
@overload
def grad(
    f: Callable[P, Variable], argnums: tuple[int, ...]
) -> Callable[P, tuple[Variable, ...]]: ...


def grad(
    f: Callable[P, Variable], argnums: int | tuple[int, ...] = 0
) -> Callable[P, Variable | tuple[Variable, ...]]:
    """The gradient of ``f`` (a function with a scalar output) with respect to argument
    ``argnums``, as a function of ``f``'s arguments; a tuple of gradients for a tuple of
    ``argnums``.  Keyword arguments are passed through and not differentiated."""
    if isinstance(argnums, int):
        return _scalar_gradient(f, argnums, "grad")
    positions = _positions(argnums, "grad")

    @functools.wraps(f)
    def grad_f(*args: P.args, **kwargs: P.kwargs) -> tuple[Variable, ...]:
        return _value_and_grad(f, positions, args, kwargs, "grad")[1]

    return grad_f


@overload
def value_and_grad(
    f: Callable[P, Variable], argnums: int = 0
) -> Callable[P, tuple[Variable, Variable]]: ...
@overload
def value_and_grad(
    f: Callable[P, Variable], argnums: tuple[int, ...]
) -> Callable[P, tuple[Variable, tuple[Variable, ...]]]: ...


def value_and_grad(
    f: Callable[P, Variable], argnums: int | tuple[int, ...] = 0
) -> Callable[P, tuple[Variable, Variable | tuple[Variable, ...]]]:
    """``grad`` that also returns ``f``'s value: ``(value, gradient)``, from one forward pass."""
    positions = _positions(argnums, "value_and_grad")

    @functools.wraps(f)
    def value_and_grad_f(
        *args: P.args, **kwargs: P.kwargs
    ) -> tuple[Variable, Variable | tuple[Variable, ...]]:
        value, grads = _value_and_grad(f, positions, args, kwargs, "value_and_grad")
        return value, grads[0] if isinstance(argnums, int) else grads

    return value_and_grad_f


def vjp(
    f: Callable[P, Variable], /, *primals: P.args, **kwargs: P.kwargs
) -> tuple[Variable, Pullback]:
    """``f(*primals)`` and its pullback: the function ``u -> (u^T J_1, u^T J_2, ...)`` giving,
    for a cotangent ``u`` of the output's shape, one gradient per primal.  One forward pass
    serves any number of pullbacks.  Keyword arguments go to ``f`` and are not differentiated."""
    record = _recording(*primals, *kwargs.values())
    nodes = [_node(primal, record, "vjp", i) for i, primal in enumerate(primals)]
    out = _call(f, nodes, kwargs, "vjp")
    return _value(out, record), Pullback(out, nodes, record)


@final
class Pullback:
    """What ``vjp`` returns beside the value: called with a cotangent ``u`` (the output's
    shape), it gives ``u^T J`` for each primal, in order."""

    __slots__ = ("_nodes", "_output", "_recorded")

    def __init__(self, output: Variable, nodes: list[Variable], recorded: bool) -> None:
        self._output = output
        self._nodes = nodes
        self._recorded = recorded

    def __call__(self, cotangent: Operand) -> tuple[Variable, ...]:
        out = self._output
        record = _recording(cotangent) or (self._recorded and is_grad_enabled())
        _check_shape(cotangent, out.shape, "vjp: the cotangent", "f's output")
        return gradients(out, self._nodes, cotangent, create_graph=record)

    def __repr__(self) -> str:
        return f"<pullback of an output of shape {self._output.shape}>"


def jvp(
    f: Callable[[*Ts], Variable], primals: tuple[*Ts], tangents: tuple[Operand, ...]
) -> tuple[Variable, Variable]:
    """Forward mode: ``(f(*primals), J v)``, the derivative of ``f`` at ``primals`` along
    ``tangents`` (one per primal, each of its primal's shape)."""
    values: tuple[object, ...] = tuple(primals)  # f's argument types matter to callers only
    if len(values) != len(tangents):
        raise ValueError(
            f"jvp: {len(values)} primal(s) but {len(tangents)} tangent(s); give one tangent "
            "per primal, of the primal's shape"
        )
    record = _recording(*values, *tangents)
    nodes = [_node(primal, record, "jvp", i) for i, primal in enumerate(values)]
    for i, (node, tangent) in enumerate(zip(nodes, tangents, strict=True)):
        _check_shape(tangent, node.shape, f"jvp: tangent {i}", f"primal {i}")
    out = _call(f, nodes, {}, "jvp")
    return _value(out, record), _forward_mode(out, nodes, tangents, record, "jvp")


@overload
def jacrev(f: Callable[P, Variable], argnums: int = 0) -> Callable[P, Variable]: ...
@overload
def jacrev(
    f: Callable[P, Variable], argnums: tuple[int, ...]
) -> Callable[P, tuple[Variable, ...]]: ...


def jacrev(
    f: Callable[P, Variable], argnums: int | tuple[int, ...] = 0
) -> Callable[P, Variable | tuple[Variable, ...]]:
    """The Jacobian of ``f`` by reverse mode, of shape ``output.shape + argument.shape``: one
    backward pass per output element (all in one walk where the ops allow).  For functions
    with fewer outputs than inputs."""
    positions = _positions(argnums, "jacrev")

    @functools.wraps(f)
    def jacrev_f(*args: P.args, **kwargs: P.kwargs) -> Variable | tuple[Variable, ...]:
        record = _recording(*args, *kwargs.values())
        call, nodes = _prepare(args, positions, record, "jacrev")
        out = _call(f, call, kwargs, "jacrev")
        jacobians = tuple(
            _reshaped(rows, (*out.shape, *node.shape), record)
            for rows, node in zip(_rows(out, nodes, record), nodes, strict=True)
        )
        return jacobians[0] if isinstance(argnums, int) else jacobians

    return jacrev_f


@overload
def jacfwd(f: Callable[P, Variable], argnums: int = 0) -> Callable[P, Variable]: ...
@overload
def jacfwd(
    f: Callable[P, Variable], argnums: tuple[int, ...]
) -> Callable[P, tuple[Variable, ...]]: ...


def jacfwd(
    f: Callable[P, Variable], argnums: int | tuple[int, ...] = 0
) -> Callable[P, Variable | tuple[Variable, ...]]:
    """The Jacobian of ``f`` by forward mode, of shape ``output.shape + argument.shape``: one
    JVP per input element (all in one walk where the ops allow).  For functions with fewer
    inputs than outputs."""
    positions = _positions(argnums, "jacfwd")

    @functools.wraps(f)
    def jacfwd_f(*args: P.args, **kwargs: P.kwargs) -> Variable | tuple[Variable, ...]:
        record = _recording(*args, *kwargs.values())
        call, nodes = _prepare(args, positions, record, "jacfwd")
        out = _call(f, call, kwargs, "jacfwd")
        jacobians = tuple(_columns(out, nodes, record))
        return jacobians[0] if isinstance(argnums, int) else jacobians

    return jacfwd_f


def hessian(f: Callable[P, Variable], argnums: int = 0) -> Callable[P, Variable]:
    """The Hessian of ``f`` (scalar output) with respect to argument ``argnums``, of shape
    ``argument.shape + argument.shape``: ``jacrev(grad(f))``, reverse mode over reverse mode,
    which on this engine is cheaper than JAX's ``jacfwd(jacrev(f))`` (forward mode costs two
    reverse passes here; see benchmarks/bench_func.py)."""
    if isinstance(argnums, bool) or not isinstance(argnums, int):
        raise TypeError(
            f"hessian: argnums must be one int, got {argnums!r}; for several arguments "
            "take jacrev(grad(f, argnums), argnums)"
        )
    return jacrev(_scalar_gradient(f, argnums, "hessian"), argnums)


def hvp(f: Callable[[X], Variable], x: X, v: Operand) -> Variable:
    """``H v``: the Hessian of ``f`` (scalar output, one argument) at ``x`` times ``v``,
    without forming ``H``.  Built as the VJP of ``grad(f)`` with ``v`` (``H`` is symmetric):
    two reverse passes, the second over the graph of the first."""
    shape = _shape_of(x, "hvp: x")
    _check_shape(v, shape, "hvp: v", "x")
    _, pullback = vjp(_scalar_gradient(f, 0, "hvp"), x)
    (hv,) = pullback(v)
    return hv


# -- arguments --------------------------------------------------------------------------------


def _positions(argnums: object, transform: str) -> tuple[int, ...]:
    """``argnums`` (an int or a tuple of ints) as a tuple, checked for type and repeats."""
    items = (argnums,) if isinstance(argnums, int) else argnums
    if not _is_int_tuple(items):
        raise TypeError(f"{transform}: argnums must be an int or a tuple of ints, got {argnums!r}")
    if not items:
        raise ValueError(f"{transform}: argnums is empty; name at least one argument")
    if len(set(items)) != len(items):
        raise ValueError(f"{transform}: argnums {argnums!r} names an argument twice")
    return items


def _is_int_tuple(value: object) -> TypeGuard[tuple[int, ...]]:
    """Whether ``value`` is a tuple of ints (bools are not positions)."""
    if not isinstance(value, tuple):
        return False
    items = cast(tuple[object, ...], value)  # a tuple of anything, until checked here
    return all(isinstance(a, int) and not isinstance(a, bool) for a in items)


def _resolved(positions: tuple[int, ...], count: int, transform: str) -> list[int]:
    """``positions`` for a call with ``count`` positional arguments (negative ones count back)."""
    resolved: list[int] = []
    for position in positions:
        if not -count <= position < count:
            raise ValueError(
                f"{transform}: argnums {position} is out of range for a call with {count} "
                "positional argument(s); argnums counts positional arguments (keyword "
                "arguments are passed through, not differentiated)"
            )
        resolved.append(position % count)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"{transform}: argnums {positions} names an argument twice")
    return resolved


def _recording(*values: object) -> bool:
    """Whether to record the backward pass: someone may differentiate the result again."""
    if not is_grad_enabled():
        return False
    if _depth.get() > 0:
        return True
    return any(isinstance(v, Variable) and not v._constant for v in values)


def _node(value: object, record: bool, transform: str, position: int) -> Variable:
    """The node a transform differentiates argument ``position`` with respect to."""
    if isinstance(value, Variable):
        _check_floating(value.data, transform, position)
        if record and not value._constant:
            with enable_grad():
                return _Input()(value)
        return Variable(value.data)
    data = _as_array(value, f"{transform}: argument {position}")
    _check_floating(data, transform, position)
    return Variable(data)


def _prepare(
    args: tuple[Any, ...], positions: tuple[int, ...], record: bool, transform: str
) -> tuple[list[Any], list[Variable]]:
    """The arguments to call ``f`` with (nodes in place of the differentiated ones), and the
    nodes."""
    call = list(args)
    nodes: list[Variable] = []
    for position in _resolved(positions, len(args), transform):
        node = _node(args[position], record, transform, position)
        call[position] = node
        nodes.append(node)
    return call, nodes


def _as_array(value: object, what: str) -> Array:
    if isinstance(value, np.ndarray):
        return cast(Array, value)  # isinstance leaves its shape and dtype types unknown
    if isinstance(value, float | int | np.number) and not isinstance(value, bool):
        return np.asarray(value)
    raise TypeError(
        f"{what} must be a Variable, an ndarray or a number, got {type(value).__name__}"
    )


def _check_floating(data: Array, transform: str, position: int) -> None:
    if data.dtype.kind != "f":
        raise TypeError(
            f"{transform}: argument {position} has dtype {data.dtype}; derivatives are taken "
            "with respect to floating values (write 2.0 rather than 2, or x.astype(float))"
        )


def _shape_of(value: object, what: str) -> Shape:
    if isinstance(value, Variable):
        return value.shape
    shape: Shape = _as_array(value, what).shape
    return shape


def _check_shape(value: object, shape: Shape, what: str, whose: str) -> None:
    got = _shape_of(value, what)
    if got != shape:
        raise ValueError(f"{what} has shape {got}, but {whose} has shape {shape}")


# -- evaluating f -----------------------------------------------------------------------------


@contextmanager
def _inside() -> Generator[None, None, None]:
    """Evaluating a function under a transform: its ops are recorded (even inside ``no_grad``),
    and transforms it calls know they are nested."""
    token = _depth.set(_depth.get() + 1)
    try:
        with enable_grad():
            yield
    finally:
        _depth.reset(token)


def _call(f: Callable[..., object], args: Sequence[Any], kwargs: Any, transform: str) -> Variable:
    with _inside():
        out = f(*args, **kwargs)
    if isinstance(out, Variable):
        return out
    if isinstance(out, np.ndarray | np.generic | float | int) and not isinstance(out, bool):
        # A value computed without the arguments: its derivatives are zeros.
        return Variable._wrap(np.asarray(out), constant=True)
    raise TypeError(
        f"{transform}: f must return one Variable, got {type(out).__name__}"
        + ("; differentiate each output separately" if isinstance(out, tuple) else "")
    )


def _value(out: Variable, record: bool) -> Variable:
    """The value a transform returns: the output itself when recording (it is differentiable),
    else a constant with its data, which does not keep the graph alive."""
    return out if record else Variable._wrap(out.data, constant=True)


# -- gradients --------------------------------------------------------------------------------


def _scalar_gradient(
    f: Callable[P, Variable], argnum: int, transform: str
) -> Callable[P, Variable]:
    """``grad(f, argnum)`` for one argument, naming ``transform`` in its errors."""
    positions = _positions(argnum, transform)

    @functools.wraps(f)
    def grad_f(*args: P.args, **kwargs: P.kwargs) -> Variable:
        return _value_and_grad(f, positions, args, kwargs, transform)[1][0]

    return grad_f


def _value_and_grad(
    f: Callable[..., Variable],
    positions: tuple[int, ...],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    transform: str,
) -> tuple[Variable, tuple[Variable, ...]]:
    record = _recording(*args, *kwargs.values())
    call, nodes = _prepare(args, positions, record, transform)
    out = _call(f, call, kwargs, transform)
    if out.shape != ():
        raise ValueError(
            f"{transform}: f returned a Variable of shape {out.shape}; {transform} needs a "
            "scalar output (shape ()). For the derivatives of a non-scalar output use vjp "
            "with a cotangent, or jacrev / jacfwd for the whole Jacobian (or reduce the "
            "output first, e.g. F.sum(y))"
        )
    return _value(out, record), gradients(out, nodes, create_graph=record)


# -- Jacobians --------------------------------------------------------------------------------


def _rows(
    output: Variable, targets: list[Variable], record: bool, prune: bool = False
) -> list[Variable]:
    """For each target, the gradients of each element of ``output``, stacked: row ``r`` is
    d output.flat[r] / d target, so the stack has shape ``(output.size, *target.shape)``.
    ``prune`` for graphs that lead mostly elsewhere (see ``collect_gradients``)."""
    if not record:
        stacked = _rows_at_once(output, targets, prune)
        if stacked is not None:
            return [Variable._wrap(rows, constant=True) for rows in stacked]
    return _rows_one_by_one(output, targets, record, prune)


def _rows_at_once(output: Variable, targets: list[Variable], prune: bool) -> list[Array] | None:
    """The rows from one first-order walk seeded with every one-hot gradient at once, or
    ``None`` where a rule on the way cannot take a stack (see ``plugrad._batched``)."""
    k = output.size
    seeds = np.eye(k, dtype=output.dtype).reshape((k, *output.shape))
    try:
        found = collect_gradients(
            [output], [Batched(seeds)], targets, create_graph=False, run_rule=run_rule, prune=prune
        )
    except Exception:  # whatever failed, one walk per row redoes it, exactly
        return None
    stacked: list[Array] = []
    for target, g in zip(targets, found, strict=True):
        shape = (k, *target.shape)
        if g is None:
            stacked.append(np.zeros(shape, dtype=target.dtype))
        elif isinstance(g, Batched):
            stacked.append(g.stack)
        else:  # the same gradient for every row (it did not depend on the seed)
            stacked.append(np.array(np.broadcast_to(g, shape)))
    return stacked


def _rows_one_by_one(
    output: Variable, targets: list[Variable], record: bool, prune: bool
) -> list[Variable]:
    k = output.size
    rows: list[list[Any]] = [[] for _ in targets]
    for r in range(k):
        one_hot = np.zeros(k, dtype=output.dtype)
        one_hot[r] = 1
        seed = one_hot.reshape(output.shape)
        found = collect_gradients(
            [output],
            [Variable._wrap(seed, constant=True) if record else seed],
            targets,
            create_graph=record,
            prune=prune,
        )
        for target_rows, target, g in zip(rows, targets, found, strict=True):
            target_rows.append(np.zeros_like(target.data) if g is None else g)
    return [
        _stacked(target_rows, target, record)
        for target_rows, target in zip(rows, targets, strict=True)
    ]


def _stacked(rows: list[Any], target: Variable, record: bool) -> Variable:
    """``rows`` (each of ``target``'s shape) stacked along a new leading axis."""
    if not rows:
        return Variable._wrap(np.zeros((0, *target.shape), dtype=target.dtype), constant=True)
    if not record:
        return Variable._wrap(np.stack([np.asarray(row) for row in rows]), constant=True)
    one_row = (1, *target.shape)
    if len(rows) == 1:  # a gradient (jacrev of a scalar function): no concat to go through
        return reshape(rows[0], one_row)
    return concat([reshape(row, one_row) for row in rows], axis=0)


def _columns(out: Variable, nodes: list[Variable], record: bool) -> Iterator[Variable]:
    """Each node's Jacobian by forward mode: column ``j`` is ``J e_j``, the VJP of
    ``u -> J^T u`` with the one-hot ``e_j``."""
    u, transposes = _transposed_pullbacks(out, nodes, "jacfwd")
    for node, w in zip(nodes, transposes, strict=True):
        shape = (*out.shape, *node.shape)
        if w is None:
            yield _constant(np.zeros(shape, dtype=node.dtype))
            continue
        # The graph of w hangs on the forward pass, where no path leads to u: pruned.
        (columns,) = _rows(w, [u], record, prune=True)  # (node.size, *out.shape)
        flat = _reshaped(columns, (node.size, out.size), record)
        yield _reshaped(flat.T if record else _constant(flat.data.T), shape, record)


def _transposed_pullbacks(
    out: Variable, nodes: list[Variable], transform: str
) -> tuple[Variable, list[Variable | None]]:
    """A new leaf ``u`` of the output's shape, and the VJP ``J_i^T u`` of each node, recorded:
    linear functions of ``u`` (``None`` where the output does not depend on the node)."""
    # The value of u does not matter (J^T u is linear in u): zeros cost nothing to make.
    u = Variable(np.zeros_like(out.data))
    try:
        found = collect_gradients([out], [u], nodes, create_graph=True)
    except NotImplementedError as error:
        raise NotImplementedError(
            f"{transform}: {error}. Forward mode is built from two reverse passes here, so "
            "every op on the way needs a derivative rule that runs on Variables (vjp)"
        ) from error
    return u, [w if w is not None and not w._constant else None for w in found]


def _forward_mode(
    out: Variable,
    nodes: list[Variable],
    tangents: Sequence[Operand],
    record: bool,
    transform: str,
) -> Variable:
    """``J v``: the VJP of ``u -> J^T u`` with the tangents ``v``."""
    u, transposes = _transposed_pullbacks(out, nodes, transform)
    pairs = [(w, t) for w, t in zip(transposes, tangents, strict=True) if w is not None]
    if not pairs:
        return _constant(np.zeros_like(out.data))
    ws = [w for w, _ in pairs]
    seeds = [_seed(t, w.dtype, record) for w, t in pairs]
    # Not pruned (unlike jacfwd's stacked walk): for one vector, passing the gradient through
    # the forward pass costs less than the pass over the graph that finds what to prune.
    (jv,) = collect_gradients(ws, seeds, [u], create_graph=record)
    if jv is None:
        return _constant(np.zeros_like(out.data))
    return jv if record else _constant(np.array(jv))  # an array of its own, not a tangent


def _seed(value: Operand, dtype: np.dtype[Any], record: bool) -> Any:
    """A tangent as a seed: a Variable when recording (the caller's, if it gave one: the
    result depends on it), else an array."""
    if isinstance(value, Variable):
        return value if record else value.data.astype(dtype, copy=False)
    data = np.asarray(value, dtype=dtype)
    return Variable._wrap(data, constant=True) if record else data


def _reshaped(x: Variable, shape: Shape, record: bool) -> Variable:
    if x.shape == shape:
        return x
    return reshape(x, shape) if record else _constant(x.data.reshape(shape))


def _constant(data: Array) -> Variable:
    return Variable._wrap(data, constant=True)


__all__ = [
    "Pullback",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]
