"""Health data readable by its owner alone (docs/architecture.md, "Private files").

Every process of healthdesk (app and CLI) calls `make_private_by_default()` first: with umask 077 every file
it then creates - the database and its WAL/SHM, backups, settings, logs, QR images, exports, certificates -
is born 0600 and every folder 0700, whatever library creates it. `tighten()` mends installs from before this
rule (0644 files in 0755 folders) on every start and says so in one log line.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
MAX_TIGHTEN_ENTRIES = 10_000  # a home folder is small; never walk a mistaken --home like / for long


def make_private_by_default() -> None:
    os.umask(PRIVATE_UMASK)


def make_private_dir(folder: Path) -> None:
    """Create `folder` (and parents) owner-only; an existing folder of ours is narrowed to 0700."""
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _narrow(folder, DIR_MODE)


def _narrow(path: Path, mode: int) -> bool:
    """chmod to `mode` when group/others have any bit; True when it changed something."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077 or st.st_uid != os.getuid():
        return False
    try:
        os.chmod(path, mode)
    except OSError:
        return False
    return True


# What earlier versions wrote at the top of the data/config/log folders. Only these are narrowed: a --home that
# points at a folder holding the user's other files (even ~) never has those files touched.
APP_ENTRY_PREFIXES = ("healthdesk",)  # healthdesk.db(-wal/-shm), backups, healthdesk-ui.ini, the logs
APP_ENTRIES = frozenset({"settings.json", "paired_band.json", "whoop-token.lock", "demo-seeded.json",
                         "share-tls", "logs", "demo", "simulated-band"})


def _ours(name: str) -> bool:
    return name in APP_ENTRIES or name.startswith(APP_ENTRY_PREFIXES)


def tighten(folders: Iterable[Path]) -> int:
    """Owner-only modes for the folders and the app's entries in them (app subfolders wholly; no symlink is
    followed); the number changed, said in one log line."""
    changed = 0
    seen = 0
    for top in dict.fromkeys(Path(f) for f in folders):
        if not top.is_dir():
            continue
        changed += _narrow(top, DIR_MODE)
        try:
            entries = [entry for entry in top.iterdir() if _ours(entry.name)]
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if not entry.is_dir():
                changed += _narrow(entry, FILE_MODE)
                continue
            changed += _narrow(entry, DIR_MODE)
            for root, dirs, files in os.walk(entry, followlinks=False):
                for name in dirs:
                    changed += _narrow(Path(root, name), DIR_MODE)
                for name in files:
                    changed += _narrow(Path(root, name), FILE_MODE)
                seen += len(dirs) + len(files)
                if seen > MAX_TIGHTEN_ENTRIES:
                    break
    if changed:
        log.info("made %d existing files/folders readable by this user only (0600/0700)", changed)
    return changed


def check_replaceable(path: Path) -> None:
    """Raise when `path` exists and is not a regular file: a rename over a device (/dev/full), FIFO or folder
    would replace it - as root, even a device node."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write a whole file 0600 via a temporary beside it and a rename: never a partial or readable file."""
    check_replaceable(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
