"""Clinician PDF: extractable text (pypdf and pdftotext), every page decorated, determinism, honest gaps."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from healthdesk.clinical.catalogue import DISCLAIMER, METRICS, VITAL_KEYS, WELLNESS_KEYS
from healthdesk.clinical.fonts import BUILTIN, fonts_for, to_winansi
from healthdesk.clinical.pdf import build_pdf
from healthdesk.clinical.report_data import BAND, SOURCE_SHORT, WHOOP_CLOUD, PatientInfo, Period

from .factory import BAND_METRICS, CLOUD_METRICS, GENERATED_AT, TZ, report

OCT = Period(date(2026, 10, 1), date(2026, 10, 31), TZ)


@pytest.fixture(scope="module")
def both_pdf() -> bytes:
    return build_pdf(report(OCT))


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _lines(pdf: bytes) -> list[str]:
    return [ln.strip() for p in PdfReader(io.BytesIO(pdf)).pages for ln in p.extract_text().splitlines()]


def _has_row(lines: list[str], *cells: str) -> bool:
    """Table cells come out of pypdf one per line: look for them consecutively."""
    n = len(cells)
    return any(tuple(lines[i:i + n]) == cells for i in range(len(lines) - n + 1))


def test_header_period_generated_at_app_version_and_disclaimer(both_pdf):
    text = " ".join(_pages(both_pdf))
    for needle in ("Alex Example", "1985-04-12", "female", "2026-10-01 to 2026-10-31", "Europe/Berlin",
                   "2026-11-21T09:30+01:00", "healthdesk 0.1.0", DISCLAIMER, "not a diagnosis"):
        assert needle in text, needle


def test_every_summary_metric_with_its_unit_and_source(both_pdf):
    lines = _lines(both_pdf)
    expected = [(k, BAND) for k in BAND_METRICS] + [(k, WHOOP_CLOUD) for k in CLOUD_METRICS]
    for key, src in expected:
        spec = METRICS[key]
        assert key in VITAL_KEYS + WELLNESS_KEYS
        assert _has_row(lines, spec.label, spec.display_unit, SOURCE_SHORT[src]), (spec.label, src)
    for label, unit, value in [("Body weight", "kg", "68.4"), ("Body height", "cm", "172"),
                               ("Body mass index", "kg/m2", "23.1")]:
        assert _has_row(lines, label, unit, "WHOOP cloud", "1", value)


def test_summary_values_match_the_input(both_pdf):
    data = report(OCT)
    vals = sorted(v.value for v in data.series_for("resting_hr", BAND).values)
    n = len(vals)
    med = (vals[n // 2] + vals[(n - 1) // 2]) / 2
    assert _has_row(_lines(both_pdf), "Resting heart rate", "bpm", "Band", str(n), f"{vals[0]:.0f}", f"{med:.0f}",
                    f"{vals[-1]:.0f}")


def test_pdftotext_layout_keeps_label_unit_and_source_on_one_line(both_pdf, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext missing: install poppler-utils (make system-deps does)")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(both_pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for key in ("resting_hr", "hrv_rmssd", "spo2", "respiratory_rate", "skin_temp", "sleep_duration"):
        spec = METRICS[key]
        assert re.search(rf"{re.escape(spec.label)}\s+{re.escape(spec.display_unit)}\s+WHOOP cloud\s+31\s", text), key


def test_header_footer_and_page_x_of_y_on_every_page(both_pdf):
    pages = _pages(both_pdf)
    assert 1 <= len(pages) <= 3
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in page
        assert "healthdesk clinician report - Alex Example, born 1985-04-12" in page
        assert "Period 2026-10-01 to 2026-10-31 (Europe/Berlin)" in page
        assert DISCLAIMER in page


def test_wellness_is_fenced_with_the_note_above_the_numbers(both_pdf):
    text = " ".join(_pages(both_pdf))
    fence = text.index("Wellness scores - not a diagnosis")
    note = text.index("not a clinical assessment and not a diagnosis", fence)
    first_score_row = text.index("Recovery %", fence)
    assert fence < note < first_score_row
    vitals_part = text[:fence]
    assert "Recovery %" not in vitals_part and "Day strain" not in vitals_part


def test_charts_are_vector_with_labelled_dates(both_pdf):
    reader = PdfReader(io.BytesIO(both_pdf))
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())
    text = " ".join(_pages(both_pdf))
    for title in ("Resting heart rate (bpm)", "HRV (RMSSD) (ms)", "Sleep duration (asleep) (h)", "Recovery (%)"):
        assert title in text
    # metrics.md §18: the vitals shade their typical range (+-1 sigma), recovery its zones instead of a band.
    assert text.count("grey area: typical range (Band, about 2 days in 3 of the previous 30)") == 3
    assert text.count("shaded: recovery zones (red 0-33, yellow 34-66, green 67-100)") == 1
    assert "baseline" not in text and "3 x 1.4826" not in text


def test_byte_identical_for_same_data_and_generated_at():
    first = build_pdf(report(OCT))
    assert build_pdf(report(OCT)) == first
    assert build_pdf(report(OCT, generated_at=GENERATED_AT + timedelta(minutes=1))) != first
    assert b"/CreationDate (D:20261121083000+00'00')" in first


@pytest.mark.parametrize("band,cloud,expect", [
    (False, False, ["no data recorded in this period", "Band: no data recorded", "WHOOP cloud: no data recorded",
                    "No vital-sign data recorded", "No sleep sessions recorded", "No workouts recorded",
                    "No wellness scores recorded"]),
    (False, True, ["Band: no data recorded", "WHOOP cloud: 31 of 31 days with data, 31 nights with sleep"]),
    (True, False, ["Band: 25 of 31 days with data, 25 nights with sleep, 550.0 h worn",
                   "WHOOP cloud: no data recorded"]),
])
def test_partial_and_empty_periods_say_so(band, cloud, expect):
    pdf = build_pdf(report(OCT, band=band, cloud=cloud))
    text = " ".join(_pages(pdf))
    for needle in expect:
        assert needle in text, needle
    assert 1 <= len(_pages(pdf)) <= 3
    if not band:
        assert "Band Running" not in text
    if not cloud:
        assert "SpO2 (sleep average)" not in text.split("Trends")[0]


def test_one_year_still_fits_three_pages():
    pdf = build_pdf(report(Period(date(2025, 11, 1), date(2026, 10, 31), TZ)))
    pages = _pages(pdf)
    assert len(pages) <= 3
    # Tables fill the three pages, then say how many of the nights they list (the bundle has them all).
    assert re.search(r"The table lists the most recent \d\d of \d+ nights", " ".join(pages))


def test_names_beyond_winansi_are_drawn_and_extractable_never_boxes():
    name = "Łukasz Żółć <b>&"
    data = replace(report(OCT), patient=PatientInfo(name, date(1985, 4, 12), "male"))
    pdf = build_pdf(data)
    assert build_pdf(data) == pdf  # the embedded font subset is deterministic too
    fonts, _ = fonts_for([name])
    shown = name if fonts != BUILTIN else "Lukasz Zólc <b>&"  # no Unicode TrueType font on this machine
    pages = _pages(pdf)
    assert f"Patient {shown}" in pages[0]
    assert all(f"healthdesk clinician report - {shown}, born 1985-04-12" in p for p in pages)
    assert "\u25a0" not in " ".join(pages)  # no black boxes


def test_text_no_font_can_draw_becomes_latin_or_question_marks():
    assert to_winansi("Łukasz Đorđe Zoë 王") == "Lukasz Dorde Zoë ?"
    fonts, passthrough = fonts_for(["Ada Lovelace"])
    assert fonts == BUILTIN and passthrough("Zoë") == "Zoë"
