"""services.insights reads the value the dashboard shows per day (band, or WHOOP where the band has none)."""

from __future__ import annotations

from datetime import date

import numpy as np

from healthdesk.services.insights import InsightsService
from healthdesk.store import journal as journal_store
from healthdesk.store.database import open_database
from healthdesk.store.derived import DailyValue, preferred, put_daily_values

D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)


def test_history_takes_the_shown_source_per_day_and_the_journal(tmp_path):
    rows = [DailyValue(D1.isoformat(), "resting_hr", "band", 55.0, "bpm", 1.0),
            DailyValue(D1.isoformat(), "resting_hr", "whoop_cloud", 57.0, "bpm", 1.0),
            DailyValue(D2.isoformat(), "resting_hr", "whoop_cloud", 58.0, "bpm", 1.0),  # no band value that day
            DailyValue(D3.isoformat(), "resting_hr", "band", None, "bpm", 0.0),  # missing: stays missing
            DailyValue(D1.isoformat(), "recovery", "band", 40.0, "%", 1.0),
            DailyValue(D1.isoformat(), "recovery", "whoop_cloud", 61.0, "%", 1.0)]
    with open_database(tmp_path / "healthdesk.db") as db:
        with db.write() as conn:
            put_daily_values(conn, rows)
            journal_store.upsert_entries(conn, [journal_store.JournalEntry(D2, "sauna", True),
                                                journal_store.JournalEntry(D3, "sauna", False)])
        service = InsightsService(db)
        assert service.span() == (D1, D2)
        history = service.history(D1, D3)
    shown = preferred(rows)
    rhr = history.metric("resting_hr")
    assert rhr[0] == shown[(D1.isoformat(), "resting_hr")].value  # the store's priority decides, not us
    assert rhr[1] == 58.0 and np.isnan(rhr[2])
    assert history.metric("recovery")[0] == shown[(D1.isoformat(), "recovery")].value
    assert np.isnan(history.tags["sauna"][0]) and list(history.tags["sauna"][1:]) == [1.0, 0.0]


def test_without_a_database_everything_is_empty():
    service = InsightsService(None)
    assert service.span() is None and service.review("week") is None
    assert service.drivers().tested == 0 and service.overview("week").review is None
