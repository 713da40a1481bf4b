"""The phone area's routes (registered in app.py): (path, name, endpoint, method)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from central_service.phone import pages_sign_in as s


async def root(request: Request) -> Response:
    """The service's front page is the customer's: the phone pages."""
    return RedirectResponse("/phone/", status_code=303)


def _page(path: str, name: str, endpoint, methods=("GET", "POST")) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(path, f"{name}{m.title()}", endpoint, m) for m in methods]


ROUTES = [
    ("/", "phoneRoot", root, "GET"),
    *_page("/phone/sign-in", "phoneSignIn", s.sign_in),
    *_page("/phone/sign-in/code", "phoneSignInCode", s.enter_code),
    *_page("/phone/sign-out", "phoneSignOut", s.sign_out, ("POST",)),
]
