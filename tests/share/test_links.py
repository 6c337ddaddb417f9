"""Link lifecycle through the service and store: tokens, hashes, statuses, validation, keyring seam, TLS, QR."""

from __future__ import annotations

import importlib.util
import re
import socket
import ssl
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import keyring
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from healthdesk.clinical.share.tls import fingerprint
from healthdesk.clinical.share.tokens import hash_matches, is_well_formed, mint_token, token_hash
from healthdesk.services.share import (
    NO_KEYRING_WARNING,
    LinkRequest,
    ShareError,
    ShareService,
    qr_png,
    qr_svg,
)
from healthdesk.store.database import alembic_config, open_database
from healthdesk.store.share import ShareLinkRow

from .conftest import KEY
from .share_store import TZ, WINDOW


def request(**changes) -> LinkRequest:
    base = dict(label="Dr. A", start=WINDOW[0], end=WINDOW[1], sections=frozenset({"vitals"}), fhir=False,
                expires_days=7, timezone=TZ)
    return LinkRequest(**{**base, **changes})


def test_tokens_are_192_bit_prefixed_and_only_hashed():
    tokens = {mint_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(re.fullmatch(r"hds_[0-9a-f]{48}", t) for t in tokens)
    tok = next(iter(tokens))
    assert is_well_formed(tok) and not is_well_formed(tok + "0") and not is_well_formed(tok.upper())
    assert token_hash(KEY, tok) != token_hash(bytes(32), tok)  # keyed: a DB copy alone verifies nothing
    assert hash_matches(KEY, tok, token_hash(KEY, tok)) and not hash_matches(KEY, mint_token(), token_hash(KEY, tok))


def test_store_holds_only_the_hash_and_frozen_scope(share_db, home):
    service = ShareService(share_db, home, key=KEY)
    try:
        made = service.create_link(request(label="  Dr.\tA \n B ", sections=frozenset({"sleep", "vitals"}),
                                           fhir=True, expires_days=90))
    finally:
        service.close()
    db = open_database(share_db)
    try:
        with db.read() as conn:
            row = conn.execute(text("SELECT * FROM share_links")).mappings().one()
            dump = "\n".join(str(r) for r in conn.execute(text("SELECT * FROM share_links")))
    finally:
        db.close()
    assert made.token not in dump and made.token[4:] not in dump
    assert row["token_hash"] == token_hash(KEY, made.token)
    assert (row["label"], row["start_day"], row["end_day"], row["timezone"], row["sections"], row["fhir"]) == (
        "Dr. A B", "2026-10-05", "2026-10-18", TZ, "sleep,vitals", 1)
    created = datetime.strptime(row["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    expires = datetime.strptime(row["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires - created == timedelta(days=90)


def test_statuses_and_revocation(share_db, home, expired_link):
    service = ShareService(share_db, home, key=KEY)
    try:
        active = service.create_link(request())
        gone = service.create_link(request(label="gone"))
        first = service.revoke(gone.info.id).revoked_at
        assert service.revoke(gone.info.id).revoked_at == first  # revoking twice keeps the first time
        assert {i.label: i.status for i in service.list_links()} == {
            "old": "expired", active.info.label: "active", "gone": "revoked"}
        with pytest.raises(ShareError, match="no share link with id 404"):
            service.revoke(404)
    finally:
        service.close()


@pytest.mark.parametrize(("changes", "message"), [
    ({"expires_days": 0}, "expiry must be between 1 and 90 days"),
    ({"expires_days": 91}, "expiry must be between 1 and 90 days"),
    ({"sections": frozenset()}, "choose sections"),
    ({"sections": frozenset({"vitals", "labs"})}, "choose sections"),
    ({"label": " \t "}, "give the link a label"),
    ({"start": date(2026, 10, 18), "end": date(2026, 10, 1)}, "before it starts"),
    ({"start": date(2020, 1, 1), "end": date(2026, 1, 1)}, "longer than"),
    ({"timezone": "Mars/Olympus"}, "unknown timezone"),
])
def test_bad_requests_are_refused_and_store_nothing(share_db, home, changes, message):
    service = ShareService(share_db, home, key=KEY)
    try:
        with pytest.raises(ShareError, match=re.escape(message)):
            service.create_link(request(**changes))
        assert service.list_links() == []
    finally:
        service.close()


def test_without_a_keyring_a_link_is_made_only_where_it_is_served(share_db, home):
    from healthdesk.services.share import NO_KEYRING_REFUSAL

    first = ShareService(share_db, home)  # the suite's fail backend: no keyring
    try:
        assert first.key_warning == NO_KEYRING_WARNING
        with pytest.raises(ShareError, match=re.escape(NO_KEYRING_REFUSAL)):
            first.create_link(request())  # nothing would serve it once this process ends
        assert first.list_links() == []
        info = first.start_server(port=0)
        made = first.create_link(request())  # served by this very process
        assert httpx.get(f"{info.base_url}/c/{made.token}").status_code == 200
        assert [link.status for link in first.list_links()] == ["active"]
    finally:
        first.close()


def test_a_link_whose_key_is_gone_is_never_listed_as_active(share_db, home):
    served = ShareService(share_db, home, key=bytes(32))  # stands for a past run's in-memory key
    try:
        served.start_server(port=0)
        served.create_link(request())
    finally:
        served.close()
    later = ShareService(share_db, home, key=KEY)
    try:
        assert [link.status for link in later.list_links()] == ["unusable"]
    finally:
        later.close()


def test_with_a_keyring_the_key_persists_across_services(share_db, home, monkeypatch):
    """The cloud tests' file keyring stands in for the OS keyring, below the keyring API."""
    spec = importlib.util.spec_from_file_location(
        "whoop_test_keyring", Path(__file__).resolve().parents[1] / "cloud" / "whoop_test_keyring.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    FileKeyring = module.FileKeyring  # noqa: N806
    monkeypatch.setenv("HEALTHDESK_TEST_KEYRING", str(home / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        one, two = ShareService(share_db, home), ShareService(share_db, home)
        assert one.key_warning is None and one._key == two._key
        assert keyring.get_password("healthdesk", "share:hmac_key") == one._key.hex()
        one.close()
        two.close()
    finally:
        keyring.set_keyring(previous)


def test_tls_serves_the_certificate_whose_fingerprint_is_shown(share_db, home):
    service = ShareService(share_db, home, key=KEY)
    try:
        info = service.start_server(port=0, tls=True)
        made = service.create_link(request())
        assert made.url.startswith(f"https://127.0.0.1:{info.port}/c/hds_")
        presented = ssl.get_server_certificate(("127.0.0.1", info.port)).encode()
        assert fingerprint(presented) == info.tls_fingerprint
        trust = ssl.create_default_context(cafile=str(home / "share-tls" / "share-cert.pem"))
        assert httpx.get(made.url, verify=trust).status_code == 200
        key_mode = (home / "share-tls" / "share-key.pem").stat().st_mode & 0o777
        assert key_mode == 0o600
    finally:
        service.close()


def test_busy_port_is_a_clear_error(share_db, home):
    service = ShareService(share_db, home, key=KEY)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ShareError, match=r"cannot listen on 127\.0\.0\.1:\d+"):
            service.start_server(port=busy.getsockname()[1])
    assert not service.running
    service.close()


def test_qr_codes():
    png, svg = qr_png("http://127.0.0.1:47811/c/" + mint_token()), qr_svg("http://127.0.0.1/c/x")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and svg.lstrip().startswith("<svg")


def test_migration_0004_matches_the_model(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_revision("0004_share").down_revision == "0003_cloud"
    db = open_database(tmp_path / "h.db")
    try:
        with db.read() as conn:
            insp = inspect(conn)
            cols = {c["name"]: (str(c["type"]), c["nullable"]) for c in insp.get_columns("share_links")}
            uniques = [u["column_names"] for u in insp.get_unique_constraints("share_links")]
    finally:
        db.close()
    model = {c.name: (str(c.type), c.nullable) for c in ShareLinkRow.__table__.columns}
    assert cols == model and uniques == [["token_hash"]]


def test_a_non_loopback_bind_needs_tls_and_accepts_ip_hosts_only(share_db, home):
    """127.0.0.2 stands in for a LAN address: it takes the opt-in path without leaving this machine."""
    from healthdesk.services.share import LAN_NEEDS_TLS, LAN_WARNING

    service = ShareService(share_db, home, key=KEY)
    try:
        with pytest.raises(ShareError, match=re.escape(LAN_NEEDS_TLS)):
            service.start_server(host="127.0.0.2", port=0)  # plain HTTP only on loopback
        assert not service.running
        info = service.start_server(host="127.0.0.2", port=0, tls=True)
        assert info.lan and info.warning == LAN_WARNING and info.base_url == f"https://127.0.0.2:{info.port}"
        made = service.create_link(request())
        assert made.url.startswith(info.base_url + "/c/hds_") and made.tls_fingerprint == info.tls_fingerprint
        assert httpx.get(made.url, verify=False).status_code == 200
        assert httpx.get(made.url, verify=False, headers={"Host": f"nas.local:{info.port}"}).status_code == 400
    finally:
        service.close()
