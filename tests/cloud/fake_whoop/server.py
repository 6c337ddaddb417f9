"""The fake WHOOP cloud's state and behaviour (OAuth, data API, failure modes); serving.py puts it on the wire.

Routes, required scopes and parameter limits are read from WHOOP's OpenAPI document; the behaviour follows
the fake-server checklist of whoop-cloud-api.md §7.3: OAuth with rotation and `invalid_grant` on reuse,
scope checks, newest-first pagination with opaque filter-bound tokens, overlap filtering, rate-limit headers
and 429s, 5xx bursts, malformed bodies, re-scores, edits, deletes, an open cycle, mixed timezone offsets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fake_whoop.data import FakeData, parse
from fake_whoop.spec import Operation

INVALID_GRANT = {"error": "invalid_grant", "error_description": (
    "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token "
    "is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or "
    "was issued to another client")}
INVALID_CLIENT = {"error": "invalid_client", "error_description": (
    "Client authentication failed (e.g., unknown client, no client authentication included, or unsupported "
    "authentication method).")}
ALL_SCOPES = {"offline", "read:recovery", "read:cycles", "read:workout", "read:sleep", "read:profile",
              "read:body_measurement"}


class _WallClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class ClientApp:
    client_id: str
    client_secret: str
    redirect_uris: set[str]
    scopes: set[str] = field(default_factory=lambda: set(ALL_SCOPES))


@dataclass
class Grant:
    client_id: str
    scopes: set[str]
    alive: bool = True


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int


class FakeWhoop:
    """All server state and behaviour; HTTP handlers call in under one lock."""

    def __init__(self, data: FakeData, clock: Any = None, per_minute: int = 100, per_day: int = 10_000,
                 access_ttl: float = 3600.0, code_ttl: float = 600.0) -> None:
        self.data, self.clock = data, clock or _WallClock()
        self.per_minute, self.per_day = per_minute, per_day
        self.access_ttl, self.code_ttl = access_ttl, code_ttl
        self.lock = threading.RLock()
        self.apps: dict[str, ClientApp] = {}
        self.consent = "approve"  # or "deny"
        self.tamper_state = False  # answer with a different state (a forged redirect)
        self.codes: dict[str, dict[str, Any]] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.refresh: dict[str, dict[str, Any]] = {}
        self.log: list[LoggedRequest] = []
        self.windows: dict[str, tuple[deque[float], deque[float]]] = {}
        self.forced_429 = 0
        self.forced_429_reset = 3
        self.forced_429_style = "reset"  # "reset": X-RateLimit-Reset; "retry-after": only Retry-After; "bare"
        self.limit_429s = 0  # 429s caused by the real per-minute/day limit
        self.fail_next: list[int] = []  # statuses to answer with before serving normally
        self.malformed_next = 0
        self.null_next_token = False
        self.repeat_token = False  # a broken server that hands out the same next_token forever
        self.reject_default_user_agent = True

    # ---- set-up helpers for tests -----------------------------------------------------------------------
    def register_app(self, client_id: str, client_secret: str, redirect_uri: str,
                     scopes: set[str] | None = None) -> ClientApp:
        app = ClientApp(client_id, client_secret, {redirect_uri}, scopes or set(ALL_SCOPES))
        self.apps[client_id] = app
        return app

    def data_requests(self) -> list[LoggedRequest]:
        return [r for r in self.log if r.path.startswith("/developer/")]

    def live_refresh_tokens(self) -> set[str]:
        return {t for t, v in self.refresh.items() if v["alive"] and self.grants[v["grant"]].alive}

    # ---- OAuth ------------------------------------------------------------------------------------------
    def _issue(self, grant_id: str) -> dict[str, Any]:
        grant = self.grants[grant_id]
        access = secrets.token_urlsafe(24)
        self.access[access] = {"grant": grant_id, "expires": self.clock.time() + self.access_ttl, "alive": True}
        body: dict[str, Any] = {"access_token": access, "expires_in": int(self.access_ttl),
                                "scope": " ".join(sorted(grant.scopes)), "token_type": "bearer"}
        if "offline" in grant.scopes:
            refresh = secrets.token_urlsafe(24)
            self.refresh[refresh] = {"grant": grant_id, "alive": True}
            body["refresh_token"] = refresh
        return body

    def authorize(self, q: dict[str, str]) -> str:
        """The redirect target for an authorize request (consent is automatic or denied by setting)."""
        app = self.apps.get(q.get("client_id", ""))
        if app is None or q.get("redirect_uri") not in app.redirect_uris:
            return "/oauth/oauth2/fallbacks/error?" + urlencode({
                "error": "invalid_request",
                "error_description": "The request is missing a required parameter, includes an invalid parameter "
                                     "value, includes a parameter more than once, or is otherwise malformed",
                "error_hint": "The \"redirect_uri\" parameter does not match any of the OAuth 2.0 Client's "
                              "pre-registered redirect urls."})
        redirect, state = q["redirect_uri"], q.get("state", "")
        scopes = set(q.get("scope", "").split())

        def back(**params: str) -> str:
            return redirect + "?" + urlencode(params | {"state": state})

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if len(state) < 8:
            return back(error="invalid_state", error_description="The state is missing or too short")
        if not scopes or not scopes <= app.scopes:
            return back(error="invalid_scope", error_description="The requested scope is invalid")
        if q.get("code_challenge") and q.get("code_challenge_method", "plain") != "S256":
            return back(error="invalid_request", error_description="unsupported code_challenge_method")
        if self.consent == "deny":
            return back(error="access_denied", error_description="The resource owner denied the request")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"client_id": app.client_id, "redirect_uri": redirect, "scopes": scopes,
                            "challenge": q.get("code_challenge"), "expires": self.clock.time() + self.code_ttl}
        if self.tamper_state:
            state = "forged-" + secrets.token_urlsafe(12)
        return redirect + "?" + urlencode({"code": code, "scope": " ".join(sorted(scopes)), "state": state})

    def token(self, form: dict[str, str], has_basic_auth: bool) -> tuple[int, dict[str, Any]]:
        app = self.apps.get(form.get("client_id", ""))
        if has_basic_auth and "client_secret" not in form:
            return 401, INVALID_CLIENT  # WHOOP wants client_secret_post
        if app is None or not secrets.compare_digest(form.get("client_secret", ""), app.client_secret):
            return 401, INVALID_CLIENT
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            code = self.codes.pop(form.get("code", ""), None)  # single use
            if (code is None or code["client_id"] != app.client_id or code["expires"] < self.clock.time()
                    or code["redirect_uri"] != form.get("redirect_uri")):
                return 400, INVALID_GRANT
            if code["challenge"]:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                if not verifier or digest.decode() != code["challenge"]:
                    return 400, INVALID_GRANT
            grant_id = secrets.token_hex(8)
            self.grants[grant_id] = Grant(app.client_id, code["scopes"])
            return 200, self._issue(grant_id)
        if grant_type == "refresh_token":
            entry = self.refresh.get(form.get("refresh_token", ""))
            if entry is None or not entry["alive"] or not self.grants[entry["grant"]].alive \
                    or self.grants[entry["grant"]].client_id != app.client_id:
                return 400, INVALID_GRANT
            grant_id = entry["grant"]
            # Rotation: the presented refresh token and every earlier access token of the grant die.
            for table in (self.refresh, self.access):
                for value in table.values():
                    if value["grant"] == grant_id:
                        value["alive"] = False
            return 200, self._issue(grant_id)
        return 400, {"error": "unsupported_grant_type"}

    # ---- data API -----------------------------------------------------------------------------------------
    def _rate_headers(self, client_id: str, count: bool) -> tuple[bool, dict[str, str]]:
        now = self.clock.monotonic()
        minute, day = self.windows.setdefault(client_id, (deque(), deque()))
        for window, span in ((minute, 60.0), (day, 86400.0)):
            while window and window[0] <= now - span:
                window.popleft()
        over = len(minute) >= self.per_minute or len(day) >= self.per_day
        if count and not over:
            minute.append(now)
            day.append(now)
        rem_min, rem_day = self.per_minute - len(minute), self.per_day - len(day)
        if rem_min <= rem_day:
            limit, remaining = self.per_minute, rem_min
            reset = (minute[0] + 60.0 - now) if minute else 60.0
        else:
            limit, remaining = self.per_day, rem_day
            reset = (day[0] + 86400.0 - now) if day else 86400.0
        return over, {"X-RateLimit-Limit": f"{limit}, {self.per_minute};window=60, {self.per_day};window=86400",
                      "X-RateLimit-Remaining": str(max(0, remaining)),
                      "X-RateLimit-Reset": str(max(1, int(reset + 0.999)))}

    def _grant_for(self, authorization: str) -> Grant | None:
        if not authorization.startswith("Bearer "):
            return None
        entry = self.access.get(authorization[7:])
        if entry is None or not entry["alive"] or entry["expires"] <= self.clock.time():
            return None
        grant = self.grants[entry["grant"]]
        return grant if grant.alive else None

    def handle(self, op: Operation, method: str, path_params: dict[str, str], query: dict[str, str],
               headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if self.reject_default_user_agent and headers.get("user-agent", "").startswith(("python-", "Python-")):
            return 403, "error code: 1010", {}  # Cloudflare's answer to a default library agent
        grant = self._grant_for(headers.get("authorization", ""))
        client_id = grant.client_id if grant else "anonymous"
        if self.forced_429 > 0:
            self.forced_429 -= 1
            _, rate = self._rate_headers(client_id, count=False)
            rate |= {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(self.forced_429_reset)}
            if self.forced_429_style != "reset":
                rate = {}
            if self.forced_429_style == "retry-after":
                rate["Retry-After"] = str(self.forced_429_reset)
            return 429, {"error": "too_many_requests"}, rate
        over, rate = self._rate_headers(client_id, count=True)
        if over:
            self.limit_429s += 1
            return 429, {"error": "too_many_requests"}, rate
        if self.fail_next:
            return self.fail_next.pop(0), {"error": "internal_error"}, rate
        if grant is None:
            return 401, {"error": "unauthorized"}, rate
        needed = set(op.scopes or ())
        if op.operation_id == "getSleepForCycle":
            needed = {"read:sleep"}  # the spec lists none; presumably read:sleep
        if not needed <= grant.scopes:
            return 403, {"error": "insufficient_scope"}, rate
        error = self._check_params(op, path_params, query)
        if error:
            return 400, {"error": "invalid_request", "error_description": error}, rate
        status, body = self._dispatch(op, grant, path_params, query)
        if self.repeat_token and "nextToken" in query and status == 200:
            query = {k: v for k, v in query.items() if k != "nextToken"}
            status, body = self._dispatch(op, grant, path_params, query)
        if self.malformed_next > 0 and status == 200:
            self.malformed_next -= 1
            return 200, "{\"records\": [ {\"id\": 1,", rate
        return status, body, rate

    @staticmethod
    def _check_params(op: Operation, path_params: dict[str, str], query: dict[str, str]) -> str | None:
        for param in op.parameters:
            name, schema = param["name"], param.get("schema", {})
            value = path_params.get(name) if param["in"] == "path" else query.get(name)
            if value is None:
                continue
            try:
                if schema.get("type") == "integer":
                    number = int(value)
                    if "maximum" in schema and number > schema["maximum"] or number < (1 if name == "limit" else 0):
                        return f"{name} out of range"
                elif schema.get("format") == "date-time":
                    if parse(value).tzinfo is None:
                        return f"{name} needs a time zone"
                elif schema.get("format") == "uuid":
                    UUID(value)
            except ValueError:
                return f"{name} is malformed"
        return None

    def _dispatch(self, op: Operation, grant: Grant, pp: dict[str, str], q: dict[str, str]) -> tuple[int, Any]:
        d, oid = self.data, op.operation_id
        if oid == "revokeUserOAuthAccess":
            grant.alive = False
            return 204, None
        if oid == "getProfileBasic":
            return (200, d.profile) if d.profile else (404, {"error": "not_found"})
        if oid == "getBodyMeasurement":
            return (200, d.body) if d.body else (404, {"error": "not_found"})
        if oid == "getActivityMapping":
            return 404, {"error": "not_found"}
        single = {"getCycleById": lambda: d.cycles.get(int(pp["cycleId"])),
                  "getRecoveryForCycle": lambda: d.recoveries.get(int(pp["cycleId"])),
                  "getSleepForCycle": lambda: next((s for s in d.sleeps.values() if not s["nap"]
                                                    and s["cycle_id"] == int(pp["cycleId"])), None),
                  "getSleepById": lambda: d.sleeps.get(pp["sleepId"]),
                  "getWorkoutById": lambda: d.workouts.get(pp["workoutId"])}
        if oid in single:
            record = single[oid]()
            return (200, record) if record is not None else (404, {"error": "not_found"})
        tables = {"getCycleCollection": d.cycles, "getSleepCollection": d.sleeps,
                  "getRecoveryCollection": d.recoveries, "getWorkoutCollection": d.workouts}
        return 200, self._page(tables[oid], recovery=oid == "getRecoveryCollection", q=q)

    def _span(self, record: dict[str, Any], recovery: bool) -> tuple[datetime, datetime | None]:
        if recovery:  # a recovery is placed (and sorted) by its sleep
            sleep = self.data.sleeps[record["sleep_id"]]
            return parse(sleep["start"]), parse(sleep["end"])
        return parse(record["start"]), parse(record["end"]) if record.get("end") else None

    def _page(self, table: dict[Any, dict[str, Any]], recovery: bool, q: dict[str, str]) -> dict[str, Any]:
        limit = int(q.get("limit", 10))
        start = parse(q["start"]) if "start" in q else None
        end = parse(q["end"]) if "end" in q else self.data.now
        binding = hashlib.sha256(json.dumps([q.get("start"), q.get("end"), limit]).encode()).hexdigest()[:12]
        rows = []
        for key, record in table.items():
            r_start, r_end = self._span(record, recovery)
            if r_start < end and (start is None or r_end is None or r_end >= start):  # overlap with [start, end)
                rows.append(((r_start.isoformat(), str(key)), record))
        rows.sort(key=lambda row: row[0], reverse=True)  # newest first
        if "nextToken" in q:
            try:
                cursor = json.loads(base64.urlsafe_b64decode(q["nextToken"].encode()))
                if cursor["f"] != binding:
                    raise ValueError("token used with another filter")
                after = tuple(cursor["after"])
            except (ValueError, KeyError, TypeError):
                return {"__status__": 400}
            rows = [row for row in rows if row[0] < after]
        page = rows[:limit]
        body: dict[str, Any] = {"records": [record for _, record in page]}
        if self.repeat_token and len(rows) > limit:
            body["next_token"] = "c2FtZS10b2tlbg"
        elif len(rows) > limit:
            token = json.dumps({"after": list(page[-1][0]), "f": binding}).encode()
            body["next_token"] = base64.urlsafe_b64encode(token).decode()
        elif self.null_next_token:
            body["next_token"] = None
        return body
