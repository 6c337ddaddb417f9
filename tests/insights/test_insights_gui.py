"""The Insights page and the Journal panel on a real database, through the app's TaskRunner (pytest-qt)."""

from __future__ import annotations

from datetime import date

import pytest

from healthdesk.core.insights.wording import causal_words
from healthdesk.services.journal import JournalService
from healthdesk.store import journal as journal_store
from healthdesk.store.derived import DailyValue, put_daily_values
from healthdesk.ui.pages.insights import NO_DATA, InsightsPage
from healthdesk.ui.widgets.journal_panel import JournalPanel
from tests.gui.conftest import no_leaked_widgets  # noqa: F401  (autouse here: no widget outlives a test)
from tests.insights.simulate import history

UNITS = {"recovery": "%", "hrv_rmssd": "ms", "resting_hr": "bpm", "sleep_performance": "%",
         "sleep_duration": "min", "day_strain": "strain", "sleep_debt": "min"}


def _fill(db) -> object:
    h = history(0, n_days=160, first=date(2026, 6, 1))
    with db.write() as conn:
        put_daily_values(conn, [DailyValue(h.day(i).isoformat(), m, "band", float(v[i]), UNITS[m], 1.0)
                                for m, v in h.values.items() for i in range(h.n_days)])
        journal_store.ensure_tag(conn, "planted", "Planted habit", "user")
        journal_store.upsert_entries(conn, [journal_store.JournalEntry(h.day(i), "planted",
                                                                       bool(h.tags["planted"][i]))
                                            for i in range(h.n_days)])
    return h


def test_journal_panel_chips_cycle_yes_no_clear_and_are_stored(context, database, qtbot):
    panel = JournalPanel(context)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.refresh(date(2026, 12, 6))
    assert list(panel.chips)[:3] == ["alcohol", "caffeine_after_2pm", "late_meal"] and len(panel.chips) == 10
    service = JournalService(database)
    for expected in (True, False, None):
        with qtbot.waitSignal(panel.answered, timeout=10_000):
            panel.chips["alcohol"].click()
        assert service.answers_for(date(2026, 12, 6)).get("alcohol") == expected
        assert panel.chips["alcohol"].answer == expected
    service.answer(date(2026, 12, 6), "sauna", True)  # written elsewhere (CLI): the panel shows it on reload
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.refresh(date(2026, 12, 6))
    assert panel.chips["sauna"].answer is True and panel.chips["sauna"].text().endswith("yes")


def test_insights_page_empty_state_then_review_drivers_and_records(context, database, qtbot):
    page = InsightsPage(context)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert page.status.text() == NO_DATA and page.review_text.text() == "\u2013"

    h = _fill(database)
    with qtbot.waitSignal(page.loaded, timeout=60_000):
        page.this_week.click()
    overview = page.overview
    assert overview is not None and overview.review is not None and overview.review.status == "ok"
    assert overview.review.period.end == h.last
    assert page.review_text.text() == "\n\n".join(overview.review.sentences)
    drivers = page.drivers_text.text()
    assert "Planted habit went with" in drivers and "lower recovery the next morning" in drivers
    assert "An association, not a cause." in drivers
    for line in [*overview.review.sentences, *drivers.split("\n\n")]:
        assert causal_words(line) == [], line
    best = max(v for v in h.metric("recovery"))
    assert f"Best recovery: {best:.0f} %" in page.records_text.text()
    assert "Days worn: longest 160 days" in page.streaks_text.text()
    assert "Planted habit" in page.journal_text.text()

    page.kind_box.setCurrentText("month")
    page.end_edit.setDate(date(2026, 9, 30))
    with qtbot.waitSignal(page.loaded, timeout=60_000):
        page.pick.click()
    assert page.overview.review.period.start == date(2026, 9, 1)
    assert page.status.text().startswith("Month Tue 01 Sep")


@pytest.mark.parametrize("end", [date(2026, 6, 3)])
def test_insights_page_says_what_is_missing_for_a_short_history(context, database, qtbot, end):
    _fill(database)
    page = InsightsPage(context)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=60_000):
        page.show_period("week", end)
    assert page.review_text.text().startswith("Not enough data for this review yet:")
    assert "needs 7 for your typical range" in page.review_text.text()
