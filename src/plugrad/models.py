"""DeZero's ``dezero.models``: ``Model`` and ready-made models."""

from plugrad.nn.model import MLP as MLP
from plugrad.nn.model import Model as Model
from plugrad.nn.model import Sequential as Sequential
from plugrad.nn.vision_models import VGG16 as VGG16
from plugrad.nn.vision_models import BottleneckA as BottleneckA
from plugrad.nn.vision_models import BottleneckB as BottleneckB
from plugrad.nn.vision_models import BuildingBlock as BuildingBlock
from plugrad.nn.vision_models import ResNet as ResNet
from plugrad.nn.vision_models import ResNet50 as ResNet50
from plugrad.nn.vision_models import ResNet101 as ResNet101
from plugrad.nn.vision_models import ResNet152 as ResNet152
from plugrad.nn.vision_models import SqueezeNet as SqueezeNet
