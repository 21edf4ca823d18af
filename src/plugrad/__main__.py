"""``python -m plugrad plugins [--check] [--verbose]``: list op plugins; check every op.

The listing shows each plugin (distribution, version, entry point, status) and its ops.
``--check`` puts every registered op through the test kit and exits 1 if any op fails, has
no samples to check with, or any plugin failed to load.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from plugrad.registry import Registry, active_registry


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plugrad", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    plugins = commands.add_parser("plugins", help="list op plugins and their ops")
    plugins.add_argument(
        "--check", action="store_true", help="run the test kit over every registered op"
    )
    plugins.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="show full tracebacks of failed plugins and each op's description",
    )
    args = parser.parse_args(argv)
    registry = active_registry()
    from plugrad.registry._report import format_plugins

    print(format_plugins(registry, verbose=args.verbose))
    if args.check:
        return check_all(registry)
    return 0


def check_all(registry: Registry) -> int:
    """Run ``check_op`` on every op; print one line per op; 1 if anything failed."""
    from plugrad.testing import OpCheckError, check_op

    print()
    failures = 0
    for record in registry.ops():
        label = f"{record.name} ({record.origin.distribution})"
        if record.spec.samples is None:
            print(
                f"FAIL  {label}: declared without samples (samples=... on its class "
                "statement), so it cannot be checked"
            )
            failures += 1
            continue
        try:
            check_op(record, registry=registry)
        except OpCheckError as error:
            print(f"FAIL  {label}: {error}")
            failures += 1
        else:
            print(f"ok    {label}")
    broken = [p for p in registry.plugin_records() if p.status == "failed"]
    for plugin in broken:
        print(f"FAIL  {plugin.origin}: failed to load")
    total = len(registry.records)
    print(f"\n{total - failures} of {total} op(s) passed; {len(broken)} plugin(s) failed to load")
    return 1 if failures or broken else 0


if __name__ == "__main__":
    sys.exit(main())
