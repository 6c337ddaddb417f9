"""The FHIR R4 document Bundle for a period (clinical.md §0, §2, §3): a pure function of `ReportData`.

Entry order: Composition (bdl-11), Patient, one Device per data source, then Observations. Every fullUrl
is `urn:uuid:<uuid5 of the resource's content>`, so the same data and generated-at give the same bytes,
and every reference points at one of those URNs. Daily values go out as a series over the whole period:
up to `SERIES_CAP` points per metric and source, one per day, or medians of equal multi-day buckets when
the period is longer (the aggregation is written into each Observation's `method`).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from healthdesk.clinical import fhir_resources as R
from healthdesk.clinical.catalogue import (
    BMI,
    DAILY_METRICS,
    DISCLAIMER,
    HEIGHT,
    LOINC,
    LOINC_CODES,
    NAP_SESSION,
    SLEEP_SESSION,
    SLEEP_STAGES,
    SURVEY,
    VITAL_SIGNS,
    WEIGHT,
    WELLNESS_NOTE,
)
from healthdesk.clinical.report_data import (
    BAND,
    SOURCE_LABELS,
    SOURCES,
    WHOOP_CLOUD,
    BodyMeasurement,
    DeviceInfo,
    ReportData,
    SleepSession,
)
from healthdesk.clinical.stats import bucket_days_for, bucketize
from healthdesk.clinical.summary import NIGHT_HEAD, night_day

EDITED_TAG_SYSTEM = "http://healthdesk.invalid/fhir/CodeSystem/user-correction"

SERIES_CAP = 92  # points per metric and source: a quarter of daily values, or buckets beyond that
SLEEP_SESSION_CAP = 400  # per source; the most recent are kept and the cut is stated
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "http://healthdesk.invalid/fhir/export")
DEFAULT_DEVICES = {
    BAND: DeviceInfo(BAND, "WHOOP 4.0"),
    WHOOP_CLOUD: DeviceInfo(WHOOP_CLOUD, "WHOOP cloud API (v2)"),
}


class _Entries:
    """Collects resources; gives each a content-derived UUID and returns its `urn:uuid:` reference."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self._used: set[str] = set()

    def add(self, resource: dict, *, first: bool = False) -> str:
        canonical = json.dumps(resource, sort_keys=True, separators=(",", ":"))
        uid = uuid.uuid5(_NAMESPACE, canonical)
        while str(uid) in self._used:  # identical content twice: still distinct entries
            uid = uuid.uuid5(uid, "again")
        self._used.add(str(uid))
        body = {k: v for k, v in resource.items() if k != "resourceType"}
        entry = {"fullUrl": f"urn:uuid:{uid}", "resource": {"resourceType": resource["resourceType"],
                                                            "id": str(uid), **body}}
        if first:
            self.entries.insert(0, entry)
        else:
            self.entries.append(entry)
        return entry["fullUrl"]


