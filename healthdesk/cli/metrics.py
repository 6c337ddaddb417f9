"""`derive` (recompute derived metrics from stored band data) and `summary` (per-day values as JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from healthdesk.cli import CliError
from healthdesk.cli.journal import parse_day
from healthdesk.config import Paths

MAX_SUMMARY_DAYS = 3660


def _open(paths: Paths):
    from healthdesk.store.database import StoreError, open_database

    try:
        return open_database(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def _instant(text: str | None, flag: str) -> float | None:
    """The bounded ISO parser every time option shares (cli/frames.parse_iso_utc: years 2000-2100, no offset =
    UTC): a year-1 or year-9999 --from would otherwise walk millions of empty days."""
    from healthdesk.cli.frames import parse_iso_utc  # numpy: not at parser build (--help stays fast)

    return None if text is None else parse_iso_utc(flag, text)


def _date(text: str, flag: str) -> date:
    """The bounded day parser the other day options share (2000-01-01 to 2100-12-31)."""
    return parse_day(text.strip(), flag)


def _derive(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.derive import derive
    from healthdesk.services.user_settings import saved_profile

    t0, t1 = _instant(args.t_from, "--from"), _instant(args.t_to, "--to")
    if t0 is not None and t1 is not None and t1 <= t0:
        raise CliError("--to must be later than --from")
    db = _open(paths)
    try:
        report = derive(db, t0, t1, profile=saved_profile(paths.settings_file))
    finally:
        db.close()
    print(
        json.dumps(
            {
                "cycles": report.cycles,
                "first_day": report.days[0] if report.days else None,
                "last_day": report.days[-1] if report.days else None,
                "values": report.values_written,
                "sleeps": report.sleeps,
                "workouts": report.workouts,
                "seconds": round(report.seconds, 3),
                "note": report.note,
            }
        )
    )
    return 0


def _summary(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.summary import summary

    day0, day1 = _date(args.d_from, "--from"), _date(args.d_to, "--to")
    if day1 < day0:
        raise CliError("--to must not be before --from")
    if (day1 - day0).days >= MAX_SUMMARY_DAYS:
        raise CliError(f"at most {MAX_SUMMARY_DAYS} days per summary")
    db = _open(paths)
    try:
        result = summary(db, day0, day1)
    finally:
        db.close()
    if args.json:
        json.dump(result, sys.stdout, indent=None, separators=(",", ":"))
        sys.stdout.write("\n")
        return 0
    for day in result["days"]:
        shown = {k: v[0] for k, v in day["metrics"].items() if v and v[0]["value"] is not None}
        parts = [
            f"{k}={v['value']:.1f}{v['unit'] if v['unit'] in ('%',) else ''}"
            for k, v in sorted(shown.items())
        ]
        print(day["date"], " ".join(parts) if parts else "-")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    der = subparsers.add_parser(
        "derive",
        help="recompute derived metrics (sleep, HRV, strain, recovery, load) from stored band data",
        description="Recomputes the cycles that touch [--from, --to) (default: everything stored) and stores "
        "one value per (day, metric, source). Times are ISO; without a zone they are UTC. Prints a JSON report.",
    )
    der.add_argument("--from", dest="t_from", metavar="ISO")
    der.add_argument("--to", dest="t_to", metavar="ISO")
    der.set_defaults(handler=_derive)

    summ = subparsers.add_parser(
        "summary",
        help="per-day derived values from every source",
        description="Dates are cycle dates (a cycle's local start date), both ends inclusive. A value of null "
        "means the metric could not be computed (shown as a dash), never zero.",
    )
    summ.add_argument("--from", dest="d_from", required=True, metavar="DATE")
    summ.add_argument("--to", dest="d_to", required=True, metavar="DATE")
    summ.add_argument("--json", action="store_true", help="print the JSON document")
    summ.set_defaults(handler=_summary)
