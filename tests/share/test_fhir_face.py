"""The FHIR face over a real server: fhirclient R4 strict parses, paging, search semantics, scope, errors."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.operationoutcome import OperationOutcome
from fhirclient.models.patient import Patient

from .share_store import BERLIN, INSIDE_DAYS, WINDOW, hrv, recovery, resting_hr

DAYS = len(INSIDE_DAYS)  # 14
# Per inside day: resting HR + HRV (vital-signs), recovery (survey), one sleep session (activity).
ALL_OBSERVATIONS = 4 * DAYS


@pytest.fixture
def face(running):
    link = running.link()
    running.client.headers["Authorization"] = f"Bearer {link.token}"
    return running, link


def get(run, path, **params):
    r = run.client.get(path, params=params)
    assert r.headers["content-type"] == "application/fhir+json; charset=utf-8"
    return r


def all_pages(run, path, **params) -> list[dict]:
    """Follow `next` links to the end; every page must parse as a strict R4 searchset."""
    pages, url = [], None
    r = get(run, path, **params)
    while True:
        assert r.status_code == 200
        body = r.json()
        Bundle(body, strict=True)
        assert body["type"] == "searchset"
        pages.append(body)
        url = next((link["url"] for link in body["link"] if link["relation"] == "next"), None)
        if url is None:
            return pages
        r = run.client.get(url)


def values(pages) -> list[dict]:
    return [e["resource"] for p in pages for e in p["entry"]]


def test_metadata_is_a_strict_r4_capability_statement(face):
    run, _ = face
    body = get(run, "/fhir/metadata").json()
    cap = CapabilityStatement(body, strict=True)
    assert cap.fhirVersion == "4.0.1" and cap.kind == "instance"
    assert [r.type for r in cap.rest[0].resource] == ["Patient", "Device", "Observation"]
    assert cap.rest[0].resource[0].operation[0].name == "everything"


def test_observation_searchset_pages_through_everything_in_scope(face):
    run, _ = face
    pages = all_pages(run, "/fhir/Observation", _count="20")
    assert [len(p["entry"]) for p in pages] == [20, 20, ALL_OBSERVATIONS - 40]
    assert all(p["total"] == ALL_OBSERVATIONS for p in pages)
    found = values(pages)
    assert len({o["id"] for o in found}) == ALL_OBSERVATIONS
    base = run.info.base_url + "/fhir"
    for p in pages:
        for e in p["entry"]:
            assert e["fullUrl"] == f"{base}/Observation/{e['resource']['id']}" and e["search"]["mode"] == "match"
            assert e["resource"]["subject"]["reference"].startswith("Patient/")
    # Inside the window (local days of the link's zone). A night is named by the morning it ends on
    # (docs/metrics.md §1), so the first day's night starts the evening before the window: its end is inside.
    for o in found:
        period = o["effectivePeriod"]
        first = datetime.fromisoformat(period["start"]).astimezone(BERLIN).date()
        last = datetime.fromisoformat(period["end"]).astimezone(BERLIN).date()
        assert WINDOW[0] <= last <= WINDOW[1] and (WINDOW[0] - first).days <= 1
    second = run.client.get(pages[1]["link"][0]["url"])  # the self link reproduces its page
    assert second.json()["entry"] == pages[1]["entry"]


def test_count_is_capped_at_200(face):
    run, _ = face
    body = get(run, "/fhir/Observation", _count="5000").json()
    self_link = next(link["url"] for link in body["link"] if link["relation"] == "self")
    assert parse_qs(urlparse(self_link).query)["_count"] == ["200"]
    assert len(body["entry"]) == ALL_OBSERVATIONS  # all fit in one capped page


def test_code_and_category_search(face):
    run, _ = face
    rhr = values(all_pages(run, "/fhir/Observation", code="http://loinc.org|40443-4"))
    assert sorted(o["valueQuantity"]["value"] for o in rhr) == sorted(resting_hr(d) for d in INSIDE_DAYS)
    assert len(values(all_pages(run, "/fhir/Observation", code="40443-4"))) == DAYS
    rmssd = values(all_pages(run, "/fhir/Observation", code="hrv-rmssd,unknown-code"))
    assert sorted(o["valueQuantity"]["value"] for o in rmssd) == sorted(hrv(d) for d in INSIDE_DAYS)
    survey = values(all_pages(run, "/fhir/Observation", category="survey"))
    assert sorted(o["valueQuantity"]["value"] for o in survey) == sorted(recovery(d) for d in INSIDE_DAYS)
    assert len(values(all_pages(run, "/fhir/Observation", category="vital-signs"))) == 2 * DAYS
    assert len(values(all_pages(run, "/fhir/Observation", category="activity"))) == DAYS


def _interval(o: dict) -> tuple[datetime, datetime]:
    p = o["effectivePeriod"]
    return datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])


def test_date_search(face):
    """Prefix semantics of FHIR R4 date search on each Observation's effective period (local day bounds)."""
    run, _ = face
    everything = values(all_pages(run, "/fhir/Observation", _count="200"))
    lo = datetime(2026, 10, 10, tzinfo=BERLIN)
    hi = datetime(2026, 10, 13, tzinfo=BERLIN)  # end of 10-12
    # ge: the period ends at or after the start of 10-10; le: it starts before the end of 10-12.
    expected = {o["id"] for o in everything if _interval(o)[1] >= lo and _interval(o)[0] < hi}
    between = values(all_pages(run, "/fhir/Observation", date=["ge2026-10-10", "le2026-10-12"]))
    assert {o["id"] for o in between} == expected
    assert 12 <= len(expected) < ALL_OBSERVATIONS  # three to four days of four observations each
    # eq: the period lies wholly inside the given day.
    d0, d1 = datetime(2026, 10, 11, tzinfo=BERLIN), datetime(2026, 10, 12, tzinfo=BERLIN)
    inside_day = {o["id"] for o in everything if _interval(o)[0] >= d0 and _interval(o)[1] < d1}
    assert {o["id"] for o in values(all_pages(run, "/fhir/Observation", date="2026-10-11"))} == inside_day
    # the window's first night (named 10-05, the morning it ends) starts the evening of 10-04
    assert values(all_pages(run, "/fhir/Observation", date="lt2026-10-04")) == []
    assert len(values(all_pages(run, "/fhir/Observation", date="2026-10", _count="200"))) == ALL_OBSERVATIONS
    assert values(all_pages(run, "/fhir/Observation", date="sa2026-10-31")) == []


