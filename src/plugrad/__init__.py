"""plugrad: a strictly typed, plugin-extensible define-by-run autodiff framework on NumPy.

The public face follows DeZero's: ``Variable``, ``Function``, ``no_grad``, ``using_config`` and
friends here, ``plugrad.functions`` (as ``F``), ``plugrad.utils`` and the other submodules as
attributes.  Nothing heavy is imported, and plugins are discovered on the first op call.
"""

from plugrad.core import Config as Config
from plugrad.core import Function as Function
from plugrad.core import Parameter as Parameter
from plugrad.core import Variable as Variable
from plugrad.core import as_array as as_array
from plugrad.core import as_variable as as_variable
from plugrad.core import enable_grad as enable_grad
from plugrad.core import is_grad_enabled as is_grad_enabled
from plugrad.core import is_train as is_train
from plugrad.core import no_grad as no_grad
from plugrad.core import test_mode as test_mode
from plugrad.core import using_config as using_config

from plugrad import cuda as cuda  # isort: skip  # submodules after the core they build on
from plugrad import functions as functions
from plugrad import registry as registry
from plugrad import utils as utils

__version__ = "0.1.0"

__all__ = [
    "Config",
    "Function",
    "Parameter",
    "Variable",
    "as_array",
    "as_variable",
    "cuda",
    "enable_grad",
    "functions",
    "is_grad_enabled",
    "is_train",
    "no_grad",
    "registry",
    "test_mode",
    "using_config",
    "utils",
]
