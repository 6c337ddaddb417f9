"""`healthdesk-cli insights drivers|review|records`: associations with a false-discovery test, period reviews,
personal bests and streaks (docs/insights.md). Associations, never causes."""

from __future__ import annotations

import argparse
import json

from healthdesk.cli import CliError
from healthdesk.cli.journal import parse_day
from healthdesk.config import Paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("insights", help="drivers, weekly/monthly review, records and streaks",
                                   description="What went with better or worse mornings, and how a period "
                                               "compared with the one before. Associations, not causes.")
    sub = parser.add_subparsers(dest="insights_command", metavar="ACTION", required=True)

    drivers = sub.add_parser("drivers", help="journal tags (and strain, sleep debt) vs next-morning outcomes")
    drivers.add_argument("--from", dest="start", metavar="DATE", help="first day (default: all history)")
    drivers.add_argument("--to", dest="end", metavar="DATE", help="last day (default: the latest)")
    drivers.add_argument("--json", action="store_true", help="machine-readable output")
    drivers.set_defaults(handler=_drivers)

    review = sub.add_parser("review", help="a week or month against the one before")
    review.add_argument("--period", choices=("week", "month"), default="week")
    review.add_argument("--end", metavar="DATE", help="last day of the period (default: the latest day)")
    review.add_argument("--json", action="store_true", help="machine-readable output (numbers + sentences)")
    review.set_defaults(handler=_review)

    records = sub.add_parser("records", help="personal bests and streaks")
    records.add_argument("--json", action="store_true", help="machine-readable output")
    records.set_defaults(handler=_records)


def _service(paths: Paths):
    from healthdesk.services.insights import InsightsService
    from healthdesk.store.database import StoreError, open_database

    if not paths.database.exists():
        raise CliError(f"no database at {paths.database}: drain the band, sync or import WHOOP first")
    try:
        return InsightsService(open_database(paths.database))
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _drivers(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.insights import InsightsError

    first = parse_day(args.start, "--from") if args.start else None
    last = parse_day(args.end, "--to") if args.end else None
    if first and last and last < first:
        raise CliError(f"--to {last} is before --from {first}")
    service = _service(paths)
    try:
        result = service.drivers(first, last)
        labels = service.tag_labels()
    except InsightsError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    print(f"{result.tested} combinations tested (B = {result.permutations} permutations, BH over all of them); "
          f"{len(result.not_enough_data)} need more data.")
    if not result.drivers:
        print("No association passed q <= 0.10 with |d| >= 0.5.")
    for c in result.drivers:
        name = labels.get(c.tag, c.tag)
        if c.kind == "tag":
            print(f"{name}: next-morning {c.outcome} {c.delta:+.1f} (d = {c.d:+.2f}, {c.n_tagged} vs "
                  f"{c.n_untagged} days, p = {c.p:.4f}, q = {c.q:.3f}); association, not cause")
        else:
            print(f"{name}: next-morning {c.outcome} {c.delta:+.2f} per unit (r = {c.r:+.2f}, n = {c.n}, "
                  f"q = {c.q:.3f}); association, not cause")
    return 0


def _review(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.insights import InsightsError

    end = parse_day(args.end, "--end") if args.end else None
    service = _service(paths)
    try:
        review = service.review(args.period, end)
    except InsightsError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    if review is None:
        raise CliError("no daily values yet: drain the band, sync or import WHOOP first")
    if args.json:
        print(json.dumps(review.as_dict(), indent=2, default=_plain))
        return 0
    print(f"{args.period.capitalize()} {review.period.start} to {review.period.end} "
          f"(vs {review.prior.start} to {review.prior.end})")
    if review.status == "insufficient":
        print("Not enough data for a review:")
        for line in review.missing:
            print(f"  - {line}")
        return 0
    for sentence in review.sentences:
        print(f"- {sentence}")
    return 0


def _records(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.core.insights.records import personal_bests, streaks
    from healthdesk.core.insights.wording import amount

    service = _service(paths)
    try:
        span = service.span()
        history = service.history(*span) if span else None
    finally:
        service.close()
    if history is None:
        raise CliError("no daily values yet: drain the band, sync or import WHOOP first")
    bests, runs = personal_bests(history), streaks(history)
    if args.json:
        print(json.dumps({"bests": [{"key": b.key, "metric": b.metric, "value": b.value,
                                     "day": b.day.isoformat() if b.day else None} for b in bests],
                          "streaks": [{"key": s.key, "longest": s.longest, "current": s.current,
                                       "start": s.longest_start.isoformat() if s.longest_start else None,
                                       "end": s.longest_end.isoformat() if s.longest_end else None}
                                      for s in runs]}, indent=2))
        return 0
    for b in bests:
        print(f"{b.title}: {'- (never measured)' if b.value is None else amount(b.metric, b.value)}"
              f"{f' on {b.day}' if b.day else ''}")
    for s in runs:
        span_text = f" ({s.longest_start} to {s.longest_end})" if s.longest else ""
        print(f"{s.title}: longest {s.longest} days{span_text}, current {s.current}")
    return 0


def _plain(value: object) -> object:
    """json.dumps fallback: dates as ISO text, numpy scalars as Python numbers."""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[attr-defined]
    if hasattr(value, "item"):
        return value.item()  # type: ignore[attr-defined]
    raise TypeError(f"not JSON: {type(value).__name__}")
