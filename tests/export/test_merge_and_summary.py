"""One workout, several sources (pure merge rules) and what `summary --json` shows: the whoop_export source
distinct from band, overlapping band/WHOOP workouts as one entry with both sources, edited marks."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date

from healthdesk.services.whoop_export import import_export
from healthdesk.services.whoop_export.parse import unix_to_local
from healthdesk.services.whoop_export.synthetic import generate, write_export
from healthdesk.services.whoop_export.views import whoop_agreement
from healthdesk.services.workout_merge import WorkoutRecord, merge_workouts
from healthdesk.store.database import open_database
from tests.export.helpers import cli

T = 1_700_000_000.0


def w(source: str, start: float, minutes: float, **kw) -> WorkoutRecord:
    return WorkoutRecord(source, start, start + minutes * 60, **kw)


def test_match_rules_start_within_five_minutes_or_half_overlap():
    assert len(merge_workouts([w("band", T, 10), w("whoop_cloud", T + 290, 60)])) == 1  # starts 4m50s apart
    assert len(merge_workouts([w("band", T, 60), w("whoop_cloud", T + 1800, 60)])) == 1  # 30 of 60 min shared
    assert len(merge_workouts([w("band", T, 60), w("whoop_cloud", T + 2400, 60)])) == 2  # 20 of 60: two
    assert len(merge_workouts([w("band", T, 30), w("band", T + 60, 30)])) == 2  # never two of one source
    lone = merge_workouts([w("band", T, 30), w("whoop_export", T + 7200, 30)])
    assert [m.sources for m in lone] == [["band"], ["whoop_export"]]


def test_the_richer_record_is_primary_and_every_source_is_listed():
    band = w("band", T, 45, strain=10.0, avg_hr=140, max_hr=170, zones=[0, 5, 10, 20, 10, 0])
    cloud = w("whoop_cloud", T + 120, 44, strain=11.2)
    export = w("whoop_export", T + 60, 45, strain=11.2, avg_hr=141, max_hr=171, zones=[5, 10, 20, 10, 0],
               calories=420, activity="Running")
    (merged,) = merge_workouts([band, cloud, export])
    assert merged.primary is export and set(merged.sources) == {"band", "whoop_cloud", "whoop_export"}
    (pair,) = merge_workouts([band, cloud])
    assert pair.primary is band and pair.sources == ["band", "whoop_cloud"]


def test_whoop_routes_agree_or_both_are_shown():
    entries = [{"source": "band", "value": 55.0}, {"source": "whoop_cloud", "value": 61.0},
               {"source": "whoop_export", "value": 61.0}]
    assert whoop_agreement(entries) == {"value": 61.0, "sources": ["whoop_cloud", "whoop_export"], "agree": True}
    entries[2]["value"] = 58.0
    assert whoop_agreement(entries) == {"values": {"whoop_cloud": 61.0, "whoop_export": 58.0}, "agree": False}
    assert whoop_agreement(entries[:1]) is None


def test_summary_shows_the_export_source_and_one_workout_for_band_and_whoop(derived_db, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(derived_db, home / "healthdesk.db")
    with sqlite3.connect(home / "healthdesk.db") as conn:
        band_start, band_end, band_day = conn.execute(
            'select start, "end", day from band_workouts where source = \'band\' order by start').fetchone()
    rows = generate(4, seed=9, first_day=date(2023, 11, 13))
    cycle = next(c for c in rows["cycles"] if c["wake_onset"][:10] == band_day)
    head = {k: cycle[k] for k in ("cycle_start", "cycle_end", "cycle_tz")}
    rows["workouts"] = [{**head, "workout_start": unix_to_local(band_start + 120, 3600),
                         "workout_end": unix_to_local(band_end + 60, 3600), "duration_min": "40",
                         "activity": "Running", "activity_strain": "12.5", "calories": "420", "max_hr": "175",
                         "avg_hr": "150", "zone1": "10", "zone2": "20", "zone3": "40", "zone4": "20", "zone5": "10",
                         "gps": "true"}]
    write_export(tmp_path / "x.zip", rows)
    with open_database(home / "healthdesk.db") as db:
        import_export(db, tmp_path / "x.zip")
    out = json.loads(cli(home, "summary", "--from", band_day, "--to", band_day, "--json").stdout)
    (day,) = out["days"]
    workouts = [x for x in day["workouts"] if x.get("sources")]
    assert len(workouts) == 1 and set(workouts[0]["sources"]) == {"band", "whoop_export"}
    assert workouts[0]["source"] == "whoop_export" and workouts[0]["activity"] == "Running"
    assert not any(x["source"] == "band" and x["start"] == workouts[0]["start"] for x in day["workouts"])
    recovery_sources = [e["source"] for e in day["metrics"]["recovery"]]
    assert "whoop_export" in recovery_sources and "band" in recovery_sources
    assert any(s["source"] == "whoop_export" for s in day["sleeps"])


def test_dashboard_keeps_one_whoop_value_when_both_routes_agree():
    from dataclasses import dataclass

    from healthdesk.services.whoop_export.views import MERGED_WHOOP, merged_source_label, one_whoop_value

    @dataclass(frozen=True)
    class V:
        source: str
        value: float | None

    shown, others = one_whoop_value(V("whoop_cloud", 61.0), [V("whoop_export", 61.0), V("band", 55.0)])
    assert shown == V(MERGED_WHOOP, 61.0) and others == [V("band", 55.0)]
    shown, others = one_whoop_value(V("band", 55.0), [V("whoop_cloud", 61.0), V("whoop_export", 61.2)])
    assert shown == V("band", 55.0) and others == [V(MERGED_WHOOP, 61.0)]
    differ = [V("whoop_export", 58.0), V("band", 55.0)]
    assert one_whoop_value(V("whoop_cloud", 61.0), differ) == (V("whoop_cloud", 61.0), differ)  # both shown
    assert merged_source_label("whoop_export+band", {"band": "Band", "whoop_export": "WHOOP export"}) == \
        "WHOOP export + Band"
