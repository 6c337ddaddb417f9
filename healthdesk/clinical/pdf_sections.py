"""The flowables of the clinician PDF, one function per section (clinical.md §5.1)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from statistics import median
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from healthdesk.clinical.catalogue import (
    CHART_KEYS,
    DISCLAIMER,
    METRICS,
    VITAL_KEYS,
    WELLNESS_KEYS,
    WELLNESS_NOTE,
    format_value,
)
from healthdesk.clinical.charts import trend_chart
from healthdesk.clinical.fonts import to_winansi
from healthdesk.clinical.report_data import SOURCE_SHORT, SOURCES, ReportData
from healthdesk.clinical.review_text import (
    REVIEW_HEAD,
    REVIEW_NOTE,
    REVIEW_NUMERIC,
    review_lines,
    review_rows,
    review_title,
)
from healthdesk.clinical.stats import plural
from healthdesk.clinical.summary import (
    NAP_HEAD,
    NO_VITALS,
    SLEEP_HEAD,
    SUMMARY_HEAD,
    TREND_NOTE,
    WORKOUT_DAY_HEAD,
    body_rows,
    coverage_text,
    nap_rows,
    sleep_measures_note,
    sleep_rows,
    sources_text,
    summary_rows,
    workout_day,
)

# Whole tables while the report stays within its pages (pdf.py lowers `rows` only to keep it there); cut
# tables list the most recent rows and say where the rest is (the FHIR bundle carries every one).
DEFAULT_CHART_HEIGHT = 92.0
_base = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_base["BodyText"], fontName="Helvetica", fontSize=8.5, leading=11)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10)
H1 = ParagraphStyle("h1", parent=_base["Heading1"], fontName="Helvetica-Bold", fontSize=15, leading=18,
                    spaceAfter=4)
H2 = ParagraphStyle("h2", parent=_base["Heading2"], fontName="Helvetica-Bold", fontSize=10.5, leading=13,
                    spaceBefore=7, spaceAfter=3, keepWithNext=1)  # never a heading alone at a page foot
LEAD = ParagraphStyle("lead", parent=BODY, spaceAfter=2)
TABLE_START = 72  # points: a section whose heading, line and first rows would not fit starts on the next page
H3 = ParagraphStyle("h3", parent=BODY, fontName="Helvetica-Bold", spaceBefore=5, spaceAfter=2, keepWithNext=1)
GRID = colors.Color(0.75, 0.75, 0.75)
HEAD_FILL = colors.Color(0.92, 0.92, 0.92)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(rows: list[list], widths: list[float], numeric: Collection[int]) -> Table:
    """A table whose `numeric` columns are right-aligned, their headers included (so a header stands over
    its numbers); text columns stay left-aligned."""
    t = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")  # flush with the headings above
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric]
    t.setStyle(TableStyle(style))
    return t


SUMMARY_NUMERIC = (3, 4, 5, 6)  # Days, Min, Median, Max; the trend column is words


def header_block(data: ReportData, name_font: str = "Helvetica") -> list[Flowable]:
    """`name_font` draws the patient's name (a system TrueType font when Helvetica lacks its letters)."""
    p, pt = data.period, data.patient
    name_style = ParagraphStyle("name", parent=CELL, fontName=name_font)
    dob = pt.birth_date.isoformat() if pt.birth_date else "not recorded"
    if pt.birth_date:
        dob += f" (age {_age(pt.birth_date, p.end)} at period end)"
    rows = [
        ["Patient", _p(pt.name or "not recorded", name_style), "Period", f"{p.start.isoformat()} to {p.end.isoformat()}"],
        ["Date of birth", dob, "", f"{plural(p.days, 'day')}, time zone {p.timezone}"],
        ["Sex", pt.gender or "not recorded", "Generated",
         data.generated_at.isoformat(timespec="minutes")],
        ["Sources", _p(sources_text(data), CELL), "App", f"healthdesk {data.app_version}"],
    ]
    t = Table(rows, colWidths=[24 * mm, 66 * mm, 20 * mm, 64 * mm])
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
        ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 8.5),
        ("FONT", (2, 0), (2, -1), "Helvetica-Bold", 8.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("BOX", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    out: list[Flowable] = [_p("Wearable data summary for a clinician", H1), t, Spacer(1, 3), coverage_line(data)]
    if data.withheld:
        out.append(_p(f"Left out of this report at the patient's request (not the same as no data): "
                      f"{', '.join(data.withheld)}."))
    return out


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def coverage_line(data: ReportData) -> Paragraph:
    lead, details = coverage_text(data)
    return Paragraph(f"<b>{escape(lead)}</b>{escape(details)}", BODY)


def summary_table(data: ReportData) -> list[Flowable]:
    rows = [SUMMARY_HEAD, *summary_rows(data, VITAL_KEYS), *body_rows(data)]
    out: list[Flowable] = [_p("Vital signs and sleep summary", H2)]
    if len(rows) == 1:
        out.append(_p(NO_VITALS))
        return out
    out.append(_table(rows, [40 * mm, 18 * mm, 20 * mm, 10 * mm, 14 * mm, 15 * mm, 14 * mm, 43 * mm],
                      SUMMARY_NUMERIC))
    out.append(_p(sleep_measures_note(rows[1:]), SMALL))
    return out


def charts(data: ReportData, width: float, height: float = DEFAULT_CHART_HEIGHT) -> list[Flowable]:
    out: list[Flowable] = [_p("Trends with your typical range", H2)]
    for key in CHART_KEYS:
        if not METRICS[key].wellness:
            out.append(trend_chart(data, METRICS[key], width, height))
    return out


def table_lengths(data: ReportData) -> tuple[int, ...]:
    """Rows each capped table would have in full (nights, naps, workouts) - what a row limit cuts."""
    naps = sum(1 for s in data.sleeps if s.nap)
    return len(data.sleeps) - naps, naps, len(data.workouts)


def sleep_table(data: ReportData, rows_cap: int | None = None) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(TABLE_START), _p("Sleep", H2)]
    main = [s for s in data.sleeps if not s.nap]
    if not main:
        return out + [_p("No sleep sessions recorded in this period.")]
    medians = []
    for src in SOURCES:
        mine = [s.asleep_min / 60 for s in main if s.source == src]
        if mine:
            medians.append(f"{SOURCE_SHORT[src]} median {median(mine):.1f} h asleep over {plural(len(mine), 'night')}")
    shown = sorted(main, key=lambda s: (s.end, s.source), reverse=True)[:rows_cap]
    tz = data.period.tz
    rows = [SLEEP_HEAD] + sleep_rows(shown, tz)
    note = "; ".join(medians) + "."
    if any(s.edited for s in shown):  # a user correction (services/corrections) is said, never hidden
        note += " * Edited by the user (onset or wake moved from what the band detected)."
    if len(main) > len(shown):
        note += (f" The table lists the most recent {len(shown)} of {len(main)} nights; the FHIR bundle "
                 "carries every one.")
    out += [_p(note, LEAD),
            _table(rows, [24 * mm, 22 * mm, 22 * mm, 18 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm],
                   range(3, 8))]
    naps = sorted((s for s in data.sleeps if s.nap), key=lambda s: (s.end, s.source), reverse=True)[:rows_cap]
    if naps:  # naps are their own rows, never counted as a night (docs/metrics.md §1)
        out += [_p("Naps", H3), _table([NAP_HEAD] + nap_rows(naps, tz), [24 * mm, 22 * mm, 22 * mm, 18 * mm], (3,))]
    return out


def workouts_table(data: ReportData, rows_cap: int | None = None) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(TABLE_START), _p("Workouts", H2)]
    if not data.workouts:
        return out + [_p("No workouts recorded in this period.")]
    counts = []
    for src in SOURCES:
        mine = [w for w in data.workouts if w.source == src]
        if mine:
            hours = sum((w.end - w.start).total_seconds() for w in mine) / 3600
            counts.append(f"{SOURCE_SHORT[src]}: {plural(len(mine), 'workout')}, {hours:.1f} h in total")
    shown = sorted(data.workouts, key=lambda w: (w.start, w.source), reverse=True)[:rows_cap]
    rows = [[WORKOUT_DAY_HEAD, "Source", "Activity", "Duration (min)", "Avg HR (bpm)", "Max HR (bpm)",
             "Energy (kJ)"]]
    for w in shown:
        rows.append([workout_day(w, data.period.tz).isoformat(), SOURCE_SHORT[w.source],
                     to_winansi(w.sport) + (" (edited)" if w.edited else ""),
                     f"{(w.end - w.start).total_seconds() / 60:.0f}", format_value(w.avg_hr, 0),
                     format_value(w.max_hr, 0), format_value(w.energy_kj, 0)])
    note = "; ".join(counts) + "."
    if len(data.workouts) > len(shown):
        note += (f" The table lists the most recent {len(shown)} of {len(data.workouts)}; the FHIR bundle "
                 "carries every one.")
    return out + [_p(note, LEAD),
                  _table(rows, [24 * mm, 22 * mm, 36 * mm, 24 * mm, 22 * mm, 22 * mm, 24 * mm], range(3, 7))]


