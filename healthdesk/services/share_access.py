"""The one ShareService of the app, opened on first use and closed once.

Opening it reads the keyring (which may ask the user to unlock it) and imports the share server stack, so
the app does it only when the Share & export page is first shown, on a worker thread. Blocking calls.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healthdesk.services.share import ShareService


class ShareAccess:
    def __init__(self, database: Path, config_dir: Path) -> None:
        self.database = database
        self.config_dir = config_dir
        self._service: ShareService | None = None
        self._lock = threading.Lock()

    @property
    def service(self) -> ShareService | None:
        """The open service, or None before `open()` / after `close()`."""
        return self._service

    def open(self) -> ShareService:
        """Open (and migrate) once; later calls return the same service. A failure leaves nothing open."""
        with self._lock:
            if self._service is None:
                from healthdesk.services.share import ShareService

                service = ShareService(self.database, self.config_dir)
                try:
                    service.list_links()  # opens the database here, not in two threads at once
                except BaseException:
                    service.close()
                    raise
                self._service = service
            return self._service

    def close(self) -> None:
        """Stop the server (frees its port) and close the database; safe to call twice."""
        with self._lock:
            service, self._service = self._service, None
        if service is not None:
            service.close()
