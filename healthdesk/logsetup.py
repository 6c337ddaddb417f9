"""One logging setup for the app and the CLI: a size-capped rotating file, owner-only, never fatal.

Every log healthdesk writes (app, CLI, the share server's access lines, which propagate to the root logger)
goes through this handler: at most LOG_MAX_BYTES per file and LOG_BACKUPS older generations, so no client
of the share server can fill the disk through the log (docs/architecture.md, "Private files").
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_MAX_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(RotatingFileHandler):
    """Opens (and re-opens after each rotation) the log 0600, whatever the umask."""

    def _open(self):  # type: ignore[override]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - a full disk must not print tracebacks
        pass

    def flush(self) -> None:
        try:
            super().flush()
        except OSError:  # a full disk or a file size limit: losing log lines never fails the command
            pass

    def close(self) -> None:
        try:
            super().close()
        except OSError:
            pass


def configure_logging(log_file: Path, *, program: str, max_bytes: int = LOG_MAX_BYTES,
                      backups: int = LOG_BACKUPS, level: int = logging.INFO) -> PrivateRotatingFileHandler | None:
    """Log to `log_file` (the handler is returned); None, after one warning line on stderr, when it cannot be
    opened - the program then runs without a log file rather than failing."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, PrivateRotatingFileHandler)]:
        root.removeHandler(old)
        old.close()
    root.setLevel(level)
    try:
        handler = PrivateRotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backups,
                                             encoding="utf-8", delay=False)
    except OSError as exc:
        print(f"{program}: warning: cannot write the log {log_file} ({exc.strerror or exc}); "
              "continuing without a log file", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    return handler


def remove_logging(handler: PrivateRotatingFileHandler | None) -> None:
    """Undo configure_logging (for in-process callers of the CLI's main(), e.g. tests)."""
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
