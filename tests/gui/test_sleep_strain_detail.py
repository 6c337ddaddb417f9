"""Sleep's night in full and Strain's workouts (zones, activity, calories) over the seeded database."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from healthdesk.services.dashboard import DashboardService
from healthdesk.services.user_settings import update_settings
from healthdesk.services.workout_view import workout_details
from healthdesk.ui.pages.sleep import SleepPage
from healthdesk.ui.pages.strain import StrainPage

from .conftest import run_on_loop


class Pages:
    """The two pages alone (no window): what these tests look at, without building every other page."""

    def __init__(self, context) -> None:
        self.pages = {"sleep": SleepPage(context), "strain": StrainPage(context)}


@pytest.fixture
def data_window(context, seeded_database, qtbot, home) -> Iterator[Pages]:
    context.settings_file = home / "settings.json"
    update_settings(context.settings_file,
                    profile={"weight_kg": 72.0, "height_cm": 178.0, "birth_year": 1988, "sex": "male"})
    context.attach(dashboard=DashboardService(seeded_database))
    win = Pages(context)
    for page in win.pages.values():
        qtbot.addWidget(page)
    with qtbot.waitSignals([win.pages["sleep"].loaded, win.pages["strain"].loaded], timeout=60_000):
        win.pages["sleep"].refresh()
        win.pages["strain"].refresh()
    yield win
    run_on_loop(qtbot, context.runner.shutdown())


def test_sleep_shows_the_night_with_stage_totals(data_window: Pages, seeded_database) -> None:
    service = DashboardService(seeded_database)
    page: SleepPage = data_window.pages["sleep"]  # type: ignore[assignment]
    night = service.nights()[0]
    facts = page.night_facts
    assert facts is not None and facts.sleep == night
    assert page.facts.values["Asleep"].text().startswith(f"{int(round(night.asleep_min)) // 60}:")
    # Stage totals agree with the hypnogram's own segments (a separate reading of the stored minutes).
    detail = service.night(night)
    assert detail is not None and detail.stages_estimated
    seg_min = {code: float(((detail.stage_end - detail.stage_start)[detail.stage == code]).sum() / 60)
               for code in range(4)}
    by_name = {s.name: s for s in facts.stages}
    for name, code in (("Deep", 0), ("Light", 1), ("REM", 2), ("Awake", 3)):
        assert by_name[name].minutes == pytest.approx(seg_min[code], abs=0.5)
    assert sum(s.percent for s in facts.stages) == pytest.approx(100.0)
    assert "Deep&nbsp;" in page.stages.text.text() and "%)" in page.stages.text.text()
    assert page.week_table.rowCount() == min(7, len(service.nights()))
    assert "bedtime varied" in page.week_text.text() or "Three nights" in page.week_text.text()


def test_strain_lists_zones_activity_and_calories(data_window: Pages, seeded_database, home) -> None:
    page: StrainPage = data_window.pages["strain"]  # type: ignore[assignment]
    details = workout_details(DashboardService(seeded_database), home / "settings.json")
    assert page.workouts.rowCount() == len(details) > 0
    activity = page.workouts.COLUMNS.index("Activity")
    zones = page.workouts.COLUMNS.index("Time in zones (h:mm)")
    calories = page.workouts.COLUMNS.index("Calories")
    for row, w in enumerate(details):
        assert page.workouts.item(row, activity).text() not in ("", "\u2013")  # never a bare dash
        if w.zone_minutes:
            assert page.workouts.item(row, zones).text().startswith("Z1 ")
            assert sum(w.zone_minutes) <= w.minutes + 1  # time in zones never exceeds the workout
        if w.kcal is not None:
            # Plausible energy for a workout: between resting (~1 kcal/min) and very hard (~25 kcal/min).
            assert 0.8 * w.minutes <= w.kcal <= 25 * w.minutes
            assert page.workouts.item(row, calories).text() == f"{w.kcal:.0f} kcal"
        else:
            assert page.workouts.item(row, calories).text().startswith("\u2013 (needs")
    assert any(w.kcal is not None for w in details if w.source == "band")
    assert np.isfinite([w.minutes for w in details]).all()
