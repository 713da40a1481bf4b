"""JSON-lines logs for the service, with the product's personal-data masking on the handler (the same
`RedactionFilter` as the kiosk): no log line carries an unmasked ID, card or mobile number or a name."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from central_api_client.redaction import RedactionFilter


def json_handler(stream: object = None) -> logging.Handler:
    """A stream handler (stdout by default) with the JSON formatter and the redaction filter."""
    handler = logging.StreamHandler(stream or sys.stdout)  # type: ignore[arg-type]
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{", json_ensure_ascii=False,
                                       rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"}))
    handler.addFilter(RedactionFilter())
    return handler


def configure_logging(level: str = "info") -> logging.Handler:
    """Route the root logger and uvicorn's loggers through one redacting JSON handler; returns it."""
    handler = json_handler()
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    return handler