def test_patient_read_and_everything(face):
    run, _ = face
    patients = values(all_pages(run, "/fhir/Patient"))
    assert len(patients) == 1
    pid = patients[0]["id"]
    Patient(get(run, f"/fhir/Patient/{pid}").json(), strict=True)
    everything = values(all_pages(run, f"/fhir/Patient/{pid}/$everything"))
    kinds = [r["resourceType"] for r in everything]
    assert kinds.count("Patient") == 1 and kinds.count("Device") == 1
    assert kinds.count("Observation") == ALL_OBSERVATIONS


def test_sections_limit_the_fhir_face(running):
    link = running.link(sections=("vitals",))
    running.client.headers["Authorization"] = f"Bearer {link.token}"
    body = get(running, "/fhir/Observation", _count="200").json()
    assert body["total"] == 2 * DAYS
    assert {o["resource"]["category"][0]["coding"][0]["code"] for o in body["entry"]} == {"vital-signs"}


@pytest.mark.parametrize(("path", "params", "status", "code"), [
    ("/fhir/Observation", {"subject": "x"}, 400, "not-supported"),
    ("/fhir/Observation", {"date": "yesterday"}, 400, "invalid"),
    ("/fhir/Observation", {"_count": "-1"}, 400, "invalid"),
    ("/fhir/Encounter", {}, 404, "not-found"),
    ("/fhir/Observation/not-an-id", {}, 404, "not-found"),
    ("/fhir/Patient/not-the-patient/$everything", {}, 404, "not-found"),
])
def test_errors_are_operation_outcomes(face, path, params, status, code):
    run, _ = face
    r = get(run, path, **params)
    assert r.status_code == status
    outcome = OperationOutcome(r.json(), strict=True)
    assert outcome.issue[0].code == code

