"""The core: Variable, Function, the backward engine and grad/train mode.

The core knows nothing of particular ops and imports nothing above it: the operator methods of
``Variable`` go through ``plugrad.core.operators``, a table the op layer fills.
"""

from plugrad.core.config import Config as Config
from plugrad.core.config import enable_grad as enable_grad
from plugrad.core.config import is_grad_enabled as is_grad_enabled
from plugrad.core.config import is_train as is_train
from plugrad.core.config import no_grad as no_grad
from plugrad.core.config import test_mode as test_mode
from plugrad.core.config import using_config as using_config
from plugrad.core.function import Function as Function
from plugrad.core.variable import Parameter as Parameter
from plugrad.core.variable import Variable as Variable
from plugrad.core.variable import as_array as as_array
from plugrad.core.variable import as_variable as as_variable
