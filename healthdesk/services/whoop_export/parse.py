"""Read a WHOOP data export (a .zip or a folder) into plain records (docs/whoop-export.md).

Every CSV is identified by its header row (headers.recognise). Times are local wall-clock times in the row's
own `Cycle timezone` (`UTC+01:00`, `UTCZ`, `GMT-5`) and become unix seconds here. An empty cell is a value
WHOOP did not score: None, never zero. A file with a value we cannot read is refused whole, with one warning
line naming the file, so a half-read file never mixes into the store.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from healthdesk.core.timeutil import parse_offset
from healthdesk.services.whoop_export.headers import (
    FALSE_WORDS,
    TRUE_WORDS,
    UnrecognisedHeader,
    recognise,
)

FAHRENHEIT_ABOVE = 45.0  # no skin is hotter than 45 °C; such a value is °F (docs/whoop-export.md "quirks")
TIME_KEYS = {"cycle_start", "cycle_end", "sleep_onset", "wake_onset", "workout_start", "workout_end"}
TEXT_KEYS = {"activity", "question", "notes", "source"}
BOOL_KEYS = {"nap", "answered_yes", "gps"}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


class ExportError(Exception):
    """The path cannot be read as an export at all (one line for the user)."""


class BadValue(ValueError):
    pass


@lru_cache(maxsize=256)  # a handful of zones, one per row of every file
def tz_offset_seconds(text: str) -> int:
    """`UTC+01:00`, `UTC-05:00`, `UTCZ`, `UTC`, `GMT-5`, `+0530` -> seconds east of UTC, by the project's one
    offset parser (core.timeutil.parse_offset); an empty cell is not a zone here."""
    if not text.strip():
        raise BadValue(f"{text!r} is not a timezone")
    try:
        return parse_offset(text)
    except ValueError:
        raise BadValue(f"{text!r} is not a timezone") from None


def format_tz(offset_s: int) -> str:
    """The export's own spelling (`UTC+01:00`)."""
    sign = "-" if offset_s < 0 else "+"
    h, m = divmod(abs(offset_s) // 60, 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


@lru_cache(maxsize=65536)  # a cycle's start repeats in every file and every journal row
def local_to_unix(text: str, offset_s: int) -> float:
    t = text.strip()
    if len(t) == 19 and t[4] == "-" and t[7] == "-" and t[10] in " T" and t[13] == ":" and t[16] == ":":
        try:  # the export's own format, without strptime's cost (5 years = 40,000 cells)
            naive = datetime(int(t[0:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16]), int(t[17:19]))
        except ValueError:
            raise BadValue(f"{text!r} is not a time (YYYY-MM-DD HH:MM:SS)") from None
        return naive.replace(tzinfo=UTC).timestamp() - offset_s
    for fmt in _TIME_FORMATS:
        try:
            naive = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=UTC).timestamp() - offset_s
    raise BadValue(f"{text!r} is not a time (YYYY-MM-DD HH:MM:SS)")


def unix_to_local(unix: float, offset_s: int) -> str:
    return datetime.fromtimestamp(unix + offset_s, UTC).strftime("%Y-%m-%d %H:%M:%S")


def local_day(unix: float, offset_s: int) -> date:
    return datetime.fromtimestamp(unix + offset_s, UTC).date()


def morning_label(cycle_start: float, wake: float | None, offset_s: int) -> str:
    """The cycle's name: the local date of its wake (metrics.md §1); without a wake, the date 12 h after the
    start (the same date for any onset between noon and the next noon)."""
    if wake is not None:
        return local_day(wake, offset_s).isoformat()
    return (local_day(cycle_start + 43200, offset_s)).isoformat()


def _number(text: str) -> float:
    t = text.strip().rstrip("%").strip()
    if "," in t and "." not in t:
        t = t.replace(",", ".")  # a decimal comma (German/Spanish number format)
    try:
        return float(t)
    except ValueError:
        raise BadValue(f"{text!r} is not a number") from None


