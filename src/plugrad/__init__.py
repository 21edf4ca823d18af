"""plugrad: a strictly typed, plugin-extensible define-by-run autodiff framework on NumPy.

The public face follows DeZero's: ``Variable``, ``Function``, ``no_grad``, ``using_config`` and
friends here, ``plugrad.functions`` (as ``F``), ``plugrad.utils`` and the other submodules as
attributes.  Nothing heavy is imported, and plugins are discovered on the first op call.
"""

from typing import TYPE_CHECKING

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
from plugrad.ops.operators import setup_variable as setup_variable

if TYPE_CHECKING:  # what the lazy attributes below are, for type checkers
    from plugrad import cuda as cuda
    from plugrad import dataloaders as dataloaders
    from plugrad import datasets as datasets
    from plugrad import func as func
    from plugrad import functions as functions
    from plugrad import functions_conv as functions_conv
    from plugrad import layers as layers
    from plugrad import models as models
    from plugrad import optimizers as optimizers
    from plugrad import registry as registry
    from plugrad import transforms as transforms
    from plugrad import utils as utils
    from plugrad.core.engine import gradients as gradients
    from plugrad.dataloaders import DataLoader as DataLoader
    from plugrad.dataloaders import SeqDataLoader as SeqDataLoader
    from plugrad.datasets import Dataset as Dataset
    from plugrad.nn import Layer as Layer
    from plugrad.nn import Model as Model

# DeZero's ``import dezero`` makes its submodules attributes; plugrad does too, but imports each
# on first use (PEP 562), so ``import plugrad`` stays close to the cost of ``import numpy``.
_LAZY_MODULES = frozenset(
    {
        "cuda",
        "dataloaders",
        "datasets",
        "func",
        "functions",
        "functions_conv",
        "layers",
        "models",
        "optimizers",
        "registry",
        "transforms",
        "utils",
    }
)
_LAZY_NAMES = {
    "DataLoader": "plugrad.dataloaders",
    "SeqDataLoader": "plugrad.dataloaders",
    "Dataset": "plugrad.datasets",
    "Layer": "plugrad.nn",
    "Model": "plugrad.nn",
    "gradients": "plugrad.core.engine",
}


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"plugrad.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'plugrad' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))


__version__ = "0.2.0"
is_simple_core = False  # DeZero's flag (steps 28-29 read it): plugrad has one, full core

setup_variable()  # Variable's operators reach the op layer (the core imports no op)


__all__ = [
    "Config",
    "DataLoader",
    "Dataset",
    "Layer",
    "Model",
    "SeqDataLoader",
    "Function",
    "Parameter",
    "Variable",
    "as_array",
    "as_variable",
    "cuda",
    "dataloaders",
    "datasets",
    "enable_grad",
    "func",
    "functions",
    "functions_conv",
    "gradients",
    "is_grad_enabled",
    "is_simple_core",
    "is_train",
    "layers",
    "models",
    "no_grad",
    "optimizers",
    "registry",
    "setup_variable",
    "test_mode",
    "transforms",
    "using_config",
    "utils",
]
