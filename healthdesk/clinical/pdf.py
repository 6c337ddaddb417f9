"""The clinician PDF report: a pure function of `ReportData` returning bytes (reportlab Platypus).

Byte-identical for the same data and generated-at: reportlab's invariant mode fixes the document ID, and
the Info dates are written as the report's generated-at time. Header and "page X of Y" footer are drawn
on every page by a canvas that defers page output until the total is known.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from healthdesk.clinical import pdf_sections as sections
from healthdesk.clinical.catalogue import DISCLAIMER
from healthdesk.clinical.fonts import fonts_for
from healthdesk.clinical.report_data import ReportData

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
FRAME_W = PAGE_W - 2 * MARGIN


def _canvas_class(header_left: str, name_font: str, header_right: str, footer_left: str, pdf_date: str,
                  pages: list[int]):
    class ReportCanvas(Canvas):
        """Collects page states; on save draws header/footer with the final page count."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            self.setDateFormatter(lambda *_: pdf_date)

        def showPage(self) -> None:  # noqa: N802 (reportlab API name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            pages.append(total)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            self.saveState()
            self.setFont("Helvetica", 7.5)
            self.setStrokeGray(0.6)
            top = PAGE_H - MARGIN + 5 * mm
            self.setFont(name_font, 7.5)  # the line holds the patient's name: a font that has its letters
            self.drawString(MARGIN, top, header_left)
            self.setFont("Helvetica", 7.5)
            self.drawRightString(PAGE_W - MARGIN, top, header_right)
            self.line(MARGIN, top - 2, PAGE_W - MARGIN, top - 2)
            bottom = MARGIN - 8 * mm
            self.line(MARGIN, bottom + 9, PAGE_W - MARGIN, bottom + 9)
            self.drawString(MARGIN, bottom, footer_left)
            self.drawRightString(PAGE_W - MARGIN, bottom, f"Page {number} of {total}")
            self.restoreState()

    return ReportCanvas


def build_pdf(data: ReportData) -> bytes:
    return render_pdf(data)[0]


def render_pdf(data: ReportData) -> tuple[bytes, int]:
    """The PDF bytes and its page count (for the app's preview and the CLI summary)."""
    p = data.period
    fonts, name_text = fonts_for([data.patient.name])
    pt = replace(data.patient, name=name_text(data.patient.name) if data.patient.name else None)
    data = replace(data, patient=pt)
    born = f", born {pt.birth_date.isoformat()}" if pt.birth_date else ""
    header_left = f"healthdesk clinician report - {pt.name or 'Patient name not recorded'}{born}"
    header_right = f"Period {p.start.isoformat()} to {p.end.isoformat()} ({p.timezone})"
    utc = data.generated_at.astimezone(UTC)
    pdf_date = f"D:{utc:%Y%m%d%H%M%S}+00'00'"

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 2 * mm,
        bottomMargin=MARGIN, invariant=1, title=f"Wearable data summary {p.start} to {p.end}",
        author="healthdesk", subject="Patient-generated wearable data for a clinician",
        creator=f"healthdesk {data.app_version}", producer=f"healthdesk {data.app_version} (reportlab)",
    )
    story = [*sections.header_block(data, fonts.regular)]
    if data.includes("vitals"):
        story += [*sections.summary_table(data), *sections.charts(data, FRAME_W)]
    if data.includes("sleep"):
        story += sections.sleep_table(data)
    if data.includes("workouts"):
        story += sections.workouts_table(data)
    if data.includes("wellness"):  # last, fenced off from everything clinical (clinical.md §5.1)
        story += sections.wellness_box(data, FRAME_W)
    story += sections.notes(data)
    pages: list[int] = []
    doc.build(story, canvasmaker=_canvas_class(header_left, fonts.regular, header_right, DISCLAIMER, pdf_date,
                                               pages))
    return buf.getvalue(), pages[-1]
