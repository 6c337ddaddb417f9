"""Token refresh against the real fake server: ahead of expiry, on 401, serialised, rotation-safe."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest
from cloud_helpers import connect_through_browser

from healthdesk.cloud.client import new_http_client
from healthdesk.cloud.connection import connection_status
from healthdesk.cloud.errors import NeedsReauth
from healthdesk.cloud.secrets import MemorySecretStore
from healthdesk.store import cloud as local


def token_posts(fake, grant_type: str) -> int:
    return sum(1 for r in fake.log if r.path == "/oauth/oauth2/token" and r.query["grant_type"] == grant_type)


@pytest.fixture
def connected(make_stack, fake, aio):
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    return stack


def test_refresh_when_under_five_minutes_remain(connected, fake, clock, aio):
    before = connected.store.get_tokens()
    assert aio(connected.client.get("/v2/user/profile/basic"))["user_id"] == fake.data.user_id
    assert token_posts(fake, "refresh_token") == 0
    clock.advance(3600 - 299)  # 299 s left: refresh first
    assert aio(connected.client.get("/v2/user/profile/basic")) is not None
    after = connected.store.get_tokens()
    assert token_posts(fake, "refresh_token") == 1
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    assert fake.live_refresh_tokens() == {after.refresh_token}


def test_401_refreshes_once_and_retries_once(connected, fake, aio):
    for entry in fake.access.values():  # WHOOP invalidated the access token (e.g. a rotation elsewhere)
        entry["alive"] = False
    assert aio(connected.client.get(f"/v2/cycle/{max(fake.data.cycles)}"))["id"] == max(fake.data.cycles)
    assert token_posts(fake, "refresh_token") == 1
    statuses = [r.status for r in fake.data_requests()]
    assert statuses == [401, 200]


def test_second_401_after_refresh_means_sign_in_again(connected, fake, db, aio, monkeypatch):
    monkeypatch.setattr(fake, "_grant_for", lambda authorization: None)  # every data call is refused
    with pytest.raises(NeedsReauth):
        aio(connected.client.get("/v2/cycle"))
    assert [r.status for r in fake.data_requests()] == [401, 401]  # no loop


def test_new_pair_is_stored_before_it_is_used(make_stack, fake, clock, aio):
    events: list[tuple[str, str]] = []

    class RecordingStore(MemorySecretStore):
        def set_tokens(self, tokens):
            super().set_tokens(tokens)
            events.append(("stored", tokens.access_token))

    async def on_request(request: httpx.Request) -> None:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            events.append(("used", auth[7:]))

    http = new_http_client()
    http.event_hooks["request"] = [on_request]
    stack = make_stack(store=RecordingStore(), http=http)
    aio(connect_through_browser(stack, fake))
    clock.advance(3500)
    aio(stack.client.get("/v2/user/profile/basic"))
    fresh = stack.store.get_tokens().access_token
    assert events.index(("stored", fresh)) < events.index(("used", fresh))


def test_concurrent_callers_share_one_refresh(connected, fake, clock, aio):
    clock.advance(3500)

    async def many():
        return await asyncio.gather(*(connected.tokens.access_token() for _ in range(8)))

    tokens = aio(many())
    assert len(set(tokens)) == 1 and token_posts(fake, "refresh_token") == 1


def test_two_refreshers_racing_never_lose_the_pair(make_stack, fake, clock, db, aio):
    """Two workers (two token managers, e.g. the window and a CLI run) share one secret store."""
    store = MemorySecretStore()
    first = make_stack(store=store)
    aio(connect_through_browser(first, fake))
    second = make_stack(store=store)
    stale = store.get_tokens().access_token

    async def race():
        return await asyncio.gather(first.tokens.refresh(stale), second.tokens.refresh(stale))

    a, b = aio(race())
    final = store.get_tokens()
    assert a.access_token == b.access_token == final.access_token
    assert fake.live_refresh_tokens() == {final.refresh_token}
    assert aio(second.client.get("/v2/user/profile/basic")) is not None
    assert connection_status(db, store)["needs_reauth"] is False


def test_race_lost_to_another_process_is_recovered_by_rereading(make_stack, fake, clock, db, aio):
    """Another process rotated the pair (and stored it) after we read it: invalid_grant, then re-read."""
    store = MemorySecretStore()
    stack = make_stack(store=store)
    aio(connect_through_browser(stack, fake))
    old = store.get_tokens()
    other = make_stack(store=MemorySecretStore())
    other.store.set_credentials(store.get_credentials())
    other.store.set_tokens(old)
    rotated = aio(other.tokens.refresh(old.access_token))

    real_stored = store.get_tokens
    reads = iter([old])  # our first (locked) read still sees the old pair; later reads see the rotated one
    store.get_tokens = lambda: next(reads, None) or real_stored()
    store.set_tokens(rotated)
    fresh = aio(stack.tokens.refresh(old.access_token))
    assert fresh.access_token == rotated.access_token
    assert token_posts(fake, "refresh_token") == 2  # ours got invalid_grant; no sign-in lost


def test_invalid_grant_marks_needs_reauth_and_keeps_data(make_stack, fake, clock, db, aio):
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    aio(stack.syncer().run())
    with local.read_session(db) as session:
        before = local.dump_local_copy(session)
    for grant in fake.grants.values():  # the user removed the app in WHOOP
        grant.alive = False
    clock.advance(3500)
    with pytest.raises(NeedsReauth, match="run `whoop connect` again; your local data is kept"):
        aio(stack.syncer().run())
    status = connection_status(db, stack.store)
    assert status["needs_reauth"] is True and status["connected"] is False
    with local.read_session(db) as session:
        assert local.dump_local_copy(session) == before


@pytest.mark.skipif(sys.platform == "win32", reason="advisory flock is POSIX only")
def test_file_lock_serialises_refreshers_across_managers(make_stack, fake, clock, tmp_path, aio):
    """With the shared lock file (as the app and the CLI use), the loser waits and re-reads: one refresh only."""
    store = MemorySecretStore()
    lock = tmp_path / "whoop-token.lock"
    first = make_stack(store=store, lock_path=lock)
    aio(connect_through_browser(first, fake))
    second = make_stack(store=store, lock_path=lock)
    stale = store.get_tokens().access_token

    async def race():
        return await asyncio.gather(first.tokens.refresh(stale), second.tokens.refresh(stale))

    a, b = aio(race())
    assert a == b == store.get_tokens()
    statuses = [r.status for r in fake.log if r.path == "/oauth/oauth2/token"]
    assert statuses == [200, 200]  # the code exchange and exactly one refresh; no invalid_grant
