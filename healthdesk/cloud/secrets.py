"""Where the WHOOP client id/secret and the token pair live: the OS keyring (through healthdesk/os_keyring.py).

When no usable keyring exists (headless Linux, a frozen app without backends, the `fail`/`null` backends),
secrets are kept in memory for this run only and `warning` says so. There is never a plaintext fallback,
and no secret value is ever logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Protocol

from healthdesk.os_keyring import KeyringUnavailable, delete_secret, read_secret, write_secret

log = logging.getLogger(__name__)

_CLIENT_ID, _CLIENT_SECRET, _TOKENS = "whoop:client_id", "whoop:client_secret", "whoop:tokens"
NO_KEYRING_WARNING = ("no usable system keyring: WHOOP keys and sign-in are kept in memory for this run only "
                      "(nothing was written to disk; connect again next time)")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str | None
    expires_at: float  # wall-clock epoch seconds
    scope: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TokenPair:
        data = json.loads(text)
        return cls(data["access_token"], data.get("refresh_token"), float(data["expires_at"]),
                   data.get("scope", ""))

    def __repr__(self) -> str:  # never print token values, even by accident
        return f"TokenPair(expires_at={self.expires_at:.0f}, scope={self.scope!r})"


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret=***)"


class SecretStore(Protocol):
    persistent: bool
    warning: str | None

    def get_credentials(self) -> ClientCredentials | None: ...
    def set_credentials(self, creds: ClientCredentials) -> None: ...
    def get_tokens(self) -> TokenPair | None: ...
    def set_tokens(self, tokens: TokenPair) -> None: ...
    def clear(self) -> None: ...


class MemorySecretStore:
    """Secrets for this process only."""

    persistent = False

    def __init__(self, warning: str | None = None) -> None:
        self.warning = warning
        self._values: dict[str, str] = {}

    def _get(self, name: str) -> str | None:
        return self._values.get(name)

    def _set(self, name: str, value: str) -> None:
        self._values[name] = value

    def _delete(self, name: str) -> None:
        self._values.pop(name, None)

    def get_credentials(self) -> ClientCredentials | None:
        cid, secret = self._get(_CLIENT_ID), self._get(_CLIENT_SECRET)
        return ClientCredentials(cid, secret) if cid and secret else None

    def set_credentials(self, creds: ClientCredentials) -> None:
        self._set(_CLIENT_ID, creds.client_id)
        self._set(_CLIENT_SECRET, creds.client_secret)

    def get_tokens(self) -> TokenPair | None:
        text = self._get(_TOKENS)
        if not text:
            return None
        try:
            return TokenPair.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("stored WHOOP token entry is unreadable; sign-in needed again")
            return None

    def set_tokens(self, tokens: TokenPair) -> None:
        # One entry for the pair, so a reader never sees a new access token with an old refresh token.
        self._set(_TOKENS, tokens.to_json())

    def clear(self) -> None:
        for name in (_CLIENT_ID, _CLIENT_SECRET, _TOKENS):
            self._delete(name)


class KeyringSecretStore(MemorySecretStore):
    """The OS keyring; on the first keyring failure it keeps everything in memory and sets `warning`."""

    def __init__(self) -> None:
        super().__init__()
        self.persistent = True

    def _fall_back(self, exc: KeyringUnavailable) -> None:
        if self.persistent:
            log.warning("keyring unavailable (%s); keeping WHOOP secrets in memory", exc)
        self.persistent = False
        self.warning = NO_KEYRING_WARNING

    def _get(self, name: str) -> str | None:
        if self.persistent:
            try:
                return read_secret(name)
            except KeyringUnavailable as exc:
                self._fall_back(exc)
        return super()._get(name)

    def _set(self, name: str, value: str) -> None:
        if self.persistent:
            try:
                write_secret(name, value)
                return
            except KeyringUnavailable as exc:
                self._fall_back(exc)
        super()._set(name, value)

    def _delete(self, name: str) -> None:
        super()._delete(name)
        if self.persistent:
            delete_secret(name)


def default_secret_store() -> SecretStore:
    return KeyringSecretStore()
