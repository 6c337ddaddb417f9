"""Ingest benchmark: N days of 1 Hz WHOOP 4.0 frames, hex files -> import-frames -> a fresh SQLite database.

    .venv/bin/python bench/ingest.py [--days 7]

Frames are generated per band-protocol §7.8 from one real v24 inner (the first record of the MIT-licensed
OpenStrap `dart_header.json`, read in place from ../shared): counter, time (+31504/32768 s per record), HR,
RR and gravity (both copies) are overwritten, every other byte stays as the band wrote it. Records come in
drain batches of 50 between HISTORY_START / HISTORY_END frames, one hex file per day.

Measured in the same run:
  * healthdesk: `healthdesk-cli import-frames` over all day files in a fresh process (hex parsing, CRC checks,
    decode, raw archive, chunk merge, rollups, one durable transaction per file); records/s and peak RSS;
  * baseline: the same hex parsing and decoder, then one SQLite row per record (plain sqlite3, same PRAGMAs);
  * drain-sized batches: 50-frame ingest_frames calls (one fsync'd transaction each), as the BLE drain does;
  * bytes on disk per day after a WAL checkpoint, extrapolated to a year, and the same for the real
    overnight capture (real sensor noise compresses worse than the template's constant bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from healthdesk.band.sim.frames import history_end, history_start  # noqa: E402
from healthdesk.band.whoop4.framing import build_frame  # noqa: E402

SHARED = ROOT.parent / "shared" / "reference-frames"
TEMPLATE_FILE = SHARED / "openstrap-protocol" / "dart_header.json"
OVERNIGHT = SHARED / "bwanshitong-reverse-engineering-whoop" / "61080005-8d6d-82b8-614a-1c8cb0f8dcc6-overnight.txt"
TICK = 31504  # 1/32768 s per record
START_UNIX = 1_767_571_200  # 2026-01-05T00:00:00Z
BATCH = 50
YEAR_LIMIT = 1.5e9


def template_inner() -> bytes:
    return bytes.fromhex(json.loads(TEMPLATE_FILE.read_text())[0]["hex"])


def record_inners(n: int, counter0: int, seed: int) -> np.ndarray:
    """n v24 inners (n, 96) with a plausible day: HR by time of day, RR from HR, a wandering gravity vector."""
    rng = np.random.default_rng(seed)
    inner = np.frombuffer(template_inner(), np.uint8)
    rows = np.tile(inner, (n, 1))
    ticks = (counter0 - 1 + np.arange(n, dtype=np.int64)) * TICK
    unix = START_UNIX + ticks // 32768
    subsec = ticks % 32768
    day_phase = 2 * np.pi * (unix % 86400) / 86400
    hr = np.clip(68 - 14 * np.cos(day_phase) + rng.normal(0, 4, n), 40, 190).astype(np.uint8)
    rr_count = rng.choice([0, 1, 1, 1, 2], n).astype(np.uint8)
    rr = (60000 / hr[:, None] * (1 + rng.normal(0, 0.03, (n, 4)))).astype(np.uint16)
    rr[np.arange(4)[None, :] >= rr_count[:, None]] = 0
    still = rng.random(n) < 0.9
    steps = rng.normal(0, 0.004, (n, 3)) + (~still)[:, None] * rng.normal(0, 0.15, (n, 3))
    gravity = np.cumsum(steps, axis=0) + [0.0, 0.0, 1.0]
    gravity = (gravity / np.linalg.norm(gravity, axis=1, keepdims=True) * 1.04).astype("<f4")
    rows[:, 3:7] = np.asarray(counter0 + np.arange(n), "<u4").view(np.uint8).reshape(n, 4)
    rows[:, 7:11] = unix.astype("<u4").view(np.uint8).reshape(n, 4)
    rows[:, 11:13] = subsec.astype("<u2").view(np.uint8).reshape(n, 2)
    rows[:, 17] = hr
    rows[:, 18] = rr_count
    rows[:, 19:27] = rr.astype("<u2").view(np.uint8).reshape(n, 8)
    rows[:, 36:48] = gravity.view(np.uint8).reshape(n, 12)
    rows[:, 52:64] = rows[:, 36:48]
    return rows


def write_day_files(folder: Path, days: int) -> tuple[list[Path], int]:
    per_day = int(86400 * 32768 // TICK)
    files, counter, seq, cursor = [], 1, 0, 0
    for day in range(days):
        inners = record_inners(per_day, counter, seed=day)
        lines = []
        for lo in range(0, per_day, BATCH):
            batch = inners[lo : lo + BATCH]
            now = int(START_UNIX + (counter + lo + len(batch)) * TICK // 32768) + 5
            lines.append(history_start(seq % 256, now, 0).hex())
            lines += [build_frame(row.tobytes()).hex() for row in batch]
            cursor += 5
            lines.append(history_end((seq + 1) % 256, now, 100, len(batch), cursor.to_bytes(4, "little") + bytes(4)).hex())
            seq += 3
        counter += per_day
        path = folder / f"day{day + 1}.txt"
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    return files, counter - 1


def child_import(home: str, files: list[str]) -> None:
    """Runs in a fresh process so peak RSS is the import's alone."""
    from contextlib import redirect_stdout
    from io import StringIO

    import healthdesk.services.ingest  # noqa: F401  (imports are a one-off cost of any process, not timed)
    from healthdesk.cli import build_parser, main

    build_parser()  # imports every sub-command's module (bumble, reportlab, ...) before the clock starts
    out = StringIO()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with redirect_stdout(out):
        code = main(["--home", home, "import-frames", "--no-derive", *files])  # ingest alone
    elapsed = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    print(json.dumps({"code": code, "seconds": elapsed, "cpu_seconds": cpu, "peak_mib": usage.ru_maxrss / 1024,
                      "report": json.loads(out.getvalue())}))


