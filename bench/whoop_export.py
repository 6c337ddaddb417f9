"""WHOOP export import benchmark: a 5-year export (1,826 cycles, ~2,300 sleeps, ~1,500 workouts, ~9,000
journal rows) into an empty SQLite store, including the daily values of every cycle it touches (the whoop_export
source's derive) and the journal entries. Targets: <= 5 s, peak memory <= 300 MB.

    .venv/bin/python bench/whoop_export.py [--repeat 3]

Measured in the same run (median of --repeat runs, each into a fresh database):
  * first import of the 5-year zip, and of a 30-day zip (the ratio shows how the cost grows with history);
  * re-import of the same 5-year zip (idempotent: nothing written, everything parsed and compared);
  * peak resident memory of the process (ru_maxrss) after all runs.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from healthdesk.services.whoop_export import import_export  # noqa: E402
from healthdesk.services.whoop_export.synthetic import generate, write_export  # noqa: E402
from healthdesk.store.database import open_database  # noqa: E402

YEARS5 = 1826
TARGET_S = 5.0
TARGET_MB = 300.0


def run(zip_path: Path, folder: Path, n: int, twice: bool = False) -> tuple[float, float | None, dict]:
    db_path = folder / f"bench-{n}.db"
    with open_database(db_path) as db:
        t0 = time.perf_counter()
        report = import_export(db, zip_path)
        first = time.perf_counter() - t0
        again = None
        if twice:
            t0 = time.perf_counter()
            import_export(db, zip_path)
            again = time.perf_counter() - t0
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return first, again, report.as_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = write_export(folder / "five-years.zip", generate(YEARS5, seed=1))
        small = write_export(folder / "month.zip", generate(30, seed=1))
        rows = generate(YEARS5, seed=1)
        print("5-year export: " + ", ".join(f"{len(v)} {k}" for k, v in rows.items()))
        del rows
        firsts, agains, smalls, report = [], [], [], {}
        for i in range(args.repeat):
            first, again, report = run(big, folder, i, twice=True)
            firsts.append(first)
            agains.append(again)
            smalls.append(run(small, folder, 100 + i)[0])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    f, a, s = statistics.median(firsts), statistics.median(agains), statistics.median(smalls)
    print(f"import 5 years (new db):   {f:6.2f} s  (target <= {TARGET_S:.0f} s)  counts {report}")
    print(f"import 30 days (new db):   {s:6.2f} s  -> 5 years / 30 days = {f / s:5.1f}x for {YEARS5 / 30:.0f}x the data")
    print(f"re-import 5 years (same):  {a:6.2f} s  ({a / f:4.2f}x the first import)")
    print(f"peak memory:               {peak_mb:6.0f} MB (target <= {TARGET_MB:.0f} MB)")
    ok = f <= TARGET_S and peak_mb <= TARGET_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
