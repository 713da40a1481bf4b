"""The shared web foundation for server-rendered pages (phone, payroll, staff): layout and CSS, per-area texts,
server-side sessions, CSRF, security headers, static files, form helpers. How to add a page: docs/web-pages.md.
"""

from central_service.web.forms import Form
from central_service.web.pages import PageError, PageRequest, Pages

__all__ = ["Form", "PageError", "PageRequest", "Pages"]
