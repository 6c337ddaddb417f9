"""The self-signed certificate is a leaf for one server, never a CA; LAN without TLS is refused."""

from __future__ import annotations

import datetime as dt
import stat
from datetime import date

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from healthdesk.clinical.share.tls import ensure_certificate, fingerprint
from healthdesk.services.share import LAN_NEEDS_TLS, LinkRequest, ShareError, ShareService
from healthdesk.store.database import open_database


def test_the_certificate_is_a_server_leaf_for_the_bound_address(tmp_path):
    cert_path, key_path, shown = ensure_certificate(tmp_path / "tls", ["192.168.1.20", "127.0.0.1", "localhost"])
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign and not usage.crl_sign
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "192.168.1.20" in {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    assert shown == fingerprint(cert_path.read_bytes())
    for path in (cert_path, key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cert_path.parent.stat().st_mode) == 0o700


def test_an_old_ca_certificate_is_replaced(tmp_path):
    folder = tmp_path / "tls"
    folder.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "v0.1")])
    now = dt.datetime.now(dt.UTC)
    old = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
           .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=300))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .sign(key, hashes.SHA256()))
    (folder / "share-cert.pem").write_bytes(old.public_bytes(serialization.Encoding.PEM))
    (folder / "share-key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path, _, _ = ensure_certificate(folder, ["localhost"])
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_lan_without_tls_is_refused_and_an_https_link_carries_the_fingerprint(tmp_path):
    db = tmp_path / "healthdesk.db"
    open_database(db).close()
    service = ShareService(db, tmp_path, key=bytes(32))
    try:
        for host in ("0.0.0.0", "127.0.0.2"):
            with pytest.raises(ShareError, match="needs TLS"):
                service.start_server(host=host, port=0)
        assert not service.running and LAN_NEEDS_TLS
        made = service.create_link(LinkRequest("Dr. B", date(2026, 1, 1), date(2026, 1, 2), frozenset({"vitals"}),
                                               timezone="UTC"), "https://192.168.1.20:47811")
        assert made.tls_fingerprint == service.certificate_fingerprint("192.168.1.20")
        assert len(made.tls_fingerprint.split(":")) == 32
    finally:
        service.close()


def test_a_new_address_joins_the_old_ones_so_a_printed_fingerprint_stays_true(tmp_path):
    folder = tmp_path / "tls"
    _, _, first = ensure_certificate(folder, ["192.168.1.20", "127.0.0.1"])
    assert ensure_certificate(folder, ["127.0.0.1"])[2] == first  # covered: reused
    _, _, second = ensure_certificate(folder, ["10.0.0.5", "127.0.0.1"])  # the laptop moved networks
    assert second != first
    assert ensure_certificate(folder, ["192.168.1.20"])[2] == second  # both addresses in one certificate
