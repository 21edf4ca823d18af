"""Parameters and gradients packed into one flat buffer per dtype.

One MPI call per dtype moves everything, instead of one call per parameter (what Horovod calls
tensor fusion): for a small model the per-call latency would cost more than the data.  A
``Layout`` fixes the order: the parameters every rank agreed on, grouped by dtype in the order
the model lists them.  Each ``Bucket`` holds one dtype's values or gradients side by side, then
one count per parameter (how many ranks had a gradient for it), then a few extra slots.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, final

import numpy as np

from plugrad import Parameter, Variable
from plugrad.layers import Layer
from plugrad.optimizers import HasParams
from plugrad.typing import Array

# The dtypes MPI reduces natively (float16 has no standard MPI type).
_MPI_DTYPES: Final = frozenset(
    np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128)
)
CONTROL_DTYPE: Final = np.dtype(np.float64)


def named_parameters(target: HasParams) -> list[tuple[str, Parameter]]:
    """``target``'s parameters with names for messages (``l0/W`` for layers), each once."""
    if isinstance(target, Layer):
        named: list[tuple[str, Parameter]] = []
        seen: set[int] = set()
        for name, param in target.named_params():
            if id(param) not in seen:  # a shared parameter is trained (and packed) once
                seen.add(id(param))
                named.append((name, param))
        return named
    return [(f"#{i} {param.name or ''}".rstrip(), param) for i, param in enumerate(target.params())]


def initialized(params: Iterable[tuple[str, Parameter]]) -> list[tuple[str, Parameter]]:
    """The parameters that hold data (a lazily sized layer's are ``None`` until it first runs)."""
    return [(name, param) for name, param in params if _has_data(param)]


def _has_data(param: Parameter) -> bool:
    data: object = param.data
    return data is not None


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one parameter lives in its bucket's buffer."""

    name: str
    param: Parameter
    start: int
    shape: tuple[int, ...]

    @property
    def stop(self) -> int:
        return self.start + _numel(self.shape)


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


@final
class Bucket:
    """One dtype's parameters, packed; ``buffer`` is what MPI sends."""

    __slots__ = ("_counts_start", "_extra_start", "_unshared", "buffer", "dtype", "slots")

    dtype: np.dtype[np.generic]
    slots: tuple[Slot, ...]
    buffer: Array
    _unshared: int | None

    def __init__(
        self, dtype: np.dtype[np.generic], named: Sequence[tuple[str, Parameter]], extra: int
    ) -> None:
        slots: list[Slot] = []
        start = 0
        for name, param in named:
            slot = Slot(name, param, start, tuple(param.data.shape))
            slots.append(slot)
            start = slot.stop
        self.dtype = dtype
        self.slots = tuple(slots)
        self._counts_start = start
        self._extra_start = start + len(slots)
        self.buffer = np.zeros(self._extra_start + extra, dtype=dtype)
        self._unshared = self._holders()  # what the count is while only this bucket holds it

    def _view(self, slot: Slot) -> Array:
        return self.buffer[slot.start : slot.stop].reshape(slot.shape)

    @property
    def counts(self) -> Array:
        """One number per parameter: how many ranks had a gradient (after the allreduce)."""
        return self.buffer[self._counts_start : self._extra_start]

    @property
    def extra(self) -> Array:
        return self.buffer[self._extra_start :]

    # -- values, for the broadcast ----------------------------------------------------------

    def pack_values(self) -> None:
        for slot in self.slots:
            self._view(slot)[...] = slot.param.data

    def unpack_values(self) -> bool:
        """Give every parameter the buffer's values; True when each already held them."""
        unchanged = True
        for slot in self.slots:
            received = self._view(slot)
            unchanged = unchanged and bool(np.array_equal(slot.param.data, received))
            slot.param.data = received.copy()  # the buffer is reused: parameters own their data
        return unchanged

    # -- gradients, for the allreduce --------------------------------------------------------

    def pack_grads(self, scale: float) -> None:
        """Write ``scale * grad`` of every parameter, and 1 in its count (0 and 0 without one)."""
        self._own_buffer()
        counts = self.counts
        for i, slot in enumerate(self.slots):
            view = self._view(slot)
            grad = slot.param.grad
            if grad is None:
                view.fill(0)
                counts[i] = 0
                continue
            if grad.data.shape != slot.shape:
                raise ValueError(
                    f"multi-node optimizer: the gradient of parameter {slot.name!r} has shape "
                    f"{grad.data.shape}, but the parameter has shape {slot.shape}"
                )
            np.multiply(grad.data, scale, out=view)  # the mean's division, in the same pass
            counts[i] = 1

    def clear(self) -> None:
        """Zeros everywhere (a rank whose gradients do not fit the layout sends these)."""
        self._own_buffer()
        self.buffer.fill(0)

    def unpack_grads(self) -> None:
        """Give each parameter its reduced gradient (a view of the buffer), or ``None`` when no
        rank had one."""
        for slot, count in zip(self.slots, self.counts.tolist(), strict=True):
            slot.param.grad = None if count == 0 else Variable(self._view(slot))

    def _own_buffer(self) -> None:
        # The gradients handed out last time are views of the buffer.  If anything still holds
        # one (a program that keeps gradients between steps), writing into the buffer would
        # change it behind the program's back: take a fresh buffer instead.  In the usual loop
        # (cleargrads, backward, update) nothing does, and the buffer is reused, copy-free.
        holders = self._holders()
        if holders is None or self._unshared is None or holders > self._unshared:
            self.buffer = np.zeros_like(self.buffer)

    def _holders(self) -> int | None:
        """References to the buffer (each live view holds one); None where the interpreter
        does not count them (then the buffer is never reused)."""
        getrefcount = getattr(sys, "getrefcount", None)
        return None if getrefcount is None else int(getrefcount(self.buffer))


