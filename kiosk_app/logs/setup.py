"""Logging set-up for every kiosk process: JSON lines to stdout (journald) or a rotating file.

The redaction filter sits on the handler, so no logger anywhere in the project (or in a library) can emit
an unmasked ID, card or mobile number, whatever message, argument or extra field carried it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

from central_api_client.redaction import RedactionFilter

__all__ = ["RedactionFilter", "build_handler", "configure_logging"]

def build_handler(
    destination: Literal["stdout", "file"], *, log_dir: Path | None = None, max_bytes: int = 10_000_000,
    backups: int = 5, process: str = "kiosk",
) -> logging.Handler:
    """A handler with the JSON formatter and the redaction filter attached."""
    if destination == "file":
        if log_dir is None:
            raise ValueError("log_dir is required for file logging")
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / f"{process}.log", maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(RedactionFilter())
    return handler


def configure_logging(
    destination: Literal["stdout", "file"] = "stdout", *, level: str = "INFO", log_dir: Path | None = None,
    max_bytes: int = 10_000_000, backups: int = 5, process: str = "kiosk",
) -> logging.Handler:
    """Replace the root logger's handlers with one redacting JSON handler; returns it.

    Kivy, when a process imports it later (the app, the window demo), logs through this handler too
    (`KIVY_LOG_MODE=PYTHON`): same JSON, same redaction, same level, and nothing on the terminal, where its
    own console logger would otherwise print every line, DEBUG included.
    """
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = build_handler(destination, log_dir=log_dir, max_bytes=max_bytes, backups=backups, process=process)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
