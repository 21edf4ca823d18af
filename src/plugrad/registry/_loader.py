"""Loading one plugin: import it, run its hook through pluggy, validate what it registers.

pluggy runs here, once per plugin, at discovery.  Each plugin gets its own ``PluginManager``
and its own ``Registrar``, so a plugin that raises loses only its own ops, and every op knows
its origin.
"""

from __future__ import annotations

import warnings
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING

import pluggy

from plugrad.plugin import PROJECT, PluginSpec
from plugrad.registry._errors import PluginLoadError, PluginWarning, RegistrationError
from plugrad.registry._records import OpRecord, Origin, PluginRecord
from plugrad.registry._settings import BLOCK_ENV, STRICT_ENV
from plugrad.registry._sources import PluginSource

if TYPE_CHECKING:
    from plugrad.typing import AnyFunction


class CollectingRegistrar:
    """The ``Registrar`` a plugin receives: checks each op class and keeps it with its origin."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.records: list[OpRecord] = []

    def register(self, *functions: type[AnyFunction]) -> None:
        for function in functions:
            self._register_one(function)

    def register_module(self, module: str) -> None:
        import sys

        found = sys.modules.get(module) if isinstance(module, str) else None  # type: ignore[redundant-expr]  # untyped plugins pass anything
        if found is None:
            raise RegistrationError(
                f"{self.origin}: register_module({module!r}) takes the name of an imported "
                "module (write registrar.register_module(__name__))"
            )
        from plugrad.core.function import Function

        ops = [
            value
            for value in vars(found).values()
            if isinstance(value, type)
            and issubclass(value, Function)
            and value.__module__ == module
            and value.op_name is not None
        ]
        if not ops:
            raise RegistrationError(
                f"{self.origin}: module {module!r} defines no op class with a name; declare "
                "one as class MyOp(Function[Array], name='my_op')"
            )
        self.register(*ops)

    def _register_one(self, function: object) -> None:
        # Imported here: the registry is loaded lazily, after the core.
        from plugrad.core.function import Function

        if not (isinstance(function, type) and issubclass(function, Function)):
            raise RegistrationError(
                f"{self.origin}: register() takes plugrad.Function subclasses, "
                f"got {function!r} ({type(function).__name__})"
            )
        if function.op_name is None:
            raise RegistrationError(
                f"{self.origin}: {function.__qualname__} declares no op name; write "
                f"class {function.__name__}(Function[...], name='...')"
            )
        if not (function.has_vjp or function.has_vjp_array or function.has_backward):
            raise RegistrationError(
                f"{self.origin}: op {function.op_name!r} ({function.__name__}) defines no "
                "derivative (vjp, or DeZero's backward); an op must be differentiable"
            )
        spec = function.spec()
        if any(record.name == spec.name for record in self.records):
            raise RegistrationError(f"{self.origin} registers op {spec.name!r} twice")
        self.records.append(OpRecord(spec, self.origin))


def load_plugin(source: PluginSource, *, strict: bool) -> tuple[PluginRecord, list[OpRecord]]:
    """Import one plugin and run its hook; a failure becomes a ``failed`` record and a warning."""
    origin = source.origin
    registrar = CollectingRegistrar(origin)
    try:
        plugin = source.load()
        manager = pluggy.PluginManager(PROJECT)
        manager.add_hookspecs(PluginSpec)
        manager.register(_hooks_of(plugin), name=origin.entry_point)
        manager.check_pending()  # a misspelled hook name is an error, not silence
        manager.hook.plugrad_register_ops(registrar=registrar)
    except Exception as exc:
        import traceback  # deferred: only failures need it

        reason = f"{type(exc).__name__}: {exc}"
        details = "".join(traceback.format_exception(exc))
        report_failure(origin, reason, details, exc, strict=strict)
        return PluginRecord(origin, "failed", reason=details.rstrip(), error=exc), []
    names = [record.name for record in registrar.records]
    return PluginRecord(origin, "loaded", ops=names), registrar.records


def _hooks_of(plugin: object) -> object:
    """For a module, only its hook implementations: what pluggy would find, found faster.

    pluggy inspects every attribute of a plugin statically (``inspect.getattr_static``), which
    for a module of ops costs about a millisecond; a module's attributes are plain values, so a
    dict lookup of pluggy's marker finds the same functions, misspelled hooks included.
    """
    if not isinstance(plugin, ModuleType):
        return plugin  # an object may have properties: let pluggy look at it carefully
    marker = f"{PROJECT}_impl"
    hooks = {name: value for name, value in vars(plugin).items() if hasattr(value, marker)}
    return SimpleNamespace(**hooks)


def report_failure(
    origin: Origin, reason: str, details: str, exc: BaseException, *, strict: bool
) -> None:
    """Warn (or, in strict mode, raise) naming the plugin, its cause and how to disable it."""
    message = (
        f"plugrad: {origin} failed to load and was skipped: {reason}\n"
        f"{details.rstrip()}\n"
        f"The rest of plugrad keeps working without its ops. To stop loading it, set "
        f"{BLOCK_ENV}={origin.entry_point} or uninstall {origin.distribution}; "
        f"{STRICT_ENV}=1 makes this an error."
    )
    if strict:
        raise PluginLoadError(message) from exc
    warnings.warn(message, PluginWarning, stacklevel=2)
