"""The kiosk's one way to build its central-service client from the config (credentials, CA, timeouts)."""

from __future__ import annotations

from pathlib import Path

from central_api_client import CentralClient, RetryPolicy
from kiosk_app.config import KioskConfig


def central_client(cfg: KioskConfig, *, retry: RetryPolicy | None = None) -> CentralClient:
    """A client with the kiosk's credentials and the configured timeouts; no token file means no token
    (the service then answers 401, which `kiosk doctor` and `kiosk sync status` report as such)."""
    c = cfg.central
    token_file = Path(c.bearer_token_file) if c.bearer_token_file else None
    token = token_file.read_text(encoding="utf-8").strip() if token_file and token_file.is_file() else None
    cert = (str(c.client_cert), str(c.client_key)) if c.client_cert and c.client_key else None
    return CentralClient(str(c.url), bearer_token=token, client_cert=cert,
                         ca_bundle=str(c.ca_bundle) if c.ca_bundle else None,
                         connect_timeout=c.connect_timeout_s, read_timeout=c.read_timeout_s, retry=retry)
