"""The error the test kit raises."""

from __future__ import annotations


class OpCheckError(AssertionError):
    """An op failed one of the kit's checks.

    ``op`` is the op's description (name, class, plugin), ``check`` the check that failed
    (``gradient``, ``double_backward``, ``dtype``, ...), ``sample`` the sample's label.
    """

    def __init__(self, op: str, check: str, sample: str, details: str) -> None:
        self.op = op
        self.check = check
        self.sample = sample
        self.details = details
        where = f" on sample {sample!r}" if sample else ""
        super().__init__(f"{op}: check {check!r} failed{where}: {details}")
