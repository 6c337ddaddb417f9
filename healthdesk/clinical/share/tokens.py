"""Share tokens: minting, keyed hashing, shape checks, and log redaction (clinical.md §1.7, §6.1).

A token is `hds_` + 48 lowercase hex digits (24 bytes from `secrets`, 192 bits). Only
HMAC-SHA256(install key, token) is stored; the prefix makes tokens easy to spot and to redact.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets

PREFIX = "hds_"
TOKEN_BYTES = 24
KEY_BYTES = 32
TOKEN_RE = re.compile(r"^hds_[0-9a-f]{48}\Z")
# Anything token-shaped (also truncated or mangled), any capability path segment, any Bearer credential.
_SECRET_PATTERNS = (
    (re.compile(r"hds_[0-9A-Za-z]*"), "hds_[redacted]"),
    (re.compile(r"(/c/)[^\s/?\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"']+"), r"\1[redacted]"),
)


def mint_token() -> str:
    return PREFIX + secrets.token_hex(TOKEN_BYTES)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def is_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token))


def token_hash(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def hash_matches(key: bytes, token: str, stored_hash: str) -> bool:
    """Constant-time check of a token against a stored hash (after the indexed lookup by the same hash)."""
    return hmac.compare_digest(token_hash(key, token).encode(), stored_hash.encode())


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and traceback text) with secrets removed, before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string still must not leak its arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class AccessLineFilter(logging.Filter):
    """uvicorn's access line keeps the path only: no query string (up to 2 KB of anything a client sends)
    and the capability segment redacted; the client address keeps no port."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            path = redact(str(path).split("?", 1)[0])[:200]
            client = str(client).rsplit(":", 1)[0] if str(client).count(":") == 1 else client
            record.args = (client, str(method)[:16], path, version, status)
        return True


_FILTER = RedactingFilter()
_ACCESS_FILTER = AccessLineFilter()


def install_access_line_filter() -> None:
    access = logging.getLogger("uvicorn.access")
    if _ACCESS_FILTER not in access.filters:
        access.filters.insert(0, _ACCESS_FILTER)  # before the redacting filter flattens the arguments

SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "healthdesk.clinical.share")


def install_log_redaction() -> None:
    """Redact on the server's loggers and on every handler of the root logger (covers propagated records)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
