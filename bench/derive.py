"""Metrics derivation speed: one night (sleep + HRV + recovery) and a year of minute data.

1. One night: the 1 Hz records of one evening-to-noon span (~16 h, ~60 k records) -> minute features -> sleep,
   stages, RHR, HRV, recovery (with 14 nights of history so recovery is computed). Target <= 200 ms.
   Baseline in the same run: a record-at-a-time Python loop computing only two of those numbers (lowest 30-min
   mean HR, median 5-min RMSSD) without cleaning or sleep detection.
2. A year: 365 simulated days of minute features (generated in 30-day pieces, not timed) through the whole
   engine: sleeps, cycles, every registered metric per cycle, trailing baselines and load. Target <= 5 s.
   Baseline in the same run: the time to sort the year's minute HR once (np.sort), a yardstick for the machine.

    .venv/bin/python bench/derive.py [--days 365]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta

import numpy as np

from healthdesk.band.sim.physiology import generate_history
from healthdesk.core.metrics.engine import History, derive_span
from healthdesk.core.metrics.features import minute_features, record_time

TZ = 0
START = 1_700_006_400 + 20 * 3600  # 2023-11-15 20:00 UTC


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def python_rhr_rmssd(records: np.ndarray) -> tuple[float, float]:
    """A record-at-a-time Python version of just two of the night's numbers (lowest 30-min mean HR and the
    median 5-min RMSSD, without cleaning or sleep detection): the baseline the numpy engine is compared with."""
    hr_sum: dict[int, float] = {}
    hr_n: dict[int, int] = {}
    ssd: dict[int, float] = {}
    pairs: dict[int, int] = {}
    prev = None
    for unix, hr, count, rr in zip(
        records["unix"].tolist(),
        records["hr"].tolist(),
        records["rr_count"].tolist(),
        records["rr"].tolist(),
        strict=True,
    ):
        minute = unix // 60
        if hr:
            hr_sum[minute] = hr_sum.get(minute, 0.0) + hr
            hr_n[minute] = hr_n.get(minute, 0) + 1
        for value in rr[:count]:
            if prev is not None:
                ssd[minute // 5] = ssd.get(minute // 5, 0.0) + (value - prev) ** 2
                pairs[minute // 5] = pairs.get(minute // 5, 0) + 1
            prev = value
    minutes = sorted(hr_sum)
    means = [hr_sum[m] / hr_n[m] for m in minutes]
    lowest = min(sum(means[i : i + 30]) / 30 for i in range(len(means) - 29))
    rmssd = sorted((ssd[w] / pairs[w]) ** 0.5 for w in ssd if pairs[w] >= 20)
    return lowest, rmssd[len(rmssd) // 2]


def one_night() -> tuple[float, float, dict]:
    sim = generate_history(2, seed=5, start_unix=START)
    night = sim.truth.nights[0]
    t = record_time(sim.records)
    # evening before the night to noon after it: what deriving "last night" reads
    records = sim.records[(t >= night.onset - 3 * 3600) & (t < night.offset + 5 * 3600)]
    history = History()
    for k in range(14):
        history.append(date(2023, 11, 1) + timedelta(days=k), {})
    rng = np.random.default_rng(1)
    history.values["hrv_rmssd"] = list(rng.normal(55, 6, 14))
    history.values["resting_hr"] = list(rng.normal(56, 1.5, 14))
    history.values["sleep_performance"] = list(rng.normal(85, 8, 14))

    def run():
        h = History(dict((k, list(v)) for k, v in history.values.items()), list(history.days))
        return derive_span(minute_features(records), TZ, h)

    results = run()
    night_result = next(r for r in results if r.sleep is not None)
    ours = best_of(run)
    baseline = best_of(lambda: python_rhr_rmssd(records), 3)
    shown = {
        k: night_result.metrics[k].value for k in ("sleep_duration", "resting_hr", "hrv_rmssd", "recovery")
    }
    return ours, baseline, {"records": len(records), **shown}


def year_of_minutes(days: int) -> np.ndarray:
    parts = []
    for k in range(0, days, 30):
        n = min(30, days - k)
        sim = generate_history(n, seed=100 + k, start_unix=START + k * 86400, counter_start=k * 100_000)
        parts.append(minute_features(sim.records))
    minutes = np.concatenate(parts)
    _, first = np.unique(minutes["minute"], return_index=True)
    return minutes[first]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()

    night_s, night_base, shown = one_night()
    t = time.perf_counter()
    minutes = year_of_minutes(args.days)
    setup_s = time.perf_counter() - t
    results = []

    def run_year():
        results[:] = derive_span(minutes, TZ, History())

    year_s = best_of(run_year, 2)
    sort_s = best_of(lambda: np.sort(minutes["hr_mean"]), 5)
    with_sleep = sum(1 for r in results if r.sleep is not None)
    recovered = sum(1 for r in results if r.metrics["recovery"].value is not None)

    print(f"machine: {os.cpu_count()} cores")
    print(
        f"one night: {shown['records']} records -> sleep {shown['sleep_duration']:.0f} min, "
        f"RHR {shown['resting_hr']:.1f} bpm, RMSSD {shown['hrv_rmssd']:.1f} ms, recovery {shown['recovery']:.0f} %"
    )
    print(
        f"year: {len(minutes)} minutes ({args.days} days, generated in {setup_s:.1f} s, not timed), "
        f"{len(results)} cycles, {with_sleep} main sleeps, {recovered} recoveries"
    )
    print()
    print("| case | seconds | target | baseline (same run) | ratio |")
    print("|---|---|---|---|---|")
    print(
        f"| one night: features + sleep + HRV + recovery | {night_s:.3f} | 0.200 | "
        f"python record loop, RHR + RMSSD only {night_base:.3f} s | {night_base / night_s:.1f}x faster |"
    )
    print(
        f"| {args.days} days of minute data, every metric | {year_s:.2f} | 5.00 | "
        f"np.sort of the minute HR {sort_s:.4f} s | {year_s / sort_s:.0f}x a sort |"
    )


if __name__ == "__main__":
    main()