REVIEW_WIDTHS = [78.0, 56.0, 62.0, 56.0, 112.0, 70.0, 56.0]


def review_section(data: ReportData) -> list[Flowable]:
    """The optional period review (off by default): the Insights page's sentences and their numbers."""
    review = data.review
    out: list[Flowable] = [CondPageBreak(TABLE_START), _p("Period review", H2)]
    if review is None:  # asked for but not loaded: say so rather than show an empty heading
        return out + [_p("The period review was not computed for this report.")]
    out += [_p(review_title(review), LEAD), _p(REVIEW_NOTE, SMALL)]
    out += [_p(to_winansi(line)) for line in review_lines(review)]
    rows = review_rows(review)
    if rows:
        out += [Spacer(1, 3), _table([list(REVIEW_HEAD), *rows], REVIEW_WIDTHS, REVIEW_NUMERIC)]
    return out


def wellness_box(data: ReportData, width: float, chart_height: float = DEFAULT_CHART_HEIGHT) -> list[Flowable]:
    """Fenced off in a dashed box with the disclaimer ABOVE the numbers."""
    inner: list[Flowable] = [
        _p("Wellness scores - not a diagnosis", H2),
        Paragraph(f"<b>{escape(WELLNESS_NOTE)}</b> Shown for context only; they are kept out of the vital signs "
                  "above and are exported to FHIR as survey observations.", BODY),
        Spacer(1, 3),
    ]
    rows = [["Score", *SUMMARY_HEAD[1:-1], "Trend"], *summary_rows(data, WELLNESS_KEYS)]
    if len(rows) == 1:
        inner.append(_p("No wellness scores recorded in this period."))
    else:
        inner.append(_table(rows, [34 * mm, 18 * mm, 20 * mm, 10 * mm, 14 * mm, 15 * mm, 14 * mm, 39 * mm],
                            SUMMARY_NUMERIC))
        if any(data.series_for("recovery", src) for src in SOURCES):
            inner += [Spacer(1, 5), trend_chart(data, METRICS["recovery"], width - 8, chart_height)]
    box = Table([[inner]], colWidths=[width])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.8, colors.Color(0.4, 0.4, 0.4), None, (3, 2)),
        ("BACKGROUND", (0, 0), (-1, -1), colors.Color(0.97, 0.97, 0.97)),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]))
    return [Spacer(1, 6), KeepTogether([box])]


def notes(data: ReportData) -> list[Flowable]:
    return [
        _p("Notes", H2),
        _p("RMSSD: root mean square of successive R-R interval differences (a different measure from SDNN). "
           "Resting HR: lowest sustained heart rate during sleep. Typical range (grey area): median of the "
           "previous 30 days \u00b1 1 x 1.4826 x MAD (about 2 days in 3 fall inside), shown once 7 prior days "
           "exist. "
           f"{TREND_NOTE} Units follow UCUM (/min = per minute).", SMALL),
        _p(DISCLAIMER, SMALL),
    ]