def _bool(text: str) -> bool:
    t = text.strip().casefold()
    if t in TRUE_WORDS:
        return True
    if t in FALSE_WORDS:
        return False
    raise BadValue(f"{text!r} is not true/false")


@dataclass
class Row:
    """One CSV row with canonical keys: times as unix s, numbers as float, empty cells None."""

    kind: str
    tz: int
    values: dict[str, Any]


@dataclass
class FileResult:
    name: str
    kind: str
    language: str
    rows: list[Row]
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)


def _convert(kind: str, keys: list[str | None], cells: list[str], line: int) -> Row | None:
    raw = {k: c for k, c in zip(keys, cells, strict=False) if k}
    if not any(c.strip() for c in raw.values()):
        return None
    tz_text = raw.get("cycle_tz", "").strip()
    try:
        tz = tz_offset_seconds(tz_text) if tz_text else 0
    except BadValue as exc:
        raise BadValue(f"row {line}: {exc}") from None
    values: dict[str, Any] = {}
    for key, cell in raw.items():
        if key == "cycle_tz":
            continue
        cell = cell.strip()
        if not cell:
            values[key] = None
            continue
        try:
            if key in TIME_KEYS:
                values[key] = local_to_unix(cell, tz)
            elif key in TEXT_KEYS:
                values[key] = cell
            elif key in BOOL_KEYS:
                values[key] = _bool(cell)
            else:
                values[key] = _number(cell)
        except BadValue as exc:
            raise BadValue(f"row {line}: {exc}") from None
    return Row(kind, tz, values)


REQUIRED_VALUE = {"cycles": "cycle_start", "sleeps": "sleep_onset", "workouts": "workout_start",
                  "journal": "question"}


def parse_csv(name: str, text: str) -> FileResult:
    """One file. Raises UnrecognisedHeader / BadValue with the reason (the caller names the file)."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise UnrecognisedHeader("empty file")
    kind, language, keys = recognise(header)
    result = FileResult(name, kind, language, [])
    fahrenheit = False
    for line, cells in enumerate(reader, start=2):
        if len(cells) > len(header):  # fewer is fine: trailing empty cells are sometimes left out
            raise BadValue(f"row {line} has {len(cells)} cells, the header has {len(header)}")
        row = _convert(kind, keys, cells, line)
        if row is None:
            continue
        if row.values.get(REQUIRED_VALUE[kind]) is None or row.values.get("cycle_start") is None:
            result.skipped += 1  # nothing to place in time (an unscored sleep, an empty journal line)
            continue
        temp = row.values.get("skin_temp")
        if temp is not None and temp > FAHRENHEIT_ABOVE:
            row.values["skin_temp"] = round((temp - 32.0) * 5.0 / 9.0, 4)
            fahrenheit = True
        result.rows.append(row)
    if fahrenheit:
        result.warnings.append(f"{name}: skin temperature given in °F; converted to °C")
    return result


def _sources(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for p in sorted(path.rglob("*.csv")):
            if p.is_file() and not p.name.startswith("."):
                yield p.relative_to(path).as_posix(), p.read_bytes()
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExportError(f"{path}: not a WHOOP export (.zip or folder): {exc}") from None
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.lower().endswith(".csv") or "__MACOSX" in name:
                continue
            yield name, archive.read(info)


def read_export(path: str | Path) -> tuple[list[FileResult], list[str]]:
    """Every recognised file of the export, plus one warning line per file that was refused."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ExportError(f"{path}: no such file or folder")
    files: list[FileResult] = []
    warnings: list[str] = []
    for name, data in _sources(path):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            warnings.append(f"{name}: not UTF-8 text; nothing imported from it")
            continue
        try:
            files.append(parse_csv(name, text))
        except UnrecognisedHeader as exc:
            warnings.append(f"{name}: {exc}; nothing imported from it")
        except (BadValue, csv.Error) as exc:
            warnings.append(f"{name}: malformed ({exc}); nothing imported from it")
    if not files and not warnings:
        raise ExportError(f"{path}: no CSV files found")
    return files, warnings

