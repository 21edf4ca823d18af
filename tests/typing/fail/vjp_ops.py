"""Derivative rules that would work for one kind of value only: mypy checks ``vjp`` once with
ndarrays and once with Variables, so each of these fails for the kind it forgot; pyright
checks the rule once, over both kinds, and fails it too."""

import numpy as np

import plugrad.functions as F
from plugrad import Function
from plugrad.typing import Array, V


class NumpyOnAVariable(Function[Array]):
    """np.exp has no Variable form: use F.Exp().of(x)."""

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def vjp(self, x: V, gy: V) -> V:
        y: V = np.exp(x)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue, reportUnknownVariableType]
        return gy * y  # pyright: ignore[reportReturnType, reportUnknownVariableType]  # y's error


class ReturnsAnArrayOnly(Function[Array]):
    """data_of gives an ndarray: under create_graph the rule must return a Variable."""

    def forward(self, x: Array) -> Array:
        return x * 2.0

    def vjp(self, x: V, gy: V) -> V:
        return F.data_of(gy) * 2.0  # type: ignore[return-value]  # pyright: ignore[reportReturnType]


class ArrayMethodOnAVariable(Function[Array]):
    """Variable has no astype (it keeps its dtype)."""

    def forward(self, x: Array) -> Array:
        return x

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy.astype(np.float64)  # type: ignore[attr-defined]  # pyright: ignore[reportAssignmentType, reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
        return gx


class ReadsDataOfAnArgument(Function[Array]):
    """An ndarray's .data is a memoryview, which does not multiply an array."""

    def forward(self, x: Array) -> Array:
        return x * x

    def vjp(self, x: V, gy: V) -> V:
        return gy * x.data * 2.0  # type: ignore[operator, no-any-return]  # pyright: ignore[reportOperatorIssue, reportReturnType, reportUnknownVariableType]


class OfWithTooManyArguments(Function[Array]):
    """Cos takes one input."""

    def forward(self, x: Array) -> Array:
        return np.sin(x)

    def vjp(self, x: V, gy: V) -> V:
        F.Cos().of(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        return gy
