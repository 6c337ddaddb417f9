"""The project's own R4 conformance checks (clinical.md §4.6), independent of the bundle builder.

Each check returns a list of problems (empty = conforms), so a failing test names every violation.
"""

from __future__ import annotations

import json
import re
import uuid

from fhir.resources.R4B.bundle import Bundle as R4BBundle
from fhirclient.models.bundle import Bundle as R4Bundle

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"

# LOINC codes the export may use, with the UCUM codes each is bound to (R4 vital-signs profiles, §3.2).
ALLOWED_LOINC_UNITS: dict[str, set[str] | None] = {
    "8867-4": {"/min"}, "40443-4": {"/min"}, "9279-1": {"/min"}, "2708-6": {"%"}, "59408-5": {"%"},
    "29463-7": {"g", "kg", "[lb_av]"}, "8302-2": {"cm", "[in_i]"}, "39156-5": {"kg/m2"},
    "93832-4": {"h", "min"}, "11503-0": None,
}
FORBIDDEN_LOINC = {"80404-7": "SDNN, not RMSSD", "8310-5": "body temperature, not skin temperature"}
OBS_STATUS = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error",
              "unknown"}
TZ_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def structural_r4(bundle: dict) -> None:
    """Two independent structural parsers: fhirclient (true R4 4.0.1) strict, fhir.resources R4B."""
    R4Bundle(json.loads(json.dumps(bundle)), strict=True)
    R4BBundle.model_validate(bundle)


def resources(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]]


def by_url(bundle: dict) -> dict[str, dict]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def _walk(node, path="$"):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def bundle_invariants(bundle: dict) -> list[str]:
    p = []
    if bundle.get("type") != "document":
        p.append("Bundle.type is not document")
    if "total" in bundle:
        p.append("bdl-1: total outside searchset/history")
    ident = bundle.get("identifier") or {}
    if not (ident.get("system") and ident.get("value")):
        p.append("bdl-9: document without identifier system+value")
    if not TZ_DATETIME.match(bundle.get("timestamp", "")):
        p.append("bdl-10: document without a full timestamp")
    entries = bundle.get("entry", [])
    if not entries or entries[0]["resource"]["resourceType"] != "Composition":
        p.append("bdl-11: first entry is not a Composition")
    urls = [e.get("fullUrl") for e in entries]
    if len(set(urls)) != len(urls):
        p.append("bdl-7: duplicate fullUrl")
    for e in entries:
        for key in ("search", "request", "response"):
            if key in e:
                p.append(f"bdl-2/3/4: entry.{key} in a document")
        url = e.get("fullUrl", "")
        if not url.startswith("urn:uuid:"):
            p.append(f"fullUrl {url!r} is not urn:uuid")
            continue
        raw = url.removeprefix("urn:uuid:")
        try:
            if str(uuid.UUID(raw)) != raw:
                p.append(f"fullUrl {url} is not a canonical lower-case UUID")
        except ValueError:
            p.append(f"fullUrl {url} does not hold a real UUID")
        if e["resource"].get("id") != raw:
            p.append(f"resource id differs from its fullUrl {url}")
    return p


def references_resolve(bundle: dict) -> list[str]:
    urls = by_url(bundle)
    return [f"{path}: {node['reference']} does not resolve inside the bundle"
            for path, node in _walk(bundle) if "reference" in node and node["reference"] not in urls]


def codes_and_units(bundle: dict) -> list[str]:
    p = []
    for path, node in _walk(bundle):
        if node.get("system") == LOINC and "code" in node:
            if node["code"] in FORBIDDEN_LOINC:
                p.append(f"{path}: LOINC {node['code']} is {FORBIDDEN_LOINC[node['code']]}")
            elif node["code"] not in ALLOWED_LOINC_UNITS:
                p.append(f"{path}: LOINC {node['code']} is not on the verified list")
    for res in resources(bundle):
        if res["resourceType"] != "Observation":
            continue
        for q_path, holder in [("value", res), *[(f"component[{i}]", c) for i, c in enumerate(res.get("component", []))]]:
            q = holder.get("valueQuantity")
            if q is None:
                continue
            if q.get("system") != UCUM or q.get("code") != q.get("unit") or "value" not in q:
                p.append(f"Observation {res['id']} {q_path}: quantity not UCUM-coded: {q}")
        loincs = [c["code"] for c in res["code"].get("coding", []) if c["system"] == LOINC]
        unit = res.get("valueQuantity", {}).get("code")
        for code in loincs:
            allowed = ALLOWED_LOINC_UNITS.get(code)
            if allowed is not None and unit not in allowed:
                p.append(f"Observation {res['id']}: unit {unit} not bound for LOINC {code}")
    return p


