"""The contract fuzzer: schemathesis generates requests from openapi.yaml (valid and invalid ones) for every
operation and sends them to the real service on loopback, over each store; every answer must be no 5xx and
match the contract (status, content type, headers, body schema), with all of schemathesis' checks.

Bounded: a few examples per operation (MAX_EXAMPLES), long-polls asked to wait 0 s, so the whole run stays
within about a minute. Hypothesis keeps a failing example minimal; the cases it found once are kept as
explicit tests in test_security.py.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from central_service.contract import load_spec
from central_service.testing import RunningService, sqlite_settings
from tests.postgres import database_url, pg_cluster, store_kind  # noqa: F401  (fixtures)

MAX_EXAMPLES = 10
LONG_POLLS = ("wait",)


def _fuzzable_spec() -> dict:
    """The contract as the fuzzer sees it: mutual TLS (below HTTP) left out, the bearer alternative kept."""
    spec = copy.deepcopy(load_spec())
    spec["security"] = [req for req in spec["security"] if "kioskMtls" not in req]
    del spec["components"]["securitySchemes"]["kioskMtls"]
    return spec


# A schema-valid request may still be refused for what it means (an unknown QR token, a reused idempotency
# key: 422; a cursor from before a purge: 410): those statuses count as accepted. 400 does not: a request the
# schema allows must not be a "bad request".
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "410", "422", "429"]}}})
SCHEMA = schemathesis.openapi.from_dict(_fuzzable_spec(), config=CONFIG)


@dataclass
class Target:
    url: str
    headers: dict[str, str]


@pytest.fixture
def target(tmp_path: Path, database_url: str) -> Iterator[Target]:  # noqa: F811
    """The service on the store of this run, a kiosk of BJ001 and a few appointments to find."""
    with RunningService(sqlite_settings(tmp_path, database=database_url)) as service:
        service.admin.seed(["BJ001"], 3, rng_seed=31)
        _, token = service.admin.add_kiosk("BJ001")
        yield Target(service.url, {"Authorization": f"Bearer {token}"})


def _no_long_wait(case: schemathesis.Case) -> None:
    """A valid `wait` becomes 0 (a fuzzer must not park 30 s per example); invalid ones are kept as generated."""
    for name in LONG_POLLS:
        value = (case.query or {}).get(name)
        if isinstance(value, int) and 0 <= value <= 30:
            case.query[name] = 0
        elif isinstance(value, str) and value.isascii() and value.isdigit() and int(value) <= 30:
            case.query[name] = "0"  # a negative case (another parameter broken) may carry a valid wait as text


def _integral_floats_as_integers(value: object) -> object:
    """`3.0` -> `3` everywhere in a body. JSON Schema cannot tell them apart, so the fuzzer sends `3.0` for an
    integer; the contract refuses every float (its prose, and `JsonValue`), so such a case would be a false
    "valid data rejected". The refusal itself is tested in test_security.py."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_integers(item) for item in value]
    return value


@SCHEMA.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_contract(case: schemathesis.Case, target: Target) -> None:
    _no_long_wait(case)
    if isinstance(case.body, dict | list):
        case.body = _integral_floats_as_integers(case.body)
    case.call_and_validate(base_url=target.url, headers=target.headers, timeout=15)
