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

Two entries share the walk.  ``Variable.backward`` accumulates into the leaves' ``grad``.
``gradients(outputs, inputs)`` writes nothing anywhere and returns the gradient of each input:
a leaf's is what the walk leaves pending for it; an intermediate value's is read by a stop the
walk makes at its creator's generation (every contribution to it comes from a newer function),
and when only intermediate values are wanted the walk ends at the last of those stops, so
nothing behind them is differentiated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np

from plugrad.core.config import _enable_backprop, using_config
from plugrad.core.describe import describe
from plugrad.core.function import Function, output_variable
from plugrad.core.variable import StandIn, Variable
from plugrad.typing import AnyFunction, Array, Operand

Grad = Any  # an ndarray on the first-order path, a Variable with create_graph
Key = Any  # a leaf Variable, a Function (its first output), or (Function, index)
# Runs one op's first-order rule on its arguments: ``run_rule(rule, args)`` (``gradients``).
RuleRunner = Callable[[Callable[..., Any], tuple[Any, ...]], Any]
# What the walk calls instead of its own first-order path: ``runner(func, gys) -> gxs``.
_Runner = Callable[[AnyFunction, tuple[Any, ...]], Any]
# ``tuple``, typed: ``type(gxs) is _GradTuple`` narrows a rule's result (Any) to a tuple of
# gradients, where ``type(gxs) is tuple`` would leave pyright a ``tuple[Unknown, ...]``.
_GradTuple: Final[type[tuple[Grad, ...]]] = tuple


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


def gradients(
    outputs: Variable | Sequence[Variable],
    inputs: Variable | Sequence[Variable],
    grad_outputs: Operand | Sequence[Operand | None] | None = None,
    create_graph: bool = False,
) -> tuple[Variable, ...]:
    """The gradients of ``outputs`` with respect to each of ``inputs``, returned, not stored.

    ``torch.autograd.grad``'s idea: no ``grad`` is written anywhere (so no reference cycle
    ``x -> x.grad -> its graph -> x`` is left behind), and the walk goes no further back than
    the inputs need.  ``grad_outputs`` seeds each output (ones by default, as ``backward``);
    with several outputs it is a sequence with one entry per output (``None`` for ones).
    Inputs may be intermediate values as well as leaves.  An input the outputs do not depend
    on gets zeros.  With ``create_graph`` the backward pass is recorded, so the gradients can
    be differentiated again; without it they are constants.
    """
    ys = _variables(outputs, "outputs")
    xs = _variables(inputs, "inputs")
    seeds = _seeds(ys, outputs, grad_outputs, create_graph)
    found = collect_gradients(ys, seeds, xs, create_graph=create_graph)
    # A seed or a gradient may reach several inputs as the same array: each gets its own.
    handed_out: set[int] = set() if create_graph else {id(seed) for seed in seeds}
    return tuple(
        [_returned(x, g, create_graph, handed_out) for x, g in zip(xs, found, strict=True)]
    )


def collect_gradients(
    outputs: Sequence[Variable],
    seeds: Sequence[Grad | None],
    inputs: Sequence[Variable],
    *,
    create_graph: bool,
    run_rule: RuleRunner | None = None,
    prune: bool = False,
) -> list[Grad | None]:
    """The gradient reaching each input from ``outputs`` seeded with ``seeds`` (``None`` where
    none arrives), as the walk holds it: ndarrays on the first-order path, Variables with
    ``create_graph``.  Writes no ``grad``.  The engine side of ``gradients`` and ``plugrad.func``.

    For first order only: ``run_rule``, for seeds that are not plain ndarrays, is called as
    ``run_rule(rule, args)`` to run each op's rule: its ``vjp`` (written for any kind of value)
    even where an array-only ``vjp_array`` exists.  ``prune`` passes gradients on only towards
    the inputs, after one pass over the graph to find the functions on the way: for graphs
    where much leads elsewhere (the graph of a backward pass hangs on its forward pass).
    """
    pending: dict[Key, Grad] = {}
    roots: list[AnyFunction] = []
    for y, seed in zip(outputs, seeds, strict=True):
        if seed is None or y._constant:
            continue
        key = _key(y)
        previous = pending.get(key)
        pending[key] = seed if previous is None else previous + seed
        creator = y.creator
        if creator is not None and not any(creator is root for root in roots):
            roots.append(creator)
    found: dict[Key, Grad] = {}
    if roots:
        wants_leaves = any(x.creator is None for x in inputs)
        stops = _stops(inputs, pending, found, last_ends_walk=not wants_leaves)
        runner = None
        if not create_graph and (prune or run_rule is not None):
            runner = _runner(run_rule or _call_rule, _Towards(roots, inputs) if prune else None)
        try:
            if create_graph:
                with using_config("enable_backprop", True):
                    _propagate(pending, [*stops, *roots], None, True, None)
            else:
                _propagate(pending, [*stops, *roots], None, False, runner)
        except _WalkDone:
            pass
    return [pending.get(x) if x.creator is None else found.get(_key(x)) for x in inputs]


