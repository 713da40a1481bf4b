"""mTLS with a pinned CA: the client presents its certificate and trusts only the bank's CA.

The reference service speaks plain HTTP on loopback (waitress has no TLS), so this test stands up a small TLS
server from the standard library that requires a client certificate, with certificates made here.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import central_api_client as api

KEYS = {"keys": [{"kid": "k1", "alg": "Ed25519", "public_key": "A" * 43 + "="}]}


def _cert(name: str, issuer: tuple | None, *, ca: bool = False, ip: bool = False) -> tuple:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        loopback = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        builder = builder.add_extension(x509.SubjectAlternativeName([loopback]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


class _Keys(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({**KEYS, "client": self.connection.getpeercert()["subject"][0][0][1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca = _cert("kiosk-ca", None, ca=True)
    _write(tmp_path / "ca.pem", ca[0])
    _write(tmp_path / "server.pem", *_cert("central", ca, ip=True))
    _write(tmp_path / "kiosk.pem", *_cert("kiosk-BJ001-1", ca))
    other = _cert("other-ca", None, ca=True)
    _write(tmp_path / "other-ca.pem", other[0])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    context.load_verify_locations(tmp_path / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Keys)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def test_client_certificate_and_pinned_ca(tls: tuple[str, Path]) -> None:
    url, d = tls
    policy = api.RetryPolicy(total=0)
    with api.CentralClient(url, client_cert=(str(d / "kiosk.pem"), str(d / "kiosk.key")),
                           ca_bundle=str(d / "ca.pem"), retry=policy) as client:
        assert client.get_keys().keys[0].kid == "k1"
    with api.CentralClient(url, ca_bundle=str(d / "ca.pem"), retry=policy, read_timeout=2) as anonymous, \
            pytest.raises(api.Unavailable):
        anonymous.get_keys()
    with api.CentralClient(url, client_cert=(str(d / "kiosk.pem"), str(d / "kiosk.key")),
                           ca_bundle=str(d / "other-ca.pem"), retry=policy) as wrong_pin, \
            pytest.raises(api.Unavailable):
        wrong_pin.get_keys()
