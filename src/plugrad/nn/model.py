"""``Model`` (a layer that can draw itself) and the two stock models, ``Sequential`` and ``MLP``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

from plugrad.core.variable import Variable, as_variable
from plugrad.nn.layer import Layer, P, R
from plugrad.nn.linear import Linear
from plugrad.ops.activation import sigmoid
from plugrad.typing import Operand

Activation: TypeAlias = Callable[[Variable], Variable]


class Model(Layer[P, R]):
    """The base of models: a ``Layer`` with ``plot``.

    Generic as ``Layer`` is: ``class MyModel(Model[[Variable], Variable])`` has its ``forward``
    and its calls checked; ``class MyModel(Model)`` is DeZero's unchecked model.
    """

    def plot(self, *inputs: object, to_file: str = "model.png") -> object:
        """Run the model on ``inputs`` and draw the graph with Graphviz (see plot_dot_graph)."""
        from plugrad._dot import plot_dot_graph

        y = _call(self.forward, inputs)  # forward checks the inputs at run time
        if not isinstance(y, Variable):
            raise TypeError(
                f"{type(self).__name__}.plot draws the graph of one output Variable; forward "
                f"returned {type(y).__name__}"
            )
        return plot_dot_graph(y, verbose=True, to_file=to_file)


def _call(function: Callable[..., object], args: tuple[object, ...]) -> object:
    return function(*args)


class Sequential(Model[[Operand], Variable]):
    """Apply ``layers`` in turn; plain functions such as ``F.relu`` may sit between layers."""

    layers: list[Layer | Activation]

    def __init__(self, *layers: Layer | Activation) -> None:
        super().__init__()
        self.layers = []
        for i, layer in enumerate(layers):
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x: Operand) -> Variable:
        y = x
        for layer in self.layers:
            y = layer(y)  # type: ignore[arg-type]  # layers take any operand
        if not isinstance(y, Variable):  # no layers at all: the input comes back as a Variable
            return as_variable(y)
        return y


class MLP(Model[[Operand], Variable]):
    """A multilayer perceptron: ``Linear`` layers of the given output sizes, ``activation``
    between them (none after the last)."""

    activation: Activation
    layers: list[Linear]

    def __init__(self, fc_output_sizes: Sequence[int], activation: Activation = sigmoid) -> None:
        super().__init__()
        if len(fc_output_sizes) == 0:
            raise ValueError("MLP needs at least one layer size, e.g. MLP((10, 3))")
        self.activation = activation
        self.layers = []
        for i, out_size in enumerate(fc_output_sizes):
            layer = Linear(out_size)
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x: Operand) -> Variable:
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        y: Variable = self.layers[-1](x)
        return y
