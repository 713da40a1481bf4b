"""Security headers every page and static file carries.

The Content-Security-Policy allows nothing from elsewhere and no inline script or style: pages link one
stylesheet from `/static/` and need no script at all (forms work without JavaScript). `form-action 'self'`
stops an injected form posting elsewhere; no referrer is sent because a walk-in form's URL carries its secret.
"""

from __future__ import annotations

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'")

PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}

STATIC_HEADERS = {**PAGE_HEADERS, "Cache-Control": "public, max-age=86400"}
