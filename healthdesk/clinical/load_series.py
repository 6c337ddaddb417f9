"""Daily series for the report from `daily_values`, one per (metric, source), never merged across sources.

Band rows come from the derive job, WHOOP-cloud rows from the sync's projection; both use the same day label
(the morning date, docs/metrics.md §1). A value with confidence 0 is a missing value (architecture §4.4) and is left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from healthdesk.clinical.catalogue import METRICS
from healthdesk.clinical.report_data import SOURCES, DailySeries, DailyValue, Period
from healthdesk.store.derived import daily_values_between
from healthdesk.store.report_reads import has_tables

# Stored unit -> factor to hours (the report shows sleep in hours).
TO_HOURS = {"min": 1 / 60, "minutes": 1 / 60, "s": 1 / 3600, "h": 1.0, "hours": 1.0}


def load_series(conn: Any, period: Period, lead_in_days: int) -> list[DailySeries]:
    if not has_tables(conn, ("daily_values",)):
        return []
    first = period.start - timedelta(days=lead_in_days)
    values: dict[tuple[str, str], list[DailyValue]] = defaultdict(list)
    for row in daily_values_between(conn, first, period.end, metrics=sorted(METRICS)):
        if row.value is None or row.confidence <= 0 or row.source not in SOURCES:
            continue
        value = float(row.value)
        if row.metric == "sleep_duration":
            factor = TO_HOURS.get((row.unit or "").strip().lower())
            if factor is None:
                continue  # a unit we cannot convert is not shown rather than shown wrong
            value *= factor
        values[(row.metric, row.source)].append(DailyValue(date.fromisoformat(row.day), value, row.confidence))
    return [DailySeries(metric, source, tuple(v for v in vals if v.day >= period.start),
                        tuple(v for v in vals if v.day < period.start))
            for (metric, source), vals in sorted(values.items())]
