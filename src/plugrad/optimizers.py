"""DeZero's ``dezero.optimizers``: parameter update rules and the hooks that run before them.

``optimizer.setup(model)`` then, after each ``loss.backward()``, ``optimizer.update()``.  Updates
happen in place on ``param.data``, so a float32 parameter stays float32; parameters without a
gradient are skipped.  Hooks (``WeightDecay``, ``ClipGrad``, ``FreezeParam``) receive the list of
parameters with gradients and may change or drop those gradients before the update.

Hyperparameters are checked whenever they are assigned, in the constructor or later (a
learning-rate schedule): a NaN or a negative learning rate would wipe or reverse every
parameter at the first step.  ``update`` checks every parameter before it changes any, and
puts back the gradients its hooks replaced if one of them raises, so a failed update leaves
the parameters and their gradients as they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Final, Protocol, Self, cast

import numpy as np

from plugrad.core.variable import Parameter
from plugrad.typing import Array

Hook = Callable[[list[Parameter]], None]


def _non_negative(value: float) -> bool:
    return 0.0 <= value < math.inf


def _positive(value: float) -> bool:
    return 0.0 < value < math.inf


def _fraction(value: float) -> bool:
    return 0.0 <= value < 1.0


# The rules a hyperparameter follows, and how its error words them.
Rule = tuple[Callable[[float], bool], str]
_NON_NEGATIVE: Final[Rule] = (_non_negative, "a finite number >= 0")
_POSITIVE: Final[Rule] = (_positive, "a finite number > 0")
_FRACTION: Final[Rule] = (_fraction, "in [0, 1)")


class _Configured:
    """Checks each hyperparameter (``hyperparameters`` names them) whenever it is assigned.

    Assignment is checked, not reading: update rules read them per parameter per step.
    """

    hyperparameters: ClassVar[dict[str, Rule]] = {}

    def __setattr__(self, name: str, value: object) -> None:
        rule = type(self).hyperparameters.get(name)
        if rule is not None:
            value = _checked(type(self).__name__, name, value, rule)
        object.__setattr__(self, name, value)


def _checked(owner: str, name: str, value: object, rule: Rule) -> float:
    holds, wanted = rule
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(
            f"{owner}: {name} must be a real number, got {type(value).__name__} {value!r}"
        )
    number = float(value)  # pyright: ignore[reportUnknownArgumentType]  # NumPy's scalar stubs
    if not holds(number):
        raise ValueError(f"{owner}: {name} must be {wanted}, got {value!r}")
    return number


class HasParams(Protocol):
    """What an optimizer trains: a ``Layer`` or anything with ``params()``."""

    def params(self) -> Iterable[Parameter]: ...


class Optimizer(_Configured):
    """Base class: subclasses write ``update_one(param)`` (and name their hyperparameters in
    ``hyperparameters``, so that they are checked whenever they are assigned)."""

    target: HasParams | None
    hooks: list[Hook]

    def __init__(self) -> None:
        self.target = None
        self.hooks = []

    def setup(self, target: HasParams) -> Self:
        """Train ``target``'s parameters; returns the optimizer, so calls chain."""
        given: object = target
        if not callable(getattr(given, "params", None)):
            raise TypeError(
                f"{type(self).__name__}.setup takes a model or layer (anything with params()), "
                f"got {type(given).__name__}"
            )
        self.target = target
        return self

    def update(self) -> None:
        """Run the hooks, then update every parameter that has a gradient.

        Everything is checked before anything changes; if a hook raises, the gradients it
        replaced are put back.
        """
        if self.target is None:
            raise RuntimeError(
                f"{type(self).__name__}.update() before setup(); call optimizer.setup(model)"
            )
        params = [p for p in self.target.params() if p.grad is not None]
        if self.hooks:
            saved = [(p, g, g.data) for p in params if (g := p.grad) is not None]
            try:
                for hook in self.hooks:
                    hook(params)
                params = [p for p in params if p.grad is not None]  # FreezeParam drops some
                self._check(params)
            except BaseException:
                for param, grad, data in saved:
                    grad.data = data
                    if param.grad is not grad:  # dropped or replaced by a hook
                        param.grad = grad
                raise
        else:
            self._check(params)
        for param in params:
            self.update_one(param)

    def _check(self, params: list[Parameter]) -> None:
        """Raise, naming the parameter, if any of ``params`` cannot take its update."""
        for index, param in enumerate(params):
            data = param.data
            grad = param.grad
            if (  # the common case, in about 0.3 us
                grad is not None
                and type(data) is np.ndarray
                and grad.data.shape == data.shape
                and data.dtype.kind == "f"
                and data.flags.writeable
            ):
                continue
            problem = _update_problem(param)
            if problem is not None:
                name = _names(self.target).get(
                    id(param), f"number {index} of those with a gradient"
                )
                raise ValueError(
                    f"{type(self).__name__}.update: parameter {name} {problem}; no parameter "
                    "was changed"
                )

    def update_one(self, param: Parameter) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define update_one()")

    def add_hook(self, f: Hook) -> None:
        """Call ``f(params)`` before each update (params: those with a gradient)."""
        if not callable(f):
            raise TypeError(
                f"{type(self).__name__}.add_hook takes a callable hook(params), got "
                f"{type(f).__name__}"
            )
        self.hooks.append(f)


