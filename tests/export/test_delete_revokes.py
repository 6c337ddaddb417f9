"""delete-my-data with a live WHOOP connection: the grant is revoked at WHOOP (the fake WHOOP server on
127.0.0.1, real OAuth sign-in through the CLI), the keys are forgotten, and no file of the user's remains."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CLOUD_TESTS = Path(__file__).resolve().parents[1] / "cloud"
sys.path.insert(0, str(CLOUD_TESTS))
from cloud_helpers import CLIENT_ID, CLIENT_SECRET  # noqa: E402
from fake_whoop import FakeWhoop, FakeWhoopServer, simulate_history  # noqa: E402

ENTRY = [sys.executable, "-c", "import sys; from healthdesk.cli import main; sys.exit(main())"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world(home, tmp_path):
    fake = FakeWhoop(simulate_history(days=3, seed=5))
    with FakeWhoopServer(fake) as server:
        env = dict(os.environ, HEALTHDESK_HOME=str(home), PYTHON_KEYRING_BACKEND="whoop_test_keyring.FileKeyring",
                   HEALTHDESK_TEST_KEYRING=str(tmp_path / "keyring.json"),
                   PYTHONPATH=os.pathsep.join([str(CLOUD_TESTS), os.environ.get("PYTHONPATH", "")]),
                   HEALTHDESK_WHOOP_API_BASE=server.base_url)
        yield {"fake": fake, "server": server, "env": env, "home": home, "keyring": tmp_path / "keyring.json"}


def test_delete_my_data_revokes_the_whoop_grant_and_forgets_the_keys(world):
    port = _free_port()
    world["fake"].register_app(CLIENT_ID, CLIENT_SECRET, f"http://127.0.0.1:{port}/callback")
    proc = subprocess.Popen([*ENTRY, "whoop", "connect", "--client-id", CLIENT_ID, "--client-secret", "-",
                             "--no-browser", "--redirect-port", str(port), "--timeout", "20"],
                            env=world["env"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    proc.stdin.write(CLIENT_SECRET + "\n")
    proc.stdin.flush()
    url = proc.stdout.readline().strip()
    httpx.get(url, follow_redirects=True, timeout=10)  # the user's browser signs in
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    assert any(g.alive for g in world["fake"].grants.values()) and world["keyring"].read_text() != "{}"
    done = subprocess.run([*ENTRY, "delete-my-data", "--yes"], env=world["env"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "WHOOP access revoked" in done.stdout and "Traceback" not in done.stderr
    assert not any(g.alive for g in world["fake"].grants.values())
    assert world["keyring"].read_text() in ("{}", "")
    assert [p for p in world["home"].rglob("*") if not p.is_dir()] == []
