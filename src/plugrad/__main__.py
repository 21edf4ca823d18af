"""plugrad's command line (``plugrad``, or ``python -m plugrad``).

``plugrad plugins [--check] [--verbose] [--json]`` lists the op plugins and their ops;
``--check`` puts every registered op through the test kit and exits 1 if any op fails, has no
samples to check with, or any plugin failed to load or registered nothing.
``plugrad new-plugin DIST_NAME [--dir PARENT]`` creates a new plugin distribution.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Final, Literal, NamedTuple

from plugrad.registry import PluginWarning, Registry, RegistryError, active_registry
from plugrad.registry._loader import error_line

DESCRIPTION: Final = """\
plugrad's command line.

commands:
  plugins      list the op plugins, their status and their ops (--check tests every op)
  new-plugin   create a new op plugin: a typed, tested distribution ready to install

`plugrad COMMAND --help` shows a command's options."""

ENVIRONMENT: Final = """\
environment (read when plugins are discovered):
  PLUGRAD_DISABLE_PLUGIN_AUTOLOAD=1  load no third-party plugin (plugrad's own ops always load)
  PLUGRAD_PLUGINS=a,b                load only these third-party plugins (autoload on or off)
  PLUGRAD_BLOCK_PLUGINS=a,b          never load these plugins
  PLUGRAD_STRICT_PLUGINS=1           a plugin failure or a name clash is an error, not a warning
A plugin is named by its entry-point name, its distribution, or distribution:entry_point."""

SAMPLES_RULE: Final = (
    "declares no samples (samples=... on its class statement): registered and usable, "
    "but unchecked, so it cannot pass"
)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "new-plugin":
        return new_plugin(args.distribution, args.dir)
    return plugins(check=args.check, verbose=args.verbose, as_json=args.json)


def _parser() -> argparse.ArgumentParser:
    # Run as ``python -m plugrad``, argv[0] is this file; as the console script, ``plugrad``.
    prog = "python -m plugrad" if sys.argv[0].endswith("__main__.py") else "plugrad"
    parser = argparse.ArgumentParser(
        prog=prog,
        usage="%(prog)s [-h] COMMAND ...",
        description=DESCRIPTION,
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The commands are listed in DESCRIPTION: argparse's own list misaligns long names.
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help=argparse.SUPPRESS
    )
    listing = commands.add_parser(
        "plugins",
        description="List each op plugin (distribution, version, entry point, status) and "
        "the ops it registered.",
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument(
        "--check",
        action="store_true",
        help="run the test kit over every registered op; exit 1 if an op fails or has no "
        "samples, or a plugin failed to load or registered nothing",
    )
    listing.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="show failed plugins' full tracebacks and each op's description",
    )
    listing.add_argument("--json", action="store_true", help="print JSON, for tools")
    scaffold = commands.add_parser(
        "new-plugin",
        description="Create PARENT/DIST_NAME/, a complete op-plugin distribution: a pyproject "
        "with the entry point, a typed package with an example op, tests using the kit, strict "
        "mypy settings and a README on building, testing and publishing it.",
    )
    scaffold.add_argument("distribution", metavar="DIST_NAME", help="such as plugrad-hyperbolic")
    scaffold.add_argument(
        "--dir",
        default=".",
        metavar="PARENT",
        help="the folder to create it in (default: the current one)",
    )
    return parser


class CheckResult(NamedTuple):
    """One line of ``--check``: an op put through the kit, or a plugin that broke."""

    kind: Literal["op", "plugin"]
    subject: str  # the op's name, or the plugin as ``plugin 'x' (dist 1.0, module)``
    distribution: str
    error: str | None  # None when it passed


def plugins(*, check: bool, verbose: bool, as_json: bool) -> int:
    """``plugrad plugins``: the listing (or JSON), and with ``check`` the kit over every op."""
    from plugrad.registry._report import format_plugins, plugins_json

    registry = active_registry()
    failure = _load(registry, verbose=verbose)
    if failure is not None:
        return failure
    results = check_results(registry) if check else []
    if as_json:
        data = plugins_json(registry)
        if check:
            data["checks"] = [result._asdict() for result in results]
        print(json.dumps(data, indent=2))
    else:
        print(format_plugins(registry, verbose=verbose))
        if check:
            print_checks(results)
    return 1 if any(result.error is not None for result in results) else 0


def _load(registry: Registry, *, verbose: bool) -> int | None:
    """Discover plugins.  Their warnings are not printed: the listing shows every one of them.

    In strict mode discovery raises instead: print what happened (with ``-v`` the traceback
    of the cause), not a traceback through plugrad, and return the exit status.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginWarning)
            registry.load()
    except RegistryError as error:
        print(f"plugrad: error: {str(error).removeprefix('plugrad: ')}", file=sys.stderr)
        cause = error.__cause__
        if cause is not None and verbose:
            import traceback

            print("".join(traceback.format_exception(cause)).rstrip(), file=sys.stderr)
        elif cause is not None:
            print("`plugrad plugins -v` shows the traceback of the cause.", file=sys.stderr)
        return 1
    return None


def check_results(registry: Registry) -> list[CheckResult]:
    """The kit over every op, then every plugin that failed to load or registered nothing."""
    from plugrad.testing import OpCheckError, check_op

    results: list[CheckResult] = []
    for record in registry.ops():
        error: str | None = None
        if record.spec.samples is None:
            error = SAMPLES_RULE
        else:
            try:
                check_op(record, registry=registry)
            except OpCheckError as failure:
                error = str(failure)
            except KeyboardInterrupt:
                raise
            except BaseException as failure:  # an op that exits or raises past the kit
                error = f"the check itself raised {error_line(failure)}"
        results.append(CheckResult("op", record.name, record.origin.distribution, error))
    broken = {"failed": "failed to load", "empty": "registers no ops"}
    for plugin in registry.plugin_records():
        if plugin.status in broken:
            origin = plugin.origin
            results.append(
                CheckResult("plugin", str(origin), origin.distribution, broken[plugin.status])
            )
    return results


def print_checks(results: list[CheckResult]) -> None:
    """One line per op and per broken plugin, then the totals."""
    print()
    for result in results:
        label = result.subject
        if result.kind == "op":
            label += f" ({result.distribution})"
        print(f"ok    {label}" if result.error is None else f"FAIL  {label}: {result.error}")
    ops = [result for result in results if result.kind == "op"]
    passed = sum(1 for result in ops if result.error is None)
    broken = len(results) - len(ops)
    print(
        f"\n{passed} of {len(ops)} op(s) passed; "
        f"{broken} plugin(s) failed to load or registered nothing"
    )


def new_plugin(distribution: str, parent: str) -> int:
    """``plugrad new-plugin``: create the distribution and say what to do next."""
    from plugrad.scaffold import PluginNames, ScaffoldError, new_plugin, next_steps

    try:
        target = new_plugin(distribution, parent)
    except ScaffoldError as error:
        print(f"plugrad new-plugin: error: {error}", file=sys.stderr)
        return 2
    print(next_steps(target, PluginNames.of(distribution)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
