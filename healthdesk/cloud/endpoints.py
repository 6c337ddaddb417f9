"""WHOOP URLs derived from one configurable API root (a local test server stands in for all of them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_API_BASE = "https://api.prod.whoop.com"
API_BASE_ENV = "HEALTHDESK_WHOOP_API_BASE"
SCOPES = ("offline", "read:recovery", "read:cycles", "read:workout", "read:sleep", "read:profile",
          "read:body_measurement")


@dataclass(frozen=True)
class Endpoints:
    root: str

    @classmethod
    def resolve(cls, api_base: str | None = None) -> Endpoints:
        root = (api_base or os.environ.get(API_BASE_ENV) or DEFAULT_API_BASE).rstrip("/")
        if not root.startswith(("https://", "http://")):
            raise ValueError(f"API base must be an http(s) URL, got {root!r}")
        host = urlsplit(root).hostname or ""
        if root.startswith("http://") and host not in ("127.0.0.1", "::1", "localhost"):
            # Client secret and tokens travel to this root: plain HTTP only to a server on this computer.
            raise ValueError(f"API base must be https (plain http only on 127.0.0.1), got {root!r}")
        return cls(root)

    @property
    def authorize(self) -> str:
        return f"{self.root}/oauth/oauth2/auth"

    @property
    def token(self) -> str:
        return f"{self.root}/oauth/oauth2/token"

    def data(self, path: str) -> str:
        """`/v2/cycle` -> `<root>/developer/v2/cycle`."""
        return f"{self.root}/developer{path}"
