"""`healthdesk-cli export` and the export service end to end: real store, real files, real subprocess."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from healthdesk.cli import main
from healthdesk.config import resolve_paths
from healthdesk.services.export import ExportRequest, export, export_async, preview_pages, preview_pages_async
from healthdesk.services.pairing import PairedBand, save_paired_band
from healthdesk.store.database import open_database

from .fhir_checks import conformance_problems, structural_r4
from .store_fill import BAND_NAME, fill_band, fill_cloud

GEN = "2026-11-21T09:30:00+01:00"
OCT = ["--from", "2026-10-01", "--to", "2026-10-31", "--timezone", "Europe/Berlin"]


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _store_with(home: Path, *, band: bool, cloud: bool) -> None:
    db = open_database(home / "healthdesk.db")
    try:
        if band:
            fill_band(db)
        if cloud:
            fill_cloud(db)
    finally:
        db.close()


def test_pdf_export_is_byte_identical_and_shows_the_store(store_path, tmp_path, capsys):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (a, b):
        code, stdout, err = _cli(capsys, "export", "pdf", *OCT, "--out", str(out), "--generated-at", GEN,
                                 "--birth-date", "1985-04-12", "--sex", "female")
        assert (code, err) == (0, "")
        assert stdout.startswith(f"wrote {out} (pdf, ")
    assert a.read_bytes() == b.read_bytes()
    text = _pdf_text(a)
    for needle in ("Alex Example", "born 1985-04-12", "2026-10-01 to 2026-10-31", "2026-11-21T09:30+01:00",
                   "Resting heart rate bpm WHOOP cloud 29", "SpO2 (sleep average) % WHOOP cloud 29",
                   "Band: 2 of 31 days with data", "WHOOP cloud: 30 of 31 days with data, 30 nights with sleep",
                   "Body weight kg WHOOP cloud 1 68.4", "not a diagnosis"):
        assert needle in text, needle
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_fhir_export_passes_r4_checks(store_path, tmp_path, capsys):
    out = tmp_path / "bundle.json"
    code, stdout, _ = _cli(capsys, "export", "fhir", *OCT, "--out", str(out), "--generated-at", GEN)
    assert code == 0
    bundle = json.loads(out.read_text("utf-8"))
    structural_r4(bundle)
    assert conformance_problems(bundle) == []
    assert f"{len(bundle['entry'])} entries" in stdout
    rhr = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
           and e["resource"]["code"]["coding"][0]["code"] == "40443-4"]
    by_source = Counter(r["meta"]["tag"][0]["code"] for r in rhr)
    assert by_source == {"whoop_cloud": 29, "band": 2}  # never merged into one value per day


@pytest.mark.parametrize("band,cloud,expect", [
    (False, False, ["no data recorded in this period", "Band: no data recorded", "WHOOP cloud: no data recorded"]),
    (True, False, ["Band: 2 of 31 days with data, 2 nights with sleep, 10.0 h worn",
                   "WHOOP cloud: no data recorded"]),
    (False, True, ["Band: no data recorded", "WHOOP cloud: 30 of 31 days with data"]),
])
def test_empty_band_only_and_cloud_only_export_honestly(home, tmp_path, capsys, band, cloud, expect):
    _store_with(home, band=band, cloud=cloud)
    pdf, fhir = tmp_path / "r.pdf", tmp_path / "r.json"
    assert _cli(capsys, "export", "pdf", *OCT, "--out", str(pdf), "--generated-at", GEN)[0] == 0
    assert _cli(capsys, "export", "fhir", *OCT, "--out", str(fhir), "--generated-at", GEN)[0] == 0
    text = _pdf_text(pdf)
    for needle in expect:
        assert needle in text, needle
    bundle = json.loads(fhir.read_text("utf-8"))
    structural_r4(bundle)
    assert conformance_problems(bundle) == []
    devices = {e["resource"]["deviceName"][0]["name"] for e in bundle["entry"]
               if e["resource"]["resourceType"] == "Device"}
    assert devices == ({"WHOOP 4.0"} if band else set()) | ({"WHOOP cloud API (v2)"} if cloud else set())


@pytest.mark.parametrize("args,message", [
    (["--from", "2026-10-31", "--to", "2026-10-01"], "period ends (2026-10-01) before it starts (2026-10-31)"),
    (["--from", "2026-13-01", "--to", "2026-10-01"], "--from '2026-13-01' is not a date (use YYYY-MM-DD)"),
    (["--from", "2020-01-01", "--to", "2026-10-01"], "is longer than the 731-day maximum"),
    (["--from", "2026-10-01", "--to", "2026-10-31", "--timezone", "Mars/Olympus"], "unknown timezone"),
    (["--from", "2026-10-01", "--to", "2026-10-31", "--generated-at", "2026-11-21T09:30"], "needs a time zone"),
])
def test_invalid_period_gives_one_line_and_leaves_the_old_file(home, tmp_path, capsys, args, message):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"previous report")
    code, stdout, err = _cli(capsys, "export", "pdf", *args, "--out", str(out))
    assert code == 2 and stdout == ""
    assert message in err and err.count("\n") == 1 and err.startswith("healthdesk-cli: ")
    assert out.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_unwritable_outputs_give_one_line_and_write_nothing(empty_store_path, tmp_path, capsys):
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    cases = [
        (tmp_path / "missing" / "r.pdf", "does not exist"),
        (tmp_path, "is a directory"),
        (a_file / "r.pdf", "does not exist"),
        (Path("/proc/healthdesk-report.pdf"), "cannot write /proc/healthdesk-report.pdf"),
    ]
    for out, message in cases:
        code, _, err = _cli(capsys, "export", "fhir", *OCT, "--out", str(out))
        assert code == 2 and message in err and err.count("\n") == 1, (out, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt"]
    assert not Path("/proc/healthdesk-report.pdf").exists()


def test_real_cli_process_reports_errors_without_traceback(home, tmp_path):
    env = {**os.environ, "HEALTHDESK_HOME": str(home)}
    cli = Path(sys.executable).with_name("healthdesk-cli")  # the installed console script
    done = subprocess.run([str(cli), "export", "pdf", "--from", "yesterday",
                           "--to", "2026-10-31", "--out", str(tmp_path / "r.pdf")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "healthdesk-cli: --from 'yesterday' is not a date (use YYYY-MM-DD)\n"
    assert not (tmp_path / "r.pdf").exists()


def test_async_service_for_the_app(store_path, tmp_path):
    out = tmp_path / "r.pdf"
    request = ExportRequest("pdf", date(2026, 10, 1), date(2026, 10, 31), out, timezone="Europe/Berlin")
    result = asyncio.run(export_async(store_path, request))
    assert result.path == out and 1 <= result.pages <= 3 and result.size_bytes == out.stat().st_size
    assert "whoop_cloud: 30/31 days" in result.coverage_text


def test_left_out_sections_are_marked_withheld_not_empty(store_path, tmp_path, capsys):
    pdf, fhir = tmp_path / "r.pdf", tmp_path / "r.json"
    for kind, out in (("pdf", pdf), ("fhir", fhir)):
        code, _, err = _cli(capsys, "export", kind, *OCT, "--out", str(out), "--generated-at", GEN,
                            "--sections", "vitals,sleep")
        assert (code, err) == (0, "")
    text = _pdf_text(pdf)
    assert "Left out of this report at the patient's request (not the same as no data): Workouts, " \
           "Wellness scores." in text
    assert "Wellness scores - not a diagnosis" not in text and "Resting heart rate bpm WHOOP cloud" in text
    bundle = json.loads(fhir.read_text("utf-8"))
    assert conformance_problems(bundle) == []
    sections = {s["title"]: s for s in bundle["entry"][0]["resource"]["section"]}
    assert sections["Wellness scores (not a diagnosis)"]["emptyReason"]["coding"][0]["code"] == "withheld"
    assert "entry" in sections["Vital signs"] and "entry" in sections["Sleep"]
    categories = {e["resource"]["category"][0]["coding"][0]["code"] for e in bundle["entry"]
                  if e["resource"]["resourceType"] == "Observation"}
    assert categories == {"vital-signs", "activity"}


def test_unknown_section_and_missing_database_are_one_line_errors(home, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    code, _, err = _cli(capsys, "export", "pdf", *OCT, "--out", str(out), "--sections", "vitals,labs")
    assert code == 2 and err == "healthdesk-cli: unknown section(s) labs; choose from vitals, sleep, " \
                                "workouts, wellness, review\n"
    code, _, err = _cli(capsys, "export", "pdf", *OCT, "--out", str(out))
    assert code == 2 and err == f"healthdesk-cli: no database at {home / 'healthdesk.db'}: drain the band " \
                                "or sync WHOOP first\n"
    assert not out.exists() and not (home / "healthdesk.db").exists()


def test_preview_page_count_matches_the_written_pdf(store_path, tmp_path):
    out = tmp_path / "r.pdf"
    request = ExportRequest("pdf", date(2026, 10, 1), date(2026, 10, 31), out, timezone="Europe/Berlin")
    pages = preview_pages(store_path, request)
    assert asyncio.run(preview_pages_async(store_path, request)) == pages
    assert not out.exists()
    assert pages == len(PdfReader(str(export(store_path, request).path)).pages)


def test_provisional_values_carry_their_confidence_into_fhir(store_path, tmp_path, capsys):
    out = tmp_path / "bundle.json"
    assert _cli(capsys, "export", "fhir", *OCT, "--out", str(out), "--generated-at", GEN)[0] == 0
    bundle = json.loads(out.read_text("utf-8"))
    # a cycle day's Observation spans its night [D-1 12:00, D 12:00): the end names the morning date D
    flagged = {(e["resource"]["code"]["coding"][0]["code"], e["resource"]["effectivePeriod"]["end"][:10])
               for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
               and e["resource"]["meta"]["tag"][0]["code"] == "whoop_cloud"
               and any("confidence 0.50" in n["text"] for n in e["resource"].get("note", []))}
    assert flagged == {(code, "2026-10-10") for code in ("40443-4", "hrv-rmssd", "2708-6", "wrist-skin-temperature",
                                                         "recovery-score")}


def test_band_device_names_paired_firmware_and_serial_only_when_allowed(store_path, home, tmp_path, capsys):
    save_paired_band(resolve_paths(home), PairedBand(address="AA:BB", serial="4A1234567", name=BAND_NAME,
                                                     firmware="41.16.6.0"))
    for flags, serial in (((), None), (("--share-serial",), BAND_NAME)):
        out = tmp_path / "b.json"
        assert _cli(capsys, "export", "fhir", *OCT, "--out", str(out), "--generated-at", GEN, *flags)[0] == 0
        bundle = json.loads(out.read_text("utf-8"))
        (band,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device"
                   and e["resource"]["deviceName"][0]["name"] == "WHOOP 4.0"]
        assert band["version"] == [{"value": "41.16.6.0"}]
        assert band.get("serialNumber") == serial
