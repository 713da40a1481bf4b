"""The enrolment CA: signs a kiosk's CSR at enrolment, and (for demos and tests) the service's own certificate.

Why the CA decides the subject: a CSR is written by whoever holds the enrolment code, so nothing in it is
trusted except its public key and its self-signature. The issued certificate names the kiosk id and branch
the service chose, is for client authentication only, and is recorded (SHA-256 fingerprint) in the kiosk's
row: revoking the kiosk refuses the certificate on the next request, without a CRL.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from central_service.tls import fingerprint

__all__ = ["CsrRejected", "EnrolmentCA", "IssuedCertificate"]

CA_FILE, CA_KEY_FILE = "enrolment-ca.pem", "enrolment-ca.key"
MIN_RSA_BITS = 2048
EC_CURVES = (ec.SECP256R1, ec.SECP384R1)


class CsrRejected(ValueError):
    """The CSR is not a well-formed, self-signed PKCS#10 request for an acceptable key."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A signed kiosk certificate: PEM for the kiosk, fingerprint and serial for the kiosk's row."""

    pem: str
    fingerprint: str
    serial: int


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "branch-kiosk")]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write_new(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600; never replaces a file (two workers starting at once: one CA wins).

    Raises FileExistsError if it exists.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def load_csr(csr_pem: str) -> x509.CertificateSigningRequest:
    """The parsed CSR. Raises CsrRejected if it is malformed, not self-signed, or its key is weak."""
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CsrRejected("not a PEM PKCS#10 certificate request") from exc
    try:
        if not csr.is_signature_valid:
            raise CsrRejected("the request's self-signature does not verify")
        key = csr.public_key()
    except (InvalidSignature, ValueError) as exc:
        raise CsrRejected("the request's self-signature does not verify") from exc
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        return csr
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, EC_CURVES):
        return csr
    raise CsrRejected(f"the key must be EC P-256/P-384 or RSA >= {MIN_RSA_BITS} bits")


class EnrolmentCA:
    """One CA key and certificate; signs kiosk client certificates and the service's server certificate."""

    def __init__(self, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        self.cert, self.key = cert, key

    @classmethod
    def load_or_create(cls, directory: Path, name: str = "branch-kiosk enrolment CA") -> EnrolmentCA:
        """The CA kept in `directory` (key mode 0600), created on first use. Raises OSError, ValueError."""
        cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
        if cert_path.exists() and key_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{key_path}: the enrolment CA key must be an EC key")
            return cls(x509.load_pem_x509_certificate(cert_path.read_bytes()), key)
        ca = cls.create(name)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_new(key_path, _key_pem(ca.key))
        _write_new(cert_path, ca.pem.encode("ascii"))
        return ca

    @classmethod
    def create(cls, name: str, *, days: int = 3650) -> EnrolmentCA:
        """A fresh self-signed CA (P-256) that may only sign end-entity certificates."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return cls(cert, key)

    @property
    def pem(self) -> str:
        return _pem(self.cert)

    def _builder(self, subject: x509.Name, public_key: object, days: int) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(self.cert.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
                .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False))

    def sign_csr(self, csr_pem: str, *, kiosk_id: str, branch_id: str, days: int = 825) -> IssuedCertificate:
        """A client certificate for this kiosk over the CSR's key. Raises CsrRejected."""
        csr = load_csr(csr_pem)
        cert = (self._builder(_name(kiosk_id, branch_id), csr.public_key(), days)
                .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(self.key, hashes.SHA256()))
        return IssuedCertificate(_pem(cert), fingerprint(cert), cert.serial_number)

    def issue_server_certificate(self, hosts: list[str], *, days: int = 825) -> tuple[str, bytes]:
        """(certificate PEM, key PEM) for the service itself, valid for `hosts` (names or IP addresses)."""
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (self._builder(_name(hosts[0]), key.public_key(), days)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(self.key, hashes.SHA256()))
        return _pem(cert), _key_pem(key)
