"""How insights speak: metric titles and units, number formats, and the words they must never use.

docs/insights.md §4: sentences describe ("went with", "was lower on days after"); they never claim a cause
or a diagnosis. `causal_words` is what the tests and the review itself check every sentence against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MetricWords:
    title: str  # sentence-start form
    noun: str  # mid-sentence form
    unit: str
    decimals: int  # (the typical range's minimum half-width lives in core/metrics/baseline.py, §18)


METRICS: dict[str, MetricWords] = {
    "resting_hr": MetricWords("Resting HR", "resting HR", "bpm", 1),
    "hrv_rmssd": MetricWords("HRV", "HRV", "ms", 0),
    "recovery": MetricWords("Recovery", "recovery", "%", 0),
    "sleep_duration": MetricWords("Sleep", "sleep", "min", 0),
    "sleep_performance": MetricWords("Sleep performance", "sleep performance", "%", 0),
    "day_strain": MetricWords("Day strain", "day strain", "", 1),
    "sleep_debt": MetricWords("Sleep debt", "sleep debt", "min", 0),
}

_BANNED = re.compile(r"\b(caused?|causes|causing|because|due to|risks?|leads? to|results? in|triggers?|"
                     r"diagnos\w*)\b", re.IGNORECASE)
_NEGATED_CAUSE = re.compile(r"\bnot a cause\b", re.IGNORECASE)
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d")  # a user's own tag name, quoted: their words, not ours


def quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def causal_words(sentence: str) -> list[str]:
    """Forbidden words in a sentence ('not a cause' is the disclaimer; quoted tag names are the user's)."""
    return [m.group(0) for m in _BANNED.finditer(_NEGATED_CAUSE.sub("", _QUOTED.sub("", sentence)))]


def words(metric: str) -> MetricWords:
    return METRICS.get(metric, MetricWords(metric.replace("_", " ").capitalize(), metric.replace("_", " "),
                                           "", 1))


def amount(metric: str, value: float) -> str:
    """A value with its unit: '61.2 bpm', '7 h 05 min', '64 %', '12.3'."""
    w = words(metric)
    if w.unit == "min" and abs(value) >= 60:
        total = round(abs(value))
        sign = "-" if value < 0 else ""
        return f"{sign}{total // 60} h {total % 60:02d} min"
    text = f"{value:.{w.decimals}f}"
    if w.unit == "%":
        return f"{text} %"
    return f"{text} {w.unit}".strip()


def size(metric: str, value: float) -> str:
    """An unsigned difference with its unit ('4.0 bpm', '35 min', '12 points' for percentages)."""
    w = words(metric)
    if w.unit == "%":
        return f"{abs(value):.{w.decimals}f} points"
    return amount(metric, abs(value))


def day_name(day: date) -> str:
    return day.strftime("%a %d %b")
