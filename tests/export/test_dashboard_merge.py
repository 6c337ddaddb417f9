"""The dashboard read model (services/dashboard.py) with the WHOOP export beside the cloud and the band: one
WHOOP value when both WHOOP routes agree, both when they differ, one workout row for a band and a WHOOP copy."""

from __future__ import annotations

from datetime import date

from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_types import SOURCE_LABELS
from healthdesk.services.whoop_export import import_export
from healthdesk.services.whoop_export.parse import local_to_unix, tz_offset_seconds
from healthdesk.services.whoop_export.synthetic import generate, write_export
from healthdesk.store.database import open_database
from healthdesk.store.derived import DailyValue, StoredWorkout, put_daily_values, replace_band_workouts


def test_one_whoop_value_when_routes_agree_and_one_row_per_workout(tmp_path):
    rows = generate(3, seed=2, first_day=date(2024, 3, 9))
    last = rows["cycles"][-1]
    day = last["wake_onset"][:10]
    write_export(tmp_path / "x.zip", rows)
    with open_database(tmp_path / "h.db") as db:
        import_export(db, tmp_path / "x.zip")
        recovery = float(last["recovery"])
        rhr = float(last["resting_hr"])
        with db.write() as conn:
            put_daily_values(conn, [DailyValue(day, "recovery", "whoop_cloud", recovery, "%", 1.0),
                                    DailyValue(day, "resting_hr", "whoop_cloud", rhr + 4, "bpm", 1.0),
                                    DailyValue(day, "resting_hr", "band", rhr + 1, "bpm", 0.9)])
        w = rows["workouts"][-1]  # seed 2 gives three workouts
        dashboard = DashboardService(db, tz_offset_s=3600)
        today = dashboard.today()
        assert today.day == date.fromisoformat(day)
        shown = today.values["recovery"]
        assert shown.source == "whoop_cloud+whoop_export" and shown.value == recovery
        assert SOURCE_LABELS[shown.source] == "WHOOP (cloud and export agree)"
        assert not any(o.source.startswith("whoop") and o.source != shown.source for o in today.others["recovery"])
        rhr_sources = {today.values["resting_hr"].source} | {o.source for o in today.others["resting_hr"]}
        assert {"whoop_cloud", "whoop_export", "band"} <= rhr_sources  # they differ: both WHOOP values shown
        tz = tz_offset_seconds(w["cycle_tz"])
        start, end = local_to_unix(w["workout_start"], tz), local_to_unix(w["workout_end"], tz)
        with db.write() as conn:
            replace_band_workouts(conn, start - 60, start + 60, [StoredWorkout(
                day, start + 90, end - 30, 9.0, None, 140.0, 170.0)])
        listed = [r for r in dashboard.workouts() if abs(r.start.timestamp() - start) < 600]
        nights = dashboard.nights()
        night = dashboard.night(nights[0])
    assert len(listed) == 1 and set(listed[0].source.split("+")) == {"band", "whoop_export"}
    assert SOURCE_LABELS[listed[0].source] in ("WHOOP export + Band", "Band + WHOOP export")
    assert [n.day.isoformat() for n in nights] == [c["wake_onset"][:10] for c in reversed(rows["cycles"])]
    assert {n.source for n in nights} == {"whoop_export"} and night is not None  # the export's nights, day one
