"""The fake WHOOP account: a seeded, deterministic history plus the after-the-fact changes WHOOP makes.

One main sleep per night starts a cycle (the sleep's `cycle_id`) and yields that cycle's recovery; naps
share the current cycle and yield none; workouts carry no cycle id. The newest cycle is open (no `end`,
PENDING_SCORE) and its recovery is still pending. Travel and DST change `timezone_offset` along the way.
"""

from __future__ import annotations

import copy
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SPORTS = ("running", "cycling", "weightlifting", "yoga", "functional fitness", "walking", "sauna")
# (first day index, offset): home on US Eastern with a DST change, a trip to Europe, a few days on UTC, India.
OFFSET_PLAN = ((0, "-05:00"), (110, "-04:00"), (200, "+01:00"), (212, "Z"), (216, "+05:30"), (230, "-04:00"),
               (300, "-05:00"))


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _offset_minutes(offset: str) -> int:
    if offset == "Z":
        return 0
    sign = -1 if offset[0] == "-" else 1
    return sign * (int(offset[1:3]) * 60 + int(offset[4:6]))


@dataclass
class FakeData:
    user_id: int = 10129
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    cycles: dict[int, dict[str, Any]] = field(default_factory=dict)
    sleeps: dict[str, dict[str, Any]] = field(default_factory=dict)
    recoveries: dict[int, dict[str, Any]] = field(default_factory=dict)
    workouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile: dict[str, Any] | None = None
    body: dict[str, Any] | None = None
    pre4_strap: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    # ---- building blocks -------------------------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _stamp(self, record: dict[str, Any], at: datetime) -> None:
        """Set updated_at to `at`, never earlier than created_at or than the previous updated_at."""
        record.setdefault("created_at", iso(at))
        floor = parse(record["created_at"])
        if "updated_at" in record:
            floor = max(floor, parse(record["updated_at"]) + timedelta(milliseconds=1))
        record["updated_at"] = iso(max(at, floor))

    def _sleep_score(self, start: datetime, end: datetime) -> dict[str, Any]:
        r = self.rng
        in_bed = int((end - start).total_seconds() * 1000)
        awake = int(in_bed * r.uniform(0.04, 0.12))
        rest = in_bed - awake
        sws, rem = int(rest * r.uniform(0.18, 0.25)), int(rest * r.uniform(0.18, 0.26))
        return {"stage_summary": {"total_in_bed_time_milli": in_bed, "total_awake_time_milli": awake,
                                  "total_no_data_time_milli": 0, "total_light_sleep_time_milli": rest - sws - rem,
                                  "total_slow_wave_sleep_time_milli": sws, "total_rem_sleep_time_milli": rem,
                                  "sleep_cycle_count": r.randint(2, 6), "disturbance_count": r.randint(3, 20)},
                "sleep_needed": {"baseline_milli": 27_000_000 + r.randint(0, 1_000_000),
                                 "need_from_sleep_debt_milli": r.randint(0, 2_000_000),
                                 "need_from_recent_strain_milli": r.randint(0, 800_000),
                                 "need_from_recent_nap_milli": -r.randint(0, 600_000)},
                "respiratory_rate": round(r.uniform(13.5, 17.5), 2),
                "sleep_performance_percentage": r.randint(55, 100),
                "sleep_consistency_percentage": r.randint(50, 95),
                "sleep_efficiency_percentage": round(100.0 * (in_bed - awake) / in_bed, 4)}

    def _recovery_score(self) -> dict[str, Any]:
        r = self.rng
        score = {"user_calibrating": False, "recovery_score": r.randint(5, 99),
                 "resting_heart_rate": r.randint(46, 64), "hrv_rmssd_milli": round(r.uniform(25, 110), 4)}
        if not self.pre4_strap:
            score |= {"spo2_percentage": round(r.uniform(94, 99), 4), "skin_temp_celsius": round(r.uniform(32.5, 35), 2)}
        return score

    def _cycle_score(self) -> dict[str, Any]:
        r = self.rng
        return {"strain": round(r.uniform(3, 19), 4), "kilojoule": round(r.uniform(7000, 15000), 2),
                "average_heart_rate": r.randint(58, 80), "max_heart_rate": r.randint(120, 190)}

    def _workout_score(self, with_distance: bool) -> dict[str, Any]:
        r = self.rng
        zones = {f"zone_{n}_milli": r.randint(0, 900_000) for n in ("zero", "one", "two", "three", "four", "five")}
        score = {"strain": round(r.uniform(4, 18), 4), "average_heart_rate": r.randint(100, 160),
                 "max_heart_rate": r.randint(150, 195), "kilojoule": round(r.uniform(600, 3500), 2),
                 "percent_recorded": float(r.choice((100, 100, 98.5))), "zone_durations": zones}
        if with_distance:
            score |= {"distance_meter": round(r.uniform(2000, 30000), 2),
                      "altitude_gain_meter": round(r.uniform(0, 300), 2),
                      "altitude_change_meter": round(r.uniform(-50, 50), 2)}
        return score

    # ---- after-the-fact changes (each moves the data clock and bumps updated_at) ------------------------
    def tick(self, minutes: int = 7) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def pending(self) -> list[tuple[str, int | str]]:
        out: list[tuple[str, int | str]] = []
        for name, table in (("cycle", self.cycles), ("sleep", self.sleeps), ("recovery", self.recoveries),
                            ("workout", self.workouts)):
            out += [(name, k) for k, v in table.items() if v["score_state"] == "PENDING_SCORE"]
        return out

    def rescore_pending(self, include_open_cycle: bool = False) -> list[tuple[str, int | str]]:
        """PENDING_SCORE -> SCORED with a newer updated_at (the open cycle keeps growing instead)."""
        done = []
        for name, key in self.pending():
            table = {"cycle": self.cycles, "sleep": self.sleeps, "recovery": self.recoveries,
                     "workout": self.workouts}[name]
            rec = table[key]
            if name == "cycle" and "end" not in rec and not include_open_cycle:
                continue
            rec["score"] = {"cycle": self._cycle_score, "recovery": self._recovery_score,
                            "sleep": lambda r=rec: self._sleep_score(parse(r["start"]), parse(r["end"])),
                            "workout": lambda: self._workout_score(True)}[name]()
            rec["score_state"] = "SCORED"
            self._stamp(rec, self.tick())
            done.append((name, key))
        return done

    def edit_sleep(self, sleep_id: str, shift_minutes: int) -> None:
        """The user moves a sleep's start: the sleep is re-scored and so is its recovery."""
        rec = self.sleeps[sleep_id]
        start = parse(rec["start"]) + timedelta(minutes=shift_minutes)
        rec["start"] = iso(start)
        if rec["score_state"] == "SCORED":
            rec["score"] = self._sleep_score(start, parse(rec["end"]))
        self._stamp(rec, self.tick())
        for recovery in self.recoveries.values():
            if recovery["sleep_id"] == sleep_id and recovery["score_state"] == "SCORED":
                recovery["score"] = self._recovery_score()
                self._stamp(recovery, self.tick())

    def delete_sleep(self, sleep_id: str) -> int | None:
        """Deleting a sleep deletes its recovery too; returns that recovery's cycle id."""
        del self.sleeps[sleep_id]
        for cycle_id, recovery in list(self.recoveries.items()):
            if recovery["sleep_id"] == sleep_id:
                del self.recoveries[cycle_id]
                return cycle_id
        return None

    def delete_workout(self, workout_id: str) -> None:
        del self.workouts[workout_id]

    def log_workout(self, days_ago: float, sport: str = "running") -> str:
        """A workout entered retroactively: new record, old start, fresh created_at."""
        start = self.now - timedelta(days=days_ago)
        wid = self._uuid()
        rec = {"id": wid, "user_id": self.user_id, "start": iso(start), "end": iso(start + timedelta(minutes=45)),
               "timezone_offset": self.offset_at(start), "sport_name": sport, "score_state": "SCORED",
               "score": self._workout_score(False)}
        self._stamp(rec, self.tick())
        self.workouts[wid] = rec
        return wid

    def grow_open_cycle(self) -> int:
        cid = max(self.cycles)
        self._stamp(self.cycles[cid], self.tick())
        return cid

    def offset_at(self, t: datetime) -> str:
        nearest = min(self.cycles.values(), key=lambda c: abs((parse(c["start"]) - t).total_seconds()))
        return nearest["timezone_offset"]

    def snapshot(self) -> dict[str, dict[Any, dict[str, Any]]]:
        return copy.deepcopy({"cycle": self.cycles, "sleep": self.sleeps, "recovery": self.recoveries,
                              "workout": self.workouts})

    def expected_dump(self) -> dict[str, list[dict[str, Any]]]:
        """What `whoop dump --json` must show for the live records (id, updated_at, score_state)."""
        return {name: sorted(({"id": k, "updated_at": v["updated_at"], "score_state": v["score_state"]}
                              for k, v in table.items()), key=lambda row: row["id"])
                for name, table in self.snapshot().items()}


