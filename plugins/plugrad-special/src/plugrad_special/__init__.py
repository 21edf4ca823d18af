"""plugrad-special: special functions as differentiable plugrad ops (backed by scipy.special).

    from plugrad_special import erf, gammaln
    y = erf(x)            # a plugrad Variable; y.backward() and higher derivatives work

Each function is a typed wrapper around an op registered with plugrad under ``special.<name>``
through the ``plugrad.plugins`` entry point, so ``python -m plugrad plugins`` lists them and
plugrad's test kit checks their gradients.
"""

from plugrad_special.ops import Digamma as Digamma
from plugrad_special.ops import Erf as Erf
from plugrad_special.ops import Erfc as Erfc
from plugrad_special.ops import Expit as Expit
from plugrad_special.ops import GammaLn as GammaLn
from plugrad_special.ops import LogSumExp as LogSumExp
from plugrad_special.ops import Polygamma as Polygamma
from plugrad_special.ops import Softplus as Softplus
from plugrad_special.ops import digamma as digamma
from plugrad_special.ops import erf as erf
from plugrad_special.ops import erfc as erfc
from plugrad_special.ops import expit as expit
from plugrad_special.ops import gammaln as gammaln
from plugrad_special.ops import logsumexp as logsumexp
from plugrad_special.ops import polygamma as polygamma
from plugrad_special.ops import softplus as softplus

__version__ = "0.2.0"

__all__ = [
    "Digamma",
    "Erf",
    "Erfc",
    "Expit",
    "GammaLn",
    "LogSumExp",
    "Polygamma",
    "Softplus",
    "digamma",
    "erf",
    "erfc",
    "expit",
    "gammaln",
    "logsumexp",
    "polygamma",
    "softplus",
]
