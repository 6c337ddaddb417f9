"""The one wrapper around the OS keyring (service "healthdesk") for every secret healthdesk keeps.

Used by the WHOOP secrets (cloud/secrets.py) and the share-link HMAC key (services/share.py). Any backend
failure - no backend, a locked or broken one, the `null` backend that accepts and forgets - is reported as
`KeyringUnavailable`, so callers decide once what "no keyring" means for them. No value is ever logged.
"""

from __future__ import annotations

import keyring

SERVICE = "healthdesk"


class KeyringUnavailable(Exception):
    """No usable keyring; the message names the failure kind only (never a value)."""


def read_secret(name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, name)
    except Exception as exc:  # noqa: BLE001 - every backend has its own errors; all mean "no keyring"
        raise KeyringUnavailable(type(exc).__name__) from None


def write_secret(name: str, value: str) -> None:
    """Store and read back: a backend that does not keep the value counts as unavailable."""
    try:
        keyring.set_password(SERVICE, name, value)
        kept = keyring.get_password(SERVICE, name) == value
    except Exception as exc:  # noqa: BLE001
        raise KeyringUnavailable(type(exc).__name__) from None
    if not kept:
        raise KeyringUnavailable("value did not persist")


def delete_secret(name: str) -> None:
    """Forget `name`; nothing stored under it, or no keyring at all, is not an error."""
    try:
        keyring.delete_password(SERVICE, name)
    except Exception:  # noqa: BLE001, S110
        pass
