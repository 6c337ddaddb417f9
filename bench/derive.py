"""Metrics derivation speed: one night (sleep + HRV + recovery) and a year of minute data.

1. One night: the 1 Hz records of one evening-to-noon span (~16 h, ~60 k records) -> minute features -> sleep,
   stages, RHR, HRV, recovery (with 14 nights of history so recovery is computed). Target <= 200 ms.
   Baseline in the same run: a record-at-a-time Python loop computing only two of those numbers (lowest 30-min
   mean HR, median 5-min RMSSD) without cleaning or sleep detection.
2. A year: 365 simulated days of minute features (generated in 30-day pieces, not timed) through the whole
   engine: sleeps, cycles, every registered metric per cycle, trailing baselines and load. Target <= 5 s.
   Baseline in the same run: the time to sort the year's minute HR once (np.sort), a yardstick for the machine.
3. Re-derive after an algorithm-version bump (issue 12): 365 simulated days of 1 Hz records stored in a real
   SQLite file (ingested in 30-day pieces and derived once, not timed), every band value then marked as made by
   the previous ALGORITHM_VERSION, and the timed `services.derive.derive()` that follows: it re-derives every
   day from the stored records. Printed with its per-stage split (read, features, metrics, write). Target
   <= 30 s on the 2-core machine. Baseline in the same run: reading every stored record once (store read only).

    .venv/bin/python bench/derive.py [--days 365] [--rederive-days 365 | --rederive-days 0 to skip]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

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


def rederive_after_bump(days: int, workdir: Path) -> dict:
    """Case 3: store `days` of 1 Hz records, derive once, bump the version, time the full re-derive."""
    from healthdesk.band.whoop4.decode import DecodedBatch
    from healthdesk.core.metrics.version import ALGORITHM_VERSION
    from healthdesk.services.derive import derive
    from healthdesk.services.ingest import ingest_decoded
    from healthdesk.store.band_reads import records_between
    from healthdesk.store.database import open_database

    path = workdir / "bench.db"
    t = time.perf_counter()
    records = 0
    with open_database(path) as db:
        for k in range(0, days, 30):
            sim = generate_history(min(30, days - k), seed=300 + k, start_unix=START + k * 86400, tz_offset_s=TZ,
                                   counter_start=1_000_000 + k * 100_000)
            records += len(sim.records)
            ingest_decoded(db, "sim", DecodedBatch(records=sim.records), received_at=1_800_000_000)
        setup_ingest = time.perf_counter() - t
        first = derive(db, tz_offset_s=TZ)
    with sqlite3.connect(path) as conn:  # what a release with a newer ALGORITHM_VERSION finds on disk
        conn.execute("UPDATE daily_values SET algorithm_version = ? WHERE source = 'band'", (ALGORITHM_VERSION - 1,))
    with open_database(path) as db:
        cpu0, kids0 = time.process_time(), _children_cpu()
        report = derive(db, tz_offset_s=TZ)
        cpu = time.process_time() - cpu0
        kids = _children_cpu() - kids0
        t = time.perf_counter()
        stored = records_between(db, None, 0, 2**32)
        read_all = time.perf_counter() - t
    return {"records": records, "stored": len(stored), "setup_s": setup_ingest, "first_s": first.seconds,
            "report": report, "read_all_s": read_all, "mb": path.stat().st_size / 1e6, "cpu_s": cpu,
            "workers_cpu_s": kids}


def _children_cpu() -> float:
    """CPU seconds of finished child processes (the read-ahead workers)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rederive-days", type=int, default=365)
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
    if args.rederive_days <= 0:
        return
    with tempfile.TemporaryDirectory() as tmp:
        r = rederive_after_bump(args.rederive_days, Path(tmp))
    rep = r["report"]
    # read and features run ahead in two worker processes: their seconds are summed over the workers and overlap
    # each other and the main process's metrics and writes, so they add up to more than the wall time
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in rep.stage_seconds.items()) + " (read/features: worker sums)"
    print(
        f"| re-derive after a version bump: {args.rederive_days} days from {r['stored']} stored 1 Hz records "
        f"({rep.cycles} cycles; {stages}) | {rep.seconds:.1f} | 30.0 | reading every stored record once "
        f"{r['read_all_s']:.1f} s | {rep.seconds / r['read_all_s']:.1f}x a read |"
    )
    print()
    print(f"re-derive setup (not timed): {r['records']} records ingested in {r['setup_s']:.0f} s, first derive "
          f"{r['first_s']:.0f} s, database {r['mb']:.0f} MB; upgraded_from_older_algorithm="
          f"{rep.upgraded_from_older_algorithm}")
    print(f"re-derive CPU: main process {r['cpu_s']:.1f} s + read-ahead workers {r['workers_cpu_s']:.1f} s "
          f"(wall {rep.seconds:.1f} s; load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