def _call_rule(rule: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return rule(*args)


def _runner(run_rule: RuleRunner, towards: _Towards | None) -> _Runner:
    """The walk's first-order step: ``run_rule`` on the op's rule, then, when pruning, each
    gradient that leads to no input dropped (so the walk does not go there)."""

    def run(func: AnyFunction, gys: tuple[Grad, ...]) -> Any:
        gxs = _run_by(run_rule, func, gys)
        return gxs if towards is None else towards.pruned(func, gxs)

    return run


class _Towards:
    """Which values lead to the inputs of a walk: the inputs, and the outputs of functions
    from which an input can be reached (found by one pass over the graph behind the roots)."""

    __slots__ = ("keys", "leading")

    def __init__(self, roots: list[AnyFunction], inputs: Sequence[Variable]) -> None:
        self.keys = {_key(x) for x in inputs}
        self.leading: set[AnyFunction] = set()
        # Depth first, each function finished after every function behind it (the graph has
        # no cycles: an input is always older than the function using it).
        done: set[AnyFunction] = set()
        stack: list[tuple[AnyFunction, bool]] = [(root, False) for root in roots]
        while stack:
            func, behind_done = stack.pop()
            if behind_done:
                if any(self.leads(x) for x in func.inputs):
                    self.leading.add(func)
                continue
            if func in done:
                continue
            done.add(func)
            stack.append((func, True))
            for x in func.inputs:
                creator = x.creator
                if creator is not None and creator not in done and not x._constant:
                    stack.append((creator, False))

    def leads(self, x: Variable) -> bool:
        creator = x.creator
        return _key(x) in self.keys or (creator is not None and creator in self.leading)

    def pruned(self, func: AnyFunction, gxs: Any) -> Any:
        """``gxs`` with ``None`` for the inputs of ``func`` that lead to no input of the walk."""
        inputs = func.inputs
        if type(gxs) is not _GradTuple:
            return gxs if self.leads(inputs[0]) else None
        if len(gxs) != len(inputs):
            return gxs  # the walk reports the wrong count
        return tuple([g if self.leads(x) else None for x, g in zip(inputs, gxs, strict=True)])


class _WalkDone(Exception):  # noqa: N818  # a signal, not an error
    """Raised by the last read stop when nothing behind it is wanted: the walk is over."""


class _ReadStop(Function[*tuple[Any, ...]]):
    """A stop on the walk where intermediate values' gradients are read (for ``gradients``).

    A value's gradient is complete once the walk reaches its creator's generation: every
    function using the value is newer.  The stop waits in that generation's bucket like a
    function without inputs, ahead of every function arriving there later (buckets grow at the
    end), so it reads before the creator passes the gradient on.  This keeps reading out of the
    walk's loop, which runs unchanged for every ``backward``.
    """

    __slots__ = ("ends_walk", "found", "keys", "pending")

    def __init__(
        self,
        generation: int,
        keys: list[Key],
        pending: dict[Key, Grad],
        found: dict[Key, Grad],
        ends_walk: bool,
    ) -> None:
        self._inputs = ()
        self._y = None
        self.generation = generation
        self.keys = keys
        self.pending = pending
        self.found = found
        self.ends_walk = ends_walk
        pending[self] = None  # the walk takes a function's pending gradient as it visits it

    def vjp(self, *gy: object) -> tuple[()]:
        for key in self.keys:
            g = self.pending.get(key)
            if g is not None:
                self.found[key] = g
        if self.ends_walk:
            raise _WalkDone
        return ()


def _stops(
    inputs: Sequence[Variable],
    pending: dict[Key, Grad],
    found: dict[Key, Grad],
    last_ends_walk: bool,
) -> list[_ReadStop]:
    """One read stop per generation holding intermediate inputs, newest first."""
    keys_at: dict[int, list[Key]] = {}
    for x in inputs:
        creator = x.creator
        if creator is not None:
            keys_at.setdefault(creator.generation, []).append(_key(x))
    generations = sorted(keys_at, reverse=True)
    return [
        _ReadStop(g, keys_at[g], pending, found, ends_walk=last_ends_walk and g == generations[-1])
        for g in generations
    ]


def _variables(values: Variable | Sequence[Variable], what: str) -> list[Variable]:
    given: object = values
    if isinstance(given, Variable):
        return [given]
    if not isinstance(given, Sequence):
        raise TypeError(
            f"gradients: {what} must be a Variable or a list of Variables, got "
            f"{type(given).__name__}"
        )
    items: list[object] = list(given)
    for index, item in enumerate(items):
        if not isinstance(item, Variable):
            raise TypeError(
                f"gradients: {what} must be Variables, got {type(item).__name__} at position "
                f"{index}; wrap arrays with Variable(...) before computing with them"
            )
    return items  # type: ignore[return-value]  # every item checked above


def _seeds(
    ys: list[Variable],
    outputs: Variable | Sequence[Variable],
    grad_outputs: Operand | Sequence[Operand | None] | None,
    create_graph: bool,
) -> list[Grad]:
    """One seed per output: the given gradient, or ones (a constant, as ``backward``'s)."""
    given: list[object]
    if grad_outputs is None:
        given = [None] * len(ys)
    elif isinstance(outputs, Variable):
        given = [grad_outputs]
    else:
        if isinstance(grad_outputs, Variable | np.ndarray | float | int | np.generic):
            raise TypeError(
                "gradients: with a sequence of outputs, grad_outputs is a sequence with one "
                "entry per output (None for ones)"
            )
        given = list(grad_outputs)
        if len(given) != len(ys):
            raise ValueError(
                f"gradients: {len(ys)} output(s) but {len(given)} grad_outputs; give one per "
                "output (None for ones)"
            )
    return [
        _seed(y, g, index, create_graph) for index, (y, g) in enumerate(zip(ys, given, strict=True))
    ]


def _seed(y: Variable, given: object, index: int, create_graph: bool) -> Grad:
    if given is None:
        ones = np.ones_like(y.data)
        return Variable._wrap(ones, constant=True) if create_graph else ones
    if isinstance(given, Variable):
        data = given.data
    elif isinstance(given, np.ndarray | np.generic | float | int):
        data = np.asarray(given)
    else:
        raise TypeError(
            f"gradients: grad_outputs[{index}] must be a Variable, an ndarray or a number, "
            f"got {type(given).__name__}"
        )
    if data.shape != y.shape:
        raise ValueError(
            f"gradients: grad_outputs[{index}] has shape {data.shape} but output {index} has "
            f"shape {y.shape}; a seed has its output's shape"
        )
    if data.dtype != y.dtype and y.dtype.kind == "f":
        data = data.astype(y.dtype)  # a float32 graph stays float32
    if create_graph:
        if isinstance(given, Variable) and given.data is data:
            return given  # the caller's Variable: the gradients depend on it
        return Variable._wrap(data, constant=True)
    return data


def _returned(x: Variable, g: Grad | None, create_graph: bool, handed_out: set[int]) -> Variable:
    """The gradient of ``x`` as ``gradients`` returns it: zeros where none arrived, and on the
    first-order path a constant with an array of its own."""
    if g is None:
        return Variable._wrap(np.zeros_like(x.data), constant=True)
    if create_graph:
        return g if isinstance(g, Variable) else Variable(np.asarray(g))
    data = g if type(g) is np.ndarray else np.asarray(g)
    if id(data) in handed_out or not data.flags.writeable or data.base is not None:
        data = data.copy()
    handed_out.add(id(data))
    return Variable._wrap(data, constant=True)


def _key(x: Variable) -> Key:
    creator = x.creator
    if creator is None:
        return x
    return creator if x._index == 0 else (creator, x._index)


def _walk(
    output: Variable, root: AnyFunction, seed: Grad, retain_grad: bool, create_graph: bool
) -> None:
    """Compute every gradient, then commit: a walk that raises changes no ``grad`` at all
    (the leaves', the intermediate values' under ``retain_grad``, or the output's seed)."""
    pending: dict[Key, Grad] = {_key(output): seed}
    # With retain_grad, the intermediate Variables met on the way get their gradients.
    retained = _Retained() if retain_grad else None
    leaves = _propagate(pending, [root], retained, create_graph, runner=None)

    updates = [(leaf, pending.pop(leaf)) for leaf in leaves]
    if retained is not None:
        updates.extend(retained.grads)
    # The seed may be an array the caller still holds (a grad they set): no leaf may get it.
    handed_out: set[int] = set() if create_graph else {id(seed)}
    new_grads = _new_grads(updates, create_graph, handed_out)
    # Nothing below can fail: plain assignments of gradients whose shapes were checked.
    for x, grad in new_grads:
        x.grad = grad
    if retain_grad:
        output.grad = seed if create_graph else Variable._wrap(np.array(seed))
    else:
        output.grad = None  # DeZero clears every output's grad when it does not retain them


class _Retained:
    """``retain_grad``'s bookkeeping: the intermediate Variables met on the walk (by key), and
    the gradients they are to get once the whole walk has succeeded."""

    __slots__ = ("grads", "met")

    def __init__(self) -> None:
        self.met: dict[Key, list[Variable]] = {}
        self.grads: list[tuple[Variable, Grad]] = []

    def remember(self, key: Key, x: Variable) -> None:
        value = x.original() if isinstance(x, StandIn) else x
        if value is None:
            return
        seen = self.met.get(key)
        if seen is None:
            self.met[key] = [value]
        elif not any(v is value for v in seen):
            seen.append(value)

    def take(self, key: Key, gy: Grad, create_graph: bool) -> None:
        """``key``'s gradient is complete: note it for each Variable met there (a copy on the
        first-order path, since the walk goes on using ``gy``)."""
        for y in self.met.pop(key, ()):
            self.grads.append((y, gy if create_graph else np.array(gy)))


def _propagate(
    pending: dict[Key, Grad],
    roots: list[AnyFunction],
    retained: _Retained | None,
    create_graph: bool,
    runner: _Runner | None,
) -> list[Variable]:
    """Run the rule of every function behind ``roots``, newest generation first, each once.

    ``pending`` holds the gradients on their way (the seeds, at the start; each root's is
    there); the leaves' gradients stay in it.  Returns the leaves reached, in arrival order.
    ``runner`` runs the first-order rules instead of the inlined ndarray path (see
    ``collect_gradients``).
    """
    leaves: list[Variable] = []
    generation = roots[0].generation
    buckets: dict[int, list[AnyFunction]] = {}
    queued: set[AnyFunction] = set()  # functions of several outputs already waiting
    for root in roots:
        generation = max(generation, root.generation)
        buckets.setdefault(root.generation, []).append(root)
        queued.add(root)
    fast = retained is None and not create_graph and runner is None  # the common walk

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
                    if type(gx) is _GradTuple:
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
                    if type(gxs) is not _GradTuple or len(gxs) != len(inputs):
                        count = len(gxs) if type(gxs) is _GradTuple else 1
                        raise _gradient_count_error(func, count, len(inputs))
                    pairs = zip(inputs, gxs)  # noqa: B905  # lengths checked above
            else:
                gxs = _run_rule(func, pending, retained, create_graph, runner)
                xs = func.inputs
                if type(gxs) is not _GradTuple:
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
                    retained.remember(key, x)
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
    return leaves


def _run_rule(
    func: AnyFunction,
    pending: dict[Key, Grad],
    retained: _Retained | None,
    create_graph: bool,
    runner: _Runner | None = None,
) -> Any:
    """Take the gradients waiting on ``func``'s outputs and run its derivative on them."""
    if type(func._y) is not tuple:  # one output: its gradient is waiting (that is how we came)
        gy = pending.pop(func)
        if retained is not None:
            retained.take(func, gy, create_graph)
        gys: tuple[Grad, ...] = (gy,)
    else:
        gys = _output_grads(func, pending, retained, create_graph)

    if create_graph:
        return _graph_rule(func, gys)
    if runner is not None:
        return runner(func, gys)
    if func.has_array_rule:
        return func.array_rule(*_arrays_of(func), *gys)
    if func.has_backward:
        return _dezero_backward(func, gys)
    raise NotImplementedError(f"{describe(func)} defines no derivative (vjp or backward)")


def _run_by(run_rule: RuleRunner, func: AnyFunction, gys: tuple[Grad, ...]) -> Any:
    """First order through ``run_rule``: the op's ``vjp`` where it has one (the rule for any
    kind of value), else its array rule, else its DeZero-style ``backward``."""
    if func.has_vjp:
        return run_rule(func.vjp, (*_arrays_of(func), *gys))
    if func.has_array_rule:
        return run_rule(func.array_rule, (*_arrays_of(func), *gys))
    if func.has_backward:
        return run_rule(lambda *g: _dezero_backward(func, g), gys)
    raise NotImplementedError(f"{describe(func)} defines no derivative (vjp or backward)")


def _arrays_of(func: AnyFunction) -> list[Array]:
    """The rule's leading arguments on the first-order path: input arrays, retained outputs."""
    arrays = [x.data for x in func.inputs]
    if func.retains_outputs:
        y = func._y
        arrays.extend(y if type(y) is tuple else (y,))  # type: ignore[arg-type]  # retained: arrays
    return arrays


def _output_grads(
    func: AnyFunction,
    pending: dict[Key, Grad],
    retained: _Retained | None,
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
            retained.take(key, gy, create_graph)
        gys.append(gy)
    return tuple(gys)


def _new_grads(
    updates: list[tuple[Variable, Grad]], create_graph: bool, handed_out: set[int]
) -> list[tuple[Variable, Variable]]:
    """Each variable's ``grad`` once this walk's gradients are added in, written nowhere yet."""
    new: dict[int, tuple[Variable, Variable]] = {}
    for x, gx in updates:
        entry = new.get(id(x))
        current = x.grad if entry is None else entry[1]
        new[id(x)] = (x, _added(x, current, gx, create_graph, handed_out))
    return list(new.values())


def _added(
    x: Variable, current: Variable | None, gx: Grad, create_graph: bool, handed_out: set[int]
) -> Variable:
    """``current + gx`` as a new grad, without touching the array ``current`` holds.

    On the first-order path each grad gets an array of its own that it may change in place
    (optimizer hooks do, as in DeZero): one already handed to another variable in this walk
    (``Add`` passes ``gy`` to both inputs), or a read-only broadcast view, is copied.
    """
    if current is not None and current.shape != gx.shape:
        # x.data changed shape since an earlier backward: adding would broadcast silently.
        name = f"Variable {x.name!r}" if x.name else "a Variable"
        raise ValueError(
            f"backward: {name} has a grad of shape {current.shape} from an earlier backward, "
            f"but its new gradient has shape {gx.shape} (its data changed shape since); call "
            "cleargrad() on it (or cleargrads() on the model) before backward"
        )
    if create_graph:
        g: Variable = gx if isinstance(gx, Variable) else Variable(np.asarray(gx))
        return g if current is None else current + g
    if current is not None:
        return Variable._wrap(current.data + gx)
    data = gx if type(gx) is np.ndarray else np.asarray(gx)
    if id(data) in handed_out or not data.flags.writeable or data.base is not None:
        data = data.copy()
    handed_out.add(id(data))
    return Variable._wrap(data)


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
    if type(gxs) is _GradTuple:
        for g in gxs:
            if g is not None and not isinstance(g, Variable):
                return tuple([_as_grad_variable(func, i, g) for i, g in enumerate(gxs)])
        return gxs
    return _as_grad_variable(func, 0, gxs)


def _as_grad_variable(func: AnyFunction, index: int, g: object) -> Variable | None:
    if g is None or isinstance(g, Variable):
        return g
    data = np.asarray(g)
    _check_grad_dtype(func, index, data.dtype)
    return Variable(data)


def _dezero_backward(func: AnyFunction, gys: tuple[Array, ...]) -> Any:
    """First order for an op written DeZero's way (``backward`` on Variables)."""
    token = _enable_backprop.set(False)
    try:
        gxs = func.backward(*[Variable._wrap(np.asarray(gy)) for gy in gys])
    finally:
        _enable_backprop.reset(token)
    if isinstance(gxs, tuple):
        return tuple([_as_grad_array(g) for g in gxs])  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]  # isinstance: tuple[Unknown, ...]
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
            gx = np.asarray(gx)
            _check_grad_dtype(func, index, gx.dtype)
            gx = Variable(gx)
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
        _check_grad_dtype(func, index, gx.dtype)
        shape = gx.shape
    if shape != data.shape:
        raise _gradient_shape_error(func, index, shape, data.shape)
    if isinstance(gx, np.ndarray) and data.dtype.kind == "f" and gx.dtype != data.dtype:
        gx = gx.astype(data.dtype)
    return gx


def _check_grad_dtype(func: AnyFunction, index: int, dtype: np.dtype[Any]) -> None:
    """Gradients are real numbers: a complex one would lose its imaginary part when cast to
    its input's dtype (with only NumPy's warning, which names no op)."""
    if dtype.kind not in "fiub":
        raise TypeError(
            f"{describe(func)}: backward returned a gradient of dtype {dtype} for input "
            f"{index}; plugrad differentiates real functions, so gradients are real arrays "
            "(return a floating array of the input's dtype)"
        )


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
