"""`healthdesk-cli backup --out FILE`, `restore FILE`, `delete-my-data --yes` (services/backup.py).

Progress goes to stderr on a terminal; the result is one line on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from healthdesk.cli import CliError
from healthdesk.config import Paths


def _progress(label: str):
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(fraction: float, _text: str) -> None:
        pct = int(fraction * 100)
        if pct != last[0]:
            last[0] = pct
            print(f"\r{label}: {pct:3d}%", end="" if pct < 100 else "\n", file=sys.stderr, flush=True)

    return show


def _backup(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.backup import BackupError, backup

    try:
        result = backup(paths, Path(args.out), _progress("backup"))
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {result.path} ({result.size_bytes} bytes, schema {result.revision}); settings included, "
          "no secrets")
    return 0


def _restore(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.backup import BackupError, restore

    try:
        result = restore(paths, Path(args.file), _progress("restore"))
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"restored {args.file} (schema {result.revision}); settings: {', '.join(result.settings_restored) or 'none'}"
          "; WHOOP sign-in is not part of a backup: connect again to sync")
    return 0


def _delete(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.backup import delete_my_data

    if not args.yes:
        raise CliError("this deletes the database, raw archive, settings, logs and keyring entries for good; "
                       "run again with --yes to confirm")
    result = delete_my_data(paths, _progress("delete"))
    for w in result.warnings:
        print(f"healthdesk-cli: warning: {w}", file=sys.stderr)
    print(f"deleted {result.removed_files} files" + ("; WHOOP access revoked" if result.revoked else ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("backup", help="one file with the database (consistent, while the app runs) and "
                                             "settings; never secrets")
    p.add_argument("--out", required=True, metavar="FILE", help="the backup file to write (a .zip)")
    p.set_defaults(handler=_backup)
    p = subparsers.add_parser("restore", help="replace the database and settings by a backup's")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=_restore, defer_pending=True)
    p = subparsers.add_parser("delete-my-data", help="delete everything healthdesk keeps about you and revoke "
                                                     "WHOOP access")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(handler=_delete, defer_pending=True)
