"""The WHOOP sign-in listener: only the redirect carrying this sign-in's state ends the wait."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from healthdesk.cloud.errors import AuthError
from healthdesk.cloud.oauth import LoopbackListener, code_from_redirect, state_matches

STATE = "s" * 43


def test_stray_and_non_ascii_callbacks_are_ignored_until_the_real_answer():
    with LoopbackListener(0) as listener:
        listener.expect(STATE)
        base = f"http://127.0.0.1:{listener.port}/callback"
        stray = httpx.get(base, params={"code": "attacker"}, timeout=5)  # no state at all
        wrong = httpx.get(base, params={"code": "attacker", "state": "x" * 43}, timeout=5)
        odd = httpx.get(base + "?code=a&state=%C3%A9%E2%82%AC", timeout=5)  # non-ASCII state: no TypeError
        for answer in (stray, wrong, odd):
            assert answer.status_code == 400 and "signed in" not in answer.text
        assert listener.ignored == 3
        real = httpx.get(base, params={"code": "the-code", "state": STATE}, timeout=5)
        assert real.status_code == 200 and "signed in to WHOOP" in real.text
        params = asyncio.run(listener.wait(5))
    assert code_from_redirect(params, STATE) == "the-code"


def test_without_the_answer_the_listener_times_out_with_one_line():
    with LoopbackListener(0) as listener:
        listener.expect(STATE)
        httpx.get(f"http://127.0.0.1:{listener.port}/callback", params={"code": "x"}, timeout=5)
        with pytest.raises(AuthError, match="no redirect from WHOOP arrived"):
            asyncio.run(listener.wait(0.5))


def test_state_compare_is_ascii_only_and_exact():
    assert state_matches(STATE, STATE)
    assert not state_matches(None, STATE)
    assert not state_matches("é" * 43, STATE)  # hmac.compare_digest would raise TypeError on this
    assert not state_matches(STATE[:-1], STATE)
    with pytest.raises(AuthError, match="state mismatch"):
        code_from_redirect({"code": "c", "state": "\u20ac"}, STATE)
