"""What plugrad says when a plugin is missing, broken or refused: an unknown op names the plugin
that would have provided it and why it did not, and strict mode says what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugrad.ops.elementwise import Cos, Sin
from plugrad.plugin import Registrar
from plugrad.registry import (
    LoadSettings,
    PluginLoadError,
    PluginWarning,
    RegistrationError,
    Registry,
    UnknownOpError,
)
from plugrad.testing import failing_source
from tests.registry.helpers import (
    BROKEN_PLUGIN,
    Twice,
    install_fake_distribution,
    registering,
    source,
)


class Erf(Sin, name="special.erf"):
    """y = sin(x), standing in for special.erf"""

    __slots__ = ()


class Gammaln(Cos, name="special.gammaln"):
    """y = cos(x), standing in for special.gammaln"""

    __slots__ = ()


def special() -> object:
    return source(registering(Erf), "special", distribution="plugrad-special", version="0.2.0")


def healthy() -> object:
    return source(registering(Twice), "healthy", distribution="healthy-ops")


def unknown(registry: Registry, name: str) -> str:
    with pytest.raises(UnknownOpError) as info:
        registry.get(name)
    return str(info.value)


def test_an_op_of_a_blocked_plugin() -> None:
    registry = Registry([healthy(), special()], settings=LoadSettings(block=frozenset({"special"})))
    message = unknown(registry, "special.erf")
    assert message.startswith("no op named 'special.erf' is registered: ")
    assert "its plugin 'special' (plugrad-special 0.2.0) is blocked by PLUGRAD_BLOCK_PLUGINS" in (
        message
    )


def test_an_op_of_a_disabled_plugin() -> None:
    registry = Registry([healthy(), special()], settings=LoadSettings(autoload=False))
    message = unknown(registry, "special.erf")
    assert "its plugin 'special' (plugrad-special 0.2.0) is disabled" in message
    assert "PLUGRAD_DISABLE_PLUGIN_AUTOLOAD is set; name it in PLUGRAD_PLUGINS" in message


def test_an_op_of_a_plugin_left_out_of_the_allow_list() -> None:
    settings = LoadSettings(allow=frozenset({"healthy"}))
    message = unknown(Registry([healthy(), special()], settings=settings), "special.erf")
    assert "is disabled: not named in PLUGRAD_PLUGINS" in message


def test_an_op_of_a_plugin_that_failed_to_import() -> None:
    broken = failing_source(
        ImportError("No module named 'scipy'"),
        name="special",
        distribution="plugrad-special",
        version="0.2.0",
    )
    registry = Registry([healthy(), broken], settings=LoadSettings())
    with pytest.warns(PluginWarning):
        registry.load()
    message = unknown(registry, "special.erf")
    assert (
        "its plugin 'special' (plugrad-special 0.2.0) failed to load: "
        "ImportError: No module named 'scipy'"
    ) in message


def test_the_namespace_matches_the_distribution_or_module_too() -> None:
    broken = failing_source(ImportError("no gpu"), name="kernels", distribution="fastops")
    registry = Registry([broken], settings=LoadSettings())
    with pytest.warns(PluginWarning):
        registry.load()
    assert "its plugin 'kernels' (fastops 0) failed to load" in unknown(registry, "fastops.conv")


def test_an_op_a_failed_hook_registered_before_raising() -> None:
    def register(registrar: Registrar) -> None:
        registrar.register(Gammaln)
        raise RuntimeError("config file missing")

    flaky = source(register, "flaky", distribution="flaky-ops")
    registry = Registry([healthy(), flaky], settings=LoadSettings())
    with pytest.warns(PluginWarning):
        registry.load()
    message = unknown(registry, "special.gammaln")  # no namespace match: the name itself
    assert "its plugin 'flaky' (flaky-ops 1.0) failed to load: RuntimeError: config file" in (
        message
    )


def test_an_unknown_name_lists_the_plugins_not_loaded() -> None:
    settings = LoadSettings(block=frozenset({"special"}))
    message = unknown(Registry([healthy(), special()], settings=settings), "erf")
    assert "no op named 'erf' is registered." in message
    assert "Plugins not loaded, one of which may provide it: plugin 'special'" in message
    assert "`plugrad plugins` lists" in message


def test_an_unknown_name_with_every_plugin_loaded_says_nothing_of_plugins() -> None:
    message = unknown(Registry([healthy(), special()], settings=LoadSettings()), "erff")
    assert "Plugins not loaded" not in message


def test_a_strict_failure_says_what_strict_mode_did() -> None:
    broken = failing_source(ImportError("no cupy"), name="gpu", distribution="gpu-ops")
    registry = Registry([healthy(), broken], settings=LoadSettings(strict=True))
    with pytest.raises(PluginLoadError) as info:
        registry.load()
    message = str(info.value)
    assert (
        "plugin 'gpu' (gpu-ops 0, <raises ImportError>) failed to load: ImportError: no cupy"
        in (message)
    )
    assert "PLUGRAD_STRICT_PLUGINS=1 made this an error instead of a warning" in message
    assert "PLUGRAD_BLOCK_PLUGINS=gpu" in message
    assert "skipped" not in message
    assert "keeps working" not in message
    assert isinstance(info.value.__cause__, ImportError)


def test_a_strict_clash_says_what_strict_mode_did() -> None:
    one = source(registering(Twice), "one", distribution="one-ops")
    two = source(registering(Twice), "two", distribution="two-ops")
    with pytest.raises(RegistrationError) as info:
        Registry([one, two], settings=LoadSettings(strict=True)).load()
    assert "'twice' is registered by 2 plugins" in str(info.value)
    assert "PLUGRAD_STRICT_PLUGINS=1 made this an error instead of a warning" in str(info.value)


def test_warnings_point_at_the_line_that_called_the_op() -> None:
    """Not at plugrad's internals: a user sees which line of theirs started discovery."""
    from plugrad.registry import use_registry

    def registry() -> Registry:
        broken = failing_source(ImportError("no cupy"), name="gpu", distribution="gpu-ops")
        return Registry([healthy(), broken], settings=LoadSettings())

    with pytest.warns(PluginWarning) as caught:
        registry().get("twice")  # discovery on the first lookup
    assert (caught[0].filename, caught[0].lineno) == (__file__, _line_of("registry().get"))
    with pytest.warns(PluginWarning) as caught, use_registry(registry()):
        pass
    assert caught[0].filename == __file__


