"""A keyring backend over one JSON file (path in HEALTHDESK_TEST_KEYRING): lets a CLI subprocess use a real
keyring API whose contents the test can read afterwards. Test-only; never holds real secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def _file(self) -> Path:
        return Path(os.environ["HEALTHDESK_TEST_KEYRING"])

    def _load(self) -> dict:
        return json.loads(self._file.read_text()) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self._file.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._file.write_text(json.dumps(data))
