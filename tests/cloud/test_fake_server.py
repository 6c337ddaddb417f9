"""The fake WHOOP server itself behaves as the contract says (§1.12, §7.3), so the sync tests mean something."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fake_whoop.data import iso, parse
from fake_whoop.server import ALL_SCOPES
from fake_whoop.spec import SAMPLES_DIR, consumer_operations, validate

REDIRECT = "http://127.0.0.1:53682/callback"
UA = {"User-Agent": "healthdesk-tests/1"}


def authorize(base: str, scope: str = " ".join(sorted(ALL_SCOPES)), **extra: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": "cid", "redirect_uri": REDIRECT, "scope": scope,
              "state": "state-123456789"} | extra
    resp = httpx.get(f"{base}/oauth/oauth2/auth", params=params, headers=UA)
    assert resp.status_code == 302
    location = resp.headers["location"]
    return {"location": location, **{k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}}


def token(base: str, **form: str) -> httpx.Response:
    return httpx.post(f"{base}/oauth/oauth2/token", data={"client_id": "cid", "client_secret": "sec"} | form,
                      headers=UA)


def sign_in(base: str, scope: str = " ".join(sorted(ALL_SCOPES))) -> dict:
    code = authorize(base, scope=scope)["code"]
    resp = token(base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def base(server, fake) -> str:
    fake.register_app("cid", "sec", REDIRECT)
    return server.base_url


def get(base: str, path: str, access: str, **params) -> httpx.Response:
    return httpx.get(f"{base}/developer{path}", params=params, headers=UA | {"Authorization": f"Bearer {access}"})


def test_every_consumer_operation_answers_with_spec_valid_json(base, data):
    access = sign_in(base)["access_token"]
    cycle_id, sleep_id = next(iter(data.cycles)), next(iter(data.sleeps))
    workout_id = next(iter(data.workouts))
    ids = {"cycleId": str(cycle_id), "sleepId": sleep_id, "workoutId": workout_id, "activityV1Id": "1043"}
    answered = set()
    for op in consumer_operations():
        if op.method != "GET":
            continue
        path = op.path.format(**ids)
        paged = any(p["name"] == "limit" for p in op.parameters)
        resp = get(base, path, access, **({"limit": 25} if paged else {}))
        answered.add(op.operation_id)
        if op.operation_id == "getActivityMapping":
            assert resp.status_code == 404
            continue
        assert resp.status_code == 200, (op.operation_id, resp.text)
        assert validate(resp.json(), op.response_schema) == [], op.operation_id
    assert {"getCycleCollection", "getSleepCollection", "getRecoveryCollection", "getWorkoutCollection",
            "getCycleById", "getSleepById", "getWorkoutById", "getRecoveryForCycle", "getSleepForCycle",
            "getProfileBasic", "getBodyMeasurement"} <= answered


def test_generated_history_and_samples_validate_against_the_spec(data):
    for name, schema in (("cycle", "Cycle"), ("sleep", "Sleep"), ("recovery", "Recovery"),
                         ("workout", "WorkoutV2")):
        for record in data.snapshot()[name].values():
            assert validate(record, schema) == [], record
    for sample, schema in (("cycle.json", "Cycle"), ("sleep.json", "Sleep"), ("recovery.json", "Recovery"),
                           ("workout.json", "WorkoutV2"), ("derived/cycle-current-pending.json", "Cycle")):
        assert validate(json.loads((SAMPLES_DIR / sample).read_text()), schema) == []
    offsets = {c["timezone_offset"] for c in data.cycles.values()}
    assert {"Z", "+05:30", "-05:00", "-04:00", "+01:00"} <= offsets
    open_cycles = [c for c in data.cycles.values() if "end" not in c]
    assert len(open_cycles) == 1 and open_cycles[0]["score_state"] == "PENDING_SCORE"


def test_authorize_rejects_bad_requests(base):
    bad_redirect = authorize(base, redirect_uri="http://127.0.0.1:9/other")
    assert "/oauth/oauth2/fallbacks/error" in bad_redirect["location"] and bad_redirect["error"] == "invalid_request"
    assert authorize(base, state="short")["error"] == "invalid_state"
    assert authorize(base, scope="read:everything")["error"] == "invalid_scope"
    assert authorize(base, response_type="token")["error"] == "unsupported_response_type"


def test_code_is_single_use_and_pkce_is_checked(base):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = authorize(base, code_challenge=challenge, code_challenge_method="S256")["code"]
    assert token(base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                 code_verifier="w" * 50).json()["error"] == "invalid_grant"
    code = authorize(base, code_challenge=challenge, code_challenge_method="S256")["code"]
    ok = token(base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert ok.status_code == 200 and ok.json()["refresh_token"]
    again = token(base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_client_auth_must_be_in_the_form_body(base):
    code = authorize(base)["code"]
    basic = httpx.post(f"{base}/oauth/oauth2/token", auth=("cid", "sec"), headers=UA,
                       data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    wrong = token(base, grant_type="authorization_code", code=authorize(base)["code"], redirect_uri=REDIRECT,
                  client_secret="nope")
    assert wrong.status_code == 401


def test_refresh_rotates_and_reuse_is_invalid_grant(base):
    first = sign_in(base)
    second = token(base, grant_type="refresh_token", refresh_token=first["refresh_token"], scope="offline").json()
    assert second["refresh_token"] != first["refresh_token"]
    reuse = token(base, grant_type="refresh_token", refresh_token=first["refresh_token"], scope="offline")
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert get(base, "/v2/cycle", first["access_token"]).status_code == 401  # old access token died too
    assert get(base, "/v2/cycle", second["access_token"]).status_code == 200


def test_no_offline_scope_no_refresh_token(base):
    assert "refresh_token" not in sign_in(base, scope="read:cycles")


def test_scope_is_checked_per_endpoint(base):
    access = sign_in(base, scope="read:cycles offline")["access_token"]
    assert get(base, "/v2/cycle", access).status_code == 200
    assert get(base, "/v2/activity/sleep", access).status_code == 403
    assert get(base, "/v2/recovery", access).status_code == 403


def test_pagination_newest_first_filter_bound_tokens_and_limits(base, data):
    access = sign_in(base)["access_token"]
    first = get(base, "/v2/cycle", access, limit=25).json()
    starts = [c["start"] for c in first["records"]]
    assert starts == sorted(starts, reverse=True) and len(starts) == 25
    assert first["records"][0]["id"] == max(data.cycles)
    page2 = get(base, "/v2/cycle", access, limit=25, nextToken=first["next_token"]).json()
    assert page2["records"][0]["start"] < starts[-1]
    assert get(base, "/v2/cycle", access, limit=10, nextToken=first["next_token"]).status_code == 400
    assert get(base, "/v2/cycle", access, limit=26).status_code == 400
    assert get(base, "/v2/cycle", access, start="yesterday").status_code == 400
    assert get(base, "/v2/cycle/not-a-number", access).status_code == 400
    assert get(base, "/v2/cycle/1", access).status_code == 404


def test_overlap_filter_includes_a_record_running_at_start(base, data):
    access = sign_in(base)["access_token"]
    cycle = data.cycles[max(data.cycles) - 5]
    mid = parse(cycle["start"]) + (parse(cycle["end"]) - parse(cycle["start"])) / 2
    ids = [c["id"] for c in get(base, "/v2/cycle", access, limit=25, start=iso(mid)).json()["records"]]
    assert ids == list(range(max(data.cycles), cycle["id"] - 1, -1))  # the running one included, newest first


def test_rate_limit_headers_and_429(base, fake):
    fake.per_minute = 3
    access = sign_in(base)["access_token"]
    answers = [get(base, "/v2/user/profile/basic", access) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3, 3;window=60, 10000;window=86400"
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert 1 <= int(answers[3].headers["X-RateLimit-Reset"]) <= 60


def test_default_library_user_agent_is_blocked(base):
    access = sign_in(base)["access_token"]
    resp = httpx.get(f"{base}/developer/v2/cycle", headers={"Authorization": f"Bearer {access}"})
    assert resp.status_code == 403 and resp.text == "error code: 1010"


def test_revoke_kills_the_grant(base):
    pair = sign_in(base)
    resp = httpx.delete(f"{base}/developer/v2/user/access",
                        headers=UA | {"Authorization": f"Bearer {pair['access_token']}"})
    assert resp.status_code == 204
    assert get(base, "/v2/cycle", pair["access_token"]).status_code == 401
    assert token(base, grant_type="refresh_token", refresh_token=pair["refresh_token"]).status_code == 400
