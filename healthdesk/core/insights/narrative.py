"""Deterministic sentences of a period review (docs/insights.md §4; metrics.md §21). No language model.

Every sentence is built from numbers in the Review (tests compare them). Sentences appear only for metrics
out of their typical range or with a Mann-Kendall trend (p < 0.05), ranked by |robust z|; then days when
several metrics were unusual together (described, never diagnosed); then the drivers that hold in the
period ("went with", never a cause); then the trajectory block. A sentence with a forbidden word is never
returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.wording import amount, causal_words, day_name, quoted, size, words

if TYPE_CHECKING:
    from healthdesk.core.insights.review import MetricReview, Period, Review


def _period_words(kind: str) -> tuple[str, str]:
    return ("this week", "the week before") if kind == "week" else ("this month", "the same number of days before")


def metric_sentence(r: MetricReview, kind: str) -> str | None:
    w = words(r.metric)
    this, before = _period_words(kind)
    lo, hi = amount(r.metric, r.typical.low), amount(r.metric, r.typical.high)
    parts: list[str] = []
    if r.position != "within":
        direction = "higher" if r.position == "above" else "lower"
        outside = r.days_above if r.position == "above" else r.days_below
        text = f"{w.title} was {direction} {this}: median {amount(r.metric, r.median)}"
        if r.delta is not None and r.prior_median is not None:
            change = "up" if r.delta > 0 else "down"
            text += f", {change} {size(r.metric, r.delta)} from {before} ({amount(r.metric, r.prior_median)})"
        text += (f", {r.position} your typical range of {lo} to {hi}; {outside} of {r.n} days were "
                 f"{r.position} it")
        parts.append(text)
    if r.trending and r.slope_per_day is not None:
        direction = "rose" if r.slope_per_day > 0 else "fell"
        span = size(r.metric, r.slope_per_day * max(1, r.n - 1))
        trend = (f"{w.title} {direction} through the period, about {span} from first to last day "
                 f"(Theil-Sen {r.slope_per_day:+.2f} {w.unit or 'units'}/day, Mann-Kendall p = {r.trend_p:.3f})")
        parts.append(trend if not parts else trend[0].lower() + trend[1:])
    if not parts:
        return None
    return "; ".join(parts) + "."


def coincident_sentence(day, metrics: dict[str, float]) -> str:
    names = [words(m).noun for m in metrics]
    listed = (f"both {names[0]} and {names[1]}" if len(names) == 2
              else "all of " + ", ".join(names[:-1]) + f" and {names[-1]}")
    values = ", ".join(f"{words(m).noun} {amount(m, v)}" for m, v in metrics.items())
    return (f"On {day_name(day)} {listed} were far from your usual at the same time ({values}); "
            f"a day to look at, nothing more.")


def driver_notes(history: DailyHistory, period: Period, drivers: list[dict[str, object]]) -> list[dict[str, object]]:
    """The drivers (shown cells as dicts) whose tag was logged yes on at least one day of the period."""
    window = history.window(period.start, period.end)
    notes = []
    for d in drivers:
        if d.get("kind", "tag") != "tag":
            continue
        answers = window.tags.get(str(d["tag"]))
        count = int(np.nansum(answers == 1)) if answers is not None else 0
        if count:
            notes.append({**d, "days_in_period": count})
    return notes


def driver_sentence(d: dict[str, object], kind: str) -> str:
    metric = str(d["outcome"])
    delta = float(d["delta"])  # type: ignore[arg-type]
    tag = str(d.get("label") or d["tag"]).replace("_", " ")
    this, _ = _period_words(kind)
    direction = "lower" if delta < 0 else "higher"
    return (f"Over your history, {words(metric).noun} was {direction} by {size(metric, delta)} on mornings after "
            f"{quoted(tag)} ({d['n_tagged']} days with it vs {d['n_untagged']} without, q = {float(d['q']):.3f}); "  # type: ignore[arg-type]
            f"you logged it on {d['days_in_period']} days {this}. This is an association, not a cause.")


def trajectory_sentence(t: dict[str, object]) -> str:
    metric = str(t["metric"])
    return (f"If the last 30 days' line for {words(metric).noun} simply continued, it would be near "
            f"{amount(metric, float(t['value']))} in {t['horizon_days']} days (likely between "  # type: ignore[arg-type]
            f"{amount(metric, float(t['low']))} and {amount(metric, float(t['high']))}).")  # type: ignore[arg-type]


def sentences(review: Review) -> list[str]:
    kind = review.period.kind
    ranked = sorted((m for m in review.metrics if m.notable), key=lambda m: -abs(m.z or 0.0))
    out = [s for m in ranked if (s := metric_sentence(m, kind))]
    if not out:
        this, _ = _period_words(kind)
        out.append(f"Every metric stayed within your typical range {this}, with no clear trend.")
    out += [coincident_sentence(c.day, c.metrics) for c in review.coincident]
    out += [driver_sentence(d, kind) for d in review.drivers]
    out += [trajectory_sentence(t) for t in review.trajectory]
    # a template that broke the wording rules would be a bug (tests/insights/test_review.py checks every one);
    # the sentence is dropped rather than shown
    return [s for s in out if not causal_words(s)]
