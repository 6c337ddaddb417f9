"""Drivers: which journal tags (and strain / sleep debt) go with next-morning outcomes (docs/insights.md §2).

Per metrics.md §20 (decision D5): a tag answered on cycle D is paired with the outcome of the morning D+1.
Outcomes (and continuous inputs) are residualised on weekday and linear trend. Binary tags: difference of
means tagged - untagged, two-sided blocked permutation p (7-day blocks, seeded, B = 9,999). Continuous pairs:
Pearson r with the Pyper-Peterman effective n. Gates: >= 20 paired days, >= 5 tagged and >= 5 untagged.
Benjamini-Hochberg over every tested cell; a driver is shown only at q <= 0.10 and |Cohen's d| >= 0.5
(for a continuous pair d = 2r / sqrt(1 - r^2), the usual r-to-d conversion). Association, not cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.stats import (
    block_permutation_index,
    mean_difference,
    pearson_p,
    permutation_p_grid,
    residualise,
)
from healthdesk.core.metrics.fdr import bh_qvalues

OUTCOMES = ("recovery", "hrv_rmssd", "resting_hr", "sleep_performance", "sleep_duration")
CONTINUOUS_PAIRS = (("day_strain", "recovery"), ("sleep_debt", "recovery"))
PERMUTATIONS = 9_999
SEED = 20_201
MIN_PAIRED = 20
MIN_PER_SIDE = 5
Q_MAX = 0.10
D_MIN = 0.5
CAVEAT = "association, not cause"


@dataclass(frozen=True)
class Cell:
    """One tested (or untestable) input x outcome combination."""

    tag: str  # journal tag name, or the continuous input's metric name
    outcome: str
    kind: str  # "tag" | "continuous"
    n: int
    n_tagged: int = 0
    n_untagged: int = 0
    delta: float | None = None  # tag: mean next-morning outcome tagged - untagged; continuous: slope per unit
    d: float | None = None  # Cohen's d (pooled SD); for continuous pairs 2r / sqrt(1 - r^2)
    r: float | None = None
    p: float | None = None
    q: float | None = None
    reason: str = ""  # why it was not tested

    @property
    def shown(self) -> bool:
        return (self.q is not None and self.d is not None and self.q <= Q_MAX and abs(self.d) >= D_MIN)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"tag": self.tag, "outcome": self.outcome, "kind": self.kind,
                                  "delta": _round(self.delta, 3), "d": _round(self.d, 3), "p": _round(self.p, 6),
                                  "q": _round(self.q, 6), "n": self.n, "n_tagged": self.n_tagged,
                                  "n_untagged": self.n_untagged}
        if self.kind == "continuous":
            out["r"] = _round(self.r, 3)
        if self.reason:
            out["reason"] = self.reason
        else:
            out["note"] = CAVEAT
        return out


@dataclass(frozen=True)
class DriverResult:
    tested: int
    cells: list[Cell] = field(default_factory=list)  # tested cells, with q
    not_enough_data: list[Cell] = field(default_factory=list)
    permutations: int = PERMUTATIONS

    @property
    def drivers(self) -> list[Cell]:
        """Cells that pass q <= 0.10 and |d| >= 0.5, strongest |d| first."""
        return sorted((c for c in self.cells if c.shown), key=lambda c: (-abs(c.d or 0.0), c.q or 1.0))

    def as_dict(self) -> dict[str, object]:
        return {"tested": self.tested, "permutations": self.permutations,
                "drivers": [c.as_dict() for c in self.drivers],
                "not_enough_data": [c.as_dict() for c in self.not_enough_data], "note": CAVEAT}


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def _next_morning(series: np.ndarray) -> np.ndarray:
    """Value of morning D+1 at index D (the last day has no next morning)."""
    out = np.full(len(series), np.nan)
    out[:-1] = series[1:]
    return out


class _IndexCache:
    """Permutation index matrices by length: tags answered on the same number of days share one."""

    def __init__(self, b: int, seed: int) -> None:
        self.b, self.seed, self._by_n = b, seed, {}

    def get(self, n: int) -> np.ndarray:
        if n not in self._by_n:
            self._by_n[n] = block_permutation_index(n, self.b, self.seed + n)
        return self._by_n[n]


def _tag_cells(history: DailyHistory, outcomes: Sequence[str], residuals: dict[str, np.ndarray],
               cache: _IndexCache) -> tuple[list[Cell], list[float], list[Cell]]:
    tested, pvals, skipped = [], [], []
    nexts = np.column_stack([_next_morning(residuals[o]) for o in outcomes]) if outcomes else None
    groups: dict[bytes, list[str]] = {}  # tags answered on the same days share one permutation pass
    cells: dict[str, list[tuple[int, Cell]]] = {}
    for tag in sorted(history.tags):
        answers = history.tags[tag]
        answered = np.isfinite(answers)
        labels = answers[answered]
        testable: list[tuple[int, Cell]] = []
        for j, outcome in enumerate(outcomes):
            delta, sd, n_yes, n_no = mean_difference(labels, nexts[answered, j])  # type: ignore[index]
            n = n_yes + n_no
            if n < MIN_PAIRED or n_yes < MIN_PER_SIDE or n_no < MIN_PER_SIDE:
                why = f"needs >= {MIN_PAIRED} paired days with >= {MIN_PER_SIDE} tagged and untagged"
                skipped.append(Cell(tag, outcome, "tag", n, n_yes, n_no, reason=why))
                continue
            d = delta / sd if sd and np.isfinite(sd) and sd > 0 else None
            testable.append((j, Cell(tag, outcome, "tag", n, n_yes, n_no, delta, d)))
        if testable:
            cells[tag] = testable
            groups.setdefault(np.packbits(answered).tobytes() + bytes([len(answers) % 8]), []).append(tag)
    for members in groups.values():
        answered = np.isfinite(history.tags[members[0]])
        labels = np.column_stack([history.tags[t][answered] for t in members])
        p = permutation_p_grid(labels, nexts[answered], cache.get(int(answered.sum())))  # type: ignore[index]
        for row, tag in enumerate(members):
            for j, cell in cells[tag]:
                tested.append(cell)
                pvals.append(float(p[row, j]))
    return tested, pvals, skipped


def _continuous_cells(history: DailyHistory, pairs: Sequence[tuple[str, str]],
                      residuals: dict[str, np.ndarray]) -> tuple[list[Cell], list[float], list[Cell]]:
    tested, pvals, skipped = [], [], []
    weekday = history.weekdays()
    for source, outcome in pairs:
        x = residualise(history.metric(source), weekday)
        y = _next_morning(residuals[outcome])
        ok = np.isfinite(x) & np.isfinite(y)
        n = int(ok.sum())
        if n < MIN_PAIRED:
            skipped.append(Cell(source, outcome, "continuous", n, reason=f"needs >= {MIN_PAIRED} paired days"))
            continue
        r, p, _ = pearson_p(x[ok], y[ok])
        if not np.isfinite(p):
            skipped.append(Cell(source, outcome, "continuous", n, reason="no variation"))
            continue
        slope = r * float(np.std(y[ok]) / np.std(x[ok]))
        d = 2 * r / np.sqrt(max(1e-12, 1 - r * r))
        tested.append(Cell(source, outcome, "continuous", n, delta=slope, d=float(d), r=r))
        pvals.append(p)
    return tested, pvals, skipped


def find_drivers(history: DailyHistory, outcomes: Sequence[str] = OUTCOMES,
                 pairs: Sequence[tuple[str, str]] = CONTINUOUS_PAIRS, permutations: int = PERMUTATIONS,
                 seed: int = SEED) -> DriverResult:
    """Test every tag x outcome and continuous pair; BH over all tested cells (metrics.md §20)."""
    weekday = history.weekdays()
    needed = set(outcomes) | {o for _, o in pairs}
    residuals = {o: residualise(history.metric(o), weekday) for o in needed}
    tag_cells, tag_p, tag_skip = _tag_cells(history, outcomes, residuals, _IndexCache(permutations, seed))
    cont_cells, cont_p, cont_skip = _continuous_cells(history, pairs, residuals)
    cells, pvals = tag_cells + cont_cells, tag_p + cont_p
    m = len(cells)
    skipped = tag_skip + cont_skip
    # a p-value can never go below 1/(B+1): if even that cannot reach q <= 0.10 over m tests, say so
    if m and m / (permutations + 1) > Q_MAX:
        return DriverResult(0, [], skipped + [Cell(c.tag, c.outcome, c.kind, c.n, c.n_tagged, c.n_untagged,
                                                   reason="too many tests for the permutation count")
                                              for c in cells], permutations)
    q = bh_qvalues(pvals) if m else np.empty(0)
    done = [Cell(c.tag, c.outcome, c.kind, c.n, c.n_tagged, c.n_untagged, c.delta, c.d, c.r, p, float(qi))
            for c, p, qi in zip(cells, pvals, q, strict=True)]
    return DriverResult(m, done, skipped, permutations)
