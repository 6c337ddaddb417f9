"""Suite-wide fixtures. Qt runs offscreen unless a display (Xvfb) is given; nothing touches the real home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the user's real keyring, folders or network.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
REFERENCE_FRAMES = SHARED / "reference-frames"
OVERNIGHT_CAPTURE = (
    REFERENCE_FRAMES / "bwanshitong-reverse-engineering-whoop" / "61080005-8d6d-82b8-614a-1c8cb0f8dcc6-overnight.txt"
)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own HEALTHDESK_HOME; XDG dirs point into tmp too."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HEALTHDESK_HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    return home


@pytest.fixture
def home(_isolated_home) -> Path:
    return _isolated_home


@pytest.fixture(scope="session")
def reference_frames() -> Path:
    """The real captures, read in place; skipped with a reason only when ../shared is absent."""
    if not REFERENCE_FRAMES.is_dir():
        pytest.skip(f"reference captures not found at {REFERENCE_FRAMES} (../shared is absent)")
    return REFERENCE_FRAMES


@pytest.fixture(scope="session")
def overnight_capture(reference_frames) -> Path:
    return OVERNIGHT_CAPTURE
