"""The graph behind a Variable as Graphviz DOT text (DeZero's ``get_dot_graph``), and a picture.

Variables are orange ellipses (with name, shape and dtype when ``verbose``), functions light
blue boxes named by their class, edges run from inputs to functions to outputs.  The walk is
iterative, visits each function once and lists every variable once.
"""

from __future__ import annotations

import os
import sys

from plugrad.core.function import AnyFunction
from plugrad.core.variable import Variable


def _node_id(v: Variable) -> int:
    """One node per value: a stand-in held by the graph (see ``Function.retains_inputs``) is
    drawn as the value it stands for, which shares its creator's reference to it."""
    if v._ref is None:
        return id(v)
    value = v._ref()
    return id(value) if value is not None else id(v._ref)


def _dot_var(v: Variable, verbose: bool = False) -> str:
    name = "" if v.name is None else v.name
    data: object = v.data
    if verbose and data is not None:
        if v.name is not None:
            name += ": "
        name += f"{v.shape} {v.dtype}"
    label = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'{_node_id(v)} [label="{label}", color=orange, style=filled]\n'


def _dot_func(f: AnyFunction) -> str:
    lines = [f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n']
    lines.extend(f"{_node_id(x)} -> {id(f)}\n" for x in f.inputs)
    for ref in f.outputs:
        y = ref()
        if y is not None:  # an output dropped by the program is drawn only where it is used
            lines.append(f"{id(f)} -> {_node_id(y)}\n")
    return "".join(lines)


def get_dot_graph(output: Variable, verbose: bool = True) -> str:
    """DOT text of the graph that computed ``output``."""
    parts = [_dot_var(output, verbose)]
    seen_vars = {_node_id(output)}
    funcs: list[AnyFunction] = []
    seen_funcs: set[int] = set()

    def add_func(f: AnyFunction | None) -> None:
        if f is not None and id(f) not in seen_funcs:
            funcs.append(f)
            seen_funcs.add(id(f))

    add_func(output.creator)
    while funcs:
        func = funcs.pop()
        parts.append(_dot_func(func))
        for x in func.inputs:
            node = _node_id(x)
            if node not in seen_vars:
                seen_vars.add(node)
                parts.append(_dot_var(x, verbose))
                if x.creator is not None and x._ref is not None and x._ref() is None:
                    # the value itself is gone, so its creator drew no edge to it
                    parts.append(f"{id(x.creator)} -> {node}\n")
            add_func(x.creator)
    return "digraph g {\n" + "".join(parts) + "}"


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
    try:
        from IPython import display  # type: ignore[import-not-found]  # optional, untyped
    except ImportError:
        return None
    return display.Image(filename=path)
