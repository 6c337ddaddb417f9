"""Start-up, range-switch and day-explorer benchmark for the desktop app, over three years of 1 Hz history.

    .venv/bin/python bench/startup.py [--runs N] [--years Y]

1. A fresh data folder gets Y years (default 3) of derived values (every Today metric per day, band sleeps with
   per-minute stages, workouts) and of 1 Hz band records (heart rate and R-R intervals, ~89 900 a day), written
   through the store's own API (store.band_writes.merge_samples; minute rollups are left out - nothing
   measured here reads them).
2. First paint: `healthdesk --home DIR` is started as a real process N times with HEALTHDESK_EXIT_AFTER_FIRST_PAINT;
   the app prints the wall clock once Today has its data and is painted. Baseline in the same run: a bare
   PySide6 window process (import Qt, show a label, paint) - the floor any Qt app pays. Its peak resident
   memory is reported too.
3. Range switch: the Recovery page loaded in-process; time switching its charts to "1 y" and to "all", each
   followed by a full render of the page. Baseline: what a query-per-range design would pay - re-reading the
   history from SQLite and rebuilding the charts for the same switch.
4. Day explorer: open a day in the middle of the history (read the day's records, sleeps, workouts and events
   + draw + a full render of the page), then press the next-day arrow once the page has read the neighbours
   ahead (draw + render). Baseline: decoding one day's records alone (store.band_reads.records_between), the
   floor of any design that reads a day on demand.
Runs offscreen unless a DISPLAY (Xvfb) is given. Targets: first paint <= 1.5 s, range switch <= 100 ms,
day explorer open / next day <= 100 ms, resident memory <= 500 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from healthdesk.config import resolve_paths  # noqa: E402
from healthdesk.core.models import RECORD_PERIOD_S, SAMPLE_DTYPE  # noqa: E402
from healthdesk.store.band_writes import device_id_for, merge_samples, touch_device  # noqa: E402
from healthdesk.store.database import open_database  # noqa: E402
from healthdesk.store.derived import (  # noqa: E402
    DailyValue,
    StoredSleep,
    StoredWorkout,
    put_daily_values,
    replace_band_sleeps,
    replace_band_workouts,
)

METRICS = {
    "recovery": ("%", 60, 18), "day_strain": ("strain", 11, 3), "sleep_duration": ("min", 430, 40),
    "sleep_performance": ("%", 85, 8), "sleep_need": ("min", 470, 20), "resting_hr": ("bpm", 55, 2),
    "hrv_rmssd": ("ms", 55, 8), "max_hr": ("bpm", 186, 1), "acwr": ("ratio", 1.0, 0.15),
}


def day_records(start_unix: float, counter0: int, rng: np.random.Generator) -> np.ndarray:
    """One day of 1 Hz records: ~52 bpm asleep (00:00-07:00), ~72 awake, a 45-minute effort at 18:00."""
    n = int(86400 / RECORD_PERIOD_S)
    t = start_unix + np.arange(n) * RECORD_PERIOD_S
    hour = (np.arange(n) * RECORD_PERIOD_S) / 3600.0
    hr = np.where(hour < 7, 52.0, 72.0) + 4 * np.sin(np.arange(n) / 40.0) + rng.normal(0, 2, n)
    hr[(hour >= 18) & (hour < 18.75)] += 70
    out = np.zeros(n, SAMPLE_DTYPE)
    out["version"] = 12
    out["counter"] = counter0 + np.arange(n)
    out["unix"] = t.astype(np.uint32)
    out["subsec"] = ((t % 1) * 32768).astype(np.uint16)
    out["hr"] = np.clip(hr, 30, 220).astype(np.uint8)
    rr = 60000.0 / hr
    out["rr_count"] = 1
    out["rr"][:, 0] = rr.astype(np.uint16)
    out["gravity"][:, 2] = 1.0
    return out


def build_records(home: Path, days: int) -> int:
    """`days` days of 1 Hz records ending today, one transaction per 30 days; returns the record count."""
    db = open_database(resolve_paths(home).database)
    rng = np.random.default_rng(2)
    first = time.mktime((date.today() - timedelta(days=days - 1)).timetuple())
    total, counter = 0, 0
    for block in range(0, days, 30):
        with db.write() as conn:
            device = device_id_for(conn, "bench-band")
            lo = hi = None
            for k in range(block, min(days, block + 30)):
                records = day_records(first + k * 86400, counter, rng)
                counter += len(records)
                total += len(merge_samples(conn, device, records).new)
                lo = lo if lo is not None else int(records["unix"][0])
                hi = int(records["unix"][-1])
            touch_device(conn, device, lo, hi, time.time())
    db.close()
    return total


def build_year(home: Path, days: int = 365) -> Path:
    paths = resolve_paths(home).ensure()
    db = open_database(paths.database)
    rng = np.random.default_rng(1)
    today = date.today()
    values, sleeps, workouts = [], [], []
    for k in range(days):
        d = today - timedelta(days=days - 1 - k)
        for name, (unit, centre, spread) in METRICS.items():
            values.append(DailyValue(d.isoformat(), name, "band", float(centre + rng.normal(0, spread)), unit, 0.9))
        onset = time.mktime(d.timetuple()) - 3600 * 1.5  # 22:30 the evening before
        minutes = 440
        stages = "".join(str(s) for s in rng.choice([0, 1, 1, 1, 2, 3], size=minutes))
        sleeps.append(StoredSleep(d.isoformat(), onset, onset + minutes * 60, True, minutes, minutes - 30, 93.0,
                                  20.0, 3, 0.9, {"state": "s" * minutes, "stages": stages}))
        if k % 3 == 0:
            start = onset + 20 * 3600
            workouts.append(StoredWorkout(d.isoformat(), start, start + 2700, 11.5, 90.0, 142.0, 171.0))
    with db.write() as conn:
        put_daily_values(conn, values)
        replace_band_sleeps(conn, 0, 2**40, sleeps)
        replace_band_workouts(conn, 0, 2**40, workouts)
    db.close()
    return home


def first_paint(home: Path) -> tuple[float, float]:
    """(wall seconds from process start to Today painted, CPU seconds of the whole process run)."""
    env = dict(os.environ, HEALTHDESK_EXIT_AFTER_FIRST_PAINT="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "healthdesk.app", "--home", str(home)], env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stamp = next(line for line in out.splitlines() if line.startswith("first-paint-unix"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(stamp.split()[1]) - started, cpu


BARE_QT = (
    "import time, sys\n"
    "from PySide6.QtWidgets import QApplication, QLabel\n"
    "app = QApplication([]); w = QLabel('hello'); w.resize(1280, 860); w.show(); w.repaint()\n"
    "print(f'first-paint-unix {time.time():.6f}')\n"
)


def bare_qt_paint() -> float:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", BARE_QT], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return float(out.split()[1]) - started


def range_switch(home: Path, runs: int) -> dict[str, float]:
    import asyncio

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    import healthdesk.ui  # noqa: F401
    from healthdesk.services.dashboard import DashboardService
    from healthdesk.ui.context import AppContext
    from healthdesk.ui.pages.history import recovery_page
    from healthdesk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    db = open_database(resolve_paths(home).database)
    service = DashboardService(db)
    results: dict[str, list[float]] = {"1 y": [], "all": [], "requery 1 y": [], "explorer open": [],
                                       "explorer next day": [], "decode a day": []}
    seconds: list[int] = []

    async def measure() -> None:
        ctx = AppContext(TaskRunner(), QSettings(str(home / "bench.ini"), QSettings.Format.IniFormat), home)
        ctx.attach(dashboard=service)
        page = recovery_page(ctx)
        page.resize(1280, 1400)
        page.show()
        loaded = asyncio.Event()
        page.loaded.connect(loaded.set)
        page.refresh()
        await loaded.wait()
        page.grab()
        for _ in range(runs):
            for label, days in (("1 y", 365), ("all", 0)):
                page.set_range_days(30)
                page.grab()
                t = time.perf_counter()
                page.ranges.choose(days)
                page.grab()  # a full render of the page at the new range
                results[label].append(time.perf_counter() - t)
            page.set_range_days(30)
            page.grab()
            t = time.perf_counter()  # baseline: re-query and rebuild every chart for the switch
            histories = [service.history(m) for m in page.cards]
            page.show_histories(histories)
            page.set_range_days(365)
            page.grab()
            results["requery 1 y"].append(time.perf_counter() - t)
        await measure_explorer(ctx)
        await ctx.runner.shutdown()
        page.deleteLater()

    async def measure_explorer(ctx: object) -> None:
        from healthdesk.services.day_explorer import DayExplorerService
        from healthdesk.store.band_reads import records_between
        from healthdesk.ui.pages.day_explorer import DayExplorerPage

        page = DayExplorerPage(ctx)  # type: ignore[arg-type]
        page.resize(1280, 900)
        page.show()
        loaded = asyncio.Event()
        page.loaded.connect(loaded.set)
        page.refresh()
        await loaded.wait()
        page.grab()
        explorer = DayExplorerService(service)
        assert page.bounds is not None
        first, last = page.bounds
        middle = first + (last - first) / 2
        for k in range(runs):
            day = middle + timedelta(days=3 * k)  # a day not read before: no warm cache of its chunks
            t = time.perf_counter()
            trace = explorer.day(day)
            page.show_trace(trace)
            page.grab()
            results["explorer open"].append(time.perf_counter() - t)
            page.grab()
            for _ in range(500):  # the page reads the neighbours ahead while this day is looked at
                if day + timedelta(days=1) in page._cache:
                    break
                await asyncio.sleep(0.01)
            t = time.perf_counter()
            page.next.click()  # what the arrow does: the day read ahead is drawn
            page.grab()
            results["explorer next day"].append(time.perf_counter() - t)
            assert page.trace is not None and page.trace.day == day + timedelta(days=1)
            t = time.perf_counter()
            records_between(db, None, explorer.midnight(day + timedelta(days=2)),
                            explorer.midnight(day + timedelta(days=3)))
            results["decode a day"].append(time.perf_counter() - t)
        seconds.append(trace.seconds_with_hr)
        page.deleteLater()

    loop.run_until_complete(measure())
    loop.close()
    db.close()
    out = {k: statistics.median(v) for k, v in results.items()}
    out["seconds in a day"] = float(seconds[-1]) if seconds else 0.0
    out["rss MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    days = 365 * args.years
    with tempfile.TemporaryDirectory() as tmp:
        home = build_year(Path(tmp) / "home", days)
        t = time.perf_counter()
        records = build_records(Path(tmp) / "home", days)
        built = time.perf_counter() - t
        size_mb = (resolve_paths(Path(tmp) / "home").database.stat().st_size) / 1e6
        runs = [first_paint(home) for _ in range(args.runs)]
        paint_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        paints, cpus = [w for w, _ in runs], [c for _, c in runs]
        bare = [bare_qt_paint() for _ in range(args.runs)]
        switch = range_switch(home, args.runs)
    paint, floor = statistics.median(paints), statistics.median(bare)
    print(f"healthdesk startup benchmark ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Qt platform {os.environ.get('QT_QPA_PLATFORM', 'xcb (DISPLAY=' + os.environ.get('DISPLAY', '') + ')')}, "
          f"{args.years} years: {records / 1e6:.1f} M records of 1 Hz history + derived data, database "
          f"{size_mb:.0f} MB written in {built:.0f} s, median of {args.runs})")
    print(f"{'measure':48s} {'value':>9s} {'target':>8s} {'ratio':>26s}")
    print(f"{'process start -> Today painted with data (s)':48s} {paint:9.3f} {'<= 1.5':>8s} "
          f"{paint / floor:8.1f}x bare Qt window")
    print(f"{'  CPU seconds of that process (start..exit)':48s} {statistics.median(cpus):9.3f}")
    print(f"{'  baseline: bare PySide6 window painted (s)':48s} {floor:9.3f}")
    print(f"{'  peak resident memory of the app process (MB)':48s} {paint_rss:9.0f} {'<= 500':>8s}")
    for label in ("1 y", "all"):
        print(f"{'Recovery charts -> ' + label + ' (switch + render, s)':48s} {switch[label]:9.3f} {'<= 0.1':>8s} "
              f"{switch['requery 1 y'] / switch[label]:8.1f}x faster than requery")
    print(f"{'  baseline: requery + rebuild charts -> 1 y (s)':48s} {switch['requery 1 y']:9.3f}")
    for label in ("explorer open", "explorer next day"):
        print(f"{'Day explorer: ' + label.split(' ', 1)[1] + ' (s)':48s} {switch[label]:9.3f} "
              f"{'<= 0.1':>8s} {switch[label] / switch['decode a day']:8.1f}x decoding the day alone")
    print(f"{'  baseline: decode one day of records (s)':48s} {switch['decode a day']:9.3f}")
    print(f"{'  seconds with heart rate in that day':48s} {switch['seconds in a day']:9.0f}")
    print(f"{'  peak resident memory, in-process pages (MB)':48s} {switch['rss MB']:9.0f} {'<= 500':>8s}")
    ok = (paint <= 1.5 and switch["1 y"] <= 0.1 and switch["all"] <= 0.1 and switch["explorer open"] <= 0.1
          and switch["explorer next day"] <= 0.1 and max(paint_rss, switch["rss MB"]) <= 500)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
