"""A keyring backend for CLI tests only: lets secrets survive between test subprocesses.

Selected with PYTHON_KEYRING_BACKEND=whoop_test_keyring.FileKeyring (tests/cloud on PYTHONPATH); it stores
in the file named by HEALTHDESK_TEST_KEYRING inside the test's temporary folder. It stands in for the OS
keyring below the SecretStore seam and is never importable from the application.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["HEALTHDESK_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        values = self._load()
        values[f"{service}\x00{username}"] = password
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(values))
        tmp.replace(self._path)

    def delete_password(self, service: str, username: str) -> None:
        values = self._load()
        if values.pop(f"{service}\x00{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(values))
