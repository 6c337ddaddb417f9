"""A real store holding a steady daily history, optionally with a planted resting-HR rise over its last week.

The values are tests/insights' quiet history (realistic day-to-day noise, no trend), written as band values
so the review reads them through the store like the Insights page does.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from healthdesk.store.database import open_database
from healthdesk.store.derived import DailyValue, put_daily_values
from tests.insights.test_review import _quiet_history

UNITS = {"resting_hr": "bpm", "hrv_rmssd": "ms", "recovery": "%", "sleep_duration": "min",
         "sleep_performance": "%", "day_strain": ""}
LAST = date(2026, 11, 9)
PLANTED_BPM = 4.0
# "Resting HR was higher this week: median 60.1 bpm, up 4.2 bpm from the week before (55.9 bpm), ..."
RISE = re.compile(r"Resting HR was higher this week: median ([0-9.]+) bpm, up ([0-9.]+) bpm from the week "
                  r"before \(([0-9.]+) bpm\)")


def fill_history(path: Path, n_days: int = 70, planted: float = PLANTED_BPM, last: date = LAST) -> None:
    values = _quiet_history(n_days)
    values["resting_hr"][-7:] += planted
    first = last - timedelta(days=n_days - 1)
    rows = [DailyValue((first + timedelta(days=i)).isoformat(), metric, "band", float(series[i]), UNITS[metric],
                       1.0) for metric, series in values.items() for i in range(n_days)]
    db = open_database(path)
    try:
        with db.write() as conn:
            put_daily_values(conn, rows)
    finally:
        db.close()


def section_text(text: str, start: str, stop: str) -> str:
    """The part of `text` from `start` up to the next `stop` (or the end)."""
    head = text.index(start)
    tail = text.find(stop, head + len(start))
    return text[head: tail if tail >= 0 else len(text)]
