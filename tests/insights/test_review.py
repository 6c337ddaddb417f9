"""Period review (docs/insights.md §3-§4, metrics.md §21) and records/streaks (§5)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pytest

from healthdesk.core.insights.drivers import find_drivers
from healthdesk.core.insights.history import DailyHistory
from healthdesk.core.insights.records import personal_bests, streaks
from healthdesk.core.insights.review import build_review, period_for, typical_range
from healthdesk.core.insights.wording import causal_words
from tests.insights.simulate import history

FIRST = date(2026, 9, 1)


def _quiet_history(n_days: int = 70, seed: int = 3) -> dict[str, np.ndarray]:
    """Realistic day-to-day noise, no trend, no AR: what a steady person looks like."""
    rng = np.random.default_rng(seed)
    return {
        "resting_hr": 56 + rng.normal(0, 1.2, n_days),
        "hrv_rmssd": 60 + rng.normal(0, 6, n_days),
        "recovery": np.clip(62 + rng.normal(0, 14, n_days), 1, 99),
        "sleep_duration": 430 + rng.normal(0, 30, n_days),
        "sleep_performance": np.clip(84 + rng.normal(0, 6, n_days), 0, 100),
        "day_strain": np.clip(11 + rng.normal(0, 2.5, n_days), 0, 21),
    }


def test_planted_4_bpm_resting_hr_rise_over_the_last_week_is_named_with_its_size():
    values = _quiet_history()
    values["resting_hr"][-7:] += 4.0
    h = DailyHistory(FIRST, 70, values)
    review = build_review(h, "week", h.last)
    assert review.status == "ok"
    rhr = next(m for m in review.metrics if m.metric == "resting_hr")
    assert rhr.position == "above" and rhr.delta == pytest.approx(4.0, abs=1.2)
    hits = [s for s in review.sentences if s.startswith("Resting HR was higher this week")]
    assert len(hits) == 1
    up = re.search(r"up ([0-9.]+) bpm from the week before", hits[0])
    assert up and float(up.group(1)) == pytest.approx(rhr.delta, abs=0.05)  # the sentence carries the number
    assert f"{rhr.median:.1f} bpm" in hits[0]
    assert review.sentences[0] == hits[0]  # the largest deviation comes first


def test_a_steady_week_says_so_and_names_no_metric_as_changed():
    h = DailyHistory(FIRST, 70, _quiet_history(seed=11))
    review = build_review(h, "week", h.last)
    assert review.status == "ok"
    notable = [m.metric for m in review.metrics if m.notable]
    named = [s for s in review.sentences if " was higher " in s or " was lower " in s]
    assert len(named) == sum(m.position != "within" for m in review.metrics)
    assert len(notable) <= 2


def test_five_days_of_history_is_insufficient_and_says_what_is_missing():
    h = DailyHistory(FIRST, 5, {k: v[:5] for k, v in _quiet_history().items()})
    review = build_review(h, "week", h.last)
    assert review.status == "insufficient"
    assert review.sentences == []
    assert any("resting HR" in m and "needs 7" in m for m in review.missing)
    assert build_review(DailyHistory(FIRST, 0), "month", FIRST).status == "insufficient"


def test_periods_and_typical_range():
    week = period_for("week", date(2026, 12, 6))
    assert (week.start, week.end, week.prior().start, week.prior().end) == (
        date(2026, 11, 30), date(2026, 12, 6), date(2026, 11, 23), date(2026, 11, 29))
    month = period_for("month", date(2026, 11, 30))
    assert (month.start, month.days, month.prior().end) == (date(2026, 11, 1), 30, date(2026, 10, 31))
    with pytest.raises(ValueError):
        period_for("year", date(2026, 1, 1))
    # metrics.md §18 worked example: median 60, MAD 1 -> sigma 1.4826; RHR minimum half-width 2 bpm wins
    band = typical_range(np.array([60, 62, 61, 59, 63, 60, 58.0]), "resting_hr")
    assert (band.centre, band.low, band.high) == (60, 58, 62)
    assert typical_range(np.array([60.0] * 6), "resting_hr") is None


def test_wording_rules_hold_for_every_generated_sentence():
    """Every sentence of many reviews (steady, shifted, trending, with drivers and coincident days)."""
    seen = 0
    starts = {"On ": 0, "Over your history": 0, "If the last": 0, "Every metric": 0}
    for seed in range(12):
        h = history(seed, n_days=160, phi=0.6)
        values = {k: v.copy() for k, v in h.values.items()}
        values["resting_hr"][-10:] += 6 * (seed % 3 == 0)
        values["hrv_rmssd"][-10:] -= np.linspace(0, 25, 10) * (seed % 2)
        values["recovery"][-3] -= 60 * (seed % 4 == 1)
        values["resting_hr"][-3] += 12 * (seed % 4 == 1)
        h = DailyHistory(h.first, h.n_days, values, h.tags)
        shown = [c.as_dict() for c in find_drivers(h, permutations=999).drivers]
        for kind in ("week", "month"):
            for end in (h.last, h.last - timedelta(days=9)):
                review = build_review(h, kind, end, shown)
                for sentence in review.sentences:
                    seen += 1
                    for start in starts:
                        starts[start] += sentence.startswith(start)
                    assert causal_words(sentence) == [], sentence
                    assert "nan" not in sentence.lower().split()
    assert seen > 60
    assert all(starts.values()), starts  # every template was exercised: coincident, driver, trajectory, steady
    assert causal_words("Alcohol caused low recovery because of risk") == ["caused", "because", "risk"]
    assert causal_words("This is an association, not a cause.") == []


def test_drivers_that_hold_in_the_period_appear_with_went_with_wording():
    h = history(0, n_days=160)
    shown = [c.as_dict() for c in find_drivers(h).drivers]
    review = build_review(h, "week", h.last, shown)
    planted = [d for d in review.drivers if d["tag"] == "planted"]
    assert planted and planted[0]["days_in_period"] == int(np.nansum(h.tags["planted"][-7:] == 1))
    sentence = next(s for s in review.sentences if "\u201cplanted\u201d" in s)
    assert "lower by" in sentence and "association, not a cause" in sentence


def test_personal_bests_and_streaks_with_their_dates():
    n = 20
    rec = np.full(n, 50.0)
    rec[[2, 3, 4, 5]] = 80  # longest green run: days 2-5
    rec[[17, 18, 19]] = 70  # current run: 3
    rec[10] = np.nan  # missing breaks nothing green (not green), and is never a best
    values = {"recovery": rec, "hrv_rmssd": np.arange(n, dtype=float), "resting_hr": 60 - np.arange(n) % 5,
              "sleep_duration": np.full(n, 400.0), "day_strain": np.full(n, 10.0)}
    values["sleep_duration"][7] = 500
    h = DailyHistory(FIRST, n, values)
    bests = {b.key: b for b in personal_bests(h)}
    assert (bests["highest_hrv"].value, bests["highest_hrv"].day) == (19, FIRST + timedelta(19))
    assert (bests["lowest_resting_hr"].value, bests["lowest_resting_hr"].day) == (56, FIRST + timedelta(4))
    assert bests["longest_sleep"].day == FIRST + timedelta(7)
    assert bests["best_recovery"].value == 80 and bests["best_recovery"].day == FIRST + timedelta(2)
    s = {x.key: x for x in streaks(h)}
    green = s["green_recovery"]
    assert (green.longest, green.longest_start, green.longest_end, green.current) == (
        4, FIRST + timedelta(2), FIRST + timedelta(5), 3)
    assert s["days_worn"].longest == n and s["sleep_performance_85"].longest == 0
    empty = {b.key: b for b in personal_bests(DailyHistory(FIRST, 0))}
    assert empty["best_recovery"].value is None
