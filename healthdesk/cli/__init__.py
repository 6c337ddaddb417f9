"""healthdesk-cli: the headless composition root.

Each sub-module of this package that defines `register(subparsers)` adds its own sub-commands; a handler is
set with `parser.set_defaults(handler=fn)` and is called as `fn(args, paths) -> int`. Errors a user can fix
are raised as `CliError` and printed as one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence

from healthdesk import __version__
from healthdesk.config import resolve_paths
from healthdesk.logsetup import configure_logging, remove_logging

log = logging.getLogger("healthdesk.cli")


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
    previous_umask = os.umask(0o077)  # Paths.ensure() sets it for good; restored for in-process callers
    try:
        return _run(args)
    finally:
        os.umask(previous_umask)


def _run(args: argparse.Namespace) -> int:
    try:
        paths = resolve_paths(args.home).ensure()
    except OSError as exc:
        print(f"healthdesk-cli: cannot create the data folder: {exc.strerror or exc}", file=sys.stderr)
        return 2
    handler = configure_logging(paths.log_dir / "healthdesk-cli.log", program="healthdesk-cli")
    try:
        paths.tighten()
        if not getattr(args, "defer_pending", False):
            _derive_pending(paths)
        return int(args.handler(args, paths) or 0)
    except CliError as exc:
        print(f"healthdesk-cli: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("healthdesk-cli: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a vanished folder, a closed pipe: one line, the details in the log
        log.exception("command failed")
        detach_stdout()
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"healthdesk-cli: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user; the log keeps it
        log.exception("command failed")
        detail = (str(exc).splitlines() or [""])[0][:200]
        print(f"healthdesk-cli: unexpected error ({type(exc).__name__}: {detail}); details in "
              f"{paths.log_dir / 'healthdesk-cli.log'}", file=sys.stderr)
        return 1
    finally:
        remove_logging(handler)  # the process ends here anyway; in-process callers get their logging back


def detach_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of what is still buffered cannot fail again
    (an 'Exception ignored' traceback after our one line) when stdout is a full disk or a closed pipe."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _derive_pending(paths) -> None:
    """Days an earlier import or drain stored but did not derive (a crash in between) are derived now."""
    from healthdesk.store.pending import has_pending

    if not has_pending(paths.database):
        return
    from healthdesk.services.ingest import derive_pending
    from healthdesk.services.user_settings import saved_profile
    from healthdesk.store.database import StoreError, open_database

    try:
        db = open_database(paths.database)
    except StoreError:
        return  # the command itself reports the database problem
    try:
        derive_pending(db, profile=saved_profile(paths.settings_file))
    except Exception:  # noqa: BLE001 - the marker stays; the next command tries again
        log.exception("deriving pending days failed")
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
