"""`healthdesk-cli sleep list|edit|reject|undo` and `workout list|label|reject|add|undo`: correct what the
detector got wrong. Records are named DAY#N (see `list`); corrections are kept apart from detections and
re-applied by every derive (services.corrections). After a correction the night is re-derived at once.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime

from healthdesk.cli import CliError
from healthdesk.config import Paths


def _instant(text: str, flag: str) -> float:
    """ISO time with offset, or 'YYYY-MM-DD HH:MM' in this computer's local time."""
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise CliError(f"{flag}: {text!r} is not a time like 2026-12-07T06:45 or 2026-12-07T06:45+01:00") from None
    return (value.astimezone() if value.tzinfo is None else value).timestamp()


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).astimezone().isoformat(timespec="minutes")


def _run(paths: Paths, action, rederive: tuple[float, float] | None = None):
    from healthdesk.services.corrections import CorrectionError
    from healthdesk.services.derive import derive
    from healthdesk.services.user_settings import saved_profile
    from healthdesk.store.database import StoreError, open_database

    try:
        with open_database(paths.database) as db:
            result = action(db)
            window = rederive(result) if callable(rederive) else rederive
            if window:
                derive(db, window[0] - 43200, window[1] + 43200, profile=saved_profile(paths.settings_file))
            return result
    except (CorrectionError, StoreError) as exc:
        raise CliError(str(exc)) from None


def _list(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.corrections import list_items

    items = _run(paths, lambda db: list_items(db, args.target, _day(args.start, "--from"), _day(args.end, "--to")))
    if args.json:
        print(json.dumps([{"ref": i.ref, "kind": i.kind, "start": _iso(i.start), "end": _iso(i.end),
                           "source": i.source, "edited": i.edited, "rejected": i.rejected, "strain": i.strain}
                          for i in items]))
        return 0
    for i in items:
        mark = " rejected" if i.rejected else " edited" if i.edited else ""
        print(f"{i.ref:14} {i.kind:18} {_iso(i.start)} -> {_iso(i.end)}  [{i.source}]{mark}")
    if not items:
        print(f"no {args.target}s in that period")
    return 0


def _done(verb: str, item) -> int:
    print(f"{verb} {item.ref} ({_iso(item.start)} -> {_iso(item.end)})")
    return 0


def _reject(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.corrections import reject

    return _done("rejected", _run(paths, lambda db: reject(db, args.target, args.ref), lambda i: (i.start, i.end)))


def _undo(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.corrections import undo

    return _done("restored", _run(paths, lambda db: undo(db, args.target, args.ref), lambda i: (i.start, i.end)))


def _edit(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.corrections import edit_sleep

    if not args.onset and not args.wake:
        raise CliError("give --onset and/or --wake")
    onset = _instant(args.onset, "--onset") if args.onset else None
    wake = _instant(args.wake, "--wake") if args.wake else None
    return _done("edited", _run(paths, lambda db: edit_sleep(db, args.ref, onset, wake),
                                lambda i: (min(i.start, onset or i.start), max(i.end, wake or i.end))))


def _label(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.corrections import label_workout

    return _done("labelled", _run(paths, lambda db: label_workout(db, args.ref, args.activity)))


def _add(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.corrections import add_workout

    start, end = _instant(args.start, "--start"), _instant(args.end, "--end")
    day = datetime.fromtimestamp(start).date().isoformat()  # local date of the start (its cycle's morning)
    _run(paths, lambda db: add_workout(db, start, end, args.activity, day))
    print(f"added {args.activity} {_iso(start)} -> {_iso(end)}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from healthdesk.services.workout_merge import ACTIVITIES

    for target in ("sleep", "workout"):
        parser = subparsers.add_parser(target, help=f"list and correct detected {target}s (kept across re-derives)")
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        p = sub.add_parser("list", help=f"{target}s of a period with their DAY#N names")
        p.add_argument("--from", dest="start", required=True, metavar="DATE")
        p.add_argument("--to", dest="end", required=True, metavar="DATE")
        p.add_argument("--json", action="store_true", help="one JSON array")
        p.set_defaults(handler=_list, target=target)
        p = sub.add_parser("reject", help=f"this {target} did not happen")
        p.add_argument("ref", metavar="DAY#N")
        p.set_defaults(handler=_reject, target=target)
        p = sub.add_parser("undo", help="drop the correction of this record")
        p.add_argument("ref", metavar="DAY#N")
        p.set_defaults(handler=_undo, target=target)
        if target == "sleep":
            p = sub.add_parser("edit", help="move the onset and/or the wake")
            p.add_argument("ref", metavar="DAY#N")
            p.add_argument("--onset", metavar="TIME", help="e.g. 2026-12-06T23:10 (local) or with +01:00")
            p.add_argument("--wake", metavar="TIME")
            p.set_defaults(handler=_edit, target=target)
        else:
            p = sub.add_parser("label", help="set the activity")
            p.add_argument("ref", metavar="DAY#N")
            p.add_argument("activity", metavar="ACTIVITY", help=", ".join(ACTIVITIES))
            p.set_defaults(handler=_label, target=target)
            p = sub.add_parser("add", help="a workout the band did not detect")
            p.add_argument("--start", required=True, metavar="TIME")
            p.add_argument("--end", required=True, metavar="TIME")
            p.add_argument("--activity", required=True, metavar="ACTIVITY", help=", ".join(ACTIVITIES))
            p.set_defaults(handler=_add, target=target)