def build_bundle(data: ReportData) -> dict:
    out = _Entries()
    patient_urn = out.add(R.patient(data.patient))
    device_urns = {src: out.add(R.device(data.device_for(src) or DEFAULT_DEVICES[src], patient_urn))
                   for src in _sources_present(data)}

    vitals: list[str] = []
    wellness: list[str] = []
    for spec in DAILY_METRICS:
        section = "wellness" if spec.category == SURVEY else "vitals"
        if not spec.in_fhir_series or not data.includes(section):
            continue
        target = wellness if section == "wellness" else vitals
        for src in SOURCES:
            series = data.series_for(spec.key, src)
            if series is None:
                continue
            width = bucket_days_for(data.period, SERIES_CAP)
            for b in bucketize(series.values, data.period, width):
                day_kind = CYCLE_DAY if is_cycle_day(spec.key, src) else CALENDAR_DAY
                method = (f"Value for the {day_kind} {b.first_day}" if width == 1 else
                          f"Median of {b.n} daily value(s) from {b.first_day} to {b.last_day} "
                          f"({width}-day buckets of {day_kind}s; series capped at {SERIES_CAP} points per "
                          "metric and source)")
                notes = () if b.confidence >= 1 else (
                    f"healthdesk confidence {b.confidence:.2f} (below 1: partial wear, calibration or a score "
                    "the source marks as provisional).",)
                target.append(out.add(R.observation(
                    spec, source=src, patient_urn=patient_urn, device_urn=device_urns[src],
                    issued=data.generated_at,
                    effective=R.day_period(data.period, b.first_day, b.last_day, cycle_days=is_cycle_day(spec.key, src)),
                    value=R.quantity(b.value, spec.unit, spec.decimals), method=method, notes=notes)))

    for m in sorted(data.body, key=lambda m: (m.measured_at, m.source)) if data.includes("vitals") else ():
        vitals.extend(_body_observations(out, m, patient_urn, device_urns[m.source], data.generated_at))

    sleeps, sleep_cut = _capped_sleeps(data.sleeps if data.includes("sleep") else ())
    sleep_urns = [out.add(_sleep_observation(s, patient_urn, device_urns[s.source], data.generated_at))
                  for s in sleeps]

    composition = _composition(data, patient_urn, list(device_urns.values()), vitals, sleep_urns,
                               sleep_cut, wellness)
    composition_urn = out.add(composition, first=True)
    # The Composition's URN digests every entry, so the bundle identity follows from it.
    bundle_uid = uuid.uuid5(_NAMESPACE, "bundle:" + composition_urn)
    return {
        "resourceType": "Bundle",
        "id": str(bundle_uid),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_uid}"},
        "type": "document",
        "timestamp": R.instant(data.generated_at),
        "entry": out.entries,
    }


CALENDAR_DAY = "local calendar day"
CYCLE_DAY = "cycle day (sleep onset to next sleep onset, named by the morning that sleep ends on)"


def is_cycle_day(metric: str, source: str) -> bool:
    """How a daily value's day is cut: the band's mean HR per calendar day, everything else per cycle."""
    return (metric, source) != ("avg_hr", BAND)


def bundle_bytes(data: ReportData) -> bytes:
    return to_bytes(build_bundle(data))


def to_bytes(bundle: dict) -> bytes:
    """Compact UTF-8 JSON (key order fixed by construction, so the bytes are stable)."""
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _sources_present(data: ReportData) -> list[str]:
    used = {s.source for s in data.series if s.values} | {s.source for s in data.sleeps}
    used |= {m.source for m in data.body}
    used |= {d.source for d in data.devices}
    return [s for s in SOURCES if s in used]


def _body_observations(out: _Entries, m: BodyMeasurement, patient_urn: str, device_urn: str,
                       issued: datetime) -> list[str]:
    notes = ("WHOOP profile value entered by the user, not a weighing or measurement.",) \
        if m.source == WHOOP_CLOUD else ()
    when = R.instant(m.measured_at)
    common = dict(source=m.source, patient_urn=patient_urn, device_urn=device_urn, issued=issued,
                  effective=when, notes=notes)
    urns = []
    weight = height = None
    if m.weight_kg is not None:
        weight = out.add(R.observation(WEIGHT, value=R.quantity(m.weight_kg, "kg", 1),
                                       method="Reported body weight", **common))
        urns.append(weight)
    if m.height_m is not None:
        height = out.add(R.observation(HEIGHT, value=R.quantity(m.height_m * 100, "cm", 1),
                                       method="Reported body height (converted from metres)", **common))
        urns.append(height)
    if weight and height and m.height_m:
        bmi = m.weight_kg / (m.height_m ** 2)
        urns.append(out.add(R.observation(
            BMI, value=R.quantity(bmi, "kg/m2", 1), derived_from=[weight, height],
            method="Computed by healthdesk: weight / height squared", **common)))
    return urns


