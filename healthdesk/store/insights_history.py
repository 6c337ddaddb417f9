"""The daily history the insights read, from the store: the value the dashboard shows per day and metric
(store.derived.preferred: band, or WHOOP where the band has none) plus the journal answers.

One reader for both users of the period review: services/insights (the Insights page and CLI) and
clinical/loader (the optional "Period review" section of the clinician PDF and share view), so the two
always describe the same numbers (docs/insights.md §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Connection

from healthdesk.core.insights.history import DailyHistory
from healthdesk.store import journal as journal_store
from healthdesk.store.derived import daily_values_between, preferred

FIRST_DAY = date(1970, 1, 2)
LAST_DAY = date(9999, 12, 30)


def history_span(conn: Connection, metrics: Sequence[str]) -> tuple[date, date] | None:
    """First and last morning date with any value of `metrics`."""
    rows = daily_values_between(conn, FIRST_DAY, LAST_DAY, metrics=list(metrics))
    days = [r.day for r in rows if r.value is not None]
    return (date.fromisoformat(min(days)), date.fromisoformat(max(days))) if days else None


def read_history(conn: Connection, first: date, last: date, metrics: Sequence[str]) -> DailyHistory:
    """Values (the shown source per day) and journal answers for first..last."""
    if last < first:
        return DailyHistory(first, 0)
    rows = preferred(daily_values_between(conn, first, last, metrics=list(metrics)))
    entries = journal_store.entries_between(conn, first, last)
    values: dict[str, dict[date, float | None]] = {}
    for (day, metric), v in rows.items():
        values.setdefault(metric, {})[date.fromisoformat(day)] = v.value
    tags: dict[str, dict[date, bool]] = {}
    for e in entries:
        tags.setdefault(e.tag, {})[e.day] = e.answered_yes
    return DailyHistory.from_maps(first, last, values, tags)


def tag_labels(conn: Connection) -> dict[str, str]:
    return {t.name: t.label for t in journal_store.list_tags(conn)}
