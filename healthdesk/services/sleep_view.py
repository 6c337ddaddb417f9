"""What the Sleep page shows about one night and about the week: hours against need, debt, stage totals with
their share of the time in bed, efficiency, respiratory rate, disturbances; bedtimes and wake times of the
last 7 nights and how much they varied. Blocking, Qt-free; runs on the UI's reader thread.

Band nights read their own stored sleep row (per-minute stages in its detail) and that morning's daily values;
WHOOP nights read the cloud read model (store/cloud_reads.py). Nothing is estimated here that the store does
not hold: a missing number stays None and the page says why.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from healthdesk.services.dashboard import DashboardService
from healthdesk.services.dashboard_types import SleepPeriod
from healthdesk.store.cloud_reads import read_cloud
from healthdesk.store.derived import daily_values_between, sleeps_between

STAGE_CODES = (("Deep", "0"), ("Light", "1"), ("REM", "2"), ("Awake", "3"))
NIGHT_METRICS = ("sleep_need", "sleep_debt", "sleep_efficiency", "respiratory_rate", "sleep_disturbances",
                 "sleep_performance", "sleep_consistency")


@dataclass(frozen=True)
class StageTotal:
    name: str
    minutes: float
    percent: float  # of the stage-scored time in bed


@dataclass(frozen=True)
class NightFacts:
    sleep: SleepPeriod
    asleep_min: float | None
    need_min: float | None = None
    debt_min: float | None = None
    efficiency_pct: float | None = None
    respiratory_rate: float | None = None
    disturbances: float | None = None
    performance_pct: float | None = None
    stages: list[StageTotal] = field(default_factory=list)

    @property
    def need_met_pct(self) -> float | None:
        if self.asleep_min is None or not self.need_min:
            return None
        return 100.0 * self.asleep_min / self.need_min


@dataclass(frozen=True)
class WeekNight:
    day: date
    onset: datetime  # local
    wake: datetime
    asleep_min: float | None


@dataclass(frozen=True)
class WeekConsistency:
    nights: list[WeekNight]
    onset_spread_min: float | None  # standard deviation of bedtimes (minutes), >= 3 nights
    wake_spread_min: float | None
    consistency_pct: float | None  # the stored sleep consistency of the newest night (metrics.md §7)


def _stage_totals(minutes: dict[str, float]) -> list[StageTotal]:
    total = sum(minutes.values())
    if total <= 0:
        return []
    return [StageTotal(name, minutes.get(name, 0.0), 100.0 * minutes.get(name, 0.0) / total)
            for name, _ in STAGE_CODES]


def night_facts(dashboard: DashboardService, sleep: SleepPeriod) -> NightFacts:
    db = dashboard.database
    if db is None:
        return NightFacts(sleep, sleep.asleep_min)
    t0 = sleep.start.timestamp()
    with db.read() as conn:
        if sleep.source == "whoop_cloud":
            day = sleep.day
            cloud = [s for s in read_cloud(conn, day, day).sleeps if abs(s.start - t0) < 1] if day else []
            if cloud:
                c = cloud[0]
                stages = {"Deep": c.deep_min or 0.0, "Light": c.light_min or 0.0, "REM": c.rem_min or 0.0,
                          "Awake": c.awake_min or 0.0}
                return NightFacts(sleep, c.asleep_min, c.need_min, None, c.efficiency_pct, c.respiratory_rate,
                                  c.disturbances, c.performance_pct,
                                  _stage_totals(stages) if c.light_min is not None else [])
            return NightFacts(sleep, sleep.asleep_min)
        rows = [s for s in sleeps_between(conn, t0 - 1, t0 + 1) if s.source == sleep.source]
        stored = rows[0] if rows else None
        day = stored.day if stored else (sleep.day.isoformat() if sleep.day else None)
        values = {}
        if day is not None:
            values = {v.metric: v.value for v in daily_values_between(conn, day, day, metrics=list(NIGHT_METRICS),
                                                                       source=sleep.source)}
    stages: list[StageTotal] = []
    codes = ((stored.detail or {}).get("stages") if stored else None) or ""
    if codes:
        stages = _stage_totals({name: float(codes.count(code)) for name, code in STAGE_CODES})
    efficiency = values.get("sleep_efficiency")
    if efficiency is None and stored is not None and stored.efficiency is not None:
        efficiency = stored.efficiency
    disturbances = values.get("sleep_disturbances")
    if disturbances is None and stored is not None and stored.disturbances is not None:
        disturbances = float(stored.disturbances)
    return NightFacts(sleep, sleep.asleep_min, values.get("sleep_need"), values.get("sleep_debt"), efficiency,
                      values.get("respiratory_rate"), disturbances, values.get("sleep_performance"), stages)


def week_consistency(dashboard: DashboardService, nights: list[SleepPeriod]) -> WeekConsistency:
    """The newest 7 main sleeps (`nights` newest first, as DashboardService.nights gives them)."""
    tz = timezone(timedelta(seconds=dashboard.tz_offset_s))
    week = [WeekNight(n.day or n.end.astimezone(tz).date(), n.start.astimezone(tz), n.end.astimezone(tz),
                      n.asleep_min) for n in nights[:7]]
    if not week:
        return WeekConsistency([], None, None, None)

    def spread(times: list[datetime]) -> float | None:
        if len(times) < 3:
            return None
        # Minutes from the local noon before each time, so 23:50 and 00:10 are 20 minutes apart, not 23 h.
        mins = [((t.hour * 60 + t.minute) - 720) % 1440 for t in times]
        return statistics.stdev(mins)

    consistency = None
    db = dashboard.database
    if db is not None:
        with db.read() as conn:
            rows = daily_values_between(conn, week[0].day, week[0].day, metrics=["sleep_consistency"])
        known = [r.value for r in rows if r.value is not None]
        consistency = known[0] if known else None
    return WeekConsistency(week, spread([n.onset for n in week]), spread([n.wake for n in week]), consistency)
