"""The read-only FHIR R4 REST face of one link (clinical.md §1.6, §3.5-§3.7).

Built from the export's own document bundle of the link's scoped `ReportData`: the same Patient, Device and
Observation resources, with `urn:uuid:` references rewritten to `Type/id`. Searchsets carry `total`,
self/next/previous links, absolute fullUrls and `search.mode`; every error is an OperationOutcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from healthdesk.clinical.fhir import build_bundle
from healthdesk.clinical.report_data import ReportData

FHIR_JSON = "application/fhir+json; charset=utf-8"
TYPES = ("Patient", "Device", "Observation")
MAX_COUNT = 200
DEFAULT_COUNT = 50
OBSERVATION_PARAMS = ("date", "code", "category")
PAGING_PARAMS = ("_count", "_offset", "_format")


class FhirError(Exception):
    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics


def outcome(code: str, diagnostics: str, severity: str = "error") -> bytes:
    body = {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}]}
    return json.dumps(body, separators=(",", ":")).encode()


# One body for every unauthenticated or unknown request: the same bytes whatever went wrong.
NOT_FOUND = outcome("not-found", "Resource not found.")


def dumps(resource: dict) -> bytes:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class _Indexed:
    resource: dict
    start: datetime | None
    end: datetime | None
    codes: frozenset[tuple[str, str]]
    categories: frozenset[tuple[str, str]]


def _rewrite_refs(node: object, urn_to_ref: dict[str, str]) -> object:
    if isinstance(node, dict):
        return {k: (urn_to_ref.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite_refs(v, urn_to_ref))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v, urn_to_ref) for v in node]
    return node


def _tokens(concepts: list[dict]) -> frozenset[tuple[str, str]]:
    return frozenset((c.get("system", ""), c.get("code", "")) for cc in concepts for c in cc.get("coding", []))


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


class FhirFace:
    """The resources of one link's scope, indexed for search. Built once per snapshot."""

    def __init__(self, data: ReportData) -> None:
        self.data = data
        bundle = build_bundle(data)
        entries = [e for e in bundle["entry"] if e["resource"]["resourceType"] in TYPES]
        urn_to_ref = {e["fullUrl"]: f'{e["resource"]["resourceType"]}/{e["resource"]["id"]}' for e in entries}
        self.by_type: dict[str, list[_Indexed]] = {t: [] for t in TYPES}
        for e in entries:
            res = _rewrite_refs(e["resource"], urn_to_ref)
            start = end = None
            if "effectivePeriod" in res:
                start, end = _parse_time(res["effectivePeriod"]["start"]), _parse_time(res["effectivePeriod"]["end"])
            elif "effectiveDateTime" in res:
                start = end = _parse_time(res["effectiveDateTime"])
            self.by_type[res["resourceType"]].append(_Indexed(
                res, start, end, _tokens([res["code"]]) if "code" in res else frozenset(),
                _tokens(res.get("category", []))))
        self.generated_at = data.generated_at

    def patient_id(self) -> str | None:
        pts = self.by_type["Patient"]
        return pts[0].resource["id"] if pts else None

    def read(self, rtype: str, rid: str) -> dict:
        for item in self.by_type.get(rtype, ()):
            if item.resource["id"] == rid:
                return item.resource
        raise FhirError(404, "not-found", "Resource not found.")

    def search(self, rtype: str, params: list[tuple[str, str]]) -> list[dict]:
        if rtype not in self.by_type:
            raise FhirError(404, "not-found", "Resource not found.")
        allowed = PAGING_PARAMS + (OBSERVATION_PARAMS if rtype == "Observation" else ())
        for name, _ in params:
            if name not in allowed:
                raise FhirError(400, "not-supported", f"Search parameter {name!r} is not supported on {rtype}.")
        items = self.by_type[rtype]
        for name, value in params:
            if name == "date":
                items = [i for i in items if _date_matches(i, value, self.data.period.tz)]
            elif name == "code":
                wanted = _token_param(value)
                items = [i for i in items if _token_hit(i.codes, wanted)]
            elif name == "category":
                wanted = _token_param(value)
                items = [i for i in items if _token_hit(i.categories, wanted)]
        return [i.resource for i in items]

    def everything(self, rid: str) -> list[dict]:
        if rid != self.patient_id():
            raise FhirError(404, "not-found", "Resource not found.")
        return [i.resource for t in TYPES for i in self.by_type[t]]

    def capability(self, base_url: str, version: str) -> dict:
        search_type = {"code": "search-type"}
        read = {"code": "read"}
        obs_params = [
            {"name": "date", "type": "date", "documentation": "eq/ne/gt/lt/ge/le/sa/eb prefixes"},
            {"name": "code", "type": "token"}, {"name": "category", "type": "token"},
            {"name": "_count", "type": "number", "documentation": f"page size, capped at {MAX_COUNT}"},
        ]
        resources = [
            {"type": "Patient", "interaction": [read, search_type],
             "operation": [{"name": "everything",
                            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]},
            {"type": "Device", "interaction": [read, search_type]},
            {"type": "Observation", "interaction": [read, search_type], "searchParam": obs_params},
        ]
        return {
            "resourceType": "CapabilityStatement", "status": "active",
            "date": self.generated_at.isoformat(timespec="seconds"), "kind": "instance",
            "software": {"name": "healthdesk", "version": version},
            "implementation": {"description": "healthdesk share link: read-only, scoped, time-limited",
                               "url": base_url},
            "fhirVersion": "4.0.1", "format": ["application/fhir+json", "json"],
            "rest": [{"mode": "server",
                      "security": {"description": "Send the share token as 'Authorization: Bearer <token>'. "
                                                  "Only data inside the link's period and sections is served."},
                      "resource": resources}],
        }


def searchset(resources: list[dict], params: list[tuple[str, str]], base_url: str, path: str) -> dict:
    """Page `resources` by _count/_offset and wrap them as a searchset Bundle with paging links."""
    count, offset = DEFAULT_COUNT, 0
    for name, value in params:
        if name in ("_count", "_offset"):
            try:
                number = int(value)
            except ValueError:
                raise FhirError(400, "invalid", f"{name} must be a whole number.") from None
            if number < 0:
                raise FhirError(400, "invalid", f"{name} must not be negative.")
            if name == "_count":
                count = min(number, MAX_COUNT)
            else:
                offset = number
    kept = [(n, v) for n, v in params if n not in ("_count", "_offset")]

    def url(at: int) -> str:
        return f"{base_url}{path}?" + urlencode(kept + [("_count", str(count)), ("_offset", str(at))])

    page = resources[offset:offset + count]
    links = [{"relation": "self", "url": url(offset)}]
    if count and offset + count < len(resources):
        links.append({"relation": "next", "url": url(offset + count)})
    if count and offset > 0:
        links.append({"relation": "previous", "url": url(max(offset - count, 0))})
    return {
        "resourceType": "Bundle", "type": "searchset", "total": len(resources), "link": links,
        "entry": [{"fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in page],
    }


_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")


def _date_range(text: str, tz) -> tuple[datetime, datetime]:
    """[lo, hi) of a FHIR date/dateTime value; partial dates span their whole year/month/day (local)."""
    try:
        if len(text) == 4:
            lo = datetime(int(text), 1, 1, tzinfo=tz)
            return lo, lo.replace(year=lo.year + 1)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            lo = datetime(year, month, 1, tzinfo=tz)
            return lo, (lo.replace(year=year + 1, month=1) if month == 12 else lo.replace(month=month + 1))
        if len(text) == 10:
            day = date.fromisoformat(text)
            lo = datetime.combine(day, time(0), tz)
            return lo, datetime.combine(day + timedelta(days=1), time(0), tz)
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz)
        return when, when + timedelta(seconds=1)
    except ValueError:
        raise FhirError(400, "invalid", f"date value {text!r} is not a FHIR date or dateTime.") from None


def _date_matches(item: _Indexed, value: str, tz) -> bool:
    if item.start is None or item.end is None:
        return False
    prefix, text = (value[:2], value[2:]) if value[:2] in _PREFIXES else ("eq", value)
    lo, hi = _date_range(text, tz)
    start, end = item.start, item.end
    return {
        "eq": lo <= start and end < hi, "ne": not (lo <= start and end < hi),
        "gt": end >= hi, "lt": start < lo, "ge": end >= lo, "le": start < hi,
        "sa": start >= hi, "eb": end < lo,
    }[prefix]


def _token_param(value: str) -> list[tuple[str | None, str | None]]:
    wanted = []
    for part in value.split(","):
        if "|" in part:
            system, code = part.split("|", 1)
            wanted.append((system, code or None))
        else:
            wanted.append((None, part))
    return wanted


def _token_hit(have: frozenset[tuple[str, str]], wanted: list[tuple[str | None, str | None]]) -> bool:
    for system, code in wanted:
        for s, c in have:
            if (system is None or system == s) and (code is None or code == c):
                return True
    return False
