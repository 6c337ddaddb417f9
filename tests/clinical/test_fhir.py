"""FHIR R4 document bundle: two independent R4 parsers, our §4.6 checks, and values against the input."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle as R4BBundle
from fhirclient.models.fhirabstractbase import FHIRValidationError

from healthdesk.clinical.fhir import SERIES_CAP, build_bundle, bundle_bytes
from healthdesk.clinical.report_data import BAND, WHOOP_CLOUD, DeviceInfo, PatientInfo, Period, ReportData

from .factory import GENERATED_AT, PATIENT, TZ, report, value_on
from .fhir_checks import by_url, conformance_problems, resources, structural_r4


@pytest.fixture(scope="module")
def both_sources() -> dict:
    return build_bundle(report())


def _observations(bundle, code, source):
    return [r for r in resources(bundle) if r["resourceType"] == "Observation"
            and any(c["code"] == code for c in r["code"]["coding"])
            and r["meta"]["tag"][0]["code"] == source]


@pytest.mark.parametrize("kind", ["both", "band", "cloud", "empty"])
def test_bundle_passes_both_r4_parsers_and_our_checks(kind):
    period = Period(date(2026, 10, 1), date(2026, 10, 31), TZ)
    data = {"both": report(period), "band": report(period, cloud=False),
            "cloud": report(period, band=False), "empty": report(period, band=False, cloud=False)}[kind]
    bundle = build_bundle(data)
    structural_r4(bundle)
    assert conformance_problems(bundle) == []


def test_entry_order_composition_patient_devices_then_observations(both_sources):
    types = [r["resourceType"] for r in resources(both_sources)]
    assert types[:4] == ["Composition", "Patient", "Device", "Device"]
    assert set(types[4:]) == {"Observation"}
    comp = both_sources["entry"][0]["resource"]
    assert by_url(both_sources)[comp["subject"]["reference"]]["resourceType"] == "Patient"
    # Patient only as subject/author, never as a section entry (it would read as a finding).
    section_targets = {e["reference"] for s in comp["section"] for e in s.get("entry", [])}
    assert comp["subject"]["reference"] not in section_targets


def test_band_resting_hr_is_the_input_series_coded_40443_4(both_sources):
    data = report()
    truth = {v.day: round(v.value, 1) for v in data.series_for("resting_hr", BAND).values}
    obs = _observations(both_sources, "40443-4", BAND)
    # a cycle day D spans its night [D-1 12:00, D 12:00) (morning-date labels): the end names D
    got = {date.fromisoformat(o["effectivePeriod"]["end"][:10]): o["valueQuantity"]["value"] for o in obs}
    assert got == truth
    assert all(o["valueQuantity"]["code"] == "/min" for o in obs)
    assert all(o["effectivePeriod"]["start"].endswith(("+02:00", "+01:00")) for o in obs)  # Berlin, DST change


def test_sources_never_blended(both_sources):
    data = report()
    for metric, code in [("resting_hr", "40443-4"), ("recovery", "recovery-score")]:
        for source in (BAND, WHOOP_CLOUD):
            expected = len(data.series_for(metric, source).values)
            assert len(_observations(both_sources, code, source)) == expected
    # Each source's Observations carry that source's own value for the day (the factory offsets cloud by 0.5).
    for source in (BAND, WHOOP_CLOUD):
        for o in _observations(both_sources, "40443-4", source):
            day = date.fromisoformat(o["effectivePeriod"]["end"][:10])
            assert o["valueQuantity"]["value"] == round(value_on("resting_hr", day, source), 1)


def test_hrv_is_rmssd_text_code_and_skin_temp_is_not_body_temperature(both_sources):
    hrv = _observations(both_sources, "hrv-rmssd", BAND)
    assert hrv and all(o["valueQuantity"]["code"] == "ms" and "RMSSD" in o["code"]["text"] for o in hrv)
    skin = _observations(both_sources, "wrist-skin-temperature", WHOOP_CLOUD)
    assert skin and all(o["valueQuantity"]["code"] == "Cel" for o in skin)
    text = json.dumps(both_sources)
    assert '"80404-7"' not in text and '"8310-5"' not in text


def test_spo2_carries_both_loinc_codings(both_sources):
    obs = _observations(both_sources, "2708-6", WHOOP_CLOUD)
    assert obs and all({c["code"] for c in o["code"]["coding"]} == {"2708-6", "59408-5"} for o in obs)


def test_wellness_scores_are_survey_with_note(both_sources):
    for code in ("recovery-score", "day-strain", "sleep-performance"):
        obs = _observations(both_sources, code, WHOOP_CLOUD)
        assert obs
        for o in obs:
            assert o["category"][0]["coding"][0]["code"] == "survey"
            assert "not a diagnosis" in o["note"][0]["text"]


def test_body_measurements_and_bmi_derived_from_them(both_sources):
    weight = _observations(both_sources, "29463-7", WHOOP_CLOUD)
    height = _observations(both_sources, "8302-2", WHOOP_CLOUD)
    bmi = _observations(both_sources, "39156-5", WHOOP_CLOUD)
    assert [o["valueQuantity"]["value"] for o in weight] == [68.4]
    assert [(o["valueQuantity"]["value"], o["valueQuantity"]["code"]) for o in height] == [(172.0, "cm")]
    assert [o["valueQuantity"]["value"] for o in bmi] == [round(68.4 / 1.72**2, 2)]
    assert {r["reference"] for r in bmi[0]["derivedFrom"]} == {f"urn:uuid:{weight[0]['id']}",
                                                               f"urn:uuid:{height[0]['id']}"}
    assert "not a weighing" in " ".join(n["text"] for n in weight[0]["note"])


def test_sleep_sessions_with_stage_components(both_sources):
    data = report()
    band_sleeps = [s for s in data.sleeps if s.source == BAND and not s.nap]
    obs = _observations(both_sources, "93832-4", BAND)
    assert len(obs) == len(band_sleeps)  # one per night's main sleep; naps carry their own code
    first = min(obs, key=lambda o: o["effectivePeriod"]["start"])
    s = min(band_sleeps, key=lambda s: s.start)
    # asleep minutes, the number summary and the app show (v0.1 sent hours to 3 decimals)
    assert first["valueQuantity"] == {"value": round(s.asleep_min, 1), "unit": "min",
                                      "system": "http://unitsofmeasure.org", "code": "min"}
    stages = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in first["component"]}
    assert stages == {"sleep-stage-light": round(s.light_min, 1), "sleep-stage-deep": round(s.deep_min, 1),
                      "sleep-stage-rem": round(s.rem_min, 1), "sleep-stage-awake": round(s.awake_min, 1)}


def test_year_series_is_capped_and_states_median_aggregation():
    period = Period(date(2025, 11, 1), date(2026, 10, 31), TZ)
    data = report(period)
    bundle = build_bundle(data)
    structural_r4(bundle)
    assert conformance_problems(bundle) == []
    obs = _observations(bundle, "hrv-rmssd", WHOOP_CLOUD)
    assert len(obs) <= SERIES_CAP
    width = -(-period.days // SERIES_CAP)  # ceil: 4 days for 365
    first = min(obs, key=lambda o: o["effectivePeriod"]["start"])
    days = [period.start + timedelta(days=i) for i in range(width)]
    assert first["valueQuantity"]["value"] == round(median(value_on("hrv_rmssd", d, WHOOP_CLOUD) for d in days), 1)
    assert first["method"]["text"].startswith(f"Median of {width} daily value(s)")
    # Buckets cover the whole period, not only the latest reading.
    starts = sorted(o["effectivePeriod"]["start"][:10] for o in obs)
    # the first bucket's nights start the evening before its first morning date (2025-11-01)
    assert starts[0] == "2025-10-31" and starts[-1] >= "2026-10-24"


def test_same_data_same_bytes_and_generated_at_changes_them():
    assert bundle_bytes(report()) == bundle_bytes(report())
    later = report(generated_at=GENERATED_AT + timedelta(hours=1))
    assert bundle_bytes(later) != bundle_bytes(report())


def test_patient_without_identifiers_unless_added_and_serial_only_if_allowed(both_sources):
    patient = next(r for r in resources(both_sources) if r["resourceType"] == "Patient")
    assert patient["name"] == [{"text": PATIENT.name}] and patient["birthDate"] == "1985-04-12"
    assert "identifier" not in patient
    assert all("serialNumber" not in r for r in resources(both_sources) if r["resourceType"] == "Device")

    base = report(band=True, cloud=False)
    with_ids = ReportData(**{**base.__dict__,
                             "patient": PatientInfo(PATIENT.name, identifiers=(("urn:oid:1.2.3", "A-17"),)),
                             "devices": (DeviceInfo(BAND, "WHOOP 4.0", serial="4A1234567"),)})
    bundle = build_bundle(with_ids)
    patient = next(r for r in resources(bundle) if r["resourceType"] == "Patient")
    assert patient["identifier"] == [{"system": "urn:oid:1.2.3", "value": "A-17"}]
    assert next(r for r in resources(bundle) if r["resourceType"] == "Device")["serialNumber"] == "4A1234567"


def test_empty_period_sections_state_no_data():
    bundle = build_bundle(report(band=False, cloud=False))
    comp = bundle["entry"][0]["resource"]
    assert [r["resourceType"] for r in resources(bundle)] == ["Composition", "Patient"]
    for sec in comp["section"]:
        assert "entry" not in sec and sec["emptyReason"]["coding"][0]["code"] == "unavailable"
        assert "No " in sec["text"]["div"]


def test_utc_period_and_midnight_boundaries():
    data = report(Period(date(2026, 3, 28), date(2026, 3, 30), "UTC"))
    bundle = build_bundle(data)
    assert conformance_problems(bundle) == []
    starts = {o["effectivePeriod"]["start"] for o in _observations(bundle, "40443-4", BAND)}
    assert "2026-03-28T12:00:00+00:00" in starts  # a cycle day: the noon-to-noon window of its night
    rhr = next(o for o in _observations(bundle, "40443-4", BAND) if o["effectivePeriod"]["start"].startswith("2026-03-28"))
    assert rhr["effectivePeriod"]["end"] == "2026-03-29T11:59:59+00:00"
    mean_hr = [o for o in _observations(bundle, "8867-4", BAND) if len(o["code"]["coding"]) == 1]
    assert {(o["effectivePeriod"]["start"], o["effectivePeriod"]["end"]) for o in mean_hr} >= {
        ("2026-03-28T00:00:00+00:00", "2026-03-28T23:59:59+00:00")}  # the band's mean HR: a calendar day
    assert all(o["method"]["text"].startswith("Value for the local calendar day") for o in mean_hr)


# --- the checks themselves must be able to fail -------------------------------------------------------

def _break(bundle: dict, how: str) -> dict:
    b = copy.deepcopy(bundle)
    obs = next(e for e in b["entry"] if e["resource"]["resourceType"] == "Observation")
    if how == "composition_not_first":
        b["entry"].append(b["entry"].pop(0))
    elif how == "dangling_reference":
        obs["resource"]["subject"]["reference"] = "Patient/patient-1"
    elif how == "fake_uuid":
        b["entry"][1]["fullUrl"] = "urn:uuid:patient-1"
    elif how == "sdnn_code":
        obs["resource"]["code"]["coding"][0]["code"] = "80404-7"
    elif how == "wrong_unit":
        obs["resource"]["valueQuantity"]["code"] = "bpm"
    elif how == "no_timezone":
        obs["resource"]["issued"] = "2026-11-21T09:30:00"
    elif how == "survey_in_vitals":
        comp = b["entry"][0]["resource"]
        survey = next(e for e in b["entry"] if e["resource"]["resourceType"] == "Observation"
                      and e["resource"]["category"][0]["coding"][0]["code"] == "survey")
        comp["section"][1]["entry"].append({"reference": survey["fullUrl"]})
    elif how == "no_identifier":
        del b["identifier"]
    return b


@pytest.mark.parametrize("how", ["composition_not_first", "dangling_reference", "fake_uuid", "sdnn_code",
                                 "wrong_unit", "no_timezone", "survey_in_vitals", "no_identifier"])
def test_own_checks_catch_broken_bundles(both_sources, how):
    assert conformance_problems(_break(both_sources, how)) != []


def test_structural_parsers_reject_malformed_resources(both_sources):
    broken = copy.deepcopy(both_sources)
    del broken["entry"][4]["resource"]["status"]
    with pytest.raises(FHIRValidationError):
        structural_r4(broken)
    broken = copy.deepcopy(both_sources)
    broken["entry"][4]["resource"]["issued"] = "yesterday"
    with pytest.raises(Exception, match="(?i)issued|date|instant"):
        R4BBundle.model_validate(broken)


def test_naive_generated_at_is_refused():
    with pytest.raises(ValueError):
        report(generated_at=datetime(2026, 11, 21, 9, 30))
    assert ZoneInfo(TZ)
