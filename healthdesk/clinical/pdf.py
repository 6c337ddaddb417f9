"""The clinician PDF report: a pure function of `ReportData` returning bytes (reportlab Platypus).

Byte-identical for the same data and generated-at: reportlab's invariant mode fixes the document ID, and
the Info dates are written as the report's generated-at time. Header and "page X of Y" footer are drawn
on every page by a canvas that defers page output until the total is known.

Page budget (clinical.md §5.1: a 1-3 page summary): the sleep and workout tables are complete while the
report fits MAX_PAGES; past that they list the most recent rows, as many as still fit (so the last page is
full). No near-empty last page: when the last page would hold only a sliver (less than LAST_PAGE_MIN_FILL of
the frame), the story is laid out again with lower charts and the layout with the fewest pages (then the
fullest last page) is kept.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from healthdesk.clinical import pdf_sections as sections
from healthdesk.clinical.catalogue import DISCLAIMER
from healthdesk.clinical.fonts import fonts_for
from healthdesk.clinical.report_data import ReportData

PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
FRAME_W = PAGE_W - 2 * MARGIN
TOP_MARGIN = MARGIN + 2 * mm
FRAME_H = PAGE_H - TOP_MARGIN - MARGIN - 12  # SimpleDocTemplate's frame keeps 6 pt padding top and bottom
CHART_HEIGHTS = (92.0, 80.0, 68.0)  # points: the roomy layout first, lower charts only to save a page
LAST_PAGE_MIN_FILL = 0.3
MAX_PAGES = 3
MIN_TABLE_ROWS = 7  # a cut table still shows a week
ROW_PT = 13.0  # a 7.5 pt table row with its padding and rule
ROWS_PER_PAGE = int(FRAME_H // ROW_PT)


class _EndMarker(Flowable):
    """Zero-size, last in the story: remembers how much of the last page's frame was left free."""

    def __init__(self) -> None:
        super().__init__()
        self.free = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.free = avail_height  # the last call is the final placement
        return 0.0, 0.0

    def draw(self) -> None:
        pass


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
    fonts, name_text = fonts_for([data.patient.name])
    pt = replace(data.patient, name=name_text(data.patient.name) if data.patient.name else None)
    data = replace(data, patient=pt)
    font = fonts.regular
    if max(sections.table_lengths(data)) > MAX_PAGES * ROWS_PER_PAGE:  # cannot fit whole: skip that layout
        return _within_budget(data, font)
    pdf, pages, fill = _build(data, font, CHART_HEIGHTS[0], None)
    if pages > MAX_PAGES:
        return _within_budget(data, font)
    best = (pages, fill, pdf)
    for chart_height in CHART_HEIGHTS[1:]:
        if best[0] == 1 or best[1] >= LAST_PAGE_MIN_FILL:
            break
        pdf, pages, fill = _build(data, font, chart_height, None)
        if (pages, -fill) < (best[0], -best[1]):
            best = (pages, fill, pdf)
    return best[2], best[0]


def _within_budget(data: ReportData, font: str) -> tuple[bytes, int]:
    """The most table rows that keep the report within MAX_PAGES. Laid out with a week per table and with a
    cautious guess, the two layouts tell what a row costs here; the rows the rest of the budget holds follow,
    and one or two more layouts settle the exact limit."""
    built: dict[int, tuple[bytes, int, float]] = {}
    lengths = sections.table_lengths(data)

    def fits(cap: int) -> bool:
        if cap not in built:
            built[cap] = _build(data, font, CHART_HEIGHTS[0], cap)
        return built[cap][1] <= MAX_PAGES

    def used(cap: int) -> float:
        _, pages, fill = built[cap]
        return (pages - 1 + fill) * FRAME_H

    def rows(cap: int) -> int:
        return sum(min(n, cap) for n in lengths)

    def grow(cap: int, room: float, row_pt: float) -> int:
        while (extra := sum(1 for n in lengths if n > cap) * row_pt) and extra <= room:
            room -= extra
            cap += 1
        return cap

    cap = MIN_TABLE_ROWS
    if fits(cap):
        budget = MAX_PAGES * FRAME_H
        probe = grow(cap, budget - used(cap) - MAX_PAGES * ROW_PT, ROW_PT)  # cautious: a page break or two
        if probe > cap and fits(probe):
            row_pt = (used(probe) - used(cap)) / max(rows(probe) - rows(cap), 1)
            cap = grow(probe, budget - used(probe) - row_pt, max(row_pt, 1.0))
        while cap > MIN_TABLE_ROWS and not fits(cap):
            cap -= 1
        if cap + 1 < max(lengths) and fits(cap + 1):
            cap += 1
    pdf, pages, _ = built[cap]
    return pdf, pages


def _build(data: ReportData, name_font: str, chart_height: float,
           rows_cap: int | None) -> tuple[bytes, int, float]:
    """(PDF, pages, share of the last page's frame in use)."""
    p, pt = data.period, data.patient
    born = f", born {pt.birth_date.isoformat()}" if pt.birth_date else ""
    header_left = f"healthdesk clinician report - {pt.name or 'Patient name not recorded'}{born}"
    header_right = f"Period {p.start.isoformat()} to {p.end.isoformat()} ({p.timezone})"
    utc = data.generated_at.astimezone(UTC)
    pdf_date = f"D:{utc:%Y%m%d%H%M%S}+00'00'"

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP_MARGIN,
        bottomMargin=MARGIN, invariant=1, title=f"Wearable data summary {p.start} to {p.end}",
        author="healthdesk", subject="Patient-generated wearable data for a clinician",
        creator=f"healthdesk {data.app_version}", producer=f"healthdesk {data.app_version} (reportlab)",
    )
    story = [*sections.header_block(data, name_font)]
    if data.includes("vitals"):
        story += [*sections.summary_table(data), *sections.charts(data, FRAME_W, chart_height)]
    if data.includes("sleep"):
        story += sections.sleep_table(data, rows_cap)
    if data.includes("workouts"):
        story += sections.workouts_table(data, rows_cap)
    if data.includes("review"):  # optional, off by default (docs/insights.md §3)
        story += sections.review_section(data)
    if data.includes("wellness"):  # last, fenced off from everything clinical (clinical.md §5.1)
        story += sections.wellness_box(data, FRAME_W, chart_height)
    story += sections.notes(data)
    end = _EndMarker()
    story.append(end)
    pages: list[int] = []
    doc.build(story, canvasmaker=_canvas_class(header_left, name_font, header_right, DISCLAIMER, pdf_date,
                                               pages))
    return buf.getvalue(), pages[-1], 1.0 - end.free / FRAME_H
