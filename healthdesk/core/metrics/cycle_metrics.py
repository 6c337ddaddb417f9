"""Registrations: how each metric of a cycle is computed from its inputs (the per-metric modules; definitions,
constants and reasons in docs/metrics.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from healthdesk.core.metrics import load, sleep_need
from healthdesk.core.metrics.calories import calories
from healthdesk.core.metrics.features import worn_minutes
from healthdesk.core.metrics.hrv import nightly_hrv
from healthdesk.core.metrics.recovery import recovery
from healthdesk.core.metrics.registry import REGISTRY
from healthdesk.core.metrics.rhr import baseline_rhr, nightly_rhr
from healthdesk.core.metrics.sleep import ASLEEP
from healthdesk.core.metrics.stages import estimate_stages, stage_minutes
from healthdesk.core.metrics.strain import (
    cycle_hr_peak,
    max_hr,
    strain_from_trimp,
    trimp_per_minute,
    zone_minutes,
)
from healthdesk.core.metrics.workouts import detect_workouts
from healthdesk.core.models import Metric

if TYPE_CHECKING:
    from healthdesk.core.metrics.engine import CycleInputs

Got = dict[str, Metric]
MIN_WORN_FOR_STRAIN = 10
LOAD_MIN_WEAR = 0.60
RESP_MIN_WINDOWS = 6
NO_SLEEP = "no_main_sleep"


def _none(names: tuple[str, ...], unit: str, note: str) -> Got:
    return {name: Metric.missing(unit, note) for name in names}


def _val(m: Metric | None) -> float | None:
    return None if m is None else m.value


@REGISTRY.register(
    {
        "sleep_duration": "min",
        "time_in_bed": "min",
        "sleep_efficiency": "%",
        "sleep_disturbances": "count",
        "waso": "min",
    }
)
def _sleep(x: CycleInputs, got: Got) -> Got:
    s = x.sleep
    if s is None:
        return {
            **_none(("sleep_duration", "time_in_bed", "waso"), "min", NO_SLEEP),
            "sleep_efficiency": Metric.missing("%", NO_SLEEP),
            "sleep_disturbances": Metric.missing("count", NO_SLEEP),
        }
    c = s.confidence
    return {
        "sleep_duration": Metric(s.tst_min, "min", c),
        "time_in_bed": Metric(s.tib_min, "min", c),
        "sleep_efficiency": Metric(s.efficiency, "%", c) if s.efficiency is not None else None,
        "sleep_disturbances": Metric(float(s.disturbances), "count", c),
        "waso": Metric(s.waso_min, "min", c),
    }


@REGISTRY.register({"sleep_deep": "min", "sleep_light": "min", "sleep_rem": "min"}, ("sleep_duration",))
def _stages(x: CycleInputs, got: Got) -> Got:
    if x.sleep is None or x.sleep_minutes is None:
        return _none(("sleep_deep", "sleep_light", "sleep_rem"), "min", NO_SLEEP)
    stages, conf = estimate_stages(x.sleep, x.sleep_minutes)
    x.sleep.stages = stages
    mins = stage_minutes(stages)
    return {f"sleep_{k}": Metric(mins[k], "min", conf, note="estimate") for k in ("deep", "light", "rem")}


@REGISTRY.register({"nap_duration": "min"})
def _naps(x: CycleInputs, got: Got) -> Got:
    worn = worn_minutes(x.minutes)
    if not worn.any():
        return {}
    wear = float(np.count_nonzero(worn)) / max(1, x.total_minutes)
    return {"nap_duration": Metric(sum(p.tst_min for p in x.naps), "min", round(min(1.0, wear), 3))}


@REGISTRY.register(
    {"hrv_rmssd": "ms", "hrv_sdnn": "ms", "hrv_ln_rmssd": "ln(ms)", "hrv_rmssd_last_sws": "ms"},
    ("sleep_deep",),
)
def _hrv(x: CycleInputs, got: Got) -> Got:
    return nightly_hrv(x.sleep, x.sleep_minutes)


@REGISTRY.register({"respiratory_rate": "br/min"}, ("sleep_duration",))
def _resp(x: CycleInputs, got: Got) -> Got:
    if x.sleep is None or x.sleep_minutes is None:
        return {"respiratory_rate": Metric.missing("br/min", NO_SLEEP)}
    m, state = x.sleep_minutes, x.sleep.state
    starts = np.flatnonzero(np.isfinite(m["resp_bpm"]))
    starts = starts[starts + 5 <= len(state)]
    inside = [i for i in starts.tolist() if np.all(state[i : i + 5] == ASLEEP)]
    if len(inside) < RESP_MIN_WINDOWS:
        return {"respiratory_rate": Metric.missing("br/min", f"need_windows:have={len(inside)},need=6")}
    value = round(float(np.median(m["resp_bpm"][inside])), 2)  # the 0.005 Hz grid is 0.3 br/min
    conf = min(1.0, len(inside) / 24) * x.sleep.confidence
    return {"respiratory_rate": Metric(value, "br/min", round(conf, 3), detail={"windows": len(inside)})}


@REGISTRY.register({"resting_hr": "bpm"}, ("sleep_duration",))
def _rhr(x: CycleInputs, got: Got) -> Got:
    if x.sleep is None or x.sleep_minutes is None:
        return {"resting_hr": Metric.missing("bpm", NO_SLEEP)}
    hr = np.where(worn_minutes(x.sleep_minutes), x.sleep_minutes["hr_mean"].astype(np.float64), np.nan)
    return {"resting_hr": nightly_rhr(hr, x.sleep.confidence)}


@REGISTRY.register({"rhr_baseline": "bpm"}, ("resting_hr",))
def _rhr_baseline(x: CycleInputs, got: Got) -> Got:
    return {"rhr_baseline": baseline_rhr(x.history.series("resting_hr") + [got["resting_hr"].value])}


@REGISTRY.register({"hr_peak": "bpm"})
def _peak(x: CycleInputs, got: Got) -> Got:
    peak = cycle_hr_peak(x.minutes)
    return {"hr_peak": Metric(peak, "bpm", 0.9) if peak is not None else Metric.missing("bpm", "no_effort")}


@REGISTRY.register({"max_hr": "bpm"}, ("hr_peak",))
def _max_hr(x: CycleInputs, got: Got) -> Got:
    age = x.profile.age if x.profile else None
    return {"max_hr": max_hr(x.history.series("hr_peak") + [got["hr_peak"].value], age)}


@REGISTRY.register({"wear": "fraction"})
def _wear(x: CycleInputs, got: Got) -> Got:
    if not np.any(x.minutes["records"]):
        return {"wear": Metric.missing("fraction", "no_records")}  # no data is not "0 % worn"
    worn = int(np.count_nonzero(worn_minutes(x.minutes)))
    return {"wear": Metric(min(1.0, worn / max(1, x.total_minutes)), "fraction", 1.0)}


def _anchors(got: Got) -> tuple[float, float, float] | None:
    rhr, hrmax = got["rhr_baseline"], got["max_hr"]
    if rhr.value is None or hrmax.value is None or hrmax.value <= rhr.value:
        return None
    factor = 0.85 if "tanaka" in hrmax.note else 1.0
    return rhr.value, hrmax.value, factor * min(rhr.confidence, hrmax.confidence) ** 0.5


@REGISTRY.register({"day_trimp": "trimp", "day_strain": "strain"}, ("rhr_baseline", "max_hr", "wear"))
def _strain(x: CycleInputs, got: Got) -> Got:
    anchors = _anchors(got)
    if anchors is None:
        note = "need:rhr_baseline,max_hr"
        return {"day_trimp": Metric.missing("trimp", note), "day_strain": Metric.missing("strain", note)}
    worn = worn_minutes(x.minutes)
    if np.count_nonzero(worn) < MIN_WORN_FOR_STRAIN:
        return {
            "day_trimp": Metric.missing("trimp", "need:10_worn_minutes"),
            "day_strain": Metric.missing("strain", "need:10_worn_minutes"),
        }
    rhr, hrmax, anchor_conf = anchors
    sex = x.profile.sex if x.profile else None
    trimp = float(trimp_per_minute(x.minutes["hr_mean"], x.minutes["worn"], rhr, hrmax, sex).sum())
    conf = got["wear"].value * anchor_conf * (1.0 if sex else 0.8)
    note = ",".join(
        n for n in ("" if sex else "sex_default", "t_ref=calibrated" if x.strain_reference else "") if n
    )
    return {
        "day_trimp": Metric(trimp, "trimp", round(conf, 3), note=note),
        "day_strain": Metric(
            strain_from_trimp(trimp, sex, x.strain_reference),
            "strain",
            round(conf, 3),
            note=note,
            detail={"t_ref": round(x.strain_reference, 1)} if x.strain_reference else None,
        ),
    }


@REGISTRY.register({"zone_minutes": "min"}, ("max_hr",))
def _zones(x: CycleInputs, got: Got) -> Got:
    hrmax = got["max_hr"].value
    worn = worn_minutes(x.minutes)
    if hrmax is None or not worn.any():
        return {}
    z = zone_minutes(x.minutes["hr_mean"], worn, hrmax)
    return {"zone_minutes": Metric(sum(z[1:]), "min", got["max_hr"].confidence, detail={"zones": z})}


@REGISTRY.register({"workout_count": "count"}, ("rhr_baseline", "max_hr"))
def _workouts(x: CycleInputs, got: Got) -> Got:
    anchors = _anchors(got)
    sex = x.profile.sex if x.profile else None
    found = detect_workouts(x.minutes, anchors[0], anchors[1], sex, x.strain_reference) if anchors else None
    x.scratch["workouts"] = found
    if found is None:
        return {"workout_count": Metric.missing("count", "need:rhr_baseline,max_hr")}
    return {"workout_count": Metric(float(len(found)), "count", round(anchors[2], 3))}


@REGISTRY.register({"calories": "kcal"}, ("rhr_baseline", "max_hr"))
def _calories(x: CycleInputs, got: Got) -> Got:
    worn = worn_minutes(x.minutes)
    return {
        "calories": calories(
            x.minutes["hr_mean"],
            worn,
            x.total_minutes,
            got["rhr_baseline"].value,
            got["max_hr"].value,
            x.profile,
        )
    }


@REGISTRY.register({"sleep_need": "min", "sleep_debt": "min"})
def _need(x: CycleInputs, got: Got) -> Got:
    """Need of the main sleep that opens this cycle: the previous cycle's strain and naps feed it, the debt is
    the previous night's shortfall against its core need (docs/metrics.md §6: never compounding)."""
    if x.sleep is None:
        return _none(("sleep_need", "sleep_debt"), "min", NO_SLEEP)
    h = x.history
    tst, strain, naps = h.series("sleep_duration"), h.series("day_strain"), h.series("nap_duration")
    base = sleep_need.baseline_need(tst)
    if base.value is None:
        return {
            "sleep_need": Metric.missing("min", base.note),
            "sleep_debt": Metric.missing("min", base.note),
        }
    core = sleep_need.core_need(base.value, h.last("day_strain"), h.last("nap_duration"))
    debt = sleep_need.sleep_debt(sleep_need.previous_core_need(tst, strain, naps), h.last("sleep_duration"))
    need = sleep_need.sleep_need(base.value, h.last("day_strain"), debt, h.last("nap_duration"))
    conf = base.confidence * (1.0 if h.last("day_strain") is not None else 0.8)
    out = {
        "sleep_need": Metric(
            need,
            "min",
            round(conf, 3),
            detail={
                "baseline": base.value,
                "core": core,
                "debt": debt,
                "strain": h.last("day_strain"),
                "naps": h.last("nap_duration"),
            },
        )
    }
    out["sleep_debt"] = (
        Metric(debt, "min", round(conf, 3))
        if debt is not None
        else Metric.missing("min", "need:previous_night")
    )
    return out


