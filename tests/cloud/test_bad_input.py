"""Bad input and broken servers: one clear message, nothing stored half-way, nothing lost."""

from __future__ import annotations

import socket

import pytest
from cloud_helpers import CLIENT_ID, connect_through_browser

from healthdesk.cloud.connection import CloudStack, connection_status
from healthdesk.cloud.endpoints import Endpoints
from healthdesk.cloud.errors import AuthError, BadResponse, CloudUnavailable
from healthdesk.cloud.oauth import LoopbackListener
from healthdesk.cloud.secrets import ClientCredentials, MemorySecretStore
from healthdesk.store import cloud as local


def snapshot(db) -> dict:
    with local.read_session(db) as session:
        return {"dump": local.dump_local_copy(session),
                "state": {r: (s.watermark, s.backfill_done) if (s := session.get(local.WhoopSyncState, r)) else None
                          for r in local.RESOURCES}}


def assert_nothing_stored(stack, db):
    assert stack.store.get_credentials() is None and stack.store.get_tokens() is None
    status = connection_status(db, stack.store)
    assert status["connected"] is False and status["status"] == "disconnected"


def test_wrong_client_secret(make_stack, fake, db, aio):
    stack = make_stack()
    fake.register_app(CLIENT_ID, "the-real-secret", "http://127.0.0.1:1/unused")
    with pytest.raises(AuthError, match="rejected the client id or client secret"):
        aio(connect_through_browser(stack, fake, creds=ClientCredentials(CLIENT_ID, "a-wrong-secret")))
    assert_nothing_stored(stack, db)


def test_denied_consent(make_stack, fake, db, aio):
    stack = make_stack()
    fake.consent = "deny"
    with pytest.raises(AuthError, match="access was not granted"):
        aio(connect_through_browser(stack, fake))
    assert_nothing_stored(stack, db)


def test_state_mismatch(make_stack, fake, db, aio):
    stack = make_stack()
    fake.tamper_state = True
    # A redirect with another state is not this sign-in's answer: ignored, the listener waits on (timeout).
    with pytest.raises(AuthError, match="no redirect from WHOOP arrived"):
        aio(connect_through_browser(stack, fake, timeout=1.5))
    assert_nothing_stored(stack, db)
    assert not fake.grants  # the code was never exchanged


def test_redirect_port_in_use(make_stack, aio):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        with pytest.raises(AuthError, match=r"cannot listen .* choose another --redirect-port"):
            LoopbackListener(busy.getsockname()[1])
    finally:
        busy.close()


def test_server_down(db, clock, aio):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    store = MemorySecretStore()
    store.set_credentials(ClientCredentials("id", "secret"))
    from healthdesk.cloud.secrets import TokenPair
    store.set_tokens(TokenPair("access", "refresh", clock.time() + 3600))
    stack = CloudStack.create(store, db, Endpoints.resolve(f"http://127.0.0.1:{port}"), clock=clock)
    before = snapshot(db)
    with pytest.raises(CloudUnavailable, match=rf"cannot reach WHOOP at http://127.0.0.1:{port} .*try again later"):
        aio(stack.syncer().run())
    aio(stack.aclose())
    after = snapshot(db)
    assert after["dump"] == before["dump"]
    with local.read_session(db) as session:
        assert "cannot reach WHOOP" in session.get(local.WhoopSyncState, "cycle").last_error
    assert store.get_tokens() is not None  # a network failure never costs the sign-in


def test_malformed_json_mid_walk_keeps_whole_pages_and_recovers(make_stack, fake, db, data, aio):
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    fake.malformed_next = 0
    served = {"n": 0}
    original = fake._dispatch

    def break_third_page(op, grant, pp, q):
        result = original(op, grant, pp, q)
        served["n"] += 1
        if served["n"] == 3:
            fake.malformed_next = 1
        return result

    fake._dispatch = break_third_page
    with pytest.raises(BadResponse, match="malformed JSON"):
        aio(stack.syncer().run())
    with local.read_session(db) as session:
        stored_cycles = len(local.dump_local_copy(session)["cycle"])
        state = session.get(local.WhoopSyncState, "cycle")
        assert stored_cycles == 50  # two whole pages, nothing of the broken one
        assert state.backfill_done is False and state.watermark is None and "malformed" in state.last_error
    assert "malformed JSON" in connection_status(db, stack.store)["last_sync_error"]  # what `whoop status` shows
    fake._dispatch = original
    aio(stack.syncer().run())
    with local.read_session(db) as session:
        dump = local.dump_local_copy(session)
    live = {name: [{k: r[k] for k in ("id", "updated_at", "score_state")} for r in rows]
            for name, rows in dump.items()}
    assert live == data.expected_dump()


def test_record_missing_required_fields_rolls_back_its_page(make_stack, fake, db, data, aio):
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    newest = data.cycles[max(data.cycles) - 3]
    del newest["updated_at"]  # a broken record on the first page
    with pytest.raises(BadResponse, match="malformed cycle record"):
        aio(stack.syncer().run())
    with local.read_session(db) as session:
        assert local.dump_local_copy(session)["cycle"] == []


def test_repeated_page_token_is_detected(make_stack, fake, db, aio):
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    fake.repeat_token = True
    with pytest.raises(BadResponse, match="repeated a page token"):
        aio(stack.syncer().run())
    assert len(fake.data_requests()) == 2


def test_null_next_token_ends_the_walk(make_stack, fake, db, data, aio):
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    fake.null_next_token = True
    aio(stack.syncer().run())
    with local.read_session(db) as session:
        assert len(local.dump_local_copy(session)["cycle"]) == len(data.cycles)


def test_sync_without_sign_in_says_what_to_do(db, clock, aio):
    stack = CloudStack.create(MemorySecretStore(), db, Endpoints.resolve("http://127.0.0.1:9"), clock=clock)
    from healthdesk.cloud.errors import NeedsReauth
    with pytest.raises(NeedsReauth, match="run `whoop connect`"):
        aio(stack.syncer().run())
    aio(stack.aclose())


def test_account_without_body_measurement(make_stack, fake, db, data, aio):
    data.body = None  # WHOOP answers 404 for some accounts (pitfall §5.11)
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    aio(stack.syncer().run())
    with local.read_session(db) as session:
        profile = session.get(local.WhoopProfile, data.user_id)
        assert profile.first_name == data.profile["first_name"]
        assert profile.height_meter is None and profile.body_json is None
