"""The clinician export job, shared by the app and the CLI: period -> PDF report or FHIR R4 bundle file.

Nothing half-written: the file is built in memory, written to a temporary file next to the target, synced
and renamed over it, so a failure leaves either the old file or none. Problems a user can fix come out as
`ExportError` with a one-line message.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from healthdesk import __version__
from healthdesk.clinical.fhir import build_bundle, to_bytes
from healthdesk.clinical.loader import load_report_data
from healthdesk.clinical.pdf import render_pdf
from healthdesk.clinical.report_data import (
    ALL_SECTIONS,
    GENDERS,
    SECTIONS,
    InvalidPeriod,
    PatientInfo,
    Period,
    ReportData,
)
from healthdesk.store.database import StoreError, open_database

KINDS = ("pdf", "fhir")


class ExportError(Exception):
    """A one-line, user-actionable reason the export could not be made."""


@dataclass(frozen=True)
class ExportRequest:
    kind: str  # 'pdf' | 'fhir'
    start: date
    end: date
    out: Path
    timezone: str | None = None  # IANA name; the computer's zone when None
    generated_at: datetime | None = None  # fixes the output bytes; now when None
    patient: PatientInfo = field(default_factory=PatientInfo)
    share_serial: bool = False
    sections: frozenset[str] = frozenset(SECTIONS)  # what the user chose to include
    band_firmware: dict[str, str] = field(default_factory=dict)  # device name -> firmware, from pairing


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size_bytes: int
    kind: str
    coverage_text: str
    pages: int | None = None  # PDF only
    entries: int | None = None  # FHIR only


def local_timezone_name() -> str:
    """The computer's IANA zone name (from TZ or /etc/localtime), UTC when it cannot be named."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        try:
            ZoneInfo(env)
            return env
        except Exception:  # noqa: BLE001 - any unusable TZ value falls back
            pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            ZoneInfo(name)
            return name
    except Exception:  # noqa: BLE001
        pass
    return "UTC"


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # any period a user can ask for lies within
MAX_NAME_CHARS = 200


def parse_day(text: str, what: str, first: date = FIRST_DAY, last: date = LAST_DAY) -> date:
    """A YYYY-MM-DD day within [first, last] (years 2000-2100 unless the caller widens it, e.g. a birth date)."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ExportError(f"{what} {str(text)[:40]!r} is not a date (use YYYY-MM-DD)") from None
    if not first <= day <= last:
        raise ExportError(f"{what} {day} is out of range (from {first} to {last})")
    return day


def parse_sections(text: str) -> frozenset[str]:
    chosen = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(chosen - set(ALL_SECTIONS))
    if unknown or not chosen:
        raise ExportError(f"unknown section(s) {', '.join(unknown) or '(none given)'}; choose from "
                          f"{', '.join(ALL_SECTIONS)}")
    return chosen


def parse_generated_at(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"--generated-at {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise ExportError(f"--generated-at {text!r} needs a time zone (e.g. 2026-11-21T09:30:00+01:00)")
    try:
        in_range = FIRST_DAY.year <= value.astimezone(UTC).year <= LAST_DAY.year
    except OverflowError:
        in_range = False
    if not in_range:
        raise ExportError(f"--generated-at {text[:40]!r} is out of range (years {FIRST_DAY.year}-{LAST_DAY.year})")
    return value


def check_output_path(out: Path) -> None:
    """Refuse early, before any work: a directory, a missing folder or a folder we cannot write into."""
    if len(os.fsencode(out.name)) > 200:  # room for the temporary name beside it, under NAME_MAX (255)
        raise ExportError("the output file name is too long (at most 200 bytes)")
    if out.is_dir():
        raise ExportError(f"{out} is a directory; give a file name")
    if out.exists() and not out.is_file():  # a device or FIFO: the rename would replace it
        raise ExportError(f"{out} is not a regular file; give a file name")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(f"folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write into folder {parent} (permission denied)")


def render(data: ReportData, kind: str) -> tuple[bytes, dict]:
    if kind == "pdf":
        pdf, pages = render_pdf(data)
        return pdf, {"pages": pages}
    if kind == "fhir":
        bundle = build_bundle(data)
        return to_bytes(bundle), {"entries": len(bundle["entry"])}
    raise ExportError(f"unknown export kind {kind!r} (choose {' or '.join(KINDS)})")


def write_atomically(out: Path, payload: bytes) -> None:
    parent = out.parent if str(out.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name[:40]}.", suffix=".part", dir=parent)  # born 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def coverage_text(data: ReportData) -> str:
    cov = data.coverage
    parts = [f"{src}: {cov.days_with_data.get(src, 0)}/{data.period.days} days, "
             f"{cov.nights_with_sleep.get(src, 0)} nights" for src in ("band", "whoop_cloud")]
    return "; ".join(parts) if data.has_any_data else "no data recorded in this period"


def prepare(database: Path, request: ExportRequest) -> ReportData:
    """Validate the request and load its data; raises ExportError with a one-line reason."""
    if request.kind not in KINDS:
        raise ExportError(f"unknown export kind {request.kind!r} (choose {' or '.join(KINDS)})")
    try:
        period = Period(request.start, request.end, request.timezone or local_timezone_name())
    except InvalidPeriod as exc:
        raise ExportError(str(exc)) from None
    generated_at = request.generated_at or datetime.now(UTC).replace(microsecond=0)
    if request.patient.gender and request.patient.gender not in GENDERS:
        raise ExportError(f"sex {request.patient.gender!r} must be one of {', '.join(GENDERS)}")
    if not set(request.sections) <= set(ALL_SECTIONS) or not request.sections:
        raise ExportError(f"choose at least one section from {', '.join(ALL_SECTIONS)}")
    if not Path(database).exists():
        # Not created here: an export from an empty home is almost always a wrong --home.
        raise ExportError(f"no database at {database}: drain the band or sync WHOOP first")
    try:
        db = open_database(database)
    except StoreError as exc:
        raise ExportError(str(exc)) from None
    try:
        data = load_report_data(db, period, generated_at=generated_at, app_version=__version__,
                                patient=request.patient, share_serial=request.share_serial,
                                band_firmware=request.band_firmware, with_review="review" in request.sections)
    finally:
        db.close()
    return replace(data, sections=request.sections)


def preview_pages(database: Path, request: ExportRequest) -> int:
    """Page count of the PDF the request would write (the app's preview), without writing anything."""
    return render_pdf(prepare(database, replace(request, kind="pdf")))[1]


def export(database: Path, request: ExportRequest) -> ExportResult:
    """Run the export synchronously (the CLI); the app awaits `export_async`."""
    check_output_path(request.out)
    data = prepare(database, request)
    payload, extra = render(data, request.kind)
    try:
        write_atomically(request.out, payload)
    except OSError as exc:
        raise ExportError(f"cannot write {request.out}: {exc.strerror or exc}") from None
    return ExportResult(request.out, len(payload), request.kind, coverage_text(data), **extra)


async def export_async(database: Path, request: ExportRequest) -> ExportResult:
    """Off the event loop: SQL and PDF layout take up to a second or two for a year."""
    return await asyncio.to_thread(export, database, request)


async def preview_pages_async(database: Path, request: ExportRequest) -> int:
    """The page count for the app's preview, off the event loop."""
    return await asyncio.to_thread(preview_pages, database, request)
