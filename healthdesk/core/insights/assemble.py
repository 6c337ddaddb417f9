"""One way to turn a history into the review people see: drivers found over the whole history, labelled
with the user's tag names, then the period review (docs/insights.md §3). Used by services/insights (the
Insights page, `insights review`) and clinical/loader (the PDF / share view "Period review" section), so the
sentences are the same text in both places.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from healthdesk.core.insights.drivers import OUTCOMES, DriverResult, find_drivers
from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.review import REVIEW_METRICS, Review, build_review

HISTORY_METRICS = tuple(dict.fromkeys((*OUTCOMES, *REVIEW_METRICS, "day_strain", "sleep_debt")))
MONTH_FROM_DAYS = 28  # a report period this long gets a monthly review, shorter ones a weekly one


def shown_drivers(result: DriverResult, labels: Mapping[str, str]) -> list[dict[str, object]]:
    """The shown driver cells as dicts, each with the user's label for its tag."""
    return [{**c.as_dict(), "label": labels.get(c.tag, c.tag)} for c in result.drivers]


def review_with_drivers(history: DailyHistory, kind: str, end: date, labels: Mapping[str, str]) -> Review:
    """The review of the `kind` period ending `end`, with the drivers that hold over `history`."""
    shown = shown_drivers(find_drivers(history), labels) if history.n_days else []
    return build_review(history, kind, end, shown)


def report_review_kind(period_days: int) -> str:
    """A clinician report's review: the last week of a short period, the month ending at a long one's end."""
    return "week" if period_days < MONTH_FROM_DAYS else "month"
