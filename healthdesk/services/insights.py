"""Insights service: reads the daily values the dashboard shows plus the journal, runs core/insights.

Blocking (SQL + numpy + scipy): the app calls it through its TaskRunner, never on the paint path. The value
per day and metric is the one the dashboard shows (store.derived.preferred: band, or WHOOP where the band
has none, per the store's source priority). Days are the store's cycle labels (morning dates, metrics §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from healthdesk.core.insights.assemble import HISTORY_METRICS, review_with_drivers, shown_drivers
from healthdesk.core.insights.drivers import PERMUTATIONS, DriverResult, find_drivers
from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.records import Best, Streak, personal_bests, streaks
from healthdesk.core.insights.review import Review, build_review
from healthdesk.store import insights_history
from healthdesk.store.database import Database


class InsightsError(Exception):
    """Input a user can fix (a bad period, an empty range): one line."""


@dataclass
class InsightsOverview:
    """What the Insights page shows for one period."""

    review: Review | None
    drivers: DriverResult | None
    bests: list[Best] = field(default_factory=list)
    streaks: list[Streak] = field(default_factory=list)
    tag_labels: dict[str, str] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None


class InsightsService:
    def __init__(self, database: Database | None) -> None:
        self._db = database

    def close(self) -> None:
        """Close the database (for callers that opened it for this service alone, like the CLI)."""
        if self._db is not None:
            self._db.close()

    def span(self) -> tuple[date, date] | None:
        """First and last morning date with any value the insights read."""
        if self._db is None:
            return None
        with self._db.read() as conn:
            return insights_history.history_span(conn, HISTORY_METRICS)

    def tag_labels(self) -> dict[str, str]:
        if self._db is None:
            return {}
        with self._db.read() as conn:
            return insights_history.tag_labels(conn)

    def history(self, first: date, last: date) -> DailyHistory:
        """Values (the shown source per day) and journal answers for first..last."""
        if self._db is None or last < first:
            return DailyHistory(first, 0)
        with self._db.read() as conn:
            return insights_history.read_history(conn, first, last, HISTORY_METRICS)

    def _bounds(self, first: date | None, last: date | None) -> tuple[date, date] | None:
        span = self.span()
        if span is None:
            return None
        lo, hi = first or span[0], last or span[1]
        if hi < lo:
            raise InsightsError(f"--to {hi} is before --from {lo}")
        return lo, hi

    def drivers(self, first: date | None = None, last: date | None = None,
                permutations: int = PERMUTATIONS) -> DriverResult:
        """Drivers over first..last (default: all history). Journal answers on `last` pair with nothing."""
        bounds = self._bounds(first, last)
        if bounds is None:
            return DriverResult(0)
        return find_drivers(self.history(*bounds), permutations=permutations)

    def review(self, kind: str, end: date | None = None, with_drivers: bool = True) -> Review | None:
        """The week/month review ending `end` (default: the latest day with data); None without any data."""
        span = self.span()
        if span is None and end is None:
            return None
        end = end or span[1]  # type: ignore[index]
        if kind not in ("week", "month"):
            raise InsightsError(f"--period must be week or month, not {kind!r}")
        first = min(span[0], end) if span else end
        # the review needs the period, the one before and 30 days before the period for the typical range
        history = self.history(first, end)
        if with_drivers:  # the same assembly as the clinician report's review (clinical/loader)
            return review_with_drivers(history, kind, end, self.tag_labels())
        return build_review(history, kind, end, [])

    def overview(self, kind: str, end: date | None = None) -> InsightsOverview:
        """Everything the Insights page shows for one period (one history read, drivers computed once)."""
        span = self.span()
        if span is None:
            return InsightsOverview(None, None)
        end = end or span[1]
        if kind not in ("week", "month"):
            raise InsightsError(f"period must be week or month, not {kind!r}")
        history = self.history(span[0], max(end, span[1]))
        upto = history.window(span[0], end) if end >= span[0] else DailyHistory(end, 0)
        labels = self.tag_labels()
        result = find_drivers(upto) if upto.n_days else DriverResult(0)
        review = build_review(upto, kind, end, shown_drivers(result, labels))
        return InsightsOverview(review, result, personal_bests(history), streaks(history), labels,
                                span[0], span[1])


def default_end(span: tuple[date, date] | None, today: date) -> date:
    """The end of 'this week/month': the latest day with data, never after today."""
    return min(span[1], today) if span else today - timedelta(days=1)
