"""A form fuzzer generic over the service's HTML pages: it finds the forms by reading the rendered pages.

Why discovery and not a list: pages arrive from several areas (phone, payroll, staff); a form nobody listed is
still fuzzed once a page the crawler reaches shows it, or once a post the fuzzer made lands on a page showing
it (the forms further along a flow: a booking's details after its slot was taken). The crawl starts at every
GET route of the app without a path parameter that is not part of the kiosk API, admin, health, static files
or an event stream, follows same-site links, and reads each `<form>`: where it posts and its fields (inputs,
selects with their options, text areas, hidden values). Visitors (anonymous, a phone customer, staff, a
company's agent) each crawl with their own session, so pages behind a sign-in are reached too; an area adds
its visitor to `VISITORS` in test_form_fuzz.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from central_service.web.page_client import PageClient

SKIPPED_PREFIXES = ("/v1/", "/admin", "/healthz", "/readyz", "/static/", "/metrics")
SKIPPED_SUFFIXES = ("/stream",)  # server-sent event streams (the lobby floor's): open-ended, not pages
MAX_PAGES = 60


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    options: tuple[str, ...] = ()
    value: str = ""


@dataclass
class FormSpec:
    """One form as a page shows it: the page it is on, where it posts, its fields."""

    page: str
    action: str
    fields: list[Field] = field(default_factory=list)

    @property
    def key(self) -> str:
        """One form however many pages show it: where it posts and what it sends."""
        return f"{self.action}: {', '.join(f.name for f in self.fields)}"


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.links = page, [], []
        self._form: FormSpec | None = None
        self._select: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "post":
            self._form = FormSpec(self.page, _local(urljoin(self.page, a.get("action") or self.page)))
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a["name"] != "csrf":
            self._form.fields.append(Field(a["name"], a.get("type", "text").lower(), value=a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._form.fields.append(Field(a["name"], "textarea"))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append(Field(self._select[0], "select", tuple(self._select[1])))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def page_paths(routes: Iterable[tuple[str, str]]) -> list[str]:
    """(path, method) of the app's routes -> the GET pages a crawl starts from."""
    return sorted({p for p, m in routes if m == "GET" and "{" not in p and not _skipped(p)})


def _skipped(path: str) -> bool:
    return path.startswith(SKIPPED_PREFIXES) or path.split("?")[0].endswith(SKIPPED_SUFFIXES)


def _local(url: str) -> str:
    """Path and query of a URL, without the language switch (`?lang=`: the same page and form in other words)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return parts.path + (f"?{query}" if query else "")


def _same_site(href: str, page: str) -> str | None:
    parts = urlsplit(urljoin(page, href))
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or _skipped(parts.path):
        return None
    return _local(urljoin(page, href))


def discover(client: PageClient, start: list[str]) -> list[FormSpec]:
    """Every POST form reachable from `start` by same-site links (at most MAX_PAGES pages), one per action and
    field set. A page is read with GET only, so crawling changes nothing."""
    seen, queue, forms = set(), list(start), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        found, links = read_page(client.get(path), path)
        for form in found:
            forms.setdefault(form.key, form)
        queue += [p for p in links if p not in seen]
    return list(forms.values())


def read_page(response: requests.Response, path: str) -> tuple[list[FormSpec], list[str]]:
    """The POST forms and same-site links of an HTML answer (none for anything else)."""
    if "text/html" not in response.headers.get("content-type", ""):
        return [], []
    parser = _FormParser(_local(response.url or path))
    parser.feed(response.text)
    return parser.forms, [p for p in (_same_site(h, path) for h in parser.links) if p]
