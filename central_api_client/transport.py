"""The HTTP session of the client: timeouts, retries with backoff and jitter, mTLS, per-kiosk identity.

Why a custom adapter: urllib3's Retry decides by method only, but a POST is safe to repeat exactly when it
carries an Idempotency-Key. The adapter picks the retry policy per request: with a key (or a GET) the full
policy; without one only connection failures, where the request never left the kiosk.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = ["RetryPolicy", "UrlHygiene", "build_session"]

log = logging.getLogger("central_api_client.transport")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a call tries before it raises Unavailable; the defaults bound a call to about half a minute."""

    total: int = 4
    backoff_factor: float = 0.2
    backoff_jitter: float = 0.2
    backoff_max: float = 5.0
    retry_after_max: float = 10.0
    body_retries: int = 2  # a body cut short after the headers (urllib3 cannot retry that itself)

    def build(self, methods: frozenset[str]) -> Retry:
        """The urllib3 Retry for these methods."""
        return _CappedRetry(
            total=self.total,
            connect=self.total,
            read=self.total,
            status=self.total,
            other=0,
            allowed_methods=methods,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_jitter,
            backoff_max=self.backoff_max,
            raise_on_status=False,
            respect_retry_after_header=True,
            retry_after_max=self.retry_after_max,
        )


class _CappedRetry(Retry):
    """Retry that honours Retry-After but never sleeps longer than `retry_after_max` for one answer."""

    def __init__(self, *args: Any, retry_after_max: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_max = retry_after_max

    def new(self, **kw: Any) -> _CappedRetry:
        retry = super().new(**kw)
        retry.retry_after_max = self.retry_after_max  # type: ignore[attr-defined]
        return retry  # type: ignore[return-value]

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.retry_after_max)

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, *args: Any, **kwargs: Any) -> Retry:
        """Count the attempt, and say so in the one form the logs allow: method, path, status, time.

        urllib3's own retry lines carry the whole URL (cursors, page tokens) and are dropped (UrlHygiene).
        """
        retry = super().increment(method, url, response, error, *args, **kwargs)
        outcome = str(response.status) if response is not None and response.status else type(error).__name__
        log.warning("central %s %s: %s, retrying in %.2f s", method, urlsplit(url or "").path, outcome,
                    retry.get_backoff_time())
        return retry


class _IdempotencyAwareAdapter(HTTPAdapter):
    """Full retries for GET and keyed POST; connection-only retries for a POST without a key."""

    def __init__(self, policy: RetryPolicy, **kwargs: Any) -> None:
        self._local = threading.local()
        self._unkeyed = policy.build(frozenset({"GET", "HEAD"}))
        super().__init__(max_retries=policy.build(frozenset({"GET", "HEAD", "POST"})), **kwargs)

    @property
    def max_retries(self) -> Retry:  # type: ignore[override]
        return getattr(self._local, "override", None) or self._retry

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        self._retry = value

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.method == "POST" and "Idempotency-Key" not in request.headers:
            self._local.override = self._unkeyed
            try:
                return super().send(request, **kwargs)
            finally:
                self._local.override = None
        return super().send(request, **kwargs)


_QUERY = re.compile(r"\?[^\s'\")]*")


class UrlHygiene(logging.Filter):
    """On urllib3's loggers: drop its retry lines (the client logs its own) and cut the query off any URL in the
    rest. A query carries feed cursors and snapshot page tokens, which a log line has no business holding."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(("Retrying (", "Incremented Retry", "Retry:")):
            return False
        record.msg, record.args = _QUERY.sub("?…", message), None
        return True


def _install_url_hygiene() -> None:
    """Put UrlHygiene on urllib3's loggers once per process (a filter on a logger applies to its own records)."""
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, UrlHygiene) for f in logger.filters):
            logger.addFilter(UrlHygiene())


def build_session(
    policy: RetryPolicy,
    *,
    bearer_token: str | None = None,
    client_cert: tuple[str, str] | None = None,
    ca_bundle: str | None = None,
    user_agent: str = "branch-kiosk/central-api-client",
) -> requests.Session:
    """One session for one client: pooled connections, the retry adapter, identity and pinned CA.

    `client_cert` is (certificate path, key path) for mTLS; `ca_bundle` pins the service's CA (the system
    store is not used when it is given).
    """
    _install_url_hygiene()
    session = requests.Session()
    adapter = _IdempotencyAwareAdapter(policy, pool_connections=2, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False  # no proxies or netrc from the environment of a kiosk
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json, application/problem+json"
    if bearer_token:
        session.headers["Authorization"] = f"Bearer {bearer_token}"
    if client_cert:
        session.cert = client_cert
    if ca_bundle:
        session.verify = ca_bundle
    return session