def simulate_history(days: int = 365, seed: int = 1, pre4_strap: bool = False,
                     end: datetime = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)) -> FakeData:
    data = FakeData(now=end, pre4_strap=pre4_strap, rng=random.Random(seed))
    r = data.rng
    data.profile = {"user_id": data.user_id, "email": "test.user@example.org", "first_name": "Test",
                    "last_name": "User"}
    data.body = {"height_meter": 1.78, "weight_kilogram": 74.5, "max_heart_rate": 193}
    first_night = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    plan = list(OFFSET_PLAN)
    onsets: list[tuple[datetime, datetime, str]] = []
    for day in range(days):
        offset = [o for d, o in plan if d <= day * 365 // max(days, 1)][-1]
        local_onset = timedelta(hours=22, minutes=r.randint(0, 150))  # 22:00..00:30 local
        onset = first_night + timedelta(days=day) + local_onset - timedelta(minutes=_offset_minutes(offset))
        onset += timedelta(milliseconds=r.randint(0, 999))
        wake = onset + timedelta(minutes=r.randint(330, 560))
        onsets.append((onset, wake, offset))
    data.now = max(end, onsets[-1][1] + timedelta(hours=5))
    cycle_id = 93845
    for i, (onset, wake, offset) in enumerate(onsets):
        last = i == len(onsets) - 1
        cycle = {"id": cycle_id, "user_id": data.user_id, "start": iso(onset), "timezone_offset": offset,
                 "created_at": iso(onset + timedelta(minutes=5))}
        if last:
            cycle["score_state"] = "PENDING_SCORE"
            data._stamp(cycle, wake + timedelta(minutes=20))
        else:
            next_onset = onsets[i + 1][0]
            cycle |= {"end": iso(next_onset), "score_state": "SCORED", "score": data._cycle_score()}
            data._stamp(cycle, next_onset + timedelta(minutes=r.randint(10, 200)))
        data.cycles[cycle_id] = cycle
        sleep_id = data._uuid()
        sleep = {"id": sleep_id, "cycle_id": cycle_id, "user_id": data.user_id, "start": iso(onset),
                 "end": iso(wake), "timezone_offset": offset, "nap": False, "score_state": "SCORED",
                 "score": data._sleep_score(onset, wake), "created_at": iso(wake + timedelta(minutes=3))}
        data._stamp(sleep, wake + timedelta(minutes=r.randint(5, 90)))
        data.sleeps[sleep_id] = sleep
        recovery = {"cycle_id": cycle_id, "sleep_id": sleep_id, "user_id": data.user_id,
                    "created_at": iso(wake + timedelta(minutes=4))}
        unscorable = r.random() < 0.02
        if last:
            recovery["score_state"] = "PENDING_SCORE"
        elif unscorable:
            recovery["score_state"] = "UNSCORABLE"
        else:
            recovery |= {"score_state": "SCORED", "score": data._recovery_score()}
        data._stamp(recovery, wake + timedelta(minutes=r.randint(5, 120)))
        data.recoveries[cycle_id] = recovery
        day_end = onsets[i + 1][0] if not last else data.now
        if r.random() < 0.15 and day_end - wake > timedelta(hours=9):  # an afternoon nap
            nap_start = wake + timedelta(hours=r.uniform(5, 8))
            nap_id = data._uuid()
            nap = {"id": nap_id, "cycle_id": cycle_id, "user_id": data.user_id, "start": iso(nap_start),
                   "end": iso(nap_start + timedelta(minutes=r.randint(20, 60))), "timezone_offset": offset,
                   "nap": True, "created_at": iso(nap_start + timedelta(hours=1))}
            if r.random() < 0.25:
                nap["score_state"] = "UNSCORABLE"
            else:
                nap |= {"score_state": "SCORED", "score": data._sleep_score(nap_start, parse(nap["end"]))}
            data._stamp(nap, nap_start + timedelta(hours=2))
            data.sleeps[nap_id] = nap
        if (last or r.random() < 0.4) and day_end - wake > timedelta(hours=4):  # today: a pending one
            w_start = wake + timedelta(hours=r.uniform(1, 3))
            wid = data._uuid()
            workout = {"id": wid, "user_id": data.user_id, "start": iso(w_start),
                       "end": iso(w_start + timedelta(minutes=r.randint(20, 100))), "timezone_offset": offset,
                       "sport_name": r.choice(SPORTS), "created_at": iso(w_start + timedelta(hours=2))}
            if last:
                workout["score_state"] = "PENDING_SCORE"
            else:
                workout |= {"score_state": "SCORED", "score": data._workout_score(r.random() < 0.5)}
            data._stamp(workout, w_start + timedelta(hours=3))
            data.workouts[wid] = workout
        cycle_id += 1
    # The account's "now" lies after every change made so far.
    latest = max(parse(r["updated_at"]) for t in data.snapshot().values() for r in t.values())
    data.now = max(data.now, latest + timedelta(minutes=1))
    return data
