"""Statistical building blocks of the drivers engine (docs/insights.md §2; metrics.md §20).

* `residualise`: subtract the per-weekday median, then the least-squares line on the day index.
* `block_permutation_index`: B permutations of n positions that move whole 7-day blocks (with a random phase),
  so a label series' own run structure survives the shuffle and autocorrelated outcomes do not inflate p.
* `permutation_p_many`: difference of means for several outcomes at once, B permutations in one matrix product.
* `effective_n` (Pyper-Peterman) and `pearson_p` for continuous pairs; scipy supplies the t distribution.
"""

from __future__ import annotations

import numpy as np

BLOCK_DAYS = 7


def residualise(y: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """y minus its weekday median and its linear trend over the day index; NaN stays NaN.

    Fewer than 3 values (or one day) -> all NaN: there is nothing to adjust against."""
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(y)
    out = np.full(len(y), np.nan)
    if ok.sum() < 3:
        return out
    adjusted = y.copy()
    for wd in range(7):
        sel = ok & (weekday == wd)
        if sel.any():
            adjusted[sel] -= np.median(y[sel])
    t = np.flatnonzero(ok).astype(np.float64)
    v = adjusted[ok]
    tc = t - t.mean()
    sxx = float(tc @ tc)
    slope = float(tc @ (v - v.mean())) / sxx if sxx > 0 else 0.0
    out[ok] = v - v.mean() - slope * tc
    return out


def block_permutation_index(n: int, b: int, seed: int, block: int = BLOCK_DAYS) -> np.ndarray:
    """(b, n) int32 rows, each a permutation of 0..n-1 made of whole blocks of `block` consecutive positions.

    Each row first shifts the block grid by a random phase 0..block-1 (so block edges are not fixed days),
    then shuffles the blocks. Vectorised: one argsort over (b, n_blocks) random keys."""
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block) + 1
    width = n_blocks * block
    phase = rng.integers(0, block, size=b)
    # the 'block' possible slot grids (one per phase), each (n_blocks, block); -1 marks a slot outside 0..n-1
    grids = np.arange(width, dtype=np.int32)[None, :] - np.arange(block, dtype=np.int32)[:, None]
    grids[(grids < 0) | (grids >= n)] = -1
    grids = grids.reshape(block, n_blocks, block)
    order = np.argsort(rng.random((b, n_blocks)), axis=1)
    shuffled = grids[phase[:, None], order].reshape(b, width)  # whole blocks gathered at once
    return shuffled[shuffled >= 0].reshape(b, n)


def mean_difference(labels: np.ndarray, y: np.ndarray) -> tuple[float, float, int, int]:
    """(mean tagged - mean untagged, pooled SD, n tagged, n untagged) over the finite y."""
    ok = np.isfinite(y)
    yes, no = y[ok & (labels == 1)], y[ok & (labels == 0)]
    if len(yes) == 0 or len(no) == 0:
        return float("nan"), float("nan"), len(yes), len(no)
    dof = len(yes) + len(no) - 2
    pooled = (((len(yes) - 1) * yes.var(ddof=1) if len(yes) > 1 else 0.0)
              + ((len(no) - 1) * no.var(ddof=1) if len(no) > 1 else 0.0))
    sd = float(np.sqrt(pooled / dof)) if dof > 0 else float("nan")
    return float(yes.mean() - no.mean()), sd, len(yes), len(no)


