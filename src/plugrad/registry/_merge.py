"""Settling op names that several plugins register.  Install order never matters.

* One plain registration: it is the op.
* Registrations with ``override=True`` replace plain ones; of several overrides the highest
  ``priority`` wins, and a tie at the top is a clash.
* Several plain registrations are a clash.  If one of them is plugrad's own op it stays (the
  framework keeps working); otherwise the name is unusable until the clash is resolved, and
  looking it up raises the clash message, which names every origin.

Candidates are sorted by (priority, distribution, entry point) before anything is decided, so
the outcome depends only on what is installed, never on the order it was found in.
"""

from __future__ import annotations

from collections.abc import Iterable

from plugrad.registry._errors import complain
from plugrad.registry._records import Clash, OpRecord
from plugrad.registry._settings import BLOCK_ENV


def merge(
    records: Iterable[OpRecord], *, strict: bool
) -> tuple[dict[str, OpRecord], dict[str, list[OpRecord]], list[Clash]]:
    """The winner per name, the registrations each winner shadows, and the unsettled clashes."""
    by_name: dict[str, list[OpRecord]] = {}
    for record in records:
        by_name.setdefault(record.name, []).append(record)
    winners: dict[str, OpRecord] = {}
    shadowed: dict[str, list[OpRecord]] = {}
    clashes: list[Clash] = []
    for name in sorted(by_name):
        winner, clash = _settle(name, sorted(by_name[name], key=_order))
        if clash is not None:
            complain(clash.message, strict=strict)
            clashes.append(clash)
        if winner is not None:
            winners[name] = winner
            losers = [r for r in by_name[name] if r is not winner]
            if losers:
                shadowed[name] = sorted(losers, key=_order)
    return winners, shadowed, clashes


def _order(record: OpRecord) -> tuple[int, str, str, str]:
    origin = record.origin
    return (-record.spec.priority, origin.distribution, origin.entry_point, origin.value)


def _settle(name: str, candidates: list[OpRecord]) -> tuple[OpRecord | None, Clash | None]:
    overrides = [r for r in candidates if r.spec.override]
    plain = [r for r in candidates if not r.spec.override]
    if overrides:
        top = [r for r in overrides if r.spec.priority == overrides[0].spec.priority]
        if len(top) == 1:
            return top[0], None
        fallback = _fallback(plain)
        return fallback, _clash(name, top, "override it with the same priority", fallback)
    if len(plain) == 1:
        return plain[0], None
    fallback = _fallback(plain)
    return fallback, _clash(name, plain, "register it", fallback)


def _fallback(candidates: list[OpRecord]) -> OpRecord | None:
    """After a clash, plugrad's own op (if it is one of them) keeps the name working."""
    builtin = [r for r in candidates if r.origin.builtin and not r.spec.override]
    return builtin[0] if builtin else None


def _clash(name: str, clashing: list[OpRecord], what: str, fallback: OpRecord | None) -> Clash:
    origins = "\n".join(
        f"  - {r.origin} registers {r.spec.function.__qualname__}" for r in clashing
    )
    if fallback is not None:
        outcome = f"plugrad's own {name!r} stays in use"
    else:
        outcome = f"{name!r} cannot be used until this is resolved"
    message = (
        f"plugrad: op {name!r} is registered by {len(clashing)} plugins that {what}:\n"
        f"{origins}\n"
        f"{outcome}. To replace an op on purpose, register it with override=True and a "
        f"higher priority; or block one plugin with {BLOCK_ENV}=<entry point name>."
    )
    return Clash(name, tuple(clashing), message)
