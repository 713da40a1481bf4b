"""The kiosk contract as the service reads it: openapi.yaml's schemas check every request body.

Why the contract's own schemas rather than a second set of models: one owner for what a valid request is.
Floats are refused by `central_api_client.checksum.loads` with their own message, so "3.0" for an integer
field is a clear 400 ("no floating point numbers"), not a parse error.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS31Validator, oas31_format_checker

from central_api_client.checksum import loads
from central_service.problems import ApiError

SPEC_PATH = Path(__file__).resolve().parent.parent / "central_api_client" / "openapi.yaml"


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The parsed contract (cached: the file does not change while a process runs; treat it as read-only)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


@dataclass
class Schemas:
    """Validators for the contract's component schemas, built once per app."""

    spec: dict[str, Any]
    _cache: dict[str, OAS31Validator] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Schemas:
        return cls(load_spec(path))

    def check(self, name: str, value: Any) -> list[dict[str, str]]:
        """The schema violations of `value`, as problem `errors` naming the rule but never the input."""
        if name not in self._cache:
            root = {"$ref": f"#/components/schemas/{name}", "components": self.spec["components"]}
            self._cache[name] = OAS31Validator(root, format_checker=oas31_format_checker)
        found = []
        for error in self._cache[name].iter_errors(value):
            where = "/" + "/".join(str(p) for p in error.absolute_path)
            found.append({"location": "body" + (where if where != "/" else ""),
                          "message": f"violates '{error.validator}'"})
        return found[:20]


def parse_body(raw: bytes, media_type: str, schemas: Schemas, schema: str) -> Any:
    """The request's JSON body, valid against `schema`. Raises ApiError 415 or 400 (saying which rule)."""
    if media_type != "application/json":
        raise ApiError(415, "unsupported-media-type", "send application/json")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed-json", "the body is not valid UTF-8") from None
    try:
        body = loads(text)
    except ValueError as exc:
        if "floating point" in str(exc):
            raise ApiError(400, "invalid-body", "numbers in the contract are integers: no floating point numbers",
                           errors=[{"location": "body", "message": "violates 'no floating point numbers'"}]) from None
        raise ApiError(400, "malformed-json", "the body is not valid JSON") from None
    problems = schemas.check(schema, body)
    if problems:
        raise ApiError(400, "invalid-body", "the body breaks the contract", errors=problems)
    if _carries_nul(body):  # the schema allows it; PostgreSQL text cannot hold U+0000 and no field has a use for it
        raise ApiError(422, "invalid-text", "text may not contain the NUL character (U+0000)",
                       errors=[{"location": "body", "message": "violates 'no NUL characters in text'"}])
    return body


def _carries_nul(value: Any) -> bool:
    """True if any string in the JSON value (member names included) contains U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _carries_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_carries_nul(item) for item in value)
    return False
