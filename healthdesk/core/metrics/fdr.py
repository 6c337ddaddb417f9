"""Benjamini-Hochberg q-values (metrics.md §20): step-up with the running minimum from the top."""

from __future__ import annotations

import numpy as np


def bh_qvalues(p: list[float] | np.ndarray) -> np.ndarray:
    """q-values in input order; monotone in p (a stronger test never gets a larger q)."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    raw = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(raw[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(stepped, 1.0)
    return q
