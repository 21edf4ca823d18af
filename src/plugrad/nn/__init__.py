"""The layer machinery behind ``plugrad.layers`` and ``plugrad.models``.

One module per kind of layer; the public modules ``plugrad.layers`` and ``plugrad.models``
re-export what users import.
"""

from plugrad.nn._weights import WeightsFileError as WeightsFileError
from plugrad.nn.layer import Layer as Layer
from plugrad.nn.linear import Linear as Linear
from plugrad.nn.model import MLP as MLP
from plugrad.nn.model import Model as Model
from plugrad.nn.model import Sequential as Sequential
