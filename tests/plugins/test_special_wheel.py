"""plugrad-special installed the way a user installs it: from a wheel, in a fresh environment.

Builds both wheels, installs them into a new virtual environment (NumPy, SciPy and pluggy are
borrowed from this one through a .pth file that points at their packages only, not their
metadata, so the only entry points there are the installed wheels'), then checks from
subprocesses that the ops are discovered through the entry point, that mypy accepts typed
downstream code and rejects a bad call, and that uninstalling removes the ops cleanly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BORROWED = ("numpy", "numpy.libs", "scipy", "scipy.libs", "pluggy")

LIST_SPECIAL_OPS = """
import json, warnings
warnings.simplefilter("error")  # a stale or broken entry point would show up here
import plugrad.registry as registry
special = [r for r in registry.ops() if r.origin.distribution == "plugrad-special"]
print(json.dumps({
    "ops": sorted(r.name for r in special),
    "entry_points": sorted({r.origin.entry_point + "=" + r.origin.value for r in special}),
    "plugrad_file": __import__("plugrad").__file__,
}))
"""

DOWNSTREAM_GOOD = """
from typing import assert_type
import numpy as np
from plugrad import Variable
from plugrad_special import erf, logsumexp, polygamma

x = Variable(np.array([0.5, 1.5]))
assert_type(erf(x), Variable)
assert_type(polygamma(2, x), Variable)
assert_type(logsumexp(x, axis=0), Variable)
"""

DOWNSTREAM_BAD = """
import numpy as np
from plugrad import Variable
from plugrad_special import erf, polygamma

x = Variable(np.array([0.5, 1.5]))
erf("0.5")
polygamma(x, 2)
"""


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGRAD_", "PYTHON"))}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def site_packages(python: Path) -> Path:
    out = ok(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=ROOT))
    return Path(out.strip())


@pytest.mark.slow
def test_wheel_install_discovery_typing_and_uninstall(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    pip = (sys.executable, "-m", "pip")
    ok(run(*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
           "-w", wheels, ROOT, ROOT / "plugins" / "plugrad-special", cwd=tmp_path))  # fmt: skip
    built = sorted(p.name for p in wheels.glob("*.whl"))
    assert [name.split("-")[0] for name in built] == ["plugrad", "plugrad_special"]

    env = tmp_path / "env"
    ok(run(sys.executable, "-m", "venv", "--without-pip", env, cwd=tmp_path))
    python = env / "bin" / "python"
    borrowed = tmp_path / "borrowed"
    borrowed.mkdir()
    here = Path(sysconfig.get_path("purelib"))
    for name in BORROWED:
        if (here / name).exists():
            (borrowed / name).symlink_to(here / name)
    (site_packages(python) / "borrowed.pth").write_text(f"{borrowed}\n")
    target = ("--python", python)
    ok(run(*pip, *target, "install", "-q", "--no-deps", "--no-index", *wheels.glob("*.whl"),
           cwd=tmp_path))  # fmt: skip

    found = json.loads(ok(run(python, "-c", LIST_SPECIAL_OPS, cwd=tmp_path)))
    assert "special.erf" in found["ops"]
    assert "special.polygamma" in found["ops"]
    assert found["entry_points"] == ["special=plugrad_special.ops"]
    assert str(env) in found["plugrad_file"]  # the wheel's plugrad, not this checkout
    listing = ok(run(python, "-m", "plugrad", "plugins", cwd=tmp_path))
    assert "plugrad-special 0.2.0  special = plugrad_special.ops  [loaded]" in listing

    (tmp_path / "good.py").write_text(textwrap.dedent(DOWNSTREAM_GOOD))
    (tmp_path / "bad.py").write_text(textwrap.dedent(DOWNSTREAM_BAD))
    cache = tmp_path / "mypy-cache"
    mypy = run(sys.executable, "-m", "mypy", "--strict", "--python-executable", python,
               "--cache-dir", cache, "good.py", "bad.py", cwd=tmp_path)  # fmt: skip
    errors = [line for line in mypy.stdout.splitlines() if ": error:" in line]
    assert all(line.startswith("bad.py:") for line in errors), mypy.stdout
    assert any('"erf" has incompatible type "str"' in line for line in errors), mypy.stdout
    assert any('"polygamma" has incompatible type "Variable"' in line for line in errors)
    assert mypy.returncode == 1

    ok(run(*pip, *target, "uninstall", "-q", "-y", "plugrad-special", cwd=tmp_path))
    gone = json.loads(ok(run(python, "-c", LIST_SPECIAL_OPS, cwd=tmp_path)))
    assert gone["ops"] == []
    listing = ok(run(python, "-m", "plugrad", "plugins", cwd=tmp_path))
    assert "special" not in listing
    assert "PluginWarning" not in listing