def run_child(home: Path, files: list[Path]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(home), *map(str, files)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def db_bytes(path: Path) -> dict[str, int]:
    from healthdesk.store.database import open_database

    with open_database(path) as db:
        db.checkpoint()
    sizes = {"file": path.stat().st_size + (path.with_name(path.name + "-wal").stat().st_size
                                            if path.with_name(path.name + "-wal").exists() else 0)}
    with sqlite3.connect(path) as conn:
        sizes["archive_blobs"] = conn.execute("select coalesce(sum(length(blob)), 0) from raw_frame_batches").fetchone()[0]
        sizes["chunk_blobs"] = conn.execute("select coalesce(sum(length(blob)), 0) from sample_chunks").fetchone()[0]
        sizes["records"] = conn.execute("select coalesce(sum(records), 0) from sample_chunks").fetchone()[0]
    return sizes


def empty_db_bytes(folder: Path) -> int:
    """A fresh database with every table and no data: a fixed cost, not a per-day one."""
    from healthdesk.store.database import open_database

    open_database(folder / "empty" / "healthdesk.db").close()
    return db_bytes(folder / "empty" / "healthdesk.db")["file"]


def baseline(folder: Path, files: list[Path]) -> tuple[float, int]:
    """Same hex parsing and decoder, then the obvious store: one row per record, composite primary key."""
    from healthdesk.band.whoop4.decode import decode_frames
    from healthdesk.cli.frames import read_hex_frames

    path = folder / "baseline.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("create table records (device integer, version integer, counter integer, unix integer, subsec "
                 "integer, hr integer, rr_count integer, rr1, rr2, rr3, rr4, gx real, gy real, gz real, "
                 "primary key (device, version, counter)) without rowid")
    start = time.perf_counter()
    for file in files:
        r = decode_frames(read_hex_frames(file).frames).records
        rows = zip([1] * len(r), r["version"].tolist(), r["counter"].tolist(), r["unix"].tolist(),
                   r["subsec"].tolist(), r["hr"].tolist(), r["rr_count"].tolist(), *r["rr"].T.tolist(),
                   *r["gravity"].astype(np.float64).T.tolist(), strict=True)
        conn.execute("begin immediate")
        conn.executemany("insert or ignore into records values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("commit")
    elapsed = time.perf_counter() - start
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return elapsed, path.stat().st_size


def drain_sized_batches(folder: Path, frames_file: Path, limit: int) -> float:
    from healthdesk.cli.frames import read_hex_frames
    from healthdesk.services.ingest import ingest_frames
    from healthdesk.store.database import open_database

    frames = read_hex_frames(frames_file).frames[: limit // BATCH * (BATCH + 2)]
    with open_database(folder / "drain.db") as db:
        start = time.perf_counter()
        records = 0
        for lo in range(0, len(frames), BATCH + 2):
            records += ingest_frames(db, "band", frames[lo : lo + BATCH + 2], received_at=time.time()).records_new
        return records / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_import(args.child[0], args.child[1:])
        return
    if not TEMPLATE_FILE.exists():
        sys.exit(f"bench/ingest.py: template not found at {TEMPLATE_FILE} (../shared is absent)")
    with tempfile.TemporaryDirectory(prefix="healthdesk-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        files, n_records = write_day_files(folder, args.days)
        print(f"generated {n_records:,} records in {args.days} day files ({time.perf_counter() - t:.1f} s, "
              f"{sum(f.stat().st_size for f in files) / 1e6:.0f} MB of hex)")

        ours = run_child(folder / "home", files)
        assert ours["code"] == 0 and ours["report"]["records_new"] == n_records, ours
        sizes = db_bytes(folder / "home" / "healthdesk.db")
        again = run_child(folder / "home", files[:1])
        assert again["report"]["records_new"] == 0

        base_s, base_bytes = baseline(folder, files)
        drain_rate = drain_sized_batches(folder, files[0], 5000)

        empty = empty_db_bytes(folder)
        real = {}
        if OVERNIGHT.exists():
            real_run = run_child(folder / "real", [OVERNIGHT])
            real = db_bytes(folder / "real" / "healthdesk.db") | {"seconds": real_run["seconds"]}

    rate = n_records / ours["seconds"]
    per_day = (sizes["file"] - empty) / args.days
    worn_day_records = 86400 * 32768 / TICK
    print()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, numpy {np.__version__}; "
          f"load average during the run {os.getloadavg()[0]:.1f}; sizes exclude the empty database "
          f"({empty / 1e3:.0f} kB); timings exclude Python imports")
    print("| measure | healthdesk | baseline (row per record) | ratio |")
    print("|---|---|---|---|")
    print(f"| import {n_records:,} records, hex files -> durable DB | {ours['seconds']:.2f} s = {rate:,.0f} rec/s "
          f"| {base_s:.2f} s = {n_records / base_s:,.0f} rec/s | {base_s / ours['seconds']:.1f}x faster |")
    print(f"| same import, CPU time of the process (both threads) | {ours['cpu_seconds']:.2f} s = "
          f"{n_records / ours['cpu_seconds']:,.0f} rec per CPU-s | | |")
    print(f"| bytes on disk per worn day (DB after checkpoint, archive incl.) | {per_day / 1e6:.2f} MB "
          f"| {base_bytes / args.days / 1e6:.2f} MB (no raw archive) | {base_bytes / sizes['file']:.1f}x smaller |")
    print(f"| one year extrapolated | {per_day * 365 / 1e9:.2f} GB (limit {YEAR_LIMIT / 1e9:.1f}) "
          f"| {base_bytes / args.days * 365 / 1e9:.2f} GB | |")
    print(f"| peak RSS of the import process | {ours['peak_mib']:.0f} MiB (limit 400) | | |")
    print(f"| drain-sized batches (50 records + START/END, one fsync'd transaction each) | {drain_rate:,.0f} rec/s | | |")
    print(f"| split of DB bytes | raw archive {sizes['archive_blobs'] / sizes['file']:.0%}, "
          f"1 Hz chunks {sizes['chunk_blobs'] / sizes['file']:.0%}, rest (rollups, metadata, indexes) "
          f"{1 - (sizes['archive_blobs'] + sizes['chunk_blobs']) / sizes['file']:.0%} | | |")
    if real:
        real_per_record = (real["file"] - empty) / real["records"]
        real_per_day = real_per_record * worn_day_records
        print(f"| real overnight capture ({real['records']:,} v12 records, real sensor noise) | "
              f"{real_per_record:.1f} B/record = {real_per_day / 1e6:.2f} MB per worn day = "
              f"{real_per_day * 365 / 1e9:.2f} GB/year | | |")
    if rate < 250_000 or ours["peak_mib"] > 400 or per_day * 365 > YEAR_LIMIT:
        print("TARGET MISSED (>= 250,000 rec/s, <= 400 MiB, < 1.5 GB/year)")


if __name__ == "__main__":
    main()
