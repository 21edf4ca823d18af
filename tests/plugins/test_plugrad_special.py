"""plugrad-special, the example third-party plugin, seen from plugrad's side.

The core suite runs with third-party autoload off (tests/conftest.py); these tests opt in to
plugrad-special by name, the way a user would with PLUGRAD_PLUGINS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest

from plugrad import Variable
from plugrad.registry import LoadSettings, Registry, use_registry
from plugrad.testing import op_tests

SPECIAL = Registry(settings=LoadSettings(autoload=False, allow=frozenset({"plugrad-special"})))


@pytest.fixture(autouse=True)
def special_registry() -> Iterator[Registry]:
    with use_registry(SPECIAL) as registry:
        yield registry


test_special_op = op_tests(distribution="plugrad-special", registry=SPECIAL)


def test_its_ops_come_from_its_entry_point() -> None:
    record = SPECIAL.record("special.erf")
    assert record.origin.distribution == "plugrad-special"
    assert record.origin.entry_point == "special"
    assert record.origin.value == "plugrad_special.ops"
    names = {r.name for r in SPECIAL.ops() if r.origin.distribution == "plugrad-special"}
    assert names >= {
        "special.erf", "special.erfc", "special.gammaln", "special.digamma",
        "special.polygamma", "special.expit", "special.softplus", "special.logsumexp",
    }  # fmt: skip


def test_the_typed_wrapper_resolves_through_the_registry() -> None:
    from plugrad_special import erf

    x = Variable(np.array([0.0, 1.0]))
    y = erf(x)
    y.backward()
    assert x.grad is not None
    assert np.allclose(x.grad.data, 2 / np.sqrt(np.pi) * np.exp(-(x.data**2)))


def test_autoload_off_leaves_it_out_and_the_allow_list_brings_it_back() -> None:
    env = {**os.environ, "PLUGRAD_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PLUGRAD_PLUGINS", None)
    listing = [sys.executable, "-m", "plugrad", "plugins"]
    off = subprocess.run(listing, capture_output=True, text=True, env=env, check=True).stdout
    assert "special = plugrad_special.ops  [disabled]" in off
    env["PLUGRAD_PLUGINS"] = "plugrad-special"
    on = subprocess.run(listing, capture_output=True, text=True, env=env, check=True).stdout
    assert "special = plugrad_special.ops  [loaded]" in on
    assert "special.polygamma  (plugrad_special.ops.Polygamma" in on
    env["PLUGRAD_BLOCK_PLUGINS"] = "special"
    blocked = subprocess.run(listing, capture_output=True, text=True, env=env, check=True).stdout
    assert "special = plugrad_special.ops  [blocked]" in blocked
