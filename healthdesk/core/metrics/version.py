"""The band-derive algorithm version (docs/metrics.md §27).

Every stored band-derived daily value carries the version that produced it. Bump ALGORITHM_VERSION whenever a
change to core/metrics or core/timeutil changes any derived value or day label; the derive service then
re-derives every stored day made by an older version (nothing the user entered is touched).

History:
  1  v0.1: evening-before labels, compounding sleep debt, recovery without a spread floor.
  2  morning-date labels (metrics §1), non-compounding sleep need (§6), recovery with σ floor and
     calibration shrinkage (§12), typical range ±1σ (§18).
"""

ALGORITHM_VERSION = 2
