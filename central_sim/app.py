"""The reference service as a Flask app: `Central` holds its state, `create_app` wires routes and errors.

Why Flask + waitress: well-kept routing and request parsing, a production WSGI server in pure Python whose
threads suit long-polls; nothing hand-rolled. The app is a plain WSGI callable wrapped by the fault mode.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge

from central_api_client import tokens
from central_sim import routes_admin, routes_feed, routes_journey
from central_sim.faults import FaultBook, FaultMiddleware
from central_sim.http import ApiError, Schemas
from central_sim.store import Store

log = logging.getLogger(__name__)
MAX_BODY = 4 * 1024 * 1024
KEY_FILE = "signing-keys.txt"


def load_signing_keys(key_dir: Path | None) -> list[tokens.SigningKey]:
    """The service's QR signing keys from `key_dir` (made on first use); fresh in-memory keys without one."""
    if key_dir is None:
        return [tokens.SigningKey.generate("sim-1")]
    key_dir.mkdir(parents=True, exist_ok=True)
    path = key_dir / KEY_FILE
    if not path.exists():
        key = tokens.SigningKey.generate("sim-1")
        path.write_text(f"{key.key_id} {tokens.private_key_to_text(key.private_key)}\n", encoding="ascii")
        path.chmod(0o600)
    keys = []
    for line in path.read_text(encoding="ascii").splitlines():
        if line.strip():
            key_id, text = line.split()
            keys.append(tokens.SigningKey(key_id, tokens.private_key_from_text(text)))
    return keys


@dataclass
class Central:
    """Everything the routes share: the store, the signing keys, the fault book, the admin token."""

    store: Store
    signing_keys: list[tokens.SigningKey]
    admin_token: str
    faults: FaultBook = field(default_factory=FaultBook)
    schemas: Schemas = field(default_factory=Schemas.load)

    def key_set(self) -> dict[str, Any]:
        return {"keys": [{"kid": k.key_id, "alg": "Ed25519", "public_key": tokens.public_key_to_text(k.public_key)}
                         for k in self.signing_keys]}

    def key_ring(self) -> tokens.KeyRing:
        return tokens.KeyRing({k.key_id: k.public_key for k in self.signing_keys})

    def sign_token(self, appointment_id: str, branch_id: str, *, valid_for: timedelta = timedelta(days=7),
                   issued_at: datetime | None = None) -> str:
        """The QR token of an appointment, signed with the current key."""
        issued = issued_at or self.store.clock()
        return tokens.sign(self.signing_keys[0], appointment_id=appointment_id, branch_id=branch_id,
                           kind=tokens.TokenKind.INDIVIDUAL, issued_at=issued.astimezone(UTC),
                           not_after=(issued + valid_for).astimezone(UTC))


def create_app(central: Central) -> Flask:
    """The WSGI app of the reference service (with its fault middleware)."""
    app = Flask("central_sim")
    app.config["CENTRAL"] = central
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.url_map.strict_slashes = False
    routes_feed.register(app)
    routes_journey.register(app)
    routes_admin.register(app)
    app.before_request(routes_feed.before_request)
    app.before_request(routes_admin.before_request)
    app.register_error_handler(ApiError, lambda exc: exc.response())
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    adapter_for = app.url_map.bind("central")

    def route_of(environ: dict[str, Any]) -> str | None:
        try:
            endpoint, _ = adapter_for.match(environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET"))
        except HTTPException:
            return None
        return endpoint

    app.wsgi_app = FaultMiddleware(app.wsgi_app, central.faults, route_of)  # type: ignore[method-assign]
    return app


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(status, "bad-request")
    if isinstance(exc, RequestEntityTooLarge):
        return ApiError(413, slug, f"bodies are limited to {MAX_BODY} bytes").response()
    if isinstance(exc, NotFound):
        return ApiError(404, slug, "no such route").response()
    return ApiError(status, slug, exc.description if status < 500 else None).response()


def _unexpected(exc: Exception) -> Response:
    log.exception("central_sim: unexpected error")
    return ApiError(500, "internal", "unexpected error in the reference service").response()