def _line_of(text: str) -> int:
    with open(__file__, encoding="utf-8") as source:
        return next(n for n, line in enumerate(source, 1) if line.strip().startswith(text))


def test_a_program_and_the_cli_show_a_broken_installed_plugin_once(tmp_path: Path) -> None:
    """A real entry point of a broken distribution: one line in a program's stderr, pointing
    at the program's own line; the CLI lists it once and warns nothing besides."""
    site = tmp_path / "site"
    install_fake_distribution(
        site, "gpu-ops", entry_points={"gpu": "broken_ops"}, files=BROKEN_PLUGIN
    )
    program = tmp_path / "program.py"
    program.write_text(
        "import numpy as np\nfrom plugrad.functions import square\n\ny = square(np.array(2.0))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGRAD_", "PYTHON"))}
    env["PYTHONPATH"] = str(site)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    result = run(str(program))
    assert result.returncode == 0, result.stderr
    first, second = result.stderr.splitlines()  # the warning, then the line it points at
    assert first.startswith(f"{program}:4: PluginWarning: plugrad: plugin 'gpu' (gpu-ops 1.0, ")
    assert "ModuleNotFoundError: No module named 'no_such_module_anywhere'" in first
    assert second.strip() == "y = square(np.array(2.0))"

    listing = run("-m", "plugrad", "plugins")
    assert listing.returncode == 0
    assert listing.stderr == ""
    assert "gpu-ops 1.0  gpu = broken_ops  [failed]" in listing.stdout
    assert listing.stdout.count("no_such_module_anywhere") == 1


def test_an_isolated_registry_says_what_it_leaves_out() -> None:
    """A plugin whose ops call another plugin's, tested in isolation, learns how to fix it."""
    message = unknown(Registry.for_distributions("author-ops"), "special.erf")
    assert "This registry holds plugrad's own ops and those of author-ops only" in message
    assert "name any other distribution whose ops these call there too" in message
