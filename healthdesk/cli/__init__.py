"""healthdesk-cli: the headless composition root.

Each sub-module of this package that defines `register(subparsers)` adds its own sub-commands; a handler is
set with `parser.set_defaults(handler=fn)` and is called as `fn(args, paths) -> int`. Errors a user can fix
are raised as `CliError` and printed as one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from healthdesk import __version__
from healthdesk.config import resolve_paths


class CliError(Exception):
    """A problem the user can act on: printed as one line, exit code 2 unless `code` says otherwise."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthdesk-cli", description="healthdesk without the window.")
    parser.add_argument("--home", metavar="DIR", help="keep database, config and logs in DIR "
                        "(also HEALTHDESK_HOME; default: the platform's user folders)")
    parser.add_argument("--version", action="version", version=f"healthdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # __main__ and private helpers are not sub-command modules
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = resolve_paths(args.home).ensure()
    logging.basicConfig(
        filename=paths.log_dir / "healthdesk-cli.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args, paths) or 0)
    except CliError as exc:
        print(f"healthdesk-cli: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("healthdesk-cli: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
