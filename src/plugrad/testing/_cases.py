"""Test cases for every registered op, for ``pytest.mark.parametrize`` and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plugrad.registry import OpRecord, Registry, active_registry
from plugrad.registry._settings import normalize
from plugrad.testing._check import check_op

if TYPE_CHECKING:
    import pytest


@dataclass(frozen=True)
class OpCase:
    """One registered op to put through the kit; ``check()`` raises ``OpCheckError``."""

    record: OpRecord

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def distribution(self) -> str:
        return self.record.origin.distribution

    def check(self, *, seed: int = 0) -> None:
        check_op(self.record, seed=seed)

    def __str__(self) -> str:
        return self.name


def op_cases(
    distribution: str | None = None,
    *,
    names: Iterable[str] | None = None,
    registry: Registry | None = None,
) -> list[OpCase]:
    """A case per registered op, optionally only one distribution's or those in ``names``.

    An op registered without samples gets a case too, which fails: it cannot be checked.

    Raises ``LookupError`` when the selection is empty (a plugin that is not installed, or not
    loaded because of the ``PLUGRAD_*`` knobs, should fail its tests, not skip them).
    """
    table = registry or active_registry()
    wanted = None if names is None else set(names)
    cases = [
        OpCase(record)
        for record in table.ops()
        if (
            distribution is None or normalize(record.origin.distribution) == normalize(distribution)
        )
        and (wanted is None or record.name in wanted)
    ]
    if not cases:
        loaded = sorted(
            {p.origin.distribution for p in table.plugin_records() if p.status == "loaded"}
        )
        raise LookupError(
            f"no registered op matches distribution={distribution!r}, "
            f"names={sorted(wanted) if wanted is not None else None}; distributions loaded: "
            f"{', '.join(loaded) or 'none'} (`python -m plugrad plugins` shows why)"
        )
    return cases


def op_tests(
    distribution: str | None = None,
    *,
    names: Iterable[str] | None = None,
    registry: Registry | None = None,
) -> Callable[[OpCase], None]:
    """The one-liner for plugin authors: ``test_ops = op_tests(distribution="my-plugin")``.

    Returns a pytest test function parametrized over ``op_cases(...)``, one test per op.
    """
    import pytest

    cases = op_cases(distribution, names=names, registry=registry)
    params: list[pytest.ParameterSet] = [pytest.param(case, id=case.name) for case in cases]

    @pytest.mark.parametrize("op_case", params)
    def test_registered_op(op_case: OpCase) -> None:
        op_case.check()

    return test_registered_op
