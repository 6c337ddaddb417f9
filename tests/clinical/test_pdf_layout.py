"""Clinician PDF layout, read back from the PDF itself: text positions via pypdf, page fill via pdftoppm
renders. Numeric headers sit right-aligned over their numbers, tables are complete while the period is short,
the last page is never a sliver, trends carry units and the app's method, counts read in correct plurals,
measures without data are not mentioned, and the patient's name and birth date head every page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from healthdesk.clinical.pdf import render_pdf
from healthdesk.clinical.report_data import BAND, Period

from .factory import PATIENT, TZ, report

OCT = Period(date(2026, 10, 1), date(2026, 10, 31), TZ)
NUMERIC_HEADS = ("Days", "Min", "Median", "Max", "Asleep (min)", "Deep (min)", "Avg HR (bpm)", "Energy (kJ)")


def fragments(pdf: bytes, page: int) -> list[tuple[float, float, float, str]]:
    """(left x, right x, baseline y, text) of every text run on a page."""
    out: list[tuple[float, float, float, str]] = []

    def visit(text, cm, tm, font, size) -> None:
        text = text.strip()
        if not text or not font:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        width = stringWidth(text, str(font["/BaseFont"]).lstrip("/"), size * tm[0] * cm[0])
        out.append((x, x + width, y, text))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return out


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def october() -> tuple[bytes, int]:
    return render_pdf(report(OCT))


def test_numeric_headers_sit_right_aligned_over_their_numbers(october) -> None:
    pdf, pages = october
    checked = set()
    for page in range(pages):
        runs = fragments(pdf, page)
        for left, right, y, text in runs:
            if text not in NUMERIC_HEADS:
                continue
            below = [r for r in runs if r[2] < y - 1 and r[2] > y - 60 and re.fullmatch(r"[\d.,]+", r[3])]
            aligned = [r for r in below if abs(r[1] - right) < 1.0]
            under = [r for r in below if r[0] < right and r[1] > left]  # numbers in this header's column
            assert aligned and len(aligned) == len(under), (text, right, under[:4])
            checked.add(text)
    assert checked >= {"Days", "Median", "Asleep (min)", "Avg HR (bpm)"}


def test_trend_column_carries_units_and_the_apps_method(october) -> None:
    data = report(OCT)
    rising = tuple(  # band resting HR climbs 0.2 bpm a day: 1.4 bpm per week, a clear line
        replace(s, values=tuple(replace(v, value=50 + 0.2 * (v.day - OCT.start).days) for v in s.values))
        if (s.metric, s.source) == ("resting_hr", BAND) else s for s in data.series)
    text = " ".join(text_of(render_pdf(replace(data, series=rising))[0]).split())
    assert "Theil-Sen" not in text
    assert re.search(r"Resting heart rate bpm Band \d+ [\d.]+ [\d.]+ [\d.]+ rising \+1\.4 bpm per week", text)
    assert "no clear trend" in text  # the factory's wavy series: no line explains them (R2 < 0.3)
    # The app's method in the words the Trends page uses (core.metrics.trajectory.METHOD_WORDS), no jargon.
    assert ("a straight line through the daily values of the last 30 days, its slope given per week; drawn from "
            "14 days with values, and only when the line follows at least 30% of the day-to-day ups and downs"
            ) in text
    assert "least-squares" not in text.lower() and "least squares" not in text.lower() and "R2" not in text


def test_tables_are_complete_for_a_month(october) -> None:
    pdf, _ = october
    data = report(OCT)
    text = text_of(pdf)
    tz = OCT.tz
    for s in data.sleeps:  # every night of both sources is a row (its in-bed span is unique)
        assert f"{s.start.astimezone(tz):%H:%M}-{s.end.astimezone(tz):%H:%M}" in text
    rows = sum(1 for w in data.workouts if w.sport == "Running")
    assert text.count("Running") >= rows
    assert "most recent" not in text


def _last_page_fill(pdf: bytes, pages: int, tmp_path: Path) -> float:
    """Share of the last page's body (between the header rule and the footer rule) with ink in it."""
    from PIL import Image

    target = tmp_path / "last.pdf"
    target.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-f", str(pages), "-l", str(pages), str(target),
                    str(tmp_path / "page")], check=True, capture_output=True)
    (png,) = sorted(tmp_path.glob("page*.png"))
    with Image.open(png) as opened:
        image = opened.convert("L")
        width, height = image.size
        pixels = image.load()
        inked = [y for y in range(height) if any(pixels[x, y] < 200 for x in range(0, width, 2))]
    body = [y for y in inked if 0.08 * height < y < 0.93 * height]  # without header and footer lines
    top, bottom = 0.08 * height, 0.93 * height
    return (max(body) - top) / (bottom - top) if body else 0.0


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
@pytest.mark.parametrize("days,cloud", [(7, True), (14, True), (21, True), (31, True), (45, True), (90, True),
                                        (365, True), (7, False), (31, False), (60, False)])
def test_no_near_empty_last_page_and_at_most_three(days: int, cloud: bool, tmp_path: Path) -> None:
    period = Period(date(2026, 10, 1), date(2026, 10, 1) + timedelta(days=days - 1), TZ)
    pdf, pages = render_pdf(report(period, cloud=cloud))
    assert pages <= 3  # clinical.md §5.1: a 1-3 page summary
    if pages > 1:
        assert _last_page_fill(pdf, pages, tmp_path) >= 0.3, f"{days} days: last page of {pages} nearly empty"


def test_counts_read_in_correct_plurals() -> None:
    one = Period(date(2026, 10, 2), date(2026, 10, 2), TZ)
    text = " ".join(text_of(render_pdf(report(one, cloud=False))[0]).split())
    assert "1 nights" not in text and "1 workouts" not in text and "1 days" not in text
    assert "over 1 night" in text and "1 of 1 day with data" in text
    month = " ".join(text_of(render_pdf(report(OCT, cloud=False))[0]).split())
    assert re.search(r"over \d\d nights", month) and re.search(r"\d+ workouts", month)


def test_absent_measures_are_not_mentioned() -> None:
    band_only = " ".join(text_of(render_pdf(report(OCT, cloud=False))[0]).split())
    assert "SpO2" not in band_only and "skin temperature" not in band_only.lower()
    with_cloud = " ".join(text_of(render_pdf(report(OCT))[0]).split())  # WHOOP measures both
    assert "SpO2" in with_cloud and "skin temperature" in with_cloud.lower()


def test_patient_name_and_birth_date_head_every_page(october) -> None:
    pdf, pages = october
    assert pages >= 2
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert f"clinician report - {PATIENT.name}, born {PATIENT.birth_date.isoformat()}" in page.extract_text()
    anonymous = replace(report(OCT), patient=replace(PATIENT, name=None, birth_date=None))
    assert "Patient name not recorded" in text_of(render_pdf(anonymous)[0])
