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

from healthdesk.core.metrics.features import minute_features, record_time
from healthdesk.store.band_reads import records_between
from healthdesk.store.database import Database

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


def read_piece(db: Database, device: str | None, span0: float, span1: float) -> Piece:
    clock = time.perf_counter()
    records = canonical_records(records_between(db, device, span0, span1))
    read_s = time.perf_counter() - clock
    if len(records) == 0:
        return Piece(span0, span1, None, read_s, 0.0)
    clock = time.perf_counter()
    minutes = minute_features(records, int(math.floor(span0 / 60) * 60), int(math.ceil(span1 / 60) * 60))
    return Piece(span0, span1, minutes, read_s, time.perf_counter() - clock)


def _read_in_worker(path: str, device: str | None, span0: float, span1: float) -> Piece:
    db = Database(Path(path))
    try:
        return read_piece(db, device, span0, span1)
    finally:
        db.close()


def pieces(db: Database, device: str | None, spans: list[tuple[float, float]]) -> Iterator[Piece]:
    """The pieces of `spans`, in order; read ahead by worker processes when there are many."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    if len(spans) < POOL_MIN_PIECES or workers < 2:
        for span0, span1 in spans:
            yield read_piece(db, device, span0, span1)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        ahead: list[Future[Piece]] = []
        todo = iter(spans)
        for span0, span1 in todo:
            ahead.append(pool.submit(_read_in_worker, str(db.path), device, span0, span1))
            if len(ahead) > workers:
                yield ahead.pop(0).result()
        while ahead:
            yield ahead.pop(0).result()
