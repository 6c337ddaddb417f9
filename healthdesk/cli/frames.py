"""`import-frames` (hex capture files -> store) and `export-records` (stored 1 Hz records -> CSV/JSON)."""

from __future__ import annotations

import argparse
import binascii
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import numpy as np

from healthdesk.cli import CliError
from healthdesk.config import Paths

# The store and services are imported inside the handlers: building the parser (every CLI start, --help)
# should not pay for SQLAlchemy and Alembic.

DEFAULT_DEVICE = "whoop4"
EXPORT_WINDOW_S = 86400.0
EXPORT_COLUMNS = ("time_utc", "unix", "subsec", "version", "counter", "hr", "rr_ms", "gx", "gy", "gz")


def _warn(message: str) -> None:
    print(f"healthdesk-cli: {message}", file=sys.stderr)


def _open(paths: Paths):
    from healthdesk.store.database import StoreError, open_database

    try:
        return open_database(paths.database)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


@dataclass
class HexFile:
    frames: list[bytes]
    bad_lines: list[int]  # 1-based numbers of lines that are not hex


def read_hex_frames(path: Path) -> HexFile:
    """One frame per line as hex (the capture format); blank lines are skipped. Raises ValueError with a
    one-line reason when the file holds nothing usable as text."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except IsADirectoryError:
        raise ValueError("is a directory, not a file of hex frames") from None
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from None
    if b"\0" in data or not data.isascii():
        raise ValueError("binary file, not hex frames (expected one hex-encoded frame per line)")
    frames = _all_hex_lines(data)
    if frames is not None:
        return HexFile(frames, [])
    numbered = [(i, line.strip()) for i, line in enumerate(data.splitlines(), 1) if line.strip()]
    if not numbered:
        raise ValueError("empty file, no frames")
    frames, bad = [], []
    for number, line in numbered:
        try:
            frames.append(binascii.unhexlify(line))
        except binascii.Error:
            bad.append(number)
    return HexFile(frames, bad)


def _all_hex_lines(data: bytes) -> list[bytes] | None:
    """Fast path for a clean capture (LF line ends, every non-blank line a hex string, no spaces): split and
    unhexlify at C speed. None when the file needs the careful line-by-line path."""
    try:
        frames = list(map(binascii.unhexlify, filter(None, data.split(b"\n"))))
    except binascii.Error:
        return None
    return frames or None


def _import_frames(args: argparse.Namespace, paths: Paths) -> int:
    from healthdesk.services.ingest import IngestReport, ingest_frames

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
            path = Path(name)
            try:
                hex_file = read_hex_frames(path)
            except ValueError as exc:
                warn(f"{name}: {exc}")
                continue
            if hex_file.bad_lines:
                count = len(hex_file.bad_lines)
                warn(f"{name}: {count} line{'s are' if count > 1 else ' is'} not hex frames "
                      f"(first: line {hex_file.bad_lines[0]}), skipped")
            if not hex_file.frames:
                continue
            try:
                report = ingest_frames(db, args.device, hex_file.frames, received_at=time.time())
            except Exception as exc:  # the transaction rolled back: nothing of this file is stored
                failed_store = True
                warn(f"{name}: not stored, nothing of it was written ({exc.__class__.__name__}: "
                      f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})")
                continue
            files_read += 1
            total.add(report)
        days = 0 if args.no_derive else _derive_new_data(db, total, warn, paths)
    finally:
        db.close()
        if progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    print(json.dumps({**total.as_json(), "days_derived": days}))
    if files_read == 0:
        return 1
    return 1 if failed_store else 0


def _derive_new_data(db, total, warn, paths: Paths) -> int:
    """Recompute the days the new records touch (metrics issue: derive after every import); 0 when none."""
    if not total.records_new or total.first_ts is None or total.last_ts is None:
        return 0
    from healthdesk.services.derive import derive
    from healthdesk.services.user_settings import saved_profile

    try:
        return len(derive(db, total.first_ts, total.last_ts + 1, profile=saved_profile(paths.settings_file)).days)
    except Exception as exc:  # the records are stored; only the daily values wait for the next derive
        warn(f"records stored, but deriving daily values failed ({exc.__class__.__name__}); "
             "run 'healthdesk-cli derive' to retry")
        return 0


def parse_iso_utc(option: str, text: str) -> float:
    """ISO 8601 -> unix seconds; a time without offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option}: {text!r} is not an ISO 8601 time (e.g. 2024-04-10T22:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
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
    if target is not None and not target.parent.is_dir():
        raise CliError(f"--out: folder {target.parent} does not exist")
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
            count = _write_records(sys.stdout, args.format, windows())
        else:
            # Write beside the target and rename: a failed export never leaves half a file behind.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            try:
                with os.fdopen(fd, "w", newline="") as out:
                    count = _write_records(out, args.format, windows())
                os.replace(tmp, target)
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
        description="Decode and store files of hex-encoded WHOOP 4.0 frames, one frame per line. Each file is "
        "stored in one transaction. Prints one JSON object with the counts.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--device", default=DEFAULT_DEVICE, metavar="NAME",
                     help=f"device the frames came from (default: {DEFAULT_DEVICE})")
    imp.add_argument("--no-derive", action="store_true",
                     help="store only; run 'derive' later (faster for many imports in a row)")
    imp.set_defaults(handler=_import_frames)

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
