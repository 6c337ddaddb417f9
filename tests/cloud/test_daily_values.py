"""WHOOP values land in daily_values with source whoop_cloud, beside (never over) band values."""

from __future__ import annotations

from datetime import datetime

import pytest
from cloud_helpers import connect_through_browser
from sqlalchemy import select

from healthdesk.cloud.secrets import MemorySecretStore
from healthdesk.core.timeutil import morning_date, parse_offset
from healthdesk.services.cloud_sync import CloudSyncService
from healthdesk.store import cloud as local
from healthdesk.store.derived import DailyValue, DailyValueRow, put_daily_values


def unix(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def day_of(cycle: dict) -> str:
    # the morning date (docs/metrics.md §1): a cycle starting in the evening is named by the next day
    return morning_date(unix(cycle["start"]), parse_offset(cycle["timezone_offset"])).isoformat()


def values(db, source: str = "whoop_cloud") -> dict[tuple[str, str], DailyValueRow]:
    with local.read_session(db) as session:
        rows = session.scalars(select(DailyValueRow).where(DailyValueRow.source == source)).all()
        return {(r.day, r.metric): (r.value, r.unit, r.confidence) for r in rows}


@pytest.fixture
def service(db, server, clock, fake, aio):
    svc = CloudSyncService(db, api_base=server.base_url, clock=clock, store=MemorySecretStore())
    aio(connect_through_browser(svc.stack, fake))
    yield svc
    aio(svc.aclose())


def test_offsets():
    assert [parse_offset(o) for o in ("Z", "-05:00", "+05:30", "+01:00")] == [0, -18000, 19800, 3600]
    with pytest.raises(ValueError):
        parse_offset("5 hours")


def test_whoop_values_land_per_cycle_day(service, db, data, aio):
    calibrating = data.recoveries[max(data.cycles) - 2]
    calibrating["score"]["user_calibrating"] = True  # WHOOP says: not reliable yet
    band_day = day_of(data.cycles[max(data.cycles) - 3])
    with local.write_session(db) as session:  # a band value already stored for a day WHOOP also covers
        put_daily_values(session, [DailyValue(band_day, "resting_hr", "band", 51.0, "bpm", 0.8)])
    aio(service.sync_now())
    got = values(db)
    for cycle_id, recovery in data.recoveries.items():
        day = day_of(data.cycles[cycle_id])
        if recovery["score_state"] == "SCORED" and recovery is not calibrating:
            s = recovery["score"]
            assert got[(day, "recovery")] == (s["recovery_score"], "%", 1.0)
            assert got[(day, "hrv_rmssd")] == (s["hrv_rmssd_milli"], "ms", 1.0)
            assert got[(day, "resting_hr")] == (s["resting_heart_rate"], "bpm", 1.0)
        elif recovery["score_state"] != "SCORED":  # pending / unscorable: honest None with confidence 0
            assert got[(day, "recovery")] == (None, "%", 0.0)
    for cycle in data.cycles.values():
        day = day_of(cycle)
        if cycle["score_state"] == "SCORED":
            assert got[(day, "day_strain")] == (cycle["score"]["strain"], "strain", 1.0)
            assert got[(day, "calories")][0] == pytest.approx(cycle["score"]["kilojoule"] / 4.184)
    main = next(s for s in data.sleeps.values() if not s["nap"] and s["score_state"] == "SCORED")
    stages = main["score"]["stage_summary"]
    asleep_min = (stages["total_light_sleep_time_milli"] + stages["total_slow_wave_sleep_time_milli"]
                  + stages["total_rem_sleep_time_milli"]) / 60000
    assert got[(day_of(data.cycles[main["cycle_id"]]), "sleep_duration")][0] == pytest.approx(asleep_min)
    assert got[(day_of(data.cycles[calibrating["cycle_id"]]), "recovery")][2] == 0.5
    assert len({day for day, _ in got}) == len(data.cycles)  # one label per cycle, none collide
    assert values(db, "band") == {(band_day, "resting_hr"): (51.0, "bpm", 0.8)}  # the band value untouched


def test_deleted_sleep_clears_its_values(service, db, data, aio):
    aio(service.sync_now())
    sleep = sorted((s for s in data.sleeps.values() if not s["nap"]), key=lambda s: s["start"])[-3]
    day = day_of(data.cycles[sleep["cycle_id"]])
    assert values(db)[(day, "recovery")][0] is not None
    data.delete_sleep(sleep["id"])
    aio(service.sync_now())
    got = values(db)
    assert got[(day, "recovery")] == (None, "%", 0.0) and got[(day, "sleep_duration")] == (None, "min", 0.0)
    assert got[(day, "day_strain")][0] is not None  # the cycle itself is still there
