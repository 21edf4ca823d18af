"""What an op declares about itself, next to its class: name, test samples, capabilities.

An op states these once, as keyword arguments of its class statement::

    class Erf(Function[Array], name="special.erf", samples=unary(-2.0, 2.0)):
        ...

``OpOptions`` is that list of keywords (the only one: the registry, the test kit and the CLI
read the ``OpSpec`` that ``Function`` derives from it).  Arity comes from ``forward``'s
signature and the description from the docstring's first line, so neither is repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, NamedTuple, TypeAlias, TypedDict

from plugrad.typing import AnyFunction, Array

if TYPE_CHECKING:
    import numpy as np


# Sample and OpSpec are named tuples rather than dataclasses: immutable records all the same,
# and ``import plugrad`` then needs no ``dataclasses`` (each dataclass costs ~1 ms to make).
class Sample(NamedTuple):
    """One call of an op for the test kit: its inputs and, if it takes arguments, a builder.

    ``make`` builds the op instance (for ops with constructor arguments such as an axis);
    without it the op's class is called with no arguments.  ``reference``, when given,
    computes the expected forward result from the same inputs.
    """

    inputs: tuple[Array, ...]
    make: Callable[[], AnyFunction] | None = None
    reference: Callable[..., Array | tuple[Array, ...]] | None = None
    label: str = ""


# A string alias: evaluating ``np.random`` here would import numpy.random (~10 ms) at
# ``import plugrad`` time, for an annotation.
SampleFactory: TypeAlias = "Callable[[np.random.Generator], Sequence[Sample]]"

# The arity of an op whose forward takes any number of inputs.
VARIADIC: Final = -1


class OpOptions(TypedDict, total=False):
    """The keywords an op class may declare (all optional; ``name`` makes it registrable).

    ``name``: the registry's name (``"add"``, or namespaced ``"special.erf"``).
    ``samples``: a function ``rng -> list[Sample]`` the test kit draws inputs from.
    ``double_backward``: whether the derivative is itself differentiable (default True).
    ``override`` / ``priority``: replace a same-named op of another plugin; of several
    overrides the highest priority wins, so the outcome never depends on install order.
    """

    name: str
    samples: SampleFactory
    double_backward: bool
    override: bool
    priority: int


class OpSpec(NamedTuple):
    """Everything known about one op class: what it declared, plus what its code says."""

    function: type[AnyFunction]
    name: str
    arity: int  # number of inputs; VARIADIC (-1) if forward takes *xs
    description: str
    samples: SampleFactory | None = None
    double_backward: bool = True
    override: bool = False
    priority: int = 0

    @classmethod
    def of(cls, function: type[AnyFunction], options: OpOptions) -> OpSpec:
        """The spec of ``function`` from its declared (and checked) ``options``."""
        import inspect  # deferred: specs are built at plugin discovery, not at import

        doc = inspect.getdoc(function) or ""
        return cls(
            function=function,
            arity=forward_arity(function),
            description=doc.strip().splitlines()[0] if doc.strip() else function.__name__,
            **options,
        )


def check_options(function: type[AnyFunction], options: OpOptions) -> None:
    """Raise ``TypeError`` naming the class and every bad value among ``options``."""
    problems = _problems(options)
    if problems:
        raise TypeError(f"op class {function.__qualname__}: " + "; ".join(problems))


def _problems(options: OpOptions) -> list[str]:
    # The annotations bind typed plugins only; untyped ones reach here too, so check.
    problems: list[str] = []
    name: object = options.get("name")
    if not isinstance(name, str) or not all(p.isidentifier() for p in name.split(".")):
        problems.append(
            f"name={name!r} must be an identifier, optionally with a namespace ('special.erf')"
        )
    samples: object = options.get("samples")
    if samples is not None and not callable(samples):
        problems.append("samples must be a function rng -> list[Sample]")
    for flag in ("double_backward", "override"):
        if not isinstance(options.get(flag, False), bool):
            problems.append(f"{flag} must be a bool")
    priority: object = options.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        problems.append("priority must be an int")
    return problems


def forward_arity(function: type[AnyFunction]) -> int:
    """The number of inputs ``forward`` takes (``VARIADIC`` for ``*xs``)."""
    import inspect

    try:
        parameters = list(inspect.signature(function.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return VARIADIC
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return VARIADIC
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in positional)


__all__ = [
    "VARIADIC",
    "OpOptions",
    "OpSpec",
    "Sample",
    "SampleFactory",
    "check_options",
    "forward_arity",
]
