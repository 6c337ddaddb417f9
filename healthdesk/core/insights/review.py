"""Period review: a week or a month against the period of equal length before it (docs/insights.md §3).

Numbers only here (metrics.md §21); the sentences come from core/insights/narrative.py. Per metric: median of
the period and of the prior period, Delta, the typical range (median +- 1 sigma-hat of the 30 days before the
period, sigma-hat = 1.4826 MAD, half-width >= the metric's minimum; metrics.md §18 revised), days outside it,
unusual days (|robust z| > 3), Theil-Sen slope with the Mann-Kendall p (Kendall's tau against time).
Gates: a metric needs >= MIN_PERIOD_DAYS values in the period and >= 7 in the 30 days before; when no metric
passes, the review is "insufficient" and says what is missing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np

from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.wording import words
from healthdesk.core.metrics.baseline import MIN_DAYS, TYPICAL_K, UNUSUAL_Z, Band, comparison_band

REVIEW_METRICS = ("resting_hr", "hrv_rmssd", "recovery", "sleep_duration", "sleep_performance", "day_strain")
PERIOD_KINDS = ("week", "month")
MIN_PERIOD_DAYS = {"week": 4, "month": 10}
BASELINE_DAYS = 30
MIN_BASELINE_DAYS = MIN_DAYS
TREND_P = 0.05
MIN_TREND_DAYS = 5


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def prior(self) -> Period:
        return Period(self.kind, self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def period_for(kind: str, end: date) -> Period:
    """week: the 7 days ending at `end`; month: the calendar month of `end`, from its 1st up to `end`."""
    if kind == "week":
        return Period(kind, end - timedelta(days=6), end)
    if kind == "month":
        return Period(kind, end.replace(day=1), end)
    raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, not {kind!r}")


TypicalRange = Band  # centre, low, high, sigma, days: the one rule of core/metrics/baseline.py


def typical_range(values: np.ndarray, metric: str) -> TypicalRange | None:
    """Median +- 1 sigma-hat of the (>= 7) finite values, by core/metrics/baseline.py (metrics.md §18).
    Recovery is compared against its own spread too (comparison_band): a review is numbers, not a shaded chart."""
    return comparison_band(values, metric, TYPICAL_K)


@dataclass(frozen=True)
class MetricReview:
    metric: str
    n: int
    median: float
    prior_n: int
    prior_median: float | None
    delta: float | None
    typical: TypicalRange
    position: str  # "below" | "within" | "above" (the period median against the typical range)
    z: float | None  # robust z of the period median
    days_above: int
    days_below: int
    unusual_days: list[date]
    slope_per_day: float | None
    trend_p: float | None

    @property
    def trending(self) -> bool:
        return self.trend_p is not None and self.trend_p < TREND_P

    @property
    def notable(self) -> bool:
        return self.position != "within" or self.trending

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["unusual_days"] = [d.isoformat() for d in self.unusual_days]
        return out


@dataclass(frozen=True)
class CoincidentDay:
    day: date
    metrics: dict[str, float]  # metric -> value, each unusual (|z| > 3) that day


@dataclass
class Review:
    period: Period
    prior: Period
    status: str  # "ok" | "insufficient"
    missing: list[str] = field(default_factory=list)
    metrics: list[MetricReview] = field(default_factory=list)
    coincident: list[CoincidentDay] = field(default_factory=list)
    drivers: list[dict[str, object]] = field(default_factory=list)
    trajectory: list[dict[str, object]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period.kind, "start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
            "prior_start": self.prior.start.isoformat(), "prior_end": self.prior.end.isoformat(),
            "status": self.status, "missing": self.missing,
            "metrics": [m.as_dict() for m in self.metrics],
            "coincident_days": [{"day": c.day.isoformat(), "metrics": c.metrics} for c in self.coincident],
            "drivers": self.drivers, "trajectory": self.trajectory, "sentences": self.sentences,
        }


def _trend(values: np.ndarray) -> tuple[float | None, float | None]:
    from scipy import stats  # lazily: scipy stays off the start-up and paint paths

    ok = np.isfinite(values)
    if ok.sum() < MIN_TREND_DAYS or np.ptp(values[ok]) == 0:
        return None, None
    t = np.flatnonzero(ok).astype(np.float64)
    slope = float(stats.theilslopes(values[ok], t).slope)
    p = float(stats.kendalltau(t, values[ok]).pvalue)
    return slope, (p if np.isfinite(p) else None)


def _slice(history: DailyHistory, metric: str, start: date, end: date) -> np.ndarray:
    return history.window(start, end).metric(metric) if end >= history.first else np.empty(0)


def review_metric(history: DailyHistory, metric: str, period: Period) -> MetricReview | str:
    """The metric's numbers, or one line saying which gate failed."""
    need = MIN_PERIOD_DAYS[period.kind]
    now = _slice(history, metric, period.start, period.end)
    before = _slice(history, metric, period.start - timedelta(days=BASELINE_DAYS), period.start - timedelta(1))
    prior_vals = _slice(history, metric, period.prior().start, period.prior().end)
    n, n_base = int(np.isfinite(now).sum()), int(np.isfinite(before).sum())
    w = words(metric)
    gaps = []
    if n < need:
        gaps.append(f"{n} of {period.days} days in the period (needs {need})")
    if n_base < MIN_BASELINE_DAYS:
        gaps.append(f"{n_base} of the {BASELINE_DAYS} days before it (needs {MIN_BASELINE_DAYS} for your "
                    "typical range)")
    if gaps:
        return f"{w.noun}: " + " and ".join(gaps)
    typical = typical_range(before, metric)
    assert typical is not None
    median = float(np.nanmedian(now))
    prior_n = int(np.isfinite(prior_vals).sum())
    prior_median = float(np.nanmedian(prior_vals)) if prior_n >= need else None
    position = "above" if median > typical.high else "below" if median < typical.low else "within"
    finite = now[np.isfinite(now)]
    z_all = (now - typical.centre) / typical.sigma if typical.sigma > 0 else np.full(len(now), np.nan)
    unusual = [period.start + timedelta(days=int(i)) for i in np.flatnonzero(np.abs(z_all) > UNUSUAL_Z)]
    slope, p = _trend(now)
    return MetricReview(
        metric, n, median, prior_n, prior_median, None if prior_median is None else median - prior_median,
        typical, position, (median - typical.centre) / typical.sigma if typical.sigma > 0 else None,
        int(np.sum(finite > typical.high)), int(np.sum(finite < typical.low)), unusual, slope, p)