def _names(target: object) -> dict[int, str]:
    """Parameter names (``l0/W``) by identity, where the target can name them."""
    named: object = getattr(target, "named_params", None)
    if not callable(named):
        return {}
    pairs = cast("Iterable[tuple[str, Parameter]]", named())
    return {id(param): repr(name) for name, param in pairs}


def _update_problem(param: Parameter) -> str | None:
    """Why ``param`` cannot be updated in place with its gradient, or None."""
    data: object = param.data
    grad = param.grad
    if data is None or grad is None:
        return "has no data" if data is None else "has no gradient"
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        kind = data.dtype if isinstance(data, np.ndarray) else type(data).__name__
        return f"holds {kind} data; optimizers update floating-point parameters"
    if grad.shape != data.shape:
        return f"has shape {data.shape} but its gradient has shape {grad.shape}"
    if not data.flags.writeable:
        return (
            "is read-only (a broadcast view, or an array marked read-only); give it an array "
            "of its own: param.data = param.data.copy()"
        )
    return None


def _grad(param: Parameter) -> Array:
    grad = param.grad
    if grad is None:
        raise ValueError("optimizer: a parameter without a gradient reached update_one")
    return grad.data


class _PerParamState:
    """Arrays an optimizer keeps for each parameter (velocities, moments), zero at first."""

    def __init__(self) -> None:
        self._states: dict[Parameter, Array] = {}

    def get(self, param: Parameter) -> Array:
        state = self._states.get(param)
        if state is None:
            state = np.zeros_like(param.data)
            self._states[param] = state
        elif state.shape != param.data.shape:  # adding it would broadcast silently
            raise ValueError(
                f"optimizer: a parameter now of shape {param.data.shape} has state of shape "
                f"{state.shape} from earlier steps (its data was replaced); make a new "
                "optimizer for the changed model"
            )
        return state


