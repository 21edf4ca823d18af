"""The op registry: plugins found through entry points, ops looked up by name."""

from plugrad.registry._errors import (
    PluginLoadError as PluginLoadError,
)
from plugrad.registry._errors import (
    PluginWarning as PluginWarning,
)
from plugrad.registry._errors import (
    RegistrationError as RegistrationError,
)
from plugrad.registry._errors import (
    RegistryError as RegistryError,
)
from plugrad.registry._errors import (
    UnknownOpError as UnknownOpError,
)
from plugrad.registry._records import OpRecord as OpRecord
from plugrad.registry._records import Origin as Origin
from plugrad.registry._records import PluginRecord as PluginRecord
from plugrad.registry._table import Registry as Registry
from plugrad.registry._table import active_registry as active_registry
from plugrad.registry._table import describe_op as describe_op
from plugrad.registry._table import resolve as resolve
from plugrad.registry._table import use_registry as use_registry

__all__ = [
    "OpRecord",
    "Origin",
    "PluginLoadError",
    "PluginRecord",
    "PluginWarning",
    "RegistrationError",
    "Registry",
    "RegistryError",
    "UnknownOpError",
    "active_registry",
    "describe_op",
    "resolve",
    "use_registry",
]
