"""Back up, restore and delete the user's data (docs/architecture.md, "WHOOP export and corrections").

A backup is one zip (0600): `manifest.json` (format, schema revision, app version, time), `healthdesk.db` (an
online SQLite backup taken inside one read transaction, so it is a consistent snapshot even while the app
writes; WAL readers never block the writer) and the settings files. Never a secret: those live in the OS
keyring, and any settings key that looks like one is left out.

Restore refuses a newer backup format or a schema this version does not know, unpacks next to the database,
verifies it, keeps the current database as a side copy until the restored one has opened and passed the checks,
and only then drops the side copy. Delete-my-data revokes the WHOOP grant when connected, forgets every keyring
entry and removes every file of the data, config, state and log folders.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from healthdesk import __version__
from healthdesk.config import Paths
from healthdesk.store.snapshot import integrity, opens_as_healthdesk, schema_revision, snapshot_database

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
DB_ENTRY = "healthdesk.db"
CONFIG_FILES = ("settings.json", "paired_band.json", "healthdesk-ui.ini")
SECRET_WORDS = ("secret", "token", "password", "api_key", "hmac")
KEYRING_SERVICE = "healthdesk"
KEYRING_NAMES = ("whoop:client_id", "whoop:client_secret", "whoop:tokens", "share:hmac_key")

Progress = Callable[[float, str], None]


class BackupError(Exception):
    """A problem the user can act on (one line)."""


@dataclass
class BackupResult:
    path: Path
    size_bytes: int
    revision: str
    pages: int


@dataclass
class RestoreResult:
    revision: str
    side_copy_removed: bool
    settings_restored: list[str] = field(default_factory=list)


@dataclass
class DeleteResult:
    removed_files: int
    revoked: bool
    warnings: list[str] = field(default_factory=list)


def _private_write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _scrub(settings: bytes) -> bytes:
    try:
        data = json.loads(settings.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return b"{}"
    if not isinstance(data, dict):
        return b"{}"

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not any(w in k.lower() for w in SECRET_WORDS)}
        return value

    return json.dumps(clean(data), indent=2, sort_keys=True).encode("utf-8")


def backup(paths: Paths, out: Path, progress: Progress | None = None) -> BackupResult:
    say = progress or (lambda _f, _t: None)
    if not paths.database.is_file():
        raise BackupError(f"nothing to back up: no database at {paths.database}")
    out = Path(out).expanduser()
    if out.is_dir():
        raise BackupError(f"{out} is a folder; give a file name, e.g. {out / 'healthdesk-backup.zip'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    say(0.0, "starting")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".healthdesk-backup-") as tmp:
        db_copy = Path(tmp) / DB_ENTRY
        pages = snapshot_database(paths.database, db_copy,
                                  lambda done, total: say(0.05 + 0.85 * done / max(total, 1),
                                                          f"copied {done} of {total} pages"))
        revision = schema_revision(db_copy)
        manifest = {"format": FORMAT, "revision": revision, "app_version": __version__,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "files": [DB_ENTRY]}
        partial = Path(tmp) / "backup.zip"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(db_copy, DB_ENTRY, compress_type=zipfile.ZIP_STORED)  # raw chunks are compressed already
            for name in CONFIG_FILES:
                f = paths.config_dir / name
                if f.is_file():
                    data = f.read_bytes()
                    z.writestr(f"config/{name}", _scrub(data) if name.endswith(".json") else data)
                    manifest["files"].append(f"config/{name}")
            z.writestr(MANIFEST, json.dumps(manifest, indent=2))
        os.replace(partial, out)
    os.chmod(out, 0o600)
    say(1.0, "done")
    return BackupResult(out, out.stat().st_size, revision, pages)


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    from healthdesk.store.database import alembic_config

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def _read_manifest(z: zipfile.ZipFile, name: Path) -> dict:
    try:
        manifest = json.loads(z.read(MANIFEST))
    except (KeyError, ValueError):
        raise BackupError(f"{name}: not a healthdesk backup (no manifest)") from None
    if not isinstance(manifest.get("format"), int) or DB_ENTRY not in z.namelist():
        raise BackupError(f"{name}: not a healthdesk backup")
    if manifest["format"] > FORMAT:
        raise BackupError(f"{name} was made by a newer healthdesk (backup format {manifest['format']}, this "
                          f"version reads {FORMAT}); update healthdesk first")
    return manifest


def _remove_db_files(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def restore(paths: Paths, archive: Path, progress: Progress | None = None) -> RestoreResult:
    say = progress or (lambda _f, _t: None)
    archive = Path(archive).expanduser()
    try:
        z = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{archive}: not a healthdesk backup ({exc})") from None
    paths.ensure()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    incoming = paths.data_dir / f"healthdesk.restoring-{stamp}.db"
    side = paths.data_dir / f"healthdesk.before-restore-{stamp}.db"
    with z:
        manifest = _read_manifest(z, archive)
        say(0.1, "unpacking")
        fd = os.open(incoming, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f, z.open(DB_ENTRY) as src:
            shutil.copyfileobj(src, f, 1 << 20)
        configs = {n.split("/", 1)[1]: z.read(n) for n in z.namelist() if n.startswith("config/")}
    try:
        if integrity(incoming) != "ok":
            raise BackupError(f"{archive}: the database inside is damaged; nothing was changed")
        revision = schema_revision(incoming)
        if revision and not _known_revision(revision):
            raise BackupError(f"{archive} holds a database from a newer healthdesk (schema {revision}); update "
                              "healthdesk first; nothing was changed")
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    say(0.5, "keeping the current database aside")
    had_current = paths.database.is_file()
    if had_current:
        snapshot_database(paths.database, side)
    _remove_db_files(paths.database)
    os.replace(incoming, paths.database)
    say(0.7, "verifying")
    try:
        opens_as_healthdesk(paths.database)
        if integrity(paths.database) != "ok":
            raise BackupError("the restored database failed its integrity check")
    except Exception as exc:
        _remove_db_files(paths.database)
        if had_current:
            os.replace(side, paths.database)
        raise BackupError(f"restore failed and was undone ({str(exc).splitlines()[0] if str(exc) else exc})") \
            from None
    restored = []
    for name, data in configs.items():
        if name in CONFIG_FILES:
            _private_write(paths.config_dir / name, data)
            restored.append(name)
    side.unlink(missing_ok=True)
    say(1.0, "done")
    log.info("restored backup (format %s, schema %s)", manifest["format"], revision)
    return RestoreResult(revision or "", True, restored)


def _revoke_whoop(paths: Paths) -> tuple[bool, list[str]]:
    """Revoke the WHOOP grant when connected (and forget the keys); a failure is a warning, never a stop."""
    if not paths.database.is_file():
        return False, []
    import asyncio

    from healthdesk.services.cloud_sync import CloudSyncService
    from healthdesk.store.database import open_database

    try:
        with open_database(paths.database) as db:
            service = CloudSyncService.from_paths(db, paths)
            if service.status().get("status") != "connected":
                return False, []
            warning = asyncio.run(service.disconnect(revoke=True))
            return warning is None, [warning] if warning else []
    except Exception as exc:  # noqa: BLE001 - deleting must go on even when WHOOP cannot be reached
        return False, [f"could not revoke WHOOP access ({type(exc).__name__}); revoke it in the WHOOP app"]


def _forget_keyring() -> None:
    import keyring

    for name in KEYRING_NAMES:
        try:
            keyring.delete_password(KEYRING_SERVICE, name)
        except Exception:  # noqa: BLE001, S110 - nothing stored, or no keyring at all
            pass


def user_folders(paths: Paths) -> list[Path]:
    folders = [paths.data_dir, paths.config_dir, paths.log_dir]
    if not os.environ.get("HEALTHDESK_HOME") and paths.data_dir.name == "healthdesk":
        import platformdirs

        folders.append(Path(platformdirs.user_state_dir("healthdesk", appauthor=False)))
    out: list[Path] = []
    for f in folders:
        if f not in out:
            out.append(f)
    return out


def delete_my_data(paths: Paths, progress: Progress | None = None) -> DeleteResult:
    say = progress or (lambda _f, _t: None)
    say(0.0, "revoking WHOOP access")
    revoked, warnings = _revoke_whoop(paths)
    _forget_keyring()
    say(0.4, "closing logs")
    for handler in list(logging.root.handlers):  # our own log file is one of the files to delete
        if isinstance(handler, logging.FileHandler):
            handler.close()
            logging.root.removeHandler(handler)
    say(0.5, "deleting files")
    removed = 0
    for folder in user_folders(paths):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                removed += sum(1 for p in entry.rglob("*") if not p.is_dir())
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
                removed += 1
    say(1.0, "done")
    return DeleteResult(removed, revoked, warnings)
