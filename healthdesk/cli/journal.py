"""`healthdesk-cli journal add|list|tags`: yes/no answers per cycle (morning date), docs/insights.md §1."""

from __future__ import annotations

import argparse
import json
from datetime import date

from healthdesk.cli import CliError
from healthdesk.config import Paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("journal", help="log yes/no journal tags per day and list them",
                                   description="A journal answer on DATE says what happened during that day's "
                                               "cycle; insights pair it with the next morning.")
    sub = parser.add_subparsers(dest="journal_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="answer a tag for a day (yes unless --no)")
    add.add_argument("day", metavar="DATE", help="the day (cycle morning date), YYYY-MM-DD")
    add.add_argument("tag", metavar="TAG", help="tag name or label, e.g. alcohol or 'late meal'")
    add.add_argument("--no", action="store_true", help="answer no (default: yes)")
    add.add_argument("--note", metavar="TEXT", help="an optional note")
    add.set_defaults(handler=_add)

    listing = sub.add_parser("list", help="answers between two days")
    listing.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    listing.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day (inclusive)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=_list)

    tags = sub.add_parser("tags", help="list the tags (starter set and your own)")
    tags.add_argument("--add", metavar="LABEL", help="create your own tag")
    tags.add_argument("--json", action="store_true", help="machine-readable output")
    tags.set_defaults(handler=_tags)


def parse_day(text: str, what: str) -> date:
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CliError(f"{what} {str(text)[:40]!r} is not a date (use YYYY-MM-DD)") from None
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise CliError(f"{what} {day} is out of range (2000-01-01 to 2100-12-31)")
    return day


def _service(paths: Paths):
    from healthdesk.services.journal import JournalService
    from healthdesk.store.database import StoreError

    try:
        return JournalService.open(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _add(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.journal import JournalError

    day = parse_day(args.day, "DATE")
    service = _service(paths)
    try:
        service.answer(day, args.tag, not args.no, args.note, source="cli")
        name = service.resolve_tag(args.tag)
    except JournalError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    print(f"{day}: {name} = {'no' if args.no else 'yes'}{' (with a note)' if args.note else ''}")
    return 0


def _list(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.journal import JournalError

    first, last = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    service = _service(paths)
    try:
        entries = service.entries(first, last)
    except JournalError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    if args.json:
        print(json.dumps({"from": first.isoformat(), "to": last.isoformat(), "entries": [
            {"day": e.day.isoformat(), "tag": e.tag, "yes": e.answered_yes, "note": e.note, "source": e.source}
            for e in entries]}, indent=2))
        return 0
    if not entries:
        print(f"no journal answers from {first} to {last}")
    for e in entries:
        print(f"{e.day}  {e.tag:<24} {'yes' if e.answered_yes else 'no '}  {e.note or ''}".rstrip())
    return 0


def _tags(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.journal import JournalError

    service = _service(paths)
    try:
        if args.add:
            created = service.add_tag(args.add)
            print(f"tag {created.name} ({created.label})")
        tags = service.tags()
    except JournalError as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    if args.json:
        print(json.dumps([{"name": t.name, "label": t.label, "source": t.source} for t in tags], indent=2))
    elif not args.add:
        for t in tags:
            print(f"{t.name:<24} {t.label}  [{t.source}]")
    return 0
