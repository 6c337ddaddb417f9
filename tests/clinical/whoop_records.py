"""WHOOP v2 API records (the JSON shapes of whoop-cloud-api.md §2.5) with known values, per cycle day.

A cycle day D (core.timeutil.morning_date: named by the morning its sleep ends) holds the main sleep from
D-1 23:00 to D 07:30 local time and a workout at D 18:00."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
H = 3_600_000  # ms per hour


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _offset(dt: datetime) -> str:
    minutes = int(dt.utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def truth(day: date) -> dict[str, float]:
    """The values the records of cycle day `day` carry (what the loader must return)."""
    k = day.toordinal()
    return {
        "resting_hr": 55.0 + k % 5, "hrv_rmssd": 45.0 + k % 9, "spo2": 96.0 + (k % 3) * 0.5,
        "skin_temp": 33.5 + (k % 4) * 0.1, "recovery": 50.0 + k % 40, "respiratory_rate": 14.0 + (k % 5) * 0.1,
        "sleep_performance": 80.0 + k % 10, "sleep_duration": 7.0, "day_strain": 10.0 + (k % 7) * 0.5,
        "avg_hr": 70.0 + k % 4,
    }


def records_for(day: date, *, score_state: str = "SCORED", calibrating: bool = False) -> dict[str, dict]:
    t = truth(day)
    k = day.toordinal()
    start = datetime.combine(day - timedelta(days=1), time(23, 0), BERLIN)
    end = datetime.combine(day, time(7, 30), BERLIN)
    sleep_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"sleep-{k}"))
    common = {"user_id": 10129, "created_at": _iso(end), "updated_at": _iso(end + timedelta(hours=1)),
              "score_state": score_state}
    sleep = {**common, "id": sleep_id, "cycle_id": k, "start": _iso(start), "end": _iso(end),
             "timezone_offset": _offset(end), "nap": False,
             "score": {"stage_summary": {"total_in_bed_time_milli": int(7.5 * H), "total_awake_time_milli": H // 2,
                                         "total_light_sleep_time_milli": 4 * H,
                                         "total_slow_wave_sleep_time_milli": int(1.5 * H),
                                         "total_rem_sleep_time_milli": int(1.5 * H)},
                       "respiratory_rate": t["respiratory_rate"],
                       "sleep_performance_percentage": t["sleep_performance"]}}
    cycle = {**common, "id": k, "start": _iso(start), "end": _iso(start + timedelta(days=1)),
             "timezone_offset": _offset(start),
             "score": {"strain": t["day_strain"], "kilojoule": 8000.0, "average_heart_rate": int(t["avg_hr"]),
                       "max_heart_rate": 160}}
    recovery = {**common, "cycle_id": k, "sleep_id": sleep_id,
                "score": {"user_calibrating": calibrating, "recovery_score": t["recovery"],
                          "resting_heart_rate": t["resting_hr"], "hrv_rmssd_milli": t["hrv_rmssd"],
                          "spo2_percentage": t["spo2"], "skin_temp_celsius": t["skin_temp"]}}
    w_start = datetime.combine(day, time(18, 0), BERLIN)
    workout = {**common, "id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"workout-{k}")), "start": _iso(w_start),
               "end": _iso(w_start + timedelta(minutes=50)), "timezone_offset": _offset(w_start),
               "sport_name": "running",
               "score": {"strain": 12.5, "average_heart_rate": 150, "max_heart_rate": 178, "kilojoule": 2100.0}}
    return {"sleep": sleep, "cycle": cycle, "recovery": recovery, "workout": workout}


def nap_on(day: date) -> dict:
    start = datetime.combine(day, time(14, 0), BERLIN)
    return {"user_id": 10129, "created_at": _iso(start), "updated_at": _iso(start), "score_state": "SCORED",
            "id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"nap-{day}")), "cycle_id": day.toordinal(),
            "start": _iso(start), "end": _iso(start + timedelta(minutes=40)), "timezone_offset": _offset(start),
            "nap": True, "score": {"stage_summary": {"total_light_sleep_time_milli": 30 * 60_000,
                                                     "total_slow_wave_sleep_time_milli": 0,
                                                     "total_rem_sleep_time_milli": 0,
                                                     "total_awake_time_milli": 10 * 60_000}}}
