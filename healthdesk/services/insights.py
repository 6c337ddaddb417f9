"""Insights service: reads the daily values the dashboard shows plus the journal, runs core/insights.

Blocking (SQL + numpy + scipy): the app calls it through its TaskRunner, never on the paint path. The value
per day and metric is the one the dashboard shows (store.derived.preferred: band, or WHOOP where the band
has none, per the store's source priority). Days are the store's cycle labels (morning dates, metrics §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from healthdesk.core.insights.drivers import OUTCOMES, PERMUTATIONS, DriverResult, find_drivers
from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.records import Best, Streak, personal_bests, streaks
from healthdesk.core.insights.review import REVIEW_METRICS, Review, build_review
from healthdesk.store import journal as journal_store
from healthdesk.store.database import Database
from healthdesk.store.derived import daily_values_between, preferred

HISTORY_METRICS = tuple(dict.fromkeys((*OUTCOMES, *REVIEW_METRICS, "day_strain", "sleep_debt")))
FIRST_DAY = date(1970, 1, 2)
LAST_DAY = date(9999, 12, 30)


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
            rows = daily_values_between(conn, FIRST_DAY, LAST_DAY, metrics=list(HISTORY_METRICS))
        days = [r.day for r in rows if r.value is not None]
        return (date.fromisoformat(min(days)), date.fromisoformat(max(days))) if days else None

    def tag_labels(self) -> dict[str, str]:
        if self._db is None:
            return {}
        with self._db.read() as conn:
            return {t.name: t.label for t in journal_store.list_tags(conn)}

    def history(self, first: date, last: date) -> DailyHistory:
        """Values (the shown source per day) and journal answers for first..last."""
        if self._db is None or last < first:
            return DailyHistory(first, 0)
        with self._db.read() as conn:
            rows = preferred(daily_values_between(conn, first, last, metrics=list(HISTORY_METRICS)))
            entries = journal_store.entries_between(conn, first, last)
        values: dict[str, dict[date, float | None]] = {}
        for (day, metric), v in rows.items():
            values.setdefault(metric, {})[date.fromisoformat(day)] = v.value
        tags: dict[str, dict[date, bool]] = {}
        for e in entries:
            tags.setdefault(e.tag, {})[e.day] = e.answered_yes
        return DailyHistory.from_maps(first, last, values, tags)

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
        shown: list[dict[str, object]] = []
        if with_drivers and history.n_days:
            labels = self.tag_labels()
            shown = [{**c.as_dict(), "label": labels.get(c.tag, c.tag)} for c in find_drivers(history).drivers]
        return build_review(history, kind, end, shown)

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
        shown = [{**c.as_dict(), "label": labels.get(c.tag, c.tag)} for c in result.drivers]
        review = build_review(upto, kind, end, shown)
        return InsightsOverview(review, result, personal_bests(history), streaks(history), labels,
                                span[0], span[1])


def default_end(span: tuple[date, date] | None, today: date) -> date:
    """The end of 'this week/month': the latest day with data, never after today."""
    return min(span[1], today) if span else today - timedelta(days=1)
