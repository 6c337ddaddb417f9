"""Clinician export benchmark: a one-year period -> FHIR R4 bundle and PDF report (targets: <= 2 s each).

    .venv/bin/python bench/export.py [--repeat 3]

Measured in the same run (median of --repeat runs each):
  * render only, from an in-memory ReportData with every metric from both sources, daily sleeps and
    workouts: one year vs a 30-day baseline (the ratio shows how the cost grows with the period);
  * end to end through the service (`export`), from a real SQLite store holding a year (+30 lead-in days)
    of WHOOP-cloud records written with the store's own upsert: load + render + atomic write.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the synthetic data generators live with the tests

from healthdesk.clinical.fhir import build_bundle, bundle_bytes  # noqa: E402
from healthdesk.clinical.pdf import render_pdf  # noqa: E402
from healthdesk.clinical.report_data import Period  # noqa: E402
from healthdesk.services.export import ExportRequest, export  # noqa: E402
from healthdesk.store.database import open_database  # noqa: E402
from tests.clinical.factory import TZ, report  # noqa: E402
from tests.clinical.store_fill import ensure_tables, fill_cloud  # noqa: E402

YEAR = Period(date(2025, 11, 1), date(2026, 10, 31), TZ)
MONTH = Period(date(2026, 10, 1), date(2026, 10, 30), TZ)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


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
        ensure_tables(db)
        t0 = time.perf_counter()
        fill_cloud(db, YEAR.start - timedelta(days=30), YEAR.end)
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
    print(f"\nend to end from SQLite (one year of WHOOP cloud records, filled in {t_fill:.1f} s):")
    print(f"  export fhir: {e2e['fhir']:.3f} s ({e2e['fhir_size'] / 1e6:.2f} MB)   "
          f"export pdf: {e2e['pdf']:.3f} s ({e2e['pdf_size'] / 1e3:.0f} kB)   target <= 2 s each")


if __name__ == "__main__":
    main()
