"""The graph behind a Variable as Graphviz DOT text (DeZero's ``get_dot_graph``), and a picture.

Variables are orange ellipses (with name, shape and dtype when ``verbose``), functions light
blue boxes named by their class, edges run from inputs to functions to outputs.  The walk is
iterative, visits each function once and lists every value once.

A function holds no reference to its outputs (``f.outputs[i]()`` rebuilds a Variable, a new
object each time), so the edges from a function to its outputs are drawn from the Variables
the walk meets: the root, and every input whose creator is that function.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from plugrad.core.variable import StandIn, Variable
from plugrad.typing import AnyFunction


def _node_id(v: Variable) -> int:
    """The id a Variable is drawn under: a stand-in held by the graph (see
    ``Function.retains_inputs``) is drawn as the value it stands for while that is alive."""
    if isinstance(v, StandIn):
        value = v.original()
        if value is not None:
            return id(value)
    return id(v)


def _var_line(node: int, v: Variable, verbose: bool) -> str:
    name = "" if v.name is None else v.name
    data: object = v.data
    if verbose and data is not None:
        if v.name is not None:
            name += ": "
        name += f"{v.shape} {v.dtype}"
    label = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'{node} [label="{label}", color=orange, style=filled]\n'


def _func_lines(f: AnyFunction, inputs: Iterable[int], outputs: Iterable[int]) -> str:
    lines = [f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n']
    lines.extend(f"{x} -> {id(f)}\n" for x in inputs)
    lines.extend(f"{id(f)} -> {y}\n" for y in outputs)
    return "".join(lines)


def _dot_var(v: Variable, verbose: bool = False) -> str:
    """DeZero's ``_dot_var``: the DOT line of one variable."""
    return _var_line(_node_id(v), v, verbose)


def _dot_func(f: AnyFunction, outputs: Sequence[Variable] = ()) -> str:
    """DeZero's ``_dot_func``: the DOT lines of one function and its edges.

    ``f`` knows its inputs but not the Variables it returned, so the edges to outputs are
    drawn to the ``outputs`` given (``_dot_func(y.creator, [y])``); ``get_dot_graph`` passes
    the ones it meets.
    """
    return _func_lines(f, [_node_id(x) for x in f.inputs], [_node_id(y) for y in outputs])


class _Nodes:
    """One node per value in the graph, whichever Variable objects stand for it.

    A value with a creator is known by its place (creator and output index): the Variable the
    program holds, a stand-in for it and an output rebuilt by ``f.outputs[i]()`` are the same
    node, drawn under the id of the first one met (a stand-in counts as its value).  A leaf is
    its own object.
    """

    __slots__ = ("_ids",)

    def __init__(self) -> None:
        self._ids: dict[object, int] = {}

    def id_of(self, v: Variable) -> int:
        creator = v.creator
        place: object = id(v) if creator is None else (creator, v._index)
        node = self._ids.get(place)
        if node is None:
            node = self._ids[place] = _node_id(v)
        return node


def get_dot_graph(output: Variable, verbose: bool = True) -> str:
    """DOT text of the graph that computed ``output``."""
    nodes = _Nodes()
    root = nodes.id_of(output)
    drawn = {root}
    # Text parts in DeZero's order (the output, then each function followed by its inputs);
    # a function's part is filled in at the end, when every output of it in the graph is known.
    parts: list[str | AnyFunction] = [_var_line(root, output, verbose)]
    node_inputs: dict[AnyFunction, list[int]] = {}
    node_outputs: dict[AnyFunction, list[int]] = {}
    stack: list[AnyFunction] = []

    def meet_output(f: AnyFunction, node: int) -> None:
        if f not in node_outputs:
            node_outputs[f] = []
            stack.append(f)
        if node not in node_outputs[f]:
            node_outputs[f].append(node)

    if output.creator is not None:
        meet_output(output.creator, root)
    while stack:
        func = stack.pop()
        parts.append(func)
        inputs = node_inputs[func] = []
        for x in func.inputs:
            node = nodes.id_of(x)
            inputs.append(node)
            if node not in drawn:
                drawn.add(node)
                parts.append(_var_line(node, _drawn_value(x), verbose))
            if x.creator is not None:
                meet_output(x.creator, node)
    text = [
        part if isinstance(part, str) else _func_lines(part, node_inputs[part], node_outputs[part])
        for part in parts
    ]
    return "digraph g {\n" + "".join(text) + "}"


def _drawn_value(x: Variable) -> Variable:
    """The Variable whose name labels ``x``'s node: a stand-in's value while it is alive."""
    if isinstance(x, StandIn):
        value = x.original()
        if value is not None:
            return value
    return x


GRAPHVIZ_MISSING = (
    "plot_dot_graph needs Graphviz's 'dot' program, which is not on PATH. Install Graphviz "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; conda: conda "
    "install graphviz; pip cannot install the program). The DOT text was written to {path}."
)


def plot_dot_graph(output: Variable, verbose: bool = True, to_file: str = "graph.png") -> object:
    """Write the graph's DOT text next to ``to_file`` and render it with Graphviz's ``dot``.

    The image format follows ``to_file``'s extension (``.png``, ``.svg``, ``.pdf``, ...).
    Inside IPython the image is returned for display, as in DeZero; otherwise ``None``.
    """
    import shutil
    import subprocess

    dot_graph = get_dot_graph(output, verbose)
    dot_path = os.path.splitext(to_file)[0] + ".dot"
    folder = os.path.dirname(os.path.abspath(to_file))
    os.makedirs(folder, exist_ok=True)
    with open(dot_path, "w", encoding="utf-8") as file:
        file.write(dot_graph)

    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(GRAPHVIZ_MISSING.format(path=dot_path))
    extension = os.path.splitext(to_file)[1][1:] or "png"
    result = subprocess.run(
        [dot, dot_path, "-T", extension, "-o", to_file],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"plot_dot_graph: dot failed on {dot_path}: {result.stderr.strip()}")
    return _ipython_image(to_file)


def _ipython_image(path: str) -> object:
    if "IPython" not in sys.modules:  # only display when already running inside IPython
        return None
    import importlib

    try:
        display = importlib.import_module("IPython.display")  # optional; typed ModuleType
    except ImportError:
        return None
    image: object = display.Image(filename=path)
    return image


__all__ = ["_dot_func", "_dot_var", "get_dot_graph", "plot_dot_graph"]