class _Scratch:
    """Work arrays an update rule writes its intermediate values into, reused across steps.

    A rule written with operators allocates a parameter-sized temporary for every step of its
    formula, and for large parameters the allocation (fresh pages from the OS each time) costs
    as much as the arithmetic.  One flat buffer per dtype and slot, grown to the largest
    parameter, serves every parameter in turn: Adam's update of a 6272x1024 weight goes from
    61 to 41 ms in float64 and from 40 to 18 ms in float32 (the book's GAN).
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple[np.dtype[Any], int], Array] = {}

    def like(self, a: Array, slot: int = 0) -> Array:
        """An uninitialized array shaped and typed like ``a`` (one per slot at a time)."""
        key = (a.dtype, slot)
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size < a.size:
            buffer = np.empty(a.size, dtype=a.dtype)
            self._buffers[key] = buffer
        return buffer[: a.size].reshape(a.shape)


# -- update rules -------------------------------------------------------------------------------


class SGD(Optimizer):
    """W <- W - lr * g"""

    hyperparameters: ClassVar[dict[str, Rule]] = {"lr": _NON_NEGATIVE}

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__()
        self.lr = lr
        self._scratch = _Scratch()

    def update_one(self, param: Parameter) -> None:
        data = param.data
        step = np.multiply(_grad(param), float(self.lr), out=self._scratch.like(data))
        np.subtract(data, step, out=data, casting="same_kind")


class MomentumSGD(Optimizer):
    """v <- momentum * v - lr * g;  W <- W + v"""

    hyperparameters: ClassVar[dict[str, Rule]] = {"lr": _NON_NEGATIVE, "momentum": _FRACTION}

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__()
        self.lr = lr
        self.momentum = momentum
        self.vs: _PerParamState = _PerParamState()
        self._scratch = _Scratch()

    def update_one(self, param: Parameter) -> None:
        v = self.vs.get(param)
        v *= float(self.momentum)
        v -= np.multiply(_grad(param), float(self.lr), out=self._scratch.like(v))
        data = param.data
        np.add(data, v, out=data, casting="same_kind")


class AdaGrad(Optimizer):
    """h <- h + g * g;  W <- W - lr * g / (sqrt(h) + eps)"""

    hyperparameters: ClassVar[dict[str, Rule]] = {"lr": _NON_NEGATIVE, "eps": _POSITIVE}

    def __init__(self, lr: float = 0.001, eps: float = 1e-8) -> None:
        super().__init__()
        self.lr = lr
        self.eps = eps
        self.hs: _PerParamState = _PerParamState()

    def update_one(self, param: Parameter) -> None:
        g = _grad(param)
        h = self.hs.get(param)
        h += g * g
        param.data -= float(self.lr) * g / (np.sqrt(h) + float(self.eps))


class AdaDelta(Optimizer):
    """msg <- rho msg + (1-rho) g^2;  dx = sqrt((msdx+eps)/(msg+eps)) g;
    msdx <- rho msdx + (1-rho) dx^2;  W <- W - dx"""

    hyperparameters: ClassVar[dict[str, Rule]] = {"rho": _FRACTION, "eps": _POSITIVE}

    def __init__(self, rho: float = 0.95, eps: float = 1e-6) -> None:
        super().__init__()
        self.rho = rho
        self.eps = eps
        self.msg: _PerParamState = _PerParamState()
        self.msdx: _PerParamState = _PerParamState()

    def update_one(self, param: Parameter) -> None:
        g = _grad(param)
        rho, eps = float(self.rho), float(self.eps)
        msg = self.msg.get(param)
        msdx = self.msdx.get(param)
        msg *= rho
        msg += (1.0 - rho) * g * g
        dx = np.sqrt((msdx + eps) / (msg + eps)) * g
        msdx *= rho
        msdx += (1.0 - rho) * dx * dx
        param.data -= dx


class Adam(Optimizer):
    """m <- m + (1-beta1)(g - m);  v <- v + (1-beta2)(g^2 - v);  W <- W - lr m / (sqrt(v) + eps)

    with the bias-corrected step ``lr = alpha * sqrt(1 - beta2^t) / (1 - beta1^t)``.
    """

    hyperparameters: ClassVar[dict[str, Rule]] = {
        "alpha": _NON_NEGATIVE,
        "beta1": _FRACTION,
        "beta2": _FRACTION,
        "eps": _POSITIVE,
    }

    def __init__(
        self, alpha: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__()
        self.t: int = 0
        self.alpha = alpha
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.ms: _PerParamState = _PerParamState()
        self.vs: _PerParamState = _PerParamState()
        self._scratch = _Scratch()

    def update(self) -> None:
        self.t += 1
        try:
            super().update()
        except BaseException:
            self.t -= 1  # a failed update is no step
            raise

    @property
    def lr(self) -> float:
        """The bias-corrected step size at step ``t`` (``t >= 1``)."""
        fix1 = 1.0 - math.pow(self.beta1, self.t)
        fix2 = 1.0 - math.pow(self.beta2, self.t)
        return self.alpha * math.sqrt(fix2) / fix1

    def update_one(self, param: Parameter) -> None:
        # DeZero's arithmetic, step by step, with the intermediate values in reused buffers.
        data, g = param.data, _grad(param)
        m, v = self.ms.get(param), self.vs.get(param)
        work = self._scratch.like(m)
        np.subtract(g, m, out=work)  # m += (1 - beta1) * (g - m)
        work *= 1.0 - float(self.beta1)
        m += work
        np.multiply(g, g, out=work)  # v += (1 - beta2) * (g * g - v)
        work -= v
        work *= 1.0 - float(self.beta2)
        v += work
        np.sqrt(v, out=work)  # W -= lr * m / (sqrt(v) + eps)
        work += float(self.eps)
        step = np.multiply(m, self.lr, out=self._scratch.like(m, slot=1))
        step /= work
        np.subtract(data, step, out=data, casting="same_kind")


# -- hooks --------------------------------------------------------------------------------------


def _replace_grad(param: Parameter, data: Array) -> None:
    # A new array, not an in-place edit: backward may hand one gradient array to several inputs.
    grad = param.grad
    if grad is not None:
        grad.data = data


class WeightDecay(_Configured):
    """L2 regularization: g <- g + rate * W."""

    hyperparameters: ClassVar[dict[str, Rule]] = {"rate": _NON_NEGATIVE}

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, params: list[Parameter]) -> None:
        for param in params:
            if param.grad is not None:
                _replace_grad(param, param.grad.data + float(self.rate) * param.data)


class ClipGrad(_Configured):
    """Scale all gradients together so that their global L2 norm is at most ``max_norm``."""

    hyperparameters: ClassVar[dict[str, Rule]] = {"max_norm": _POSITIVE}

    def __init__(self, max_norm: float) -> None:
        self.max_norm = max_norm

    def __call__(self, params: list[Parameter]) -> None:
        grads = [p.grad.data for p in params if p.grad is not None]
        total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        rate = float(self.max_norm) / (total_norm + 1e-6)
        if rate < 1.0:
            for param in params:
                if param.grad is not None:
                    _replace_grad(param, param.grad.data * rate)


class FreezeParam:
    """Keep the given layers' (or parameters') values fixed: their gradients are dropped."""

    def __init__(self, *layers: HasParams | Parameter) -> None:
        self.freeze_params: list[Parameter] = []
        for layer in layers:
            given: object = layer
            if isinstance(layer, Parameter):
                self.freeze_params.append(layer)
            elif callable(getattr(given, "params", None)):
                self.freeze_params.extend(layer.params())
            else:
                raise TypeError(
                    f"FreezeParam takes layers and Parameters, got {type(given).__name__}"
                )

    def __call__(self, params: list[Parameter]) -> None:
        for param in self.freeze_params:
            param.grad = None


__all__ = [
    "SGD",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "ClipGrad",
    "FreezeParam",
    "HasParams",
    "MomentumSGD",
    "Optimizer",
    "WeightDecay",
]