@REGISTRY.register({"sleep_performance": "%"}, ("sleep_duration", "sleep_need"))
def _performance(x: CycleInputs, got: Got) -> Got:
    perf = sleep_need.sleep_performance(_val(got["sleep_duration"]), _val(got["sleep_need"]))
    if perf is None:
        return {"sleep_performance": Metric.missing("%", "need:sleep_need")}
    conf = min(got["sleep_duration"].confidence, got["sleep_need"].confidence)
    return {"sleep_performance": Metric(perf, "%", round(conf, 3))}


@REGISTRY.register({"sleep_consistency": "%"}, ("sleep_duration",))
def _consistency(x: CycleInputs, got: Got) -> Got:
    sri = sleep_need.sleep_regularity_index(x.sri_days) if x.sri_days else None
    if sri is None:
        return {"sleep_consistency": Metric.missing("%", "need:2_days_with_1200_common_minutes")}
    pairs = sum(
        1
        for a, b in zip(x.sri_days, x.sri_days[1:], strict=False)
        if np.count_nonzero((a >= 0) & (b >= 0)) >= sleep_need.SRI_MIN_COMMON
    )
    return {"sleep_consistency": Metric(max(0.0, sri), "%", round(pairs / 3, 3), detail={"sri": sri})}


@REGISTRY.register({"recovery": "%"}, ("hrv_rmssd", "resting_hr", "sleep_performance", "respiratory_rate"))
def _recovery(x: CycleInputs, got: Got) -> Got:
    h = x.history
    tonight = {
        "hrv": _val(got["hrv_rmssd"]),
        "rhr": _val(got["resting_hr"]),
        "sleep_performance": _val(got["sleep_performance"]),
        "resp_rate": _val(got["respiratory_rate"]),
    }
    past = {
        "hrv": h.series("hrv_rmssd"),
        "rhr": h.series("resting_hr"),
        "sleep_performance": h.series("sleep_performance"),
        "resp_rate": h.series("respiratory_rate"),
    }
    m = recovery(tonight, past)
    if m.value is not None:
        conf = round(m.confidence * got["hrv_rmssd"].confidence ** 0.5, 3)
        m = Metric(m.value, m.unit, conf, note=m.note, detail=m.detail)  # keeps `calibrating` (§12)
    return {"recovery": m}


@REGISTRY.register(
    {
        "acwr": "ratio",
        "ctl": "trimp",
        "atl": "trimp",
        "tsb": "trimp",
        "monotony": "ratio",
        "training_strain": "trimp",
    },
    ("day_trimp", "wear"),
)
def _load(x: CycleInputs, got: Got) -> Got:
    def daily(trimp: float | None, wear: float | None) -> float | None:
        return trimp if trimp is not None and wear is not None and wear >= LOAD_MIN_WEAR else None

    h = x.history
    loads = [daily(t, w) for t, w in zip(h.series("day_trimp"), h.series("wear"), strict=True)]
    loads.append(daily(_val(got["day_trimp"]), _val(got["wear"])))
    return {"acwr": load.acwr(loads), **load.pmc(loads), **load.foster(loads)}
