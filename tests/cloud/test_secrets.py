"""Secrets: the OS keyring when usable, memory (and a warning) when not; never plaintext, never logged."""

from __future__ import annotations

import logging

import keyring
import pytest
from cloud_helpers import CLIENT_SECRET, connect_through_browser
from keyring.backends import fail, null
from whoop_test_keyring import FileKeyring

from healthdesk.cloud.secrets import (
    NO_KEYRING_WARNING,
    ClientCredentials,
    KeyringSecretStore,
    TokenPair,
)


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_fail_backend_keeps_secrets_in_memory_and_warns(use_backend):
    use_backend(fail.Keyring())
    store = KeyringSecretStore()
    store.set_credentials(ClientCredentials("id", "secret"))
    store.set_tokens(TokenPair("a", "r", 123.0))
    assert store.persistent is False and store.warning == NO_KEYRING_WARNING
    assert store.get_credentials() == ClientCredentials("id", "secret")
    assert store.get_tokens().refresh_token == "r"


def test_null_backend_that_forgets_is_detected(use_backend):
    use_backend(null.Keyring())
    store = KeyringSecretStore()
    store.set_tokens(TokenPair("a", "r", 1.0))
    assert store.persistent is False and store.get_tokens().access_token == "a"


def test_real_backend_persists_across_store_instances(use_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHDESK_TEST_KEYRING", str(tmp_path / "kr.json"))
    use_backend(FileKeyring())
    first = KeyringSecretStore()
    first.set_credentials(ClientCredentials("id", "secret"))
    first.set_tokens(TokenPair("a", "r", 5.0, "offline"))
    second = KeyringSecretStore()
    assert second.persistent and second.warning is None
    assert second.get_credentials() == ClientCredentials("id", "secret")
    assert second.get_tokens() == TokenPair("a", "r", 5.0, "offline")
    second.clear()
    assert KeyringSecretStore().get_tokens() is None


def test_reprs_hide_secret_values():
    assert "secret" not in repr(ClientCredentials("id", "secret")).replace("client_secret", "")
    pair = TokenPair("access-value", "refresh-value", 1.0)
    assert "access-value" not in repr(pair) and "refresh-value" not in repr(pair)


def test_no_token_or_secret_in_logs(make_stack, fake, clock, aio, caplog):
    caplog.set_level(logging.DEBUG)
    stack = make_stack()
    aio(connect_through_browser(stack, fake))
    aio(stack.syncer().run())
    clock.advance(3500)  # and a refresh
    aio(stack.client.get("/v2/user/profile/basic"))
    assert stack.tokens.refreshes == 1
    secrets_seen = {CLIENT_SECRET, *fake.access, *fake.refresh}
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(r.getMessage() for r in ours)
    assert ours and not any(s in text for s in secrets_seen)
    client_lines = "\n".join(r.getMessage() for r in caplog.records if r.name == "httpx")
    assert not any(s in client_lines for s in secrets_seen)  # httpx logs URLs only; tokens ride in headers/body
