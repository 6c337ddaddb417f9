"""`healthdesk-cli import-whoop-export PATH`: WHOOP's "Export my data" (.zip or folder) as the whoop_export source.

Prints one JSON object: {"cycles": {"new", "updated"}, "sleeps": ..., "workouts": ..., "journal": ...,
"rows_skipped": n, "warnings": [...]}; each refused file is also one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from healthdesk.cli import CliError
from healthdesk.config import Paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import-whoop-export", help="import WHOOP's 'Export my data' zip or folder (years of history at once)",
        description="Import the four CSV files of WHOOP's data export (any file names; English, German or "
                    "Spanish headers). Re-importing the same or a newer export only updates what changed.",
    )
    parser.add_argument("path", metavar="PATH", help="the export's .zip file or the folder it was unpacked to")
    parser.set_defaults(handler=_import)


def _progress():
    last = [-1]

    def show(fraction: float, words: str) -> None:  # on a terminal only: stdout stays one JSON object
        pct = int(fraction * 100)
        if pct != last[0]:
            last[0] = pct
            print(f"\rimport: {pct:3d}% {words:40}", end="" if pct < 100 else "\n", file=sys.stderr, flush=True)

    return show


def _import(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.whoop_export import ExportError, import_export
    from healthdesk.store.database import StoreError, open_database

    try:
        with open_database(paths.database) as db:
            report = import_export(db, args.path, progress=_progress() if sys.stderr.isatty() else None)
    except (ExportError, StoreError) as exc:
        raise CliError(str(exc)) from None
    for line in report.warnings:
        print(f"healthdesk-cli: {line}", file=sys.stderr)
    print(json.dumps(report.as_json(), ensure_ascii=False))
    return 0


def export_whoop_csv(args: argparse.Namespace, paths: Paths) -> int:
    """`export whoop-csv --from DATE --to DATE --out DIR` (dispatched from cli/export.py)."""
    from datetime import date

    from healthdesk.services.whoop_csv import WhoopCsvError
    from healthdesk.services.whoop_csv import export_whoop_csv as write
    from healthdesk.store.database import StoreError, open_database

    try:
        day0, day1 = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        raise CliError("--from/--to: dates as YYYY-MM-DD") from None
    if not paths.database.is_file():
        raise CliError(f"no database at {paths.database}: nothing to export")
    try:
        with open_database(paths.database) as db:
            result = write(db, day0, day1, Path(args.out))
    except (WhoopCsvError, StoreError) as exc:
        raise CliError(str(exc)) from None
    counts = ", ".join(f"{n} {kind}" for kind, n in result.rows.items())
    print(f"wrote {result.out_dir} ({counts}; sources: {json.dumps(result.sources, sort_keys=True)})")
    return 0
