"""The foundation's own routes: static files (the stylesheet, vendored libraries, images) under `/static/`."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from central_service.web.security import STATIC_HEADERS

STATIC_DIR = (Path(__file__).resolve().parent / "static").resolve()


async def static_file(request: Request) -> Response:
    """A file under web/static (404 for anything else, including paths that try to leave it)."""
    wanted = (STATIC_DIR / request.path_params["path"]).resolve()
    if not wanted.is_relative_to(STATIC_DIR) or not wanted.is_file():
        return Response("not found", status_code=404, media_type="text/plain", headers=STATIC_HEADERS)
    media = mimetypes.guess_type(wanted.name)[0] or "application/octet-stream"
    return FileResponse(wanted, media_type=media, headers=STATIC_HEADERS)


ROUTES = [("/static/{path:path}", "webStatic", static_file, "GET")]
