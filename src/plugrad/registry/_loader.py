"""Loading one plugin: import it, run its hook through pluggy, validate what it registers.

pluggy runs here, once per plugin, at discovery.  Each plugin gets its own ``PluginManager``
and its own ``Registrar``, so a plugin that raises loses only its own ops, and every op knows
its origin.
"""

from __future__ import annotations

import inspect
import warnings
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING

import pluggy

from plugrad.plugin import PROJECT, OpSpec, PluginSpec, SampleFactory
from plugrad.registry._errors import PluginLoadError, PluginWarning, RegistrationError
from plugrad.registry._records import OpRecord, Origin, PluginRecord
from plugrad.registry._settings import BLOCK_ENV, STRICT_ENV
from plugrad.registry._sources import PluginSource

if TYPE_CHECKING:
    from plugrad.core.function import AnyFunction


class CollectingRegistrar:
    """The ``Registrar`` a plugin receives: validates each op and keeps it with its origin."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.records: list[OpRecord] = []

    def register(
        self,
        name: str,
        function: type[AnyFunction],
        *,
        arity: int,
        description: str,
        samples: SampleFactory | None = None,
        double_backward: bool = True,
        override: bool = False,
        priority: int = 0,
    ) -> None:
        # The annotations bind typed plugins only; untyped ones reach here too, so check.
        self._check_name(name)
        self._check_function(name, function)
        self._check_arity(name, function, arity)
        self._check_metadata(name, description, samples, double_backward, override, priority)
        if any(record.name == name for record in self.records):
            raise RegistrationError(f"{self.origin} registers op {name!r} twice")
        spec = OpSpec(
            name=name,
            function=function,
            arity=arity,
            description=description,
            samples=samples,
            double_backward=double_backward,
            override=override,
            priority=priority,
        )
        self.records.append(OpRecord(spec, self.origin))

    def _check_name(self, name: object) -> None:
        # ``name`` or ``namespace.name``: a namespace keeps a plugin's names clear of others'.
        if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
            raise RegistrationError(
                f"{self.origin}: op name {name!r} must be an identifier, optionally with a "
                "namespace ('special.erf')"
            )

    def _check_function(self, name: str, function: object) -> None:
        # Imported here: the registry must not import the core at load time (the core's
        # operators import the op modules, which import the registry).
        from plugrad.core.function import Function

        if not (isinstance(function, type) and issubclass(function, Function)):
            raise RegistrationError(
                f"{self.origin}: op {name!r} must be a plugrad.Function subclass, "
                f"got {function!r} ({type(function).__name__})"
            )
        if not (function.has_array_backward or function.has_graph_backward):
            raise RegistrationError(
                f"{self.origin}: op {name!r} ({function.__name__}) defines neither "
                "backward_array() nor backward(); an op must be differentiable"
            )

    def _check_arity(self, name: str, function: type[AnyFunction], arity: object) -> None:
        if not isinstance(arity, int) or isinstance(arity, bool) or arity < -1:
            raise RegistrationError(
                f"{self.origin}: op {name!r} has arity {arity!r}; use the number of inputs, "
                "or -1 for a variadic op"
            )
        declared = _forward_arity(function)
        if arity != -1 and declared is not None and declared != arity:
            raise RegistrationError(
                f"{self.origin}: op {name!r} is registered with arity={arity}, but "
                f"{function.__name__}.forward takes {declared} input(s)"
            )

    def _check_metadata(
        self,
        name: str,
        description: object,
        samples: object,
        double_backward: object,
        override: object,
        priority: object,
    ) -> None:
        problems = []
        if not isinstance(description, str):
            problems.append(f"description must be a str, got {type(description).__name__}")
        if samples is not None and not callable(samples):
            problems.append("samples must be a function rng -> list[Sample], or None")
        if not isinstance(double_backward, bool):
            problems.append("double_backward must be a bool")
        if not isinstance(override, bool):
            problems.append("override must be a bool")
        if not isinstance(priority, int) or isinstance(priority, bool):
            problems.append("priority must be an int")
        if problems:
            raise RegistrationError(f"{self.origin}: op {name!r}: " + "; ".join(problems))


def _forward_arity(function: type[AnyFunction]) -> int | None:
    """The number of inputs ``forward`` takes, or None if it is variadic or unreadable."""
    try:
        parameters = list(inspect.signature(function.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return None
    return sum(1 for p in parameters if p.kind in positional)


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
