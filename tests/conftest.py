"""Shared test setup.

The framework's own suite runs isolated from foreign op plugins that happen to be installed
(pytest-dev/pytest#3784 is the cautionary tale): third-party autoload is off, so only plugrad's
own families load.  Tests of plugrad-special opt in with their own registry (tests/plugins).
"""

import os

from plugrad.registry import active_registry

os.environ["PLUGRAD_DISABLE_PLUGIN_AUTOLOAD"] = "1"
for _knob in ("PLUGRAD_PLUGINS", "PLUGRAD_BLOCK_PLUGINS", "PLUGRAD_STRICT_PLUGINS"):
    os.environ.pop(_knob, None)
if active_registry().loaded:  # discovered before this file ran (by another pytest plugin)
    active_registry().refresh()

pytest_plugins = ["pytester"]
