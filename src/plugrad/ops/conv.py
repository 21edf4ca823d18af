"""Op family 'conv' (being written; registers nothing yet)."""

from __future__ import annotations

from plugrad.plugin import Registrar, hookimpl


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    """Register this family's ops."""
