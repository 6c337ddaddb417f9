"""The clinician view at /c/<token>: server-rendered HTML, no JavaScript, every string escaped (§1.8).

Order follows the PDF: provenance header (with PDF/FHIR downloads of the same scope), vital signs with
inline SVG trends, sleep, workouts, the fenced wellness card (disclaimer first), notes. A section the link
does not share renders nothing but is named in the header as not shared; a shared section without data
says so in words - a blank card never stands for either.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from statistics import median

from healthdesk.clinical.catalogue import (
    CHART_KEYS,
    DISCLAIMER,
    METRICS,
    VITAL_KEYS,
    WELLNESS_KEYS,
    WELLNESS_NOTE,
    format_value,
)
from healthdesk.clinical.report_data import (
    ALL_SECTIONS,
    SECTION_TITLES,
    SECTIONS,
    SOURCE_SHORT,
    SOURCES,
    ReportData,
)
from healthdesk.clinical.review_text import REVIEW_HEAD, REVIEW_NOTE, review_lines, review_rows, review_title
from healthdesk.clinical.share.svg import NARROW, WIDTH, trend_svg
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
from healthdesk.store.share import ShareLink

SLEEP_ROWS = 31
WORKOUT_ROWS = 20

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1b1b1b;
background:#f4f5f7;margin:0}
main{max-width:1040px;margin:0 auto;padding:24px 28px 40px;background:#fff;min-height:100vh}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.label{color:#555;margin:0 0 14px}
dl.meta{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:4px 14px;margin:0 0 14px}
dl.meta dt{font-weight:600;color:#444}dl.meta dd{margin:0}
.downloads a{display:inline-block;margin:0 10px 6px 0;padding:6px 12px;border:1px solid #1f4e79;border-radius:4px;
color:#1f4e79;text-decoration:none;font-weight:600}
.provenance{background:#f1f6fb;border-left:4px solid #1f4e79;padding:8px 12px;margin:10px 0;font-size:14px}
.provenance p{margin:4px 0}
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}
th,td{padding:4px 8px;border-bottom:1px solid #e2e2e2;text-align:left}
th{background:#eef0f2}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.small{font-size:13px;color:#555}
svg.chart{width:100%;height:auto;display:block;margin:10px 0}
.scroll{overflow-x:auto;margin:6px 0}.scroll table{margin:0}.scroll td,.scroll th{white-space:nowrap}
dl.meta dd{overflow-wrap:anywhere;min-width:0}svg.narrow{display:none}
@media (max-width:720px){main{padding:14px 12px 28px}h1{font-size:21px}
dl.meta{grid-template-columns:max-content 1fr}svg.wide{display:none}svg.narrow{display:block;max-width:520px}
.downloads a{display:block;text-align:center;margin:0 0 8px}table{font-size:13px}}
.fenced{border:2px dashed #777;background:#fafafa;padding:6px 14px 10px;margin-top:26px}
.fenced h2{border:0;margin-top:8px}.warning{font-weight:700}
footer{margin-top:30px;font-size:13px;color:#555;border-top:1px solid #ddd;padding-top:8px}
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")

NOT_FOUND_HTML = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow">'
    b"<title>Not found</title></head><body><h1>Not found</h1><p>This link does not exist or is no longer "
    b"valid.</p></body></html>"
)


def _head(title: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>")


SUMMARY_NUMERIC = range(3, 7)  # Days, Min, Median, Max; the trend column is words


def _table(head: list[str], rows: list[list[str]], numeric_from: int | range) -> str:
    """Columns from `numeric_from` (or in the range) are right-aligned numbers, headers included."""
    numeric = numeric_from if isinstance(numeric_from, range) else range(numeric_from, len(head))

    def cells(tag: str, values: list[str]) -> str:
        num = ' class="num"'
        return "".join(f"<{tag}{num if i in numeric else ''}>{escape(v)}</{tag}>"
                       for i, v in enumerate(values))
    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    # A phone scrolls a wide table inside its own box; the page itself never scrolls sideways.
    return (f'<div class="scroll"><table><thead><tr>{cells("th", head)}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def _charts(data: ReportData, key: str) -> str:
    """The desktop chart and the phone chart; the stylesheet shows the one that fits the screen."""
    spec = METRICS[key]
    return trend_svg(data, spec, WIDTH, "chart wide") + trend_svg(data, spec, NARROW, "chart narrow")


def _p(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


def render_view(data: ReportData, link: ShareLink, token: str) -> bytes:
    parts = [_head("Wearable data summary"), _header(data, link, token)]
    if data.includes("vitals"):
        parts.append(_vitals(data))
    if data.includes("sleep"):
        parts.append(_sleep(data))
    if data.includes("workouts"):
        parts.append(_workouts(data))
    if data.includes("review"):  # optional, only when the link's sections name it
        parts.append(_review(data))
    if data.includes("wellness"):
        parts.append(_wellness(data))
    parts.append(_footer())
    parts.append("</main></body></html>")
    return "".join(parts).encode("utf-8")


def _header(data: ReportData, link: ShareLink, token: str) -> str:
    p, pt = data.period, data.patient
    rows = [
        ("Patient", pt.name or "not recorded"), ("Period", f"{p.start.isoformat()} to {p.end.isoformat()}"),
        ("Date of birth", pt.birth_date.isoformat() if pt.birth_date else "not recorded"),
        ("Days", f"{plural(p.days, 'day')}, time zone {p.timezone}"),
        ("Link expires", link.expires_at.astimezone(p.tz).strftime("%Y-%m-%d %H:%M")),
        ("Generated", data.generated_at.strftime("%Y-%m-%d %H:%M")),
        ("Sources", sources_text(data)), ("App", f"healthdesk {data.app_version}"),
    ]
    meta = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    shared = [SECTION_TITLES[s] for s in ALL_SECTIONS if data.includes(s)]
    withheld = [SECTION_TITLES[s] for s in SECTIONS if not data.includes(s)]
    coverage = "".join(coverage_text(data))
    provenance = [
        "Patient-generated wearable data, shared read-only by the patient from healthdesk on their own "
        "computer. Band values are computed by healthdesk; WHOOP cloud values come from WHOOP's API; the two "
        "are shown side by side, never blended.",
        f"Shared: {', '.join(shared) or 'nothing'}."
        + (f" Not shared (not the same as no data): {', '.join(withheld)}." if withheld else ""),
        coverage, DISCLAIMER,
    ]
    base = f"/c/{token}"
    return (
        "<header><h1>Wearable data summary for a clinician</h1>"
        + _p(f"Shared link: {link.label}", "label")
        + f'<dl class="meta">{meta}</dl>'
        + f'<div class="downloads"><a href="{escape(base)}/report.pdf">Download PDF report</a>'
          f'<a href="{escape(base)}/bundle.json">Download FHIR R4 bundle (JSON)</a></div>'
        + '<div class="provenance">' + "".join(_p(t) for t in provenance) + "</div></header>"
    )


def _vitals(data: ReportData) -> str:
    out = ['<section id="vitals"><h2>Vital signs</h2>']
    rows = summary_rows(data, VITAL_KEYS) + body_rows(data)
    if not rows:
        out.append(_p(NO_VITALS))
    else:
        out.append(_table(SUMMARY_HEAD, rows, SUMMARY_NUMERIC))
        out.append(_p(sleep_measures_note(rows), "small"))
        out += [_charts(data, k) for k in CHART_KEYS if not METRICS[k].wellness]
    return "".join(out) + "</section>"


def _sleep(data: ReportData) -> str:
    out = ['<section id="sleep"><h2>Sleep</h2>']
    main_sleeps = [s for s in data.sleeps if not s.nap]
    if not main_sleeps:
        return "".join(out) + _p("No sleep sessions recorded in this period.") + "</section>"
    for src in SOURCES:
        mine = [s.asleep_min / 60 for s in main_sleeps if s.source == src]
        if mine:
            out.append(_p(f"{SOURCE_SHORT[src]}: median {median(mine):.1f} h asleep over "
                          f"{plural(len(mine), 'night')}."))
    tz = data.period.tz
    shown = sorted(main_sleeps, key=lambda s: (s.start, s.source), reverse=True)[:SLEEP_ROWS]
    out.append(_table(SLEEP_HEAD, sleep_rows(shown, tz), 3))
    naps = sorted((s for s in data.sleeps if s.nap), key=lambda s: (s.start, s.source), reverse=True)[:SLEEP_ROWS]
    if naps:  # naps are their own rows, never counted as a night (docs/metrics.md §1)
        out.append("<h3>Naps</h3>" + _table(NAP_HEAD, nap_rows(naps, tz), 3))
    if len(main_sleeps) > len(shown):
        out.append(_p(f"The most recent {len(shown)} of {len(main_sleeps)} nights are listed; the PDF and FHIR "
                      "downloads carry the rest.", "small"))
    return "".join(out) + "</section>"


def _workouts(data: ReportData) -> str:
    out = ['<section id="workouts"><h2>Workouts</h2>']
    if not data.workouts:
        return "".join(out) + _p("No workouts recorded in this period.") + "</section>"
    tz = data.period.tz
    shown = sorted(data.workouts, key=lambda w: (w.start, w.source), reverse=True)[:WORKOUT_ROWS]
    rows = [[workout_day(w, tz).isoformat(), SOURCE_SHORT[w.source], w.sport,
             f"{(w.end - w.start).total_seconds() / 60:.0f}", format_value(w.avg_hr, 0), format_value(w.max_hr, 0),
             format_value(w.energy_kj, 0)] for w in shown]
    out.append(_table([WORKOUT_DAY_HEAD, "Source", "Activity", "Duration (min)", "Avg HR (bpm)", "Max HR (bpm)",
                       "Energy (kJ)"], rows, 3))
    if len(data.workouts) > len(shown):
        out.append(_p(f"The most recent {len(shown)} of {len(data.workouts)} workouts are listed.", "small"))
    return "".join(out) + "</section>"


def _review(data: ReportData) -> str:
    out = ['<section id="review"><h2>Period review</h2>']
    review = data.review
    if review is None:
        return "".join(out) + _p("The period review was not computed for this link.") + "</section>"
    out += [_p(review_title(review)), _p(REVIEW_NOTE, "small")]
    out += [_p(line) for line in review_lines(review)]
    rows = review_rows(review)
    if rows:
        out.append(_table(list(REVIEW_HEAD), rows, range(1, 4)))
    return "".join(out) + "</section>"


def _wellness(data: ReportData) -> str:
    out = ['<section id="wellness" class="fenced"><h2>Wellness scores - not a diagnosis</h2>',
           _p(WELLNESS_NOTE, "warning"),
           _p("Shown for context only, kept apart from the vital signs above; exported to FHIR as survey "
              "observations.", "small")]
    rows = summary_rows(data, WELLNESS_KEYS)
    if not rows:
        out.append(_p("No wellness scores recorded in this period."))
    else:
        out.append(_table(["Score", *SUMMARY_HEAD[1:]], rows, SUMMARY_NUMERIC))
        if any(data.series_for("recovery", src) for src in SOURCES):
            out.append(_charts(data, "recovery"))
    return "".join(out) + "</section>"


def _footer() -> str:
    return ("<footer>" + _p("RMSSD: root mean square of successive R-R interval differences (not SDNN). "
                           "Resting HR: lowest sustained heart rate during sleep. " + TREND_NOTE + " Typical "
                           "range (grey area): median \u00b1 1 x 1.4826 x MAD of the previous 30 days (about 2 "
                           "days in 3 fall inside), using only days inside the shared period; recovery shows "
                           "its zones instead.")
            + _p(DISCLAIMER) + "</footer>")
