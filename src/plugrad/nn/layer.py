"""``Layer``: a callable that owns parameters and sub-layers, found by attribute assignment.

``self.W = Parameter(...)`` or ``self.fc = Linear(10)`` inside a layer registers the value under
its attribute name.  Names are kept in assignment order (DeZero keeps them in a ``set``, whose
order changes between runs), so ``params()`` and the names in a weights file are deterministic.

A layer is generic over what its ``forward`` takes and gives: ``Layer[[Operand], Variable]``
is a layer called as ``layer(x)`` with an operand, giving a ``Variable``, and type checkers hold
both its ``forward`` and every call to it to that.  A layer written DeZero's way,
``class MyModel(Model)``, is ``Layer[..., Any]``: any ``forward`` (a tuple-returning one too)
and any ``__call__`` override is accepted, and its calls are not checked.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Generic, cast

from plugrad._typing_extensions import ParamSpec, TypeVar
from plugrad.core.engine import gradients
from plugrad.core.variable import Parameter, Variable

# What ``forward`` (and so the layer's call) takes, and what it gives.  Unstated, they are
# ``...`` and ``Any``: DeZero's ``class MyModel(Model)`` type-checks as it always has.
P = ParamSpec("P", default=...)
R = TypeVar("R", default=Any)


class Layer(Generic[P, R]):
    """Base class of layers and models: subclasses assign parameters and write ``forward``."""

    _param_names: dict[str, None]  # an ordered set: the names of Parameter and Layer attributes
    # DeZero's record of the last call: weak references to its inputs and outputs.
    inputs: list[Callable[[], object]]
    outputs: list[weakref.ref[Variable]]

    def __init__(self) -> None:
        object.__setattr__(self, "_param_names", {})

    def __setattr__(self, name: str, value: object) -> None:
        names = self._own_names()
        if isinstance(value, Parameter | Layer):
            names.setdefault(name, None)  # a reassigned name keeps its place
        else:
            names.pop(name, None)  # e.g. ``self.b = None`` after a Parameter: no longer one
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._own_names().pop(name, None)
        object.__delattr__(self, name)

    def _own_names(self) -> dict[str, None]:
        try:
            return self._param_names
        except AttributeError:
            raise TypeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before it "
                "assigns attributes"
            ) from None

    # -- calling ----------------------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        outputs = self.forward(*args, **kwargs)
        raw: object = outputs  # a tuple of Variables, or one
        # DeZero keeps weak references to the last call's inputs and outputs (for inspection).
        self.inputs = [_weak(x) for x in args]
        results = cast("tuple[object, ...]", raw) if isinstance(raw, tuple) else (raw,)
        self.outputs = [weakref.ref(y) for y in results if isinstance(y, Variable)]
        return outputs

    def forward(self, *args: P.args, **kwargs: P.kwargs) -> R:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # -- parameters -------------------------------------------------------------------------

    def params(self) -> Iterator[Parameter]:
        """Every parameter of this layer and its sub-layers, in assignment order, each once.

        A parameter shared by two layers (tied weights) comes once, so it is updated once.
        """
        seen: set[int] = set()
        for _, param in self.named_params():
            if id(param) not in seen:
                seen.add(id(param))
                yield param

    def named_params(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, with sub-layer names joined by ``/`` (``l0/W``)."""
        # Depth first in assignment order, with an explicit stack rather than recursion, so
        # deeply nested models stay within Python's recursion limit.  A sub-layer reached
        # twice (shared, or a cycle) is walked only the first time.
        stack: list[tuple[str, Layer, Iterator[str]]] = [(prefix, self, iter(self._names()))]
        visited = {id(self)}
        while stack:
            key, layer, names = stack[-1]
            name = next(names, None)
            if name is None:
                stack.pop()
                continue
            obj = layer.__dict__[name]
            path = f"{key}/{name}" if key else name
            if isinstance(obj, Parameter):
                yield path, obj
                continue
            sublayer: Layer = obj  # the names are of Parameters and Layers only
            if id(sublayer) not in visited:
                visited.add(id(sublayer))
                stack.append((path, sublayer, iter(sublayer._names())))

    @property
    def _params(self) -> set[str]:
        """DeZero's set of parameter and sub-layer attribute names (a copy, for inspection;
        plugrad itself walks them in assignment order)."""
        return set(self._param_names)

    def _names(self) -> list[str]:
        return list(self._param_names)  # a copy: the walk may run while attributes change

    def param_grads(self, loss: Variable, create_graph: bool = False) -> dict[str, Variable]:
        """``{name: d loss / d parameter}`` for every parameter, under ``named_params``' names
        (``l0/W``), computed without touching any ``grad``: for meta-learning, natural
        gradients, or checking a training step.  A parameter the loss does not depend on gets
        zeros; with ``create_graph`` the gradients can be differentiated again."""
        named = list(self.named_params())
        for name, param in named:
            data: object = param.data  # DeZero's Parameter(None) until a layer's first call
            if data is None:
                raise ValueError(
                    f"{type(self).__name__}.param_grads: parameter {name} has no data yet; "
                    "layers create their weights on their first call, so compute the loss first"
                )
        grads = gradients(loss, [param for _, param in named], create_graph=create_graph)
        return {name: g for (name, _), g in zip(named, grads, strict=True)}

    def cleargrads(self) -> None:
        """Forget the gradients of every parameter (before the next ``backward``)."""
        for param in self.params():
            param.cleargrad()

    def _flatten_params(self, params_dict: dict[str, Parameter], parent_key: str = "") -> None:
        """DeZero's helper: fill ``params_dict`` with ``{"l0/W": W, ...}``."""
        for key, param in self.named_params(parent_key):
            params_dict[key] = param

    # -- devices (DeZero's API; plugrad runs on NumPy only) ---------------------------------

    def to_cpu(self) -> None:
        """Kept for DeZero compatibility: parameters are NumPy arrays already."""

    def to_gpu(self) -> None:
        raise RuntimeError("plugrad runs on NumPy only; there is no GPU backend (to_gpu)")

    # -- weights files ----------------------------------------------------------------------

    def save_weights(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a ``.npz`` file (atomically: a failed save keeps the old)."""
        from plugrad.nn._weights import save_weights

        save_weights(self, path)

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by ``save_weights``; on any error none of them changes."""
        from plugrad.nn._weights import load_weights

        load_weights(self, path)


def _weak(x: object) -> Callable[[], object]:
    try:
        return weakref.ref(x)
    except TypeError:  # Python numbers cannot be weakly referenced; holding one costs nothing
        return lambda: x
