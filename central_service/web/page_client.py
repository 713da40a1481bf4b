"""A browser-less visitor of the pages, for HTTP-level tests and the page benchmark.

Why not requests' cookie jar: the session cookie is `Secure` (`__Host-`), and a cookie jar rightly withholds it
over the plain-HTTP loopback the tests use; a browser treats 127.0.0.1 as a secure context and sends it. This
keeps the cookies itself and reads each page's CSRF token the way a form would post it.
"""

from __future__ import annotations

import re
from typing import Any

import requests

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class PageClient:
    """GET pages and POST their forms with the page's CSRF token, keeping the cookies like a browser."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.timeout = timeout

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, self.base_url + path, headers=headers, allow_redirects=False,
                                     timeout=self.timeout, **kwargs)
        for raw in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        found = _CSRF.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, path: str, *, follow: bool = True) -> requests.Response:
        response = self._send("GET", path)
        while follow and response.status_code in (302, 303) and response.headers.get("location"):
            response = self._send("GET", response.headers["location"])
        return response

    def post(self, path: str, fields: dict[str, Any] | list[tuple[str, str]], *, csrf: str | None = None,
             follow: bool = True, headers: dict[str, str] | None = None) -> requests.Response:
        """POST the form with the current page's token (or `csrf`); follows the 303 like a browser."""
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        pairs.append(("csrf", self.csrf if csrf is None else csrf))
        response = self._send("POST", path, data=pairs, headers=dict(headers or {}))
        while follow and response.status_code in (302, 303) and response.headers.get("location"):
            response = self._send("GET", response.headers["location"])
        return response

    def close(self) -> None:
        self.http.close()
