"""One area's pages over the shared foundation: templates, texts, the session, CSRF and the security headers.

An area (phone, payroll, staff) makes one `Pages` with its template and text directories, then decorates
plain sync handlers with `@pages.page`; a handler gets a `PageRequest` and returns a Response (usually
`req.render(...)` or `req.redirect(...)`). The decorator loads or starts the session, picks the language,
parses and CSRF-checks every POST (a forged, replayed or cross-site post gets the 403 page and nothing runs),
runs the handler in the threadpool, then saves the session and sets the cookies. See docs/web-pages.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from central_service.web.forms import Form
from central_service.web.i18n import HTML_LANG, LANG_COOKIE, LOCALES, Texts, load_catalogue, pick_locale
from central_service.web.security import PAGE_HEADERS
from central_service.web.sessions import COOKIE_NAME, IDLE_S, WebSession, WebSessions

HERE = Path(__file__).resolve().parent
COMMON_TEMPLATES = HERE / "templates"
COMMON_TEXTS = HERE / "texts"
MAX_FORM_BYTES = 64 * 1024


class PageError(Exception):
    """Stop a handler and show the error page: `status` and the text key of the message."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status, self.key = status, key


@dataclass
class PageRequest:
    """What a page handler sees: the request, the session, the language, the posted form."""

    request: Request
    pages: Pages
    session: WebSession
    sessions: WebSessions
    locale: str
    form: Form
    set_lang_cookie: bool = False

    @property
    def t(self) -> Texts:
        return self.pages.texts[self.locale]

    @property
    def central(self) -> Any:
        return self.request.app.state.central

    @property
    def is_post(self) -> bool:
        return self.request.method == "POST"

    def param(self, name: str) -> str:
        return self.request.path_params[name]

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def sign_in(self, kind: str, principal_id: str, **extra: str) -> None:
        """Record who signed in (new session id and CSRF token: no fixation)."""
        self.sessions.rotate(self.session)
        self.session.set("principal", {"kind": kind, "id": principal_id, **extra})

    def sign_out(self) -> None:
        self.sessions.rotate(self.session)
        self.session.data.clear()

    def render(self, template: str, *, status: int = 200, form: Form | None = None, **values: Any) -> Response:
        """The page from `template` (in the area's or the common templates) with the layout's context."""
        html = self.pages.env.get_template(template).render(
            t=self.t, locale=self.locale, html_lang=HTML_LANG[self.locale], csrf_token=self.session.csrf_token,
            lang_links=self.lang_links(), principal=self.session.principal, form=form or Form(),
            path=self.request.url.path, **values)
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str) -> Response:
        """303 See Other: after a POST the browser GETs the next page (no re-post on reload)."""
        return RedirectResponse(url, status_code=303)

    def lang_links(self) -> list[dict[str, str]]:
        """The language switch: this page in each other locale (query kept, e.g. a form's secret)."""
        links = []
        for locale in LOCALES:
            if locale == self.locale:
                continue
            query = {k: v for k, v in self.request.query_params.items() if k != "lang"}
            query["lang"] = locale
            links.append({"locale": locale, "href": f"{self.request.url.path}?{urlencode(query)}",
                          "label": self.pages.texts[locale]("layout.language_name"),
                          "hreflang": HTML_LANG[locale]})
        return links


class Pages:
    """An area's templates and texts, and the `page` decorator that makes its handlers into routes."""

    def __init__(self, area: str, templates: Path | None = None, texts: Path | None = None) -> None:
        self.area = area
        dirs = [d for d in (templates, COMMON_TEMPLATES) if d is not None]
        self.env = Environment(loader=FileSystemLoader([str(d) for d in dirs]), undefined=StrictUndefined,
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        text_dirs = [d for d in (COMMON_TEXTS, texts) if d is not None]
        self.texts = {locale: Texts(locale, load_catalogue(text_dirs, locale)) for locale in LOCALES}

    def page(self, handler: Callable[[PageRequest], Response]) -> Callable[[Request], Any]:
        """Wrap a sync `handler(PageRequest) -> Response` into a Starlette endpoint."""

        async def endpoint(request: Request) -> Response:
            sessions = WebSessions(request.app.state.central.store.db)
            session = await run_in_threadpool(sessions.load, request.cookies.get(COOKIE_NAME)) or sessions.new()
            query_lang = request.query_params.get("lang")
            locale = pick_locale(query_lang, request.cookies.get(LANG_COOKIE))
            form = Form()
            if request.method == "POST":
                pairs = await _form_pairs(request)
                accepted = pairs is not None and _csrf_ok(request, session, pairs) and await run_in_threadpool(
                    sessions.spend_token, session, _sent_token(pairs))  # one post per token, atomically
                if not accepted:
                    req = PageRequest(request, self, session, sessions, locale, Form())
                    return await run_in_threadpool(self._finish, req, req.render(
                        "error.html", status=403, message_key="error.forbidden"))
                form = Form.from_pairs(pairs or [])
            req = PageRequest(request, self, session, sessions, locale, form,
                              set_lang_cookie=query_lang in LOCALES)
            try:
                response = await run_in_threadpool(handler, req)
            except PageError as exc:
                response = req.render("error.html", status=exc.status, message_key=exc.key)
            return await run_in_threadpool(self._finish, req, response)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    @staticmethod
    def _finish(req: PageRequest, response: Response) -> Response:
        """Save the session, set its cookie and the language cookie, add the security headers."""
        req.sessions.save(req.session)
        response.set_cookie(COOKIE_NAME, req.session.session_id, max_age=int(IDLE_S), path="/", secure=True,
                            httponly=True, samesite="lax")
        if req.set_lang_cookie:
            response.set_cookie(LANG_COOKIE, req.locale, max_age=365 * 86400, path="/", secure=True,
                                httponly=True, samesite="lax")
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


async def _form_pairs(request: Request) -> list[tuple[str, str]] | None:
    """The urlencoded form's fields, or None for another media type or an oversized body."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _sent_token(pairs: list[tuple[str, str]] | None) -> str:
    return next((v for k, v in pairs or [] if k == "csrf"), "")


def _csrf_ok(request: Request, session: WebSession, pairs: list[tuple[str, str]]) -> bool:
    """The post carries this session's current token and, when the browser says where it came from, ours.
    (`WebSessions.spend_token` then takes the token atomically: of two racing posts only one runs.)"""
    if session.is_new:
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        ours = urlsplit(str(request.base_url))
        if urlsplit(origin).netloc != ours.netloc:
            return False
    return hmac.compare_digest(_sent_token(pairs).encode(), session.csrf_token.encode())


COMMON = Pages("common")
API_PREFIXES = ("/v1/", "/admin", "/healthz", "/readyz", "/static/")


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not a kiosk or a script calling the API)."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(API_PREFIXES)


@COMMON.page
def not_found(req: PageRequest) -> Response:
    """The 404 page for a browser (the API keeps its problem+json answer)."""
    return req.render("error.html", status=404, message_key="error.not_found")