def _capped_sleeps(sleeps: tuple[SleepSession, ...]) -> tuple[list[SleepSession], dict[str, int]]:
    kept: list[SleepSession] = []
    cut: dict[str, int] = {}
    for src in SOURCES:
        mine = sorted((s for s in sleeps if s.source == src), key=lambda s: (s.start, s.end))
        if len(mine) > SLEEP_SESSION_CAP:
            cut[src] = len(mine) - SLEEP_SESSION_CAP
            mine = mine[-SLEEP_SESSION_CAP:]
        kept.extend(mine)
    return kept, cut


def _sleep_observation(s: SleepSession, patient_urn: str, device_urn: str, issued: datetime) -> dict:
    """A main sleep as LOINC 93832-4 (one per night), a nap under its own code; both in asleep minutes."""
    components = [R.component(coding, getattr(s, attr)) for attr, coding in SLEEP_STAGES
                  if getattr(s, attr) is not None]
    spec = NAP_SESSION if s.nap else SLEEP_SESSION
    day = night_day(s, s.end.tzinfo or UTC).isoformat()
    label = f"Nap in the cycle of {day}." if s.nap else f"{NIGHT_HEAD} {day}."
    res = R.observation(
        spec, source=s.source, patient_urn=patient_urn, device_urn=device_urn, issued=issued,
        effective={"start": R.instant(s.start), "end": R.instant(s.end)},
        value=R.quantity(s.asleep_min, spec.unit, spec.decimals),
        method=("One nap" if s.nap else "One night's main sleep")
        + ": time asleep (stages as components, never added to the total)",
        notes=(label,) + (("Edited by the user: onset/wake moved from what the band detected.",) if s.edited
                          else ()), components=components or None)
    if s.edited:  # a user correction (services/corrections) is said in meta.tag, beside the source tag
        res["meta"]["tag"].append({"system": EDITED_TAG_SYSTEM, "code": "edited", "display": "Edited by the user"})
    return res


def _composition(data: ReportData, patient_urn: str, device_urns: list[str], vitals: list[str],
                 sleeps: list[str], sleep_cut: dict[str, int], wellness: list[str]) -> dict:
    p = data.period
    period_text = f"{p.start.isoformat()} to {p.end.isoformat()} ({p.timezone})"
    cut_text = tuple(f"Only the most recent {SLEEP_SESSION_CAP} sleep sessions from "
                     f"{SOURCE_LABELS[src]} are included ({n} earlier ones left out)."
                     for src, n in sorted(sleep_cut.items()))
    sources_text = "; ".join(SOURCE_LABELS[s] for s in _sources_present(data)) or "none"
    return {
        "resourceType": "Composition",
        "status": "final",
        "type": R.codeable(((LOINC, "11503-0", LOINC_CODES["11503-0"]),), "Wearable data summary"),
        "subject": R.reference(patient_urn),
        "date": R.instant(data.generated_at),
        "author": [R.reference(patient_urn)],
        "title": f"healthdesk wearable data summary, {period_text}",
        "event": [{"period": R.day_period(p, p.start, p.end)}],
        "section": [
            R.section("Data sources", (f"Period {period_text}. Sources: {sources_text}.",
                                       "Band and WHOOP cloud values are kept separate, never blended.",
                                       DISCLAIMER), device_urns, "No data source had data in this period."),
            R.section("Vital signs", (f"Clinical measurements, {VITAL_SIGNS} category; daily values over the "
                                      "period (see each Observation's method for the aggregation).",),
                      vitals, "No vital-sign data recorded in this period.", not data.includes("vitals")),
            R.section("Sleep", ("One Observation per night's main sleep (LOINC 93832-4, time asleep in minutes, "
                                "stages as components); naps have their own code and are never counted as a "
                                "night.",
                                *cut_text), sleeps, "No sleep sessions recorded in this period.",
                      not data.includes("sleep")),
            R.section("Wellness scores (not a diagnosis)", (WELLNESS_NOTE,), wellness,
                      "No wellness scores recorded in this period.", not data.includes("wellness")),
        ],
    }