def coincident_days(history: DailyHistory, period: Period, reviews: list[MetricReview]) -> list[CoincidentDay]:
    """Days when two or more metrics were unusual (|robust z| > 3) together: described, never diagnosed."""
    by_day: dict[date, dict[str, float]] = {}
    for r in reviews:
        values = _slice(history, r.metric, period.start, period.end)
        for d in r.unusual_days:
            by_day.setdefault(d, {})[r.metric] = float(values[(d - period.start).days])
    return [CoincidentDay(d, m) for d, m in sorted(by_day.items()) if len(m) >= 2]


def trajectory_blocks(history: DailyHistory, end: date, horizon: int = 7) -> list[dict[str, object]]:
    """The §19 projection for each review metric whose gates pass on `end` (none when they fail)."""
    from healthdesk.core.metrics.trajectory import project

    out = []
    days = np.arange(history.n_days) + history.first.toordinal()
    for metric in REVIEW_METRICS:
        proj = project(days, history.metric(metric), end.toordinal(), horizon)
        if proj.status == "ok" and proj.fit is not None:
            out.append({"metric": metric, "horizon_days": horizon, "value": float(proj.y[-1]),
                        "low": float(proj.low[-1]), "high": float(proj.high[-1]),
                        "slope_per_day": proj.fit.slope, "r2": proj.fit.r2, "confidence": proj.confidence})
    return out


def build_review(history: DailyHistory, kind: str, end: date,
                 drivers: list[dict[str, object]] | None = None) -> Review:
    """Numbers and sentences for the period ending `end` (drivers: shown driver cells as dicts)."""
    from healthdesk.core.insights.narrative import driver_notes, sentences

    period = period_for(kind, end)
    review = Review(period, period.prior(), "ok")
    for metric in REVIEW_METRICS:
        result = review_metric(history, metric, period)
        if isinstance(result, str):
            review.missing.append(result)
        else:
            review.metrics.append(result)
    if not review.metrics:
        review.status = "insufficient"
        return review
    review.coincident = coincident_days(history, period, review.metrics)
    review.drivers = driver_notes(history, period, drivers or [])
    review.trajectory = trajectory_blocks(history, end)
    review.sentences = sentences(review)
    return review
