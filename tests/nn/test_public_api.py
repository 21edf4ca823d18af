"""The nn stack's public face: DeZero's module map, reachable from ``import plugrad`` alone."""

from __future__ import annotations

import subprocess
import sys

import plugrad


def test_submodules_and_names_are_attributes_of_plugrad() -> None:
    for module in ("layers", "models", "optimizers", "datasets", "dataloaders", "transforms"):
        assert hasattr(plugrad, module), module
    assert plugrad.Layer is plugrad.layers.Layer
    assert plugrad.Model is plugrad.models.Model
    assert plugrad.DataLoader is plugrad.dataloaders.DataLoader
    assert plugrad.SeqDataLoader is plugrad.dataloaders.SeqDataLoader
    assert plugrad.Dataset is plugrad.datasets.Dataset
    for name in ("get_dot_graph", "plot_dot_graph", "get_file", "cache_dir"):
        assert hasattr(plugrad.utils, name), name
    for name in ("SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam"):
        assert issubclass(getattr(plugrad.optimizers, name), plugrad.optimizers.Optimizer)


def test_import_plugrad_pulls_in_nothing_heavy() -> None:
    code = (
        "import sys, plugrad\n"
        "heavy = ['matplotlib', 'scipy', 'sklearn', 'IPython', 'urllib.request']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
