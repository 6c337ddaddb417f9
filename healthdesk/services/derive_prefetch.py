"""Read and featurise the derive job's pieces: stored 1 Hz records -> one canonical copy -> minute features.

Reading and minute features are most of a long re-derive (bench/derive.py) and need nothing but the records, so
for a long span (a full re-derive after an algorithm-version bump) they run ahead in worker processes while the
main process evaluates the metrics piece by piece, in order (each piece reads the history the previous one
stored). A short derive (a drain, an import) stays in-process. Workers are spawned, never forked: derive also
runs inside the GUI process, whose threads a fork would copy mid-flight.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from healthdesk.core.metrics.features import empty_minutes, minute_features, record_time
from healthdesk.store.band_reads import records_between
from healthdesk.store.database import Database

DAY_S = 86400
POOL_MIN_PIECES = 4  # below this a worker's start-up (~1 s) costs more than it saves
MAX_WORKERS = 2


@dataclass(frozen=True)
class Piece:
    span0: float  # records loaded: [span0, span1)
    span1: float
    minutes: np.ndarray | None  # None: no record in the span
    read_s: float
    features_s: float


def canonical_records(records: np.ndarray) -> np.ndarray:
    """One record per (time, record version), in one fixed order, whatever the import order or device count.

    The same frames imported from two files, two devices or in another order store the same records under
    different chunk and device ids; the engine must see exactly one copy of each instant, chosen by content
    (the smallest record bytes), so stored values never depend on how the data arrived (docs/architecture.md
    "Day model").
    """
    if len(records) < 2:
        return records
    t = record_time(records)
    if bool(np.all(t[1:] > t[:-1])):  # one device, no overlap (the usual case): already canonical
        return records
    raw = np.ascontiguousarray(records).view(np.dtype((np.void, records.dtype.itemsize)))
    order = np.argsort(raw, kind="stable")
    order = order[np.lexsort((records["version"][order], t[order]))]
    ordered, t_sorted, versions = records[order], t[order], records["version"][order]
    first = np.ones(len(ordered), bool)
    first[1:] = (t_sorted[1:] != t_sorted[:-1]) | (versions[1:] != versions[:-1])
    return ordered[first]


def _read_day(db: Database, device: str | None, day0: int) -> tuple[np.ndarray, int, float, float]:
    """Minute features of one UTC day [day0, day0 + 1 day): (grid, records, read seconds, feature seconds)."""
    clock = time.perf_counter()
    records = canonical_records(records_between(db, device, day0, day0 + DAY_S))
    read_s = time.perf_counter() - clock
    clock = time.perf_counter()
    grid = minute_features(records, day0, day0 + DAY_S) if len(records) else empty_minutes(day0, day0 + DAY_S)
    return grid, len(records), read_s, time.perf_counter() - clock


def _read_day_in_worker(path: str, device: str | None, day0: int) -> tuple[np.ndarray, int, float, float]:
    db = Database(Path(path))
    try:
        return _read_day(db, device, day0)
    finally:
        db.close()


def _days(span0: float, span1: float) -> range:
    return range(int(span0 // DAY_S) * DAY_S, int(math.ceil(span1 / DAY_S)) * DAY_S, DAY_S)


def pieces(db: Database, device: str | None, spans: list[tuple[float, float]]) -> Iterator[Piece]:
    """The pieces of `spans`, in order.

    Minute features are computed per whole UTC day and pieces are cut from those days, so a minute's features
    never depend on where a derive started or how it was split (incremental and full derives see the same
    grid), and the days two pieces share are computed once. With many pieces, days are read ahead by worker
    processes; a day's grid is dropped once no later piece needs it.
    """
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    pool = None
    if len(spans) >= POOL_MIN_PIECES and workers >= 2:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        needed = [_days(a, b) for a, b in spans]
        order = sorted({d for days in needed for d in days})
        submitted: dict[int, Future | tuple] = {}
        cursor = 0

        def submit_until(limit: int) -> None:
            nonlocal cursor
            while cursor < len(order) and order[cursor] < limit:
                d = order[cursor]
                if pool is not None:
                    submitted[d] = pool.submit(_read_day_in_worker, str(db.path), device, d)
                cursor += 1

        for i, (span0, span1) in enumerate(spans):
            ahead = needed[i + 1][-1] + DAY_S if i + 1 < len(spans) else needed[i][-1] + DAY_S
            submit_until(ahead)  # this piece's days and the next piece's, in flight
            parts, records, read_s, features_s = [], 0, 0.0, 0.0
            for d in needed[i]:
                got = submitted.get(d)
                if isinstance(got, Future):
                    got = got.result()
                elif got is None:
                    got = _read_day(db, device, d)
                submitted[d] = got
                grid, n, r, f = got
                parts.append(grid)
                records += n
                read_s += r
                features_s += f
            later = needed[i + 1][0] if i + 1 < len(spans) else None
            for d in [d for d in submitted if later is None or d < later]:
                if not isinstance(submitted[d], Future):
                    del submitted[d]
            m0, m1 = int(math.floor(span0 / 60) * 60), int(math.ceil(span1 / 60) * 60)
            grid = np.concatenate(parts)
            grid = grid[(grid["minute"] >= m0) & (grid["minute"] < m1)]
            has_records = records > 0 and bool(np.any(grid["records"]))
            yield Piece(span0, span1, grid if has_records else None, read_s, features_s)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
