"""TLS for a LAN bind (required there): a per-install self-signed certificate and its SHA-256 fingerprint.

Browsers will warn (nothing vouches for the certificate); the fingerprint shown with the link lets the
clinician check they reached the right computer. The certificate is a leaf - CA:FALSE, serverAuth only, SAN of
the bound address - so a clinician who trusts it trusts this one server, never a CA the patient controls.
Both files are written 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from healthdesk.private_files import make_private_dir, write_private_bytes

CERT_DAYS = 825


def fingerprint(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def _usable_names(cert_pem: bytes) -> set[str]:
    """The addresses a stored certificate may keep serving: empty when it expires within a week or is not a
    leaf (an older CA:TRUE certificate is replaced)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        if cert.not_valid_after_utc < dt.datetime.now(dt.UTC) + dt.timedelta(days=7):
            return set()
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return set()
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return set()
    return {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} | set(san.get_values_for_type(x509.DNSName))


def ensure_certificate(folder: Path, hosts: list[str]) -> tuple[Path, Path, str]:
    """(cert path, key path, fingerprint); reuses the stored certificate while it covers `hosts`."""
    make_private_dir(folder)
    cert_path, key_path = folder / "share-cert.pem", folder / "share-key.pem"
    known = _usable_names(cert_path.read_bytes()) if cert_path.exists() and key_path.exists() else set()
    if known and set(hosts) <= known:
        return cert_path, key_path, fingerprint(cert_path.read_bytes())
    hosts = sorted(known | set(hosts))  # a new address joins the old ones: a printed fingerprint stays true
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "healthdesk share server")])
    alt: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CERT_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    write_private_bytes(key_path, key_bytes)
    write_private_bytes(cert_path, cert_pem)
    return cert_path, key_path, fingerprint(cert_pem)
