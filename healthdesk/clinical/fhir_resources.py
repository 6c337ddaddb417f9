"""Builders for the individual FHIR R4 resources of the export (plain dicts, JSON-ready).

Times are ISO 8601 with an explicit UTC offset; quantities carry UCUM system + code; every Observation
names its data source in `meta.tag`, in `device` and in a note, so band and WHOOP-cloud values never merge.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape

from healthdesk.clinical.catalogue import (
    OBSERVATION_CATEGORY,
    SURVEY,
    UCUM,
    WELLNESS_NOTE,
    Coding,
    MetricSpec,
)
from healthdesk.clinical.report_data import BAND, SOURCE_LABELS, DeviceInfo, PatientInfo, Period

SOURCE_TAG_SYSTEM = "http://healthdesk.invalid/fhir/CodeSystem/data-source"
EMPTY_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
CATEGORY_DISPLAY = {"vital-signs": "Vital Signs", "survey": "Survey", "activity": "Activity"}


def instant(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("FHIR times need a timezone")
    return dt.isoformat(timespec="seconds")


def day_period(period: Period, first: date, last: date, cycle_days: bool = False) -> dict:
    """Days first..last as an effectivePeriod with offsets (inclusive end second).

    Calendar days run midnight to midnight. A cycle day D (core.timeutil.morning_date) is the cycle whose
    opening sleep ends on the morning of D, so its night - when resting HR, HRV, SpO2 are measured - lies in
    [D-1 12:00, D 12:00); that window is the honest effective time.
    """
    if cycle_days:
        start = datetime.combine(first - timedelta(days=1), time(12, 0), period.tz)
        end = datetime.combine(last, time(11, 59, 59), period.tz)
    else:
        start = period.day_start(first)
        end = datetime.combine(last, time(23, 59, 59), period.tz)
    return {"start": instant(start), "end": instant(end)}


def narrative(*paragraphs: str) -> dict:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def codeable(codings: tuple[Coding, ...], text: str) -> dict:
    return {"coding": [{"system": s, "code": c, "display": d} for s, c, d in codings], "text": text}


def quantity(value: float, unit: str, decimals: int) -> dict:
    # One more decimal than displayed: no false precision, no loss of what the metric resolves.
    return {"value": round(float(value), decimals + 1), "unit": unit, "system": UCUM, "code": unit}


def reference(urn: str, display: str | None = None) -> dict:
    ref = {"reference": urn}
    if display:
        ref["display"] = display
    return ref


def patient(info: PatientInfo) -> dict:
    res: dict = {"resourceType": "Patient"}
    if info.identifiers:
        res["identifier"] = [{"system": s, "value": v} for s, v in info.identifiers]
    if info.name:
        res["name"] = [{"text": info.name}]
    if info.gender:
        res["gender"] = info.gender
    if info.birth_date:
        res["birthDate"] = info.birth_date.isoformat()
    return res


def device(info: DeviceInfo, patient_urn: str) -> dict:
    band = info.source == BAND
    res: dict = {
        "resourceType": "Device",
        "status": "active",
        "manufacturer": info.manufacturer,
        "deviceName": [{"name": info.model, "type": "model-name" if band else "user-friendly-name"}],
    }
    if info.serial:
        res["serialNumber"] = info.serial
    res["type"] = {"text": "Wrist-worn heart-rate band (wearable)" if band
                   else "Vendor cloud service (software) reporting the band's data"}
    if info.firmware:
        res["version"] = [{"value": info.firmware}]
    res["patient"] = reference(patient_urn)
    res["note"] = [{"text": f"Data source: {SOURCE_LABELS[info.source]}."}]
    return res


def source_tag(source: str) -> dict:
    return {"tag": [{"system": SOURCE_TAG_SYSTEM, "code": source, "display": SOURCE_LABELS[source]}]}


def observation(
    spec: MetricSpec, *, source: str, patient_urn: str, device_urn: str, issued: datetime,
    effective: dict | str, value: dict | None, method: str, notes: tuple[str, ...] = (),
    components: list[dict] | None = None, derived_from: list[str] | None = None,
) -> dict:
    res: dict = {
        "resourceType": "Observation",
        "meta": source_tag(source),
        "status": "final",
        "category": [{
            "coding": [{"system": OBSERVATION_CATEGORY, "code": spec.category,
                        "display": CATEGORY_DISPLAY[spec.category]}],
            "text": CATEGORY_DISPLAY[spec.category],
        }],
        "code": codeable(spec.codings, spec.text),
        "subject": reference(patient_urn),
    }
    if isinstance(effective, dict):
        res["effectivePeriod"] = effective
    else:
        res["effectiveDateTime"] = effective
    res["issued"] = instant(issued)
    res["performer"] = [reference(patient_urn)]
    if value is not None:
        res["valueQuantity"] = value
    all_notes = ([WELLNESS_NOTE] if spec.category == SURVEY else []) + list(notes)
    all_notes.append(f"Source: {SOURCE_LABELS[source]}.")
    res["note"] = [{"text": n} for n in all_notes]
    res["method"] = {"text": method}
    res["device"] = reference(device_urn)
    if derived_from:
        res["derivedFrom"] = [reference(u) for u in derived_from]
    if components:
        res["component"] = components
    return res


def component(coding: Coding, minutes: float) -> dict:
    return {"code": codeable((coding,), coding[2]), "valueQuantity": quantity(minutes, "min", 0)}


WITHHELD_TEXT = "Left out of this export at the patient's request (not the same as no data)."


def section(title: str, text: tuple[str, ...], entries: list[str], empty_text: str,
            withheld: bool = False) -> dict:
    sec: dict = {"title": title}
    if withheld:
        sec["text"] = narrative(WITHHELD_TEXT)
        sec["emptyReason"] = {
            "coding": [{"system": EMPTY_REASON_SYSTEM, "code": "withheld", "display": "Information Withheld"}],
            "text": WITHHELD_TEXT,
        }
    elif entries:
        sec["text"] = narrative(*text)
        sec["entry"] = [reference(u) for u in entries]
    else:
        sec["text"] = narrative(*text, empty_text)
        sec["emptyReason"] = {
            "coding": [{"system": EMPTY_REASON_SYSTEM, "code": "unavailable", "display": "Unavailable"}],
            "text": empty_text,
        }
    return sec
