"""The optional "Period review" section's words and numbers, shared by the PDF and the share view.

The review itself is core/insights (docs/insights.md §3-§4): its sentences are the Insights page's text, word
for word. A report period shorter than 28 days is reviewed by its last week, a longer one by the month
ending at its end, each against the period of equal length before it. Never in FHIR (it describes, it does
not measure).
"""

from __future__ import annotations

from typing import Any

from healthdesk.clinical.report_data import Period
from healthdesk.core.insights.assemble import HISTORY_METRICS, report_review_kind, review_with_drivers
from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.review import MetricReview, Review
from healthdesk.core.insights.wording import amount, size, words
from healthdesk.store import insights_history

REVIEW_NOTE = "Descriptions of the patient's own numbers; associations, not causes."
REVIEW_HEAD = ("Metric", "Median", "Prior median", "Change", "Typical range", "Median vs range", "Days outside")
REVIEW_NUMERIC = (1, 2, 3, 6)


def load_review(conn: Any, period: Period) -> Review:
    """The review for the report period, from the same history the Insights page reads."""
    kind = report_review_kind(period.days)
    span = insights_history.history_span(conn, HISTORY_METRICS)
    if span is None:
        return review_with_drivers(DailyHistory(period.end, 0), kind, period.end, {})
    history = insights_history.read_history(conn, min(span[0], period.end), period.end, HISTORY_METRICS)
    return review_with_drivers(history, kind, period.end, insights_history.tag_labels(conn))


def review_title(review: Review) -> str:
    p, q = review.period, review.prior
    before = "week" if p.kind == "week" else "same number of days"
    return (f"The {p.kind} {p.start.isoformat()} to {p.end.isoformat()} against the {before} before "
            f"({q.start.isoformat()} to {q.end.isoformat()}).")


def review_lines(review: Review) -> list[str]:
    """The review's sentences, or one line saying what is missing (no sentences) when it is insufficient."""
    if review.status != "ok":
        return ["Not enough data for a period review: " + "; ".join(review.missing) + "."]
    return list(review.sentences)


def _row(m: MetricReview) -> list[str]:
    change = "-" if m.delta is None else ("+" if m.delta > 0 else "-" if m.delta < 0 else "") + size(m.metric, m.delta)
    prior = "-" if m.prior_median is None else amount(m.metric, m.prior_median)
    outside = m.days_above + m.days_below
    return [words(m.metric).title, amount(m.metric, m.median), prior, change,
            f"{amount(m.metric, m.typical.low)} to {amount(m.metric, m.typical.high)}", m.position,
            f"{outside} of {m.n}"]


def review_rows(review: Review) -> list[list[str]]:
    """Per-metric numbers (metrics that passed their gates); empty for an insufficient review."""
    return [_row(m) for m in review.metrics] if review.status == "ok" else []
