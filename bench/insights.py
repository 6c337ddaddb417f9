"""Insights speed: drivers over three years and one period review (docs/insights.md §6).

1. Drivers: 1,100 days x 20 tags x 7 outcomes (+ 2 continuous pairs), B = 9,999 blocked permutations, BH over
   the grid. Target <= 3 s. Baseline in the same run: the textbook loop - for each tag x outcome cell, B
   shuffles one at a time (np.random.permutation of 7-day blocks, then the two group means) - timed on a few
   cells and scaled to the whole grid.
2. Review: one week review of the same history (numbers, sentences, trajectory block), scipy already
   imported. Target <= 200 ms. Baseline: the time to sort every metric of the history once (a yardstick).

    PYTHONPATH=. .venv/bin/python bench/insights.py
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from healthdesk.core.insights.drivers import PERMUTATIONS, find_drivers  # noqa: E402
from healthdesk.core.insights.history import DailyHistory  # noqa: E402
from healthdesk.core.insights.review import build_review  # noqa: E402
from healthdesk.core.insights.stats import residualise  # noqa: E402
from tests.insights.simulate import history  # noqa: E402

DAYS, TAGS = 1_100, 20
OUTCOMES = ("recovery", "hrv_rmssd", "resting_hr", "sleep_performance", "sleep_duration", "day_strain",
            "sleep_debt")


def naive_cell(labels: np.ndarray, y: np.ndarray, b: int, rng: np.random.Generator) -> float:
    """One cell, one permutation at a time: block shuffle, group means, compare."""
    ok = np.isfinite(y)
    labels, y = labels[ok], y[ok]
    observed = abs(y[labels == 1].mean() - y[labels == 0].mean())
    blocks = [np.arange(i, min(i + 7, len(y))) for i in range(0, len(y), 7)]
    hits = 0
    for _ in range(b):
        order = rng.permutation(len(blocks))
        perm = labels[np.concatenate([blocks[i] for i in order])]
        hits += abs(y[perm == 1].mean() - y[perm == 0].mean()) >= observed
    return (1 + hits) / (1 + b)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    base = history(7, n_days=DAYS, n_null=TAGS - 1)
    h = DailyHistory(base.first, base.n_days, base.values, base.tags)
    assert len(h.tags) == TAGS
    find_drivers(h, outcomes=OUTCOMES, permutations=99)  # warm: scipy import, BLAS threads
    t_drivers = best_of(lambda: find_drivers(h, outcomes=OUTCOMES, permutations=PERMUTATIONS))
    result = find_drivers(h, outcomes=OUTCOMES)
    cells = result.tested

    rng = np.random.default_rng(1)
    y = residualise(h.metric("recovery"), h.weekdays())
    y_next = np.append(y[1:], np.nan)
    sample_cells, sample_b = 2, 2_000
    t = time.perf_counter()
    for k in range(sample_cells):
        naive_cell(h.tags[sorted(h.tags)[k]], y_next, sample_b, rng)
    t_naive_cell = (time.perf_counter() - t) / sample_cells * PERMUTATIONS / sample_b
    t_naive = t_naive_cell * (TAGS * len(OUTCOMES))
    print(f"drivers: {DAYS} days x {TAGS} tags x {len(OUTCOMES)} outcomes (+2 pairs), B = {PERMUTATIONS}: "
          f"{cells} cells tested, {len(result.drivers)} shown")
    print(f"  vectorised engine  {t_drivers:8.3f} s   (target <= 3 s: {'PASS' if t_drivers <= 3 else 'FAIL'})")
    print(f"  naive loop (est.)  {t_naive:8.1f} s   ({sample_cells} cells x {sample_b} shuffles measured, "
          f"scaled to {TAGS * len(OUTCOMES)} cells x {PERMUTATIONS})")
    print(f"  ratio naive / engine: {t_naive / t_drivers:.0f}x")

    shown = [c.as_dict() for c in result.drivers]
    t_review = best_of(lambda: build_review(h, "week", h.last, shown), repeat=5)
    month_end = h.last.replace(day=1) - timedelta(days=1)  # a whole calendar month (the review of the 1st)
    t_month = best_of(lambda: build_review(h, "month", month_end, shown), repeat=5)
    t_sort = best_of(lambda: [np.sort(v) for v in h.values.values()], repeat=5)
    print(f"review (week):  {t_review * 1000:7.1f} ms   (target <= 200 ms: {'PASS' if t_review <= 0.2 else 'FAIL'})")
    print(f"review (month): {t_month * 1000:7.1f} ms")
    print(f"  yardstick: sorting every metric once {t_sort * 1000:.2f} ms; ratio review / sort "
          f"{t_review / max(t_sort, 1e-9):.0f}x")


if __name__ == "__main__":
    main()
