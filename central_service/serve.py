"""Serving the app with uvicorn: one process, or `workers` processes sharing the listening socket.

With several workers each process builds its own `Central` from the settings (passed in the environment, so
uvicorn's app factory can find them); the schema is migrated once, by the parent, before they start. Long-poll
wake-ups cross processes through PostgreSQL LISTEN/NOTIFY (see changes.py); on SQLite several workers share
the file and wake within their own process only, so `workers > 1` is for PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import os
import ssl
from typing import Any

import uvicorn
from starlette.applications import Starlette

from central_service.app import build_central, create_app
from central_service.db import make_engine
from central_service.logs import configure_logging
from central_service.migrations import upgrade
from central_service.settings import Settings
from central_service.tls import http_protocol

ENV_SETTINGS = "CENTRAL_SETTINGS_JSON"
ENV_JSON_LOGS = "CENTRAL_JSON_LOGS"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keyword arguments for host, port, workers and TLS (client certificates when asked)."""
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_level": settings.log_level,
                               "access_log": False, "timeout_keep_alive": 75, "lifespan": "on",
                               "log_config": None}  # our JSON handler (logs.py), not uvicorn's text one
    if settings.ssl_certfile:
        options.update(ssl_certfile=settings.ssl_certfile, ssl_keyfile=settings.ssl_keyfile)
        if settings.ssl_ca_certs:
            options["ssl_ca_certs"] = settings.ssl_ca_certs
            options["ssl_cert_reqs"] = ssl.CERT_REQUIRED if settings.ssl_require_client_cert else ssl.CERT_OPTIONAL
            options["http"] = http_protocol()  # hands the verified client certificate to the app (tls.py)
    return options


def app_from_env() -> Starlette:
    """The app factory each worker process calls (settings from the parent's environment)."""
    settings = Settings(**json.loads(os.environ[ENV_SETTINGS]))
    if os.environ.get(ENV_JSON_LOGS):
        configure_logging(settings.log_level)  # a worker process starts with no logging set up
    return create_app(settings, central=build_central(settings, migrate=False))


def serve(settings: Settings) -> None:
    """Migrate the store, then serve until interrupted (in `settings.workers` processes)."""
    engine = make_engine(settings.database, pool_size=1)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    os.environ[ENV_SETTINGS] = json.dumps(dataclasses.asdict(settings))
    if settings.workers > 1:
        uvicorn.run("central_service.serve:app_from_env", factory=True, workers=settings.workers,
                    **uvicorn_options(settings))
    else:
        uvicorn.run(app_from_env(), **uvicorn_options(settings))
