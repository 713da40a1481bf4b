"""TLS for the service: the client certificate handed to the application (serve.py sets uvicorn's ssl options).

Why a protocol subclass: uvicorn verifies the client certificate during the handshake (against the enrolment
CA) but does not tell the application which certificate it was, and the service must refuse a revoked kiosk
whose certificate is still cryptographically valid. The subclasses below read the peer certificate from the
connection's `ssl_object` once per connection and put it into every request's scope as the ASGI TLS
extension (`scope["extensions"]["tls"]["client_cert_chain"]`, PEM), which `client_certificate()` reads.

Why CERT_OPTIONAL rather than CERT_REQUIRED: enrolment (the kiosk has no certificate yet) and the customers'
phone pages share the port. A certificate that is presented must chain to the enrolment CA (the handshake
fails otherwise); whether a route needs one is the application's decision (`kiosk_api.authenticate`), so a
kiosk route without a certificate is a 401 problem, not a reset connection (unless ssl_require_client_cert).
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from uvicorn.protocols.http.h11_impl import H11Protocol

try:  # uvicorn[standard] brings httptools; the pure-Python h11 parser is the fallback
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = ["client_certificate", "fingerprint", "http_protocol"]

TLS_EXTENSION = "tls"


def http_protocol() -> str:
    """Import path of the peer-certificate protocol (a string, so `--workers N` processes can import it)."""
    name = "PeerCertHttpToolsProtocol" if HttpToolsProtocol is not None else "PeerCertH11Protocol"
    return f"{__name__}:{name}"


def _tls_extension(transport: asyncio.BaseTransport) -> dict[str, Any] | None:
    """The ASGI TLS extension for one connection, or None when it is not TLS."""
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
    cipher = ssl_object.cipher()
    return {"server_cert": None, "client_cert_chain": chain, "client_cert_name": None,
            "client_cert_error": None, "tls_version": None, "cipher_suite": None,
            "tls_version_name": ssl_object.version(), "cipher_name": cipher[0] if cipher else None}


def _with_tls(app: Any, extension: dict[str, Any]) -> Any:
    async def app_with_peer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope.setdefault("extensions", {})[TLS_EXTENSION] = extension
        await app(scope, receive, send)

    return app_with_peer


class PeerCertH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with the connection's client certificate in every request's scope."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        extension = _tls_extension(transport)
        if extension is not None:
            self.app = _with_tls(self.app, extension)


if HttpToolsProtocol is not None:

    class PeerCertHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, with the connection's client certificate in every request's scope."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            extension = _tls_extension(transport)
            if extension is not None:
                self.app = _with_tls(self.app, extension)


def client_certificate(scope: dict[str, Any]) -> x509.Certificate | None:
    """The verified client certificate of the request's connection, or None (plain HTTP, or none presented)."""
    chain = scope.get("extensions", {}).get(TLS_EXTENSION, {}).get("client_cert_chain") or []
    return x509.load_pem_x509_certificate(chain[0].encode("ascii")) if chain else None


def fingerprint(cert: x509.Certificate) -> str:
    """Lowercase hex SHA-256 of the certificate's DER: what the kiosk's row records and each request is checked by."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
