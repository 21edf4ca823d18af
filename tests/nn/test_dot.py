"""Graph pictures: DOT text of a known graph, and a PNG when Graphviz is installed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.models import MLP
from plugrad.utils import _dot_func, _dot_var, get_dot_graph, plot_dot_graph
from tests._ops import SumDiff


def _graph() -> tuple[Variable, Variable, Variable, Variable]:
    x = Variable(np.ones((2, 3)), name="x")
    y = Variable(np.ones((2, 3), dtype=np.float32), name="y")
    z = F.exp(x) + y
    z.name = "z"
    return x, y, z, F.exp(x)


def test_dot_text_lists_nodes_and_edges() -> None:
    x, y, z, _ = _graph()
    text = get_dot_graph(z, verbose=True)
    assert text.startswith("digraph g {\n")
    assert text.endswith("}")
    add = z.creator
    assert add is not None
    exp = add.inputs[0].creator
    assert exp is not None
    exp_out = add.inputs[0]
    lines = set(text.splitlines())
    assert f'{id(z)} [label="z: (2, 3) float64", color=orange, style=filled]' in lines
    assert f'{id(x)} [label="x: (2, 3) float64", color=orange, style=filled]' in lines
    assert f'{id(y)} [label="y: (2, 3) float32", color=orange, style=filled]' in lines
    assert f'{id(exp_out)} [label="(2, 3) float64", color=orange, style=filled]' in lines
    assert f'{id(add)} [label="Add", color=lightblue, style=filled, shape=box]' in lines
    assert f'{id(exp)} [label="Exp", color=lightblue, style=filled, shape=box]' in lines
    edges = {line for line in lines if "->" in line}
    assert edges == {
        f"{id(x)} -> {id(exp)}",
        f"{id(exp)} -> {id(exp_out)}",
        f"{id(exp_out)} -> {id(add)}",
        f"{id(y)} -> {id(add)}",
        f"{id(add)} -> {id(z)}",
    }


def test_dot_text_not_verbose_shows_names_only() -> None:
    _, _, z, _ = _graph()
    text = get_dot_graph(z, verbose=False)
    assert 'label="z"' in text
    assert "float64" not in text


def test_each_node_appears_once_in_a_shared_graph() -> None:
    x = Variable(np.array(2.0), name="x")
    y = x * x
    for _ in range(50):
        y = y + x
    text = get_dot_graph(y)
    node_lines = [line for line in text.splitlines() if "[label=" in line]
    ids = [line.split(" ", 1)[0] for line in node_lines]
    assert len(ids) == len(set(ids))
    assert len(re.findall(r'label="Add"', text)) == 50
    assert text.count(f'{id(x)} [label="x') == 1


def test_long_chain_walk_is_iterative() -> None:
    x = Variable(np.array(1.0))
    y = x
    for _ in range(5000):
        y = F.sin(y)
    assert get_dot_graph(y).count('label="Sin"') == 5000


def test_leaf_variable_graph() -> None:
    x = Variable(np.zeros(2), name="x")
    assert (
        get_dot_graph(x)
        == f'digraph g {{\n{id(x)} [label="x: (2,) float64", color=orange, style=filled]\n}}'
    )


def _edges(text: str) -> set[str]:
    return {line for line in text.splitlines() if "->" in line}


def test_each_output_of_a_two_output_function_gets_its_edge() -> None:
    # The function holds no reference to its outputs: the edges come from where they are used.
    a = Variable(np.ones(2), name="a")
    b = Variable(np.ones(2), name="b")
    s, d = SumDiff()(a, b)
    f = s.creator
    assert f is not None
    t = F.exp(d)
    z = s * t
    mul, exp = z.creator, t.creator
    assert mul is not None
    assert exp is not None
    text = get_dot_graph(z)
    assert _edges(text) == {
        f"{id(a)} -> {id(f)}",
        f"{id(b)} -> {id(f)}",
        f"{id(f)} -> {id(s)}",
        f"{id(f)} -> {id(d)}",
        f"{id(d)} -> {id(exp)}",
        f"{id(exp)} -> {id(t)}",
        f"{id(s)} -> {id(mul)}",
        f"{id(t)} -> {id(mul)}",
        f"{id(mul)} -> {id(z)}",
    }
    assert text.count('label="SumDiff"') == 1
    for v in (a, b, s, d, t, z):
        assert text.count(f"{id(v)} [label=") == 1


def test_an_unused_output_is_not_drawn() -> None:
    a = Variable(np.ones(2))
    s, d = SumDiff()(a, a)
    f = d.creator
    assert f is not None
    text = get_dot_graph(d)
    assert _edges(text) == {f"{id(a)} -> {id(f)}", f"{id(f)} -> {id(d)}"}
    assert f"{id(s)}" not in text


def test_a_value_met_through_rebuilt_outputs_is_one_node() -> None:
    # Exp's rule reads its output, which the engine rebuilds as a new Variable each time it
    # runs the rule with create_graph: two passes put two such objects into x.grad's graph.
    x = Variable(np.array([0.5, 1.5]), name="x")
    y = F.exp(x)
    exp = y.creator
    assert exp is not None
    F.sum(y).backward(create_graph=True)
    F.sum(y).backward(create_graph=True)
    assert x.grad is not None
    text = get_dot_graph(x.grad)
    assert text.count('label="Exp"') == 1
    outputs_of_exp = [line for line in _edges(text) if line.startswith(f"{id(exp)} -> ")]
    assert len(outputs_of_exp) == 1
    (node,) = (line.split(" -> ")[1] for line in outputs_of_exp)
    assert text.count(f"{node} [label=") == 1
    node_lines = [line for line in text.splitlines() if "[label=" in line]
    ids = [line.split(" ", 1)[0] for line in node_lines]
    assert len(ids) == len(set(ids))


def test_dot_var_and_dot_func_keep_dezero_s_format() -> None:
    x = Variable(np.ones((2, 3)), name="x")
    y = F.exp(x)
    f = y.creator
    assert f is not None
    assert _dot_var(x) == f'{id(x)} [label="x", color=orange, style=filled]\n'
    assert _dot_var(x, verbose=True) == (
        f'{id(x)} [label="x: (2, 3) float64", color=orange, style=filled]\n'
    )
    box = f'{id(f)} [label="Exp", color=lightblue, style=filled, shape=box]\n'
    # Given the outputs (the function does not hold them), the edges to them are drawn too.
    assert _dot_func(f, [y]) == box + f"{id(x)} -> {id(f)}\n" + f"{id(f)} -> {id(y)}\n"
    assert _dot_func(f) == box + f"{id(x)} -> {id(f)}\n"


def test_plot_without_graphviz_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def which(name: str) -> str | None:
        return None  # no program is installed

    monkeypatch.setattr(shutil, "which", which)
    _, _, z, _ = _graph()
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        plot_dot_graph(z, to_file=str(tmp_path / "g.png"))
    assert (tmp_path / "g.dot").read_text().startswith("digraph g {")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_plot_writes_png(tmp_path: Path) -> None:
    _, _, z, _ = _graph()
    target = tmp_path / "graph.png"
    assert plot_dot_graph(z, to_file=str(target)) is None
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_model_plot(tmp_path: Path) -> None:
    model = MLP((4, 2))
    target = tmp_path / "model.png"
    model.plot(np.ones((3, 2), dtype=np.float32), to_file=str(target))
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert 'label="Linear"' in (tmp_path / "model.dot").read_text()
