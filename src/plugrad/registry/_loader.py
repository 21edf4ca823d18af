"""Loading one plugin: import it, run its hook through pluggy, validate what it registers.

pluggy runs here, once per plugin, at discovery.  Each plugin gets its own ``PluginManager``
and its own ``Registrar``, so a plugin that raises loses only its own ops, and every op knows
its origin.  Whatever a plugin raises while it loads is isolated, ``SystemExit`` included (a
plugin calling ``sys.exit()`` at import would otherwise end the program at its first op call,
with no message); only ``KeyboardInterrupt`` passes through, since it is the user's.  A plugin
that loads but registers nothing is reported too, with its likely cause: a hook without
``@hookimpl``, or an entry point naming a module without the hook.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING

import pluggy

from plugrad.plugin import PROJECT, PluginSpec
from plugrad.registry._errors import PluginLoadError, RegistrationError, complain
from plugrad.registry._records import OpRecord, Origin, PluginRecord
from plugrad.registry._settings import BLOCK_ENV
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

        ops: list[type[AnyFunction]] = [
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

        kind = type(function).__name__
        if not (isinstance(function, type) and issubclass(function, Function)):
            raise RegistrationError(
                f"{self.origin}: register() takes plugrad.Function subclasses, "
                f"got {function!r} ({kind})"
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
    """Import one plugin and run its hook.

    A plugin that raises becomes a ``failed`` record, one that registers no op an ``empty``
    one; either is a one-line warning (an error in strict mode).
    """
    origin = source.origin
    registrar = CollectingRegistrar(origin)
    plugin: object = None
    try:
        plugin = source.load()
        manager = pluggy.PluginManager(PROJECT)
        manager.add_hookspecs(PluginSpec)
        manager.register(_hooks_of(plugin), name=origin.entry_point)
        manager.check_pending()  # a misspelled hook name is an error, not silence
        has_hook = bool(manager.hook.plugrad_register_ops.get_hookimpls())
        manager.hook.plugrad_register_ops(registrar=registrar)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit, GeneratorExit, ...: the plugin's, not the user's
        record = _failed(origin, exc, registrar)
        message = _failure_message(record, strict=strict)
        complain(message, strict=strict, error=PluginLoadError, cause=exc)
        return record, []
    if not registrar.records:
        record = PluginRecord(origin, "empty", reason=_why_empty(plugin, has_hook))
        complain(_empty_message(record), strict=strict, error=PluginLoadError)
        return record, []
    names = [record.name for record in registrar.records]
    return PluginRecord(origin, "loaded", ops=names), registrar.records


def _failed(origin: Origin, exc: BaseException, registrar: CollectingRegistrar) -> PluginRecord:
    import traceback  # deferred: only failures need it

    return PluginRecord(
        origin,
        "failed",
        reason=error_line(exc),
        error=exc,
        details="".join(traceback.format_exception(exc)).rstrip(),
        attempted=tuple(record.name for record in registrar.records),
    )


def error_line(exc: BaseException) -> str:
    """``ImportError: No module named 'cupy'``: the traceback's last line, kept to one line
    (a message of several lines is shown by its first, then ``...``)."""
    if isinstance(exc, SystemExit):  # its message is only the exit code
        return f"SystemExit: it called sys.exit({exc.code!r})"
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(lines) > 1:
        message += " ..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _failure_message(record: PluginRecord, *, strict: bool) -> str:
    origin = record.origin
    if strict:
        return (
            f"plugrad: {origin} failed to load: {record.reason}. To run without it, block "
            f"it with {BLOCK_ENV}={origin.entry_point}, or fix or uninstall {origin.distribution}."
        )
    return (
        f"plugrad: {origin} failed to load and is skipped: {record.reason}. "
        f"Block it with {BLOCK_ENV}={origin.entry_point}; "
        "`plugrad plugins -v` shows the full traceback."
    )


def _empty_message(record: PluginRecord) -> str:
    origin = record.origin
    return (
        f"plugrad: {origin} registers no ops: {record.reason}. "
        f"Block it with {BLOCK_ENV}={origin.entry_point} if it is not yours."
    )


def _why_empty(plugin: object, has_hook: bool) -> str:
    """The likeliest cause of a plugin that loaded fine and registered nothing."""
    hook = "plugrad_register_ops"
    if has_hook:
        return (
            f"its {hook} hook ran but registered nothing; call "
            "registrar.register_module(__name__) or registrar.register(...) in it"
        )
    if not isinstance(plugin, ModuleType):
        return f"{plugin!r} has no {hook} method marked @hookimpl"
    name = plugin.__name__
    if callable(getattr(plugin, hook, None)):
        return (
            f"module {name!r} defines {hook} without the @hookimpl marker, so it is never "
            "called; decorate it (from plugrad.plugin import hookimpl)"
        )
    elsewhere = _modules_with_hook(name)
    if elsewhere:
        return (
            f"the entry point names module {name!r}, which has no {hook} hook, but "
            f"{elsewhere[0]!r} has one: point the entry point at {elsewhere[0]!r}"
        )
    if hasattr(plugin, "__path__"):
        return (
            f"the entry point names package {name!r} (its __init__), which has no {hook} "
            f"hook; point it at the module that defines the hook (such as '{name}.ops')"
        )
    return (
        f"module {name!r} has no {hook} function marked @hookimpl: add the hook, or point the "
        "entry point at the module that defines it"
    )


def _modules_with_hook(package: str) -> list[str]:
    """Imported submodules of ``package``'s top-level package that define the hook."""
    import sys

    top = package.partition(".")[0]
    marker = f"{PROJECT}_impl"
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name != package
        and (name == top or name.startswith(top + "."))
        and hasattr(getattr(module, "plugrad_register_ops", None), marker)
    )


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
