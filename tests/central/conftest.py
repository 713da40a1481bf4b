"""Fixtures for the central service tests: the real service on loopback (uvicorn) over each store (SQLite
file, PostgreSQL database of the run's throwaway cluster), kiosks with credentials, and a contract checker
that validates every request and answer the client exchanges against openapi.yaml."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.finders import APICallPathFinder

from central_api_client import CentralClient, RetryPolicy
from central_api_client.phone import PhoneClient
from central_service.admin import CentralAdmin
from central_service.contract import load_spec
from central_service.testing import RunningService, sqlite_settings
from tests.postgres import database_url, pg_cluster, store_kind  # noqa: F401  (fixtures)

FAST_RETRY = RetryPolicy(total=4, backoff_factor=0.01, backoff_jitter=0.01, backoff_max=0.05, retry_after_max=2.0)


@dataclass
class ContractChecker:
    """A requests response hook: validates each exchange both ways, remembers operations and bodies."""

    openapi: OpenAPI
    seen: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    bodies: list[tuple[str, int, object]] = field(default_factory=list)

    def __call__(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        request = RequestsOpenAPIRequest(response.request)
        try:
            self.openapi.validate_request(request)
            self.openapi.validate_response(request, RequestsOpenAPIResponse(response))
        except Exception as exc:
            self.failures.append(f"{response.request.method} {response.request.path_url} "
                                 f"-> {response.status_code}: {type(exc).__name__}: {exc}")
            return
        found = APICallPathFinder(self.openapi.spec).find(request.method, request.host_url + request.path)
        operation_id = found.operation["operationId"]
        self.seen.add(f"{operation_id} {response.status_code}")
        if response.headers.get("Content-Type", "").startswith("application/json"):
            self.bodies.append((operation_id, response.status_code, response.json()))

    def operations(self) -> set[str]:
        return {entry.split()[0] for entry in self.seen}


@dataclass
class Sim:
    """A running service and the kiosks made for a test."""

    server: RunningService
    checker: ContractChecker | None = None
    clients: list[CentralClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def admin(self) -> CentralAdmin:
        return self.server.admin

    def client(self, branch_id: str | None = None, *, token: str | None = None, **kwargs: object) -> CentralClient:
        """A client for a new kiosk of `branch_id` (or with `token`, or anonymous), checked by the contract."""
        if branch_id is not None and token is None:
            _, token = self.admin.add_kiosk(branch_id)
        kwargs.setdefault("retry", FAST_RETRY)
        client = CentralClient(self.url, bearer_token=token, **kwargs)  # type: ignore[arg-type]
        if self.checker is not None:
            client.session.hooks["response"].append(self.checker)
        self.clients.append(client)
        return client

    def phone(self) -> PhoneClient:
        """A customer's phone on the form pages (no kiosk identity), checked by the contract."""
        phone = PhoneClient(self.url, retry=FAST_RETRY)
        if self.checker is not None:
            phone.session.hooks["response"].append(self.checker)
        self.clients.append(phone)
        return phone


def _openapi_for(url: str) -> OpenAPI:
    """The contract for a server at `url`. The mutualTLS alternative is dropped: it lives below HTTP (no
    message-level check exists) and openapi-core has no provider for it; bearer auth is still checked."""
    spec = copy.deepcopy(load_spec())
    spec["servers"] = [{"url": url}]
    spec["security"] = [req for req in spec["security"] if "kioskMtls" not in req]
    del spec["components"]["securitySchemes"]["kioskMtls"]
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(spec, config=config)


@pytest.fixture
def sim(tmp_path: Path, database_url: str) -> Iterator[Sim]:  # noqa: F811
    """The service on both stores (the test runs once per store)."""
    server = RunningService(sqlite_settings(tmp_path, database=database_url)).start()
    state = Sim(server)
    try:
        yield state
    finally:
        for client in state.clients:
            client.close()
        server.close()


@pytest.fixture
def checked_sim(sim: Sim) -> Iterator[Sim]:
    """`sim` whose clients validate every exchange against openapi.yaml; fails the test on any break."""
    sim.checker = ContractChecker(_openapi_for(sim.url))
    yield sim
    assert not sim.checker.failures, "\n".join(sim.checker.failures)
