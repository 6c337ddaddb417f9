"""`healthdesk-cli export pdf|fhir --from DATE --to DATE --out FILE [--generated-at ISO]`.

The clinician export: a 1-3 page PDF report or a FHIR R4 document bundle (JSON) for an inclusive range of
local days. `--generated-at` pins the time printed in the report, so the same data gives the same bytes.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from healthdesk.cli import CliError
from healthdesk.clinical.report_data import GENDERS, SECTIONS, PatientInfo
from healthdesk.config import Paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="clinician export: PDF report or FHIR R4 bundle for a period",
        description="Export a period for a clinician: 'pdf' writes a 1-3 page report, 'fhir' a FHIR R4 "
                    "document Bundle (JSON). Band and WHOOP-cloud values stay separate.",
    )
    parser.add_argument("kind", choices=("pdf", "fhir", "whoop-csv"), help="what to write ('whoop-csv': the four "
                        "files of WHOOP's export, English format, into the folder --out)")
    parser.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day (inclusive)")
    parser.add_argument("--out", required=True, metavar="FILE", help="file to write (replaced atomically)")
    parser.add_argument("--generated-at", metavar="ISO", help="report time with zone, e.g. "
                        "2026-11-21T09:30:00+01:00 (default: now); fixes the output bytes")
    parser.add_argument("--timezone", metavar="ZONE", help="IANA zone for day boundaries (default: this computer's)")
    parser.add_argument("--name", help="patient name (default: the WHOOP profile name)")
    parser.add_argument("--birth-date", metavar="DATE", help="patient date of birth, YYYY-MM-DD")
    parser.add_argument("--sex", choices=GENDERS, help="administrative sex for the Patient resource")
    parser.add_argument("--share-serial", action="store_true", help="include the band's serial number")
    parser.add_argument("--sections", metavar="LIST", default=",".join(SECTIONS),
                        help=f"comma-separated parts to include (default: all of {','.join(SECTIONS)}); "
                             "left-out parts are marked as withheld; add 'review' for the optional period "
                             "review (PDF only)")
    parser.set_defaults(handler=_export)


def _paired_firmware(paths: Paths) -> dict[str, str]:
    """The firmware the paired band reported (the report names it); none when no band is paired."""
    from healthdesk.services.pairing import load_paired_band

    try:
        band = load_paired_band(paths)
    except ValueError:
        return {}  # an unreadable pairing file only costs the firmware line
    return {band.name: band.firmware} if band and band.firmware else {}


def _export(args: argparse.Namespace, paths: Paths) -> int:
    if args.kind == "whoop-csv":  # WHOOP's own format for other tools (cli/whoop_export.py)
        from healthdesk.cli.whoop_export import export_whoop_csv

        return export_whoop_csv(args, paths)
    # Imported here: the report stack is heavy and every healthdesk-cli call registers this command.
    from healthdesk.services.export import (
        MAX_NAME_CHARS,
        ExportError,
        ExportRequest,
        export,
        parse_day,
        parse_generated_at,
        parse_sections,
    )

    if args.timezone and len(args.timezone) > 64:  # IANA names are short; never echo a 5,000-char one
        raise CliError("--timezone: not an IANA zone name (e.g. Europe/Berlin)")
    if args.name and len(args.name) > MAX_NAME_CHARS:
        raise CliError(f"--name: at most {MAX_NAME_CHARS} characters (got {len(args.name)})")
    try:
        patient = PatientInfo(
            name=" ".join(args.name.split()) or None if args.name else None,
            birth_date=parse_day(args.birth_date, "--birth-date", date(1900, 1, 1), date.today())
            if args.birth_date else None,
            gender=args.sex,
        )
        request = ExportRequest(
            kind=args.kind, start=parse_day(args.start, "--from"), end=parse_day(args.end, "--to"),
            out=Path(args.out).expanduser(), timezone=args.timezone,
            generated_at=parse_generated_at(args.generated_at) if args.generated_at else None,
            patient=patient, share_serial=args.share_serial, sections=parse_sections(args.sections),
            band_firmware=_paired_firmware(paths),
        )
        result = export(paths.database, request)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    detail = f"{result.pages} page(s)" if result.pages is not None else f"{result.entries} entries"
    print(f"wrote {result.path} ({result.kind}, {detail}, {result.size_bytes} bytes); coverage: "
          f"{result.coverage_text}")
    return 0