@final
class Layout:
    """The parameters the ranks agreed on, bucketed by dtype, plus ``control`` slots.

    The control slots (float64 numbers every rank adds to) ride in the first bucket, so a step
    that needs them costs no extra MPI call; with no parameters there is a bucket for them alone.
    """

    __slots__ = ("_recorded", "buckets", "named")

    named: tuple[tuple[str, Parameter], ...]
    buckets: tuple[Bucket, ...]

    def __init__(self, named: Sequence[tuple[str, Parameter]], control: int = 0) -> None:
        by_dtype: dict[np.dtype[np.generic], list[tuple[str, Parameter]]] = {}
        for name, param in named:
            by_dtype.setdefault(_checked_dtype(name, param), []).append((name, param))
        if not by_dtype:
            by_dtype[CONTROL_DTYPE] = []
        self.named = tuple(named)
        self.buckets = tuple(
            Bucket(dtype, group, extra=control if i == 0 else 0)
            for i, (dtype, group) in enumerate(by_dtype.items())
        )
        self._recorded = [(param.data.shape, param.data.dtype) for _, param in named]

    @property
    def control(self) -> Array:
        return self.buckets[0].extra

    def matches(self, named: Sequence[tuple[str, Parameter]]) -> bool:
        """True when ``named`` are this layout's parameters, with the same shapes and dtypes."""
        if len(named) != len(self.named):
            return False
        return all(
            param is mine and param.data.shape == shape and param.data.dtype == dtype
            for (_, param), (_, mine), (shape, dtype) in zip(
                named, self.named, self._recorded, strict=True
            )
        )


Signature = list[tuple[str, tuple[int, ...], str]]


def signature(named: Sequence[tuple[str, Parameter]]) -> Signature:
    """What must agree between ranks before parameters can be packed the same way."""
    return [(name, tuple(param.data.shape), param.data.dtype.str) for name, param in named]


def _checked_dtype(name: str, param: Parameter) -> np.dtype[np.generic]:
    dtype: np.dtype[np.generic] = param.data.dtype
    if dtype not in _MPI_DTYPES:
        raise TypeError(
            f"plugrad-mpi: parameter {name!r} has dtype {dtype}, which MPI does not reduce; "
            "train in float32 or float64"
        )
    return dtype


__all__ = ["Bucket", "Layout", "Signature", "Slot", "initialized", "named_parameters", "signature"]
