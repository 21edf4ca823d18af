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
from plugrad.utils import get_dot_graph, plot_dot_graph


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


def test_plot_without_graphviz_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
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
