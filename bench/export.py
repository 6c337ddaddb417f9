"""Clinician export benchmark: a one-year period -> FHIR R4 bundle and PDF report (targets: <= 2 s each).

    .venv/bin/python bench/export.py [--repeat 3]

Measured in the same run (median of --repeat runs each):
  * render only, from an in-memory ReportData with every metric from both sources, daily sleeps and
    workouts: one year vs a 30-day baseline (the ratio shows how the cost grows with the period);
  * end to end through the service (`export`), from a real SQLite store holding a year (+30 lead-in days)
    of WHOOP-cloud records written with the store's own upsert (projected into daily_values by the sync's
    projection) and a year of band data: 525,600 minute rollups, daily values, sleeps and workouts written
    with the store's derived-table API: load + render + atomic write.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the synthetic data generators live with the tests

from healthdesk.clinical.fhir import build_bundle, bundle_bytes  # noqa: E402
from healthdesk.clinical.pdf import render_pdf  # noqa: E402
from healthdesk.clinical.report_data import Period  # noqa: E402
from healthdesk.services.export import ExportRequest, export  # noqa: E402
from healthdesk.store.database import open_database  # noqa: E402
from healthdesk.store.derived import (  # noqa: E402
    DailyValue,
    StoredSleep,
    StoredWorkout,
    put_daily_values,
    replace_band_sleeps,
    replace_band_workouts,
)
from tests.clinical.factory import TZ, report  # noqa: E402
from tests.clinical.store_fill import BAND_STAGES, fill_cloud  # noqa: E402
from tests.clinical.whoop_records import truth  # noqa: E402

YEAR = Period(date(2025, 11, 1), date(2026, 10, 31), TZ)
MONTH = Period(date(2026, 10, 1), date(2026, 10, 30), TZ)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def fill_band_year(db) -> None:
    """A year of worn minutes (HR 60-80) and band-derived days, written straight into the store's tables."""
    t0 = int(datetime.combine(YEAR.start - timedelta(days=30), datetime.min.time(), UTC).timestamp())
    minutes = (YEAR.days + 31) * 1440
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO devices (name, model) VALUES ('WHOOP 4C0000099', 'whoop4')")
        conn.exec_driver_sql(
            "INSERT INTO minute_rollups (device_id, minute, records, hr_count, hr_mean, hr_min, hr_max, rr_count, "
            "motion, active_count, worn_fraction) VALUES (1, ?, 62, 62, ?, 55, 90, 60, 0.01, 3, 1.0)",
            [(t0 + 60 * i, 60.0 + (i % 1440) / 72.0) for i in range(minutes)])
        values, sleeps, workouts = [], [], []
        for i in range(YEAR.days + 30):
            day = YEAR.start - timedelta(days=30) + timedelta(days=i)
            t = truth(day)
            values += [DailyValue(day.isoformat(), m, "band", t[m] - 1.0, u, 0.9)
                       for m, u in (("resting_hr", "bpm"), ("hrv_rmssd", "ms"), ("recovery", "%"),
                                    ("day_strain", "strain"), ("sleep_performance", "%"))]
            values.append(DailyValue(day.isoformat(), "sleep_duration", "band", 400.0, "min", 0.9))
            onset = datetime.combine(day, datetime.min.time(), UTC).timestamp() + 22.5 * 3600
            sleeps.append(StoredSleep(day.isoformat(), onset, onset + 460 * 60, True, 460.0, 400.0, 0.87, 40.0, 3,
                                      0.8, {"stages": BAND_STAGES}))
            workouts.append(StoredWorkout(day.isoformat(), onset - 5 * 3600, onset - 4 * 3600, 11.0, 80.0, 141.0,
                                          169.0))
        put_daily_values(conn, values)
        replace_band_sleeps(conn, 0, 2**31, sleeps)
        replace_band_workouts(conn, 0, 2**31, workouts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    rows = []
    for label, period in (("30 days (baseline)", MONTH), ("one year", YEAR)):
        data = report(period)
        t_fhir, payload = timed(lambda d=data: bundle_bytes(d), args.repeat)
        t_pdf, (pdf, pages) = timed(lambda d=data: render_pdf(d), args.repeat)
        entries = len(build_bundle(data)["entry"])
        rows.append((label, t_fhir, len(payload), entries, t_pdf, len(pdf), pages))

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "healthdesk.db"
        db = open_database(db_path)
        t0 = time.perf_counter()
        fill_cloud(db, YEAR.start - timedelta(days=30), YEAR.end)
        fill_band_year(db)
        t_fill = time.perf_counter() - t0
        db.close()
        e2e = {}
        for kind in ("fhir", "pdf"):
            out = Path(tmp) / f"report.{kind}"
            req = ExportRequest(kind, YEAR.start, YEAR.end, out, timezone=TZ)
            e2e[kind], result = timed(lambda r=req: export(db_path, r), args.repeat)
            e2e[kind + "_size"] = result.size_bytes

    print(f"clinician export benchmark ({os.cpu_count()} cores, median of {args.repeat})\n")
    print("| period | FHIR bundle s | bundle size | entries | PDF s | PDF size | pages |")
    print("|---|---|---|---|---|---|---|")
    for label, tf, size, entries, tp, psize, pages in rows:
        print(f"| {label} | {tf:.3f} | {size / 1e6:.2f} MB | {entries} | {tp:.3f} | {psize / 1e3:.0f} kB | {pages} |")
    base, year = rows[0], rows[1]
    print(f"\nyear / 30-day ratio: bundle {year[1] / base[1]:.1f}x, PDF {year[4] / base[4]:.1f}x "
          f"(period is {YEAR.days / MONTH.days:.1f}x longer; the bundle is capped at 92 points per series)")
    print(f"\nend to end from SQLite (a year of WHOOP cloud records and band data, filled in {t_fill:.1f} s):")
    print(f"  export fhir: {e2e['fhir']:.3f} s ({e2e['fhir_size'] / 1e6:.2f} MB)   "
          f"export pdf: {e2e['pdf']:.3f} s ({e2e['pdf_size'] / 1e3:.0f} kB)   target <= 2 s each")


if __name__ == "__main__":
    main()