def _category_codes(obs: dict) -> set[str]:
    return {c["code"] for cat in obs.get("category", []) for c in cat.get("coding", [])
            if c.get("system") == CATEGORY_SYSTEM}


def vital_signs_elements(bundle: dict) -> list[str]:
    """Mandatory elements of the R4 vital-signs profile, for every vital-signs Observation."""
    urls = by_url(bundle)
    p = []
    for res in resources(bundle):
        if res["resourceType"] != "Observation" or "vital-signs" not in _category_codes(res):
            continue
        rid = res["id"]
        if res.get("status") not in OBS_STATUS:
            p.append(f"{rid}: status missing or not in the value set")
        if not res.get("code", {}).get("coding"):
            p.append(f"{rid}: code without coding")
        subj = urls.get(res.get("subject", {}).get("reference"))
        if not subj or subj["resourceType"] != "Patient":
            p.append(f"{rid}: subject is not a Patient in the bundle")
        eff = res.get("effectiveDateTime") or res.get("effectivePeriod", {}).get("start")
        if not eff or not TZ_DATETIME.match(eff):
            p.append(f"{rid}: effective[x] missing or without time zone")
        if "valueQuantity" not in res and "component" not in res and "dataAbsentReason" not in res:
            p.append(f"{rid}: vs-2 no value, component or dataAbsentReason")
    return p


def provenance(bundle: dict) -> list[str]:
    """Every Observation: time zone on effective + issued, a Device, exactly one source tag."""
    urls = by_url(bundle)
    p = []
    device_of_source: dict[str, str] = {}
    for res in resources(bundle):
        if res["resourceType"] != "Observation":
            continue
        rid = res["id"]
        period = res.get("effectivePeriod", {})
        times = [res.get("effectiveDateTime")] if "effectiveDateTime" in res else [period.get("start"), period.get("end")]
        if not all(t and TZ_DATETIME.match(t) for t in times) or not TZ_DATETIME.match(res.get("issued", "")):
            p.append(f"{rid}: effective/issued without time zone")
        dev = urls.get(res.get("device", {}).get("reference"))
        if not dev or dev["resourceType"] != "Device":
            p.append(f"{rid}: no Device")
            continue
        tags = [t["code"] for t in res.get("meta", {}).get("tag", [])]
        if len(tags) != 1:
            p.append(f"{rid}: {len(tags)} source tags")
            continue
        if device_of_source.setdefault(tags[0], dev["id"]) != dev["id"]:
            p.append(f"{rid}: source {tags[0]} points at a different Device")
    if len(set(device_of_source.values())) != len(device_of_source):
        p.append("two sources share one Device")
    return p


def wellness_fenced(bundle: dict) -> list[str]:
    urls = by_url(bundle)
    comp = bundle["entry"][0]["resource"]
    p = []
    for sec in comp.get("section", []):
        for ref in sec.get("entry", []):
            res = urls[ref["reference"]]
            if res["resourceType"] != "Observation":
                continue
            cats = _category_codes(res)
            survey = "survey" in cats
            if survey and "Wellness" not in sec["title"]:
                p.append(f"survey Observation {res['id']} in section {sec['title']!r}")
            if sec["title"] == "Vital signs" and "vital-signs" not in cats:
                p.append(f"non-vital Observation {res['id']} in the vital signs section")
            if survey and not any("not a diagnosis" in n["text"] for n in res.get("note", [])):
                p.append(f"survey Observation {res['id']} lacks the not-a-diagnosis note")
            if survey and any(c["system"] == LOINC for c in res["code"].get("coding", [])):
                p.append(f"survey Observation {res['id']} carries a LOINC code")
    return p


ALL_CHECKS = (bundle_invariants, references_resolve, codes_and_units, vital_signs_elements, provenance,
              wellness_fenced)


def conformance_problems(bundle: dict) -> list[str]:
    return [problem for check in ALL_CHECKS for problem in check(bundle)]
