"""`import-frames` (hex capture files -> store) and `export-records` (stored 1 Hz records -> CSV/JSON)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from healthdesk.cli import CliError, detach_stdout
from healthdesk.cli.hex_capture import HexFile, iter_hex_chunks, read_hex_frames
from healthdesk.config import Paths

if TYPE_CHECKING:
    from healthdesk.services.ingest import IngestReport

__all__ = ["HexFile", "iter_hex_chunks", "read_hex_frames"]  # tests and bench read captures through here

# The store and services are imported inside the handlers: building the parser (every CLI start, --help)
# should not pay for SQLAlchemy and Alembic.

DEFAULT_DEVICE = "whoop4"
EXPORT_WINDOW_S = 86400.0
FIRST_YEAR, LAST_YEAR = 2000, 2100  # as every other date input (services/export.py)
EXPORT_COLUMNS = ("time_utc", "unix", "subsec", "version", "counter", "hr", "rr_ms", "gx", "gy", "gz")


def _warn(message: str) -> None:
    print(f"healthdesk-cli: {message}", file=sys.stderr)


def _open(paths: Paths):
    from healthdesk.store.database import StoreError, open_database

    try:
        return open_database(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def _import_file(db, device: str, name: str, warn) -> tuple[IngestReport | None, bool]:
    """(what was stored, whether storing failed); None when the file gave no valid frame (one line said why)."""
    from healthdesk.services.ingest import IngestReport, ingest_frames

    report = IngestReport()
    bad_lines: list[int] = []
    try:
        for chunk in iter_hex_chunks(Path(name)):
            bad_lines += chunk.bad_lines
            if not chunk.frames:
                continue
            try:
                report.add(ingest_frames(db, device, chunk.frames, received_at=time.time()))
            except Exception as exc:  # this chunk's transaction rolled back; earlier chunks are stored
                reason = f"{exc.__class__.__name__}: {(str(exc).splitlines() or ['no detail'])[0]}"
                if report.frames_total:
                    warn(f"{name}: stored up to frame {report.frames_total}, not the rest ({reason}); "
                         "importing it again is safe")
                else:
                    warn(f"{name}: not stored, nothing of it was written ({reason})")
                return (report if report.frames_total else None), True
    except ValueError as exc:
        warn(f"{name}: {exc}")
        return None, False
    if bad_lines:
        count = len(bad_lines)
        warn(f"{name}: {count} line{'s are' if count > 1 else ' is'} not hex frames "
             f"(first: line {bad_lines[0]}), skipped")
    if report.frames_total - sum(report.frames_invalid.values()) <= 0:
        if report.frames_total:
            warn(f"{name}: none of its {report.frames_total} frames is a valid WHOOP 4.0 frame")
        return None, False
    return report, False


def _import_frames(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.ingest import IngestReport

    if not args.device.strip():
        raise CliError("--device: give the band a non-empty name")
    total = IngestReport()
    files_read = 0
    failed_store = False
    progress = sys.stderr.isatty()

    def warn(message: str) -> None:
        if progress:  # clear the progress line first so the message stands on its own line
            print("\r\033[K", end="", file=sys.stderr)
        _warn(message)

    db = _open(paths)
    try:
        for index, name in enumerate(args.files, 1):
            if progress:
                print(f"\rimporting {index}/{len(args.files)}: {name}", end="", file=sys.stderr, flush=True)
            report, failed = _import_file(db, args.device, name, warn)
            failed_store = failed_store or failed
            if report is not None:
                files_read += 1
                total.add(report)
        days = 0 if args.no_derive else _derive_new_data(db, warn, paths)
    finally:
        db.close()
        if progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    print(json.dumps({**total.as_json(), "days_derived": days}))
    if files_read == 0:  # nothing usable in any file (each file's reason was one line above)
        return 1
    return 1 if failed_store else 0


def _derive_new_data(db, warn, paths: Paths) -> int:
    """Derive the days this import (and any earlier interrupted one) stored (store/pending.py); 0 when none."""
    from healthdesk.services.ingest import derive_pending
    from healthdesk.services.user_settings import saved_profile

    try:
        return derive_pending(db, profile=saved_profile(paths.settings_file))
    except Exception as exc:  # the records are stored and stay marked: the next command derives them
        warn(f"records stored, but deriving daily values failed ({exc.__class__.__name__}); "
             "the next healthdesk command retries")
        return 0


def parse_iso_utc(option: str, text: str) -> float:
    """ISO 8601 -> unix seconds; a time without offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option}: {text[:40]!r} is not an ISO 8601 time (e.g. 2024-04-10T22:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = datetime.min.replace(tzinfo=UTC)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # year 1 or 9999 would walk millions of empty days
        raise CliError(f"{option}: {text[:40]!r} is out of range (years {FIRST_YEAR}-{LAST_YEAR})")
    return moment.timestamp()


def _export_columns(records: np.ndarray) -> dict[str, list]:
    millis = records["unix"].astype(np.int64) * 1000 + records["subsec"].astype(np.int64) * 1000 // 32768
    times = np.datetime_as_string(millis.astype("datetime64[ms]"), unit="ms")
    rr_lists = [rr[:n] for rr, n in zip(records["rr"].tolist(), records["rr_count"].tolist(), strict=True)]
    gravity = records["gravity"].astype(str)  # shortest text that round-trips the stored float32
    return {
        "time_utc": [f"{t}Z" for t in times.tolist()],
        "unix": records["unix"].tolist(),
        "subsec": records["subsec"].tolist(),
        "version": records["version"].tolist(),
        "counter": records["counter"].tolist(),
        "hr": records["hr"].tolist(),
        "rr_ms": rr_lists,
        "gx": gravity[:, 0].tolist(),
        "gy": gravity[:, 1].tolist(),
        "gz": gravity[:, 2].tolist(),
    }


class _CsvRows:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        out.write(",".join(EXPORT_COLUMNS) + "\n")

    def write(self, columns: dict[str, list]) -> None:
        columns = dict(columns, rr_ms=[" ".join(map(str, rr)) for rr in columns["rr_ms"]])
        self.out.writelines(",".join(map(str, row)) + "\n"
                            for row in zip(*(columns[c] for c in EXPORT_COLUMNS), strict=True))

    def close(self) -> None:
        pass


class _JsonRows:
    """One JSON array of objects, written as it goes (rr_ms is an array of ints there)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.separator = "[\n"

    def write(self, columns: dict[str, list]) -> None:
        columns = dict(columns, **{axis: [float(v) for v in columns[axis]] for axis in ("gx", "gy", "gz")})
        for row in zip(*(columns[c] for c in EXPORT_COLUMNS), strict=True):
            self.out.write(self.separator + json.dumps(dict(zip(EXPORT_COLUMNS, row, strict=True))))
            self.separator = ",\n"

    def close(self) -> None:
        self.out.write("[]\n" if self.separator == "[\n" else "\n]\n")


def _write_records(out: TextIO, fmt: str, windows: Iterator[np.ndarray]) -> int:
    rows = _JsonRows(out) if fmt == "json" else _CsvRows(out)
    count = 0
    for records in windows:
        rows.write(_export_columns(records))
        count += len(records)
    rows.close()
    return count


def _export_records(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.store.band_reads import UnknownDevice, records_between

    t0 = parse_iso_utc("--from", args.t_from)
    t1 = parse_iso_utc("--to", args.t_to)
    if t1 <= t0:
        raise CliError(f"--to ({args.t_to}) must be later than --from ({args.t_from})")
    if not paths.database.exists():
        raise CliError(f"no database at {paths.database}: import frames first")
    target = None if args.out is None else Path(args.out)
    if target is not None and len(os.fsencode(target.name)) > 200:
        raise CliError("--out: the file name is too long (at most 200 bytes)")
    if target is not None and not target.parent.is_dir():
        raise CliError(f"--out: folder {target.parent} does not exist")
    if target is not None and (target.is_dir() or (target.exists() and not target.is_file())):
        raise CliError(f"--out: {target} is not a regular file (the export would replace it)")
    db = _open(paths)
    try:
        records_between(db, args.device, t0, t0)  # fails fast on an unknown device, before any output
    except UnknownDevice as exc:
        db.close()
        raise CliError(str(exc)) from None

    def windows() -> Iterator[np.ndarray]:  # a day at a time: a year's export never sits in memory at once
        for start in np.arange(t0, t1, EXPORT_WINDOW_S).tolist():
            yield records_between(db, args.device, start, min(start + EXPORT_WINDOW_S, t1))

    try:
        if target is None:
            try:
                count = _write_records(sys.stdout, args.format, windows())
                sys.stdout.flush()
            except OSError as exc:  # a full disk or a closed pipe behind stdout
                detach_stdout()
                raise CliError(f"cannot write the records to standard output: {exc.strerror or exc}",
                               code=1) from None
        else:
            # Write beside the target (0600, as every file we write) and rename: a failed export never
            # leaves half a file behind.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}.", suffix=".part")
            try:
                with os.fdopen(fd, "w", newline="") as out:
                    count = _write_records(out, args.format, windows())
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except OSError as exc:
                Path(tmp).unlink(missing_ok=True)
                raise CliError(f"cannot write {target}: {exc.strerror or exc}; nothing was written",
                               code=1) from None
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    finally:
        db.close()
    print(f"healthdesk-cli: exported {count} records", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser(
        "import-frames", help="import capture files of hex frames (one frame per line)",
        description="Decode and store files of hex-encoded WHOOP 4.0 frames, one frame per line. A file is read "
        "as it is stored, 50,000 lines per transaction (memory stays flat for any size; importing a file again "
        "is safe). Regular files only. Prints one JSON object with the counts; exits 1 when no file gave a "
        "valid frame.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--device", default=DEFAULT_DEVICE, metavar="NAME",
                     help=f"device the frames came from (default: {DEFAULT_DEVICE})")
    imp.add_argument("--no-derive", action="store_true",
                     help="store only; run 'derive' later (faster for many imports in a row)")
    imp.set_defaults(handler=_import_frames, defer_pending=True)  # it derives what is pending itself

    exp = subparsers.add_parser(
        "export-records", help="export stored 1 Hz records as CSV or JSON",
        description="Columns: " + ", ".join(EXPORT_COLUMNS) + ". rr_ms is a space-separated list in CSV and "
        "an array in JSON. Times are UTC; --from is inclusive, --to exclusive.",
    )
    exp.add_argument("--from", dest="t_from", required=True, metavar="ISO",
                     help="e.g. 2024-04-10T22:00:00Z (UTC when no offset is given)")
    exp.add_argument("--to", dest="t_to", required=True, metavar="ISO")
    exp.add_argument("--format", choices=("csv", "json"), default="csv")
    exp.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    exp.add_argument("--device", metavar="NAME", help="only this device (default: all)")
    exp.set_defaults(handler=_export_records)