def permutation_p_many(labels: np.ndarray, ys: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Two-sided permutation p for every column of ys (n, k): p = (1 + #{|D*| >= |D|}) / (1 + B).

    labels: (n,) 0/1; NaN in ys marks a day without that outcome (it takes part in no group)."""
    return permutation_p_grid(labels[:, None], ys, index)[0]


_CHUNK = 1000  # permutations per step: the gathered (width, chunk, n) block stays near 60 MB


def permutation_p_grid(labels: np.ndarray, ys: np.ndarray, index: np.ndarray) -> np.ndarray:
    """(T, k) two-sided permutation p-values for T tags answered on the same n days against k outcomes.

    Instead of moving the answers, each permutation moves the outcome rows by whole blocks (the same thing
    seen from the other side: sum_i L[i] y[perm(i)]). The rows of [outcome values | presence patterns] are
    gathered once per chunk of permutations for every tag, and one matrix product (chunk * width, n) @ (n, T)
    yields every permuted group sum of every tag and outcome (docs/insights.md §6)."""
    n, k = ys.shape
    valid = np.isfinite(ys)
    weighted = np.where(valid, ys, 0.0)
    # outcomes measured on the same days (recovery, HRV and resting HR come from one night) share one count
    # column, and an outcome present on every day needs none: its tagged count is the number of yes answers
    patterns, which = np.unique(valid, axis=1, return_inverse=True)
    which = which.reshape(-1)
    partial = [c for c in range(patterns.shape[1]) if not patterns[:, c].all()]
    count_col = {c: k + i for i, c in enumerate(partial)}
    design = np.concatenate([weighted, patterns[:, partial].astype(np.float64)], axis=1).astype(np.float32)
    width = design.shape[1]
    total_y, total_n = weighted.sum(axis=0), valid.sum(axis=0).astype(np.float64)

    def stat(tag_sum: np.ndarray, tag_n: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return tag_sum / tag_n - (total_y - tag_sum) / (total_n - tag_n)

    def stat_one(tag_sum: np.ndarray, tag_n: np.ndarray, j: int) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return tag_sum / tag_n - (total_y[j] - tag_sum) / (total_n[j] - tag_n)

    lab = np.asarray(labels, dtype=np.float64)
    observed = np.abs(stat(lab.T @ weighted, lab.T @ valid.astype(np.float64)))  # (T, k)
    # float32 sums: allow a relative 1e-5 so a permutation equal to the observed split counts as a tie
    threshold = observed * (1 - 1e-5)
    lab32 = np.ascontiguousarray(lab, dtype=np.float32)  # (n, T)
    yes_count = lab.sum(axis=0)  # (T,)
    design_t = np.ascontiguousarray(design.T)  # (width, n): np.take along days gives (width, c, n) rows
    extreme = np.zeros(observed.shape, dtype=np.int64)
    for lo in range(0, index.shape[0], _CHUNK):
        chunk = index[lo:lo + _CHUNK]
        moved = np.take(design_t, chunk, axis=1).reshape(-1, n)  # (width * c, n): permuted outcome rows
        sums = (moved @ lab32).reshape(width, len(chunk), -1).astype(np.float64)  # (width, c, T)
        for j in range(k):
            col = count_col.get(int(which[j]))
            counts = sums[col] if col is not None else yes_count[None, :]
            permuted = np.abs(stat_one(sums[j], counts, j))  # (c, T)
            # NaN (an empty group) counts as extreme: the conservative side
            extreme[:, j] += np.sum(~(permuted < threshold[None, :, j]), axis=0)
    return (1 + extreme) / (1 + index.shape[0])


def autocorrelation(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelation at lags 1..max_lag (biased estimator, as Pyper & Peterman use)."""
    x = x - x.mean()
    denom = float(x @ x)
    if denom == 0 or max_lag < 1:
        return np.zeros(max(max_lag, 0))
    full = np.correlate(x, x, mode="full")[len(x):len(x) + max_lag]
    return full / denom


def effective_n(x: np.ndarray, y: np.ndarray) -> float:
    """Pyper-Peterman (1998): 1/n_eff = 1/n + (2/n) sum_{k=1}^{n/5} ((n-k)/n) rho_x(k) rho_y(k), in [3, n]."""
    n = len(x)
    lags = n // 5
    k = np.arange(1, lags + 1)
    s = float(np.sum((n - k) / n * autocorrelation(x, lags) * autocorrelation(y, lags)))
    inv = 1 / n + 2 / n * s
    return float(np.clip(1 / inv if inv > 0 else n, 3, n))


def pearson_p(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(r, two-sided p at the effective n, n_eff) for paired finite vectors."""
    from scipy import stats  # lazily: scipy stays off the start-up and paint paths

    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan"), float("nan"), float(len(x))
    r = float(np.corrcoef(x, y)[0, 1])
    n_eff = effective_n(x, y)
    dof = max(n_eff - 2, 1.0)
    t = r * np.sqrt(dof / max(1e-12, 1 - r * r))
    return r, float(2 * stats.t.sf(abs(t), dof)), n_eff
