"""WHOOP's OpenAPI document, read in place from ../shared, and a small validator for its schema subset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

SAMPLES_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "whoop-api-samples"
OPENAPI_PATH = SAMPLES_DIR / "whoop-openapi.json"


@cache
def load_spec() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text())


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # as in the spec, e.g. /v2/cycle/{cycleId}
    scopes: tuple[str, ...] | None  # None: no OAuth security listed
    parameters: tuple[dict[str, Any], ...]
    response_schema: str | None


def consumer_operations() -> list[Operation]:
    """Every operation a consumer app can call (the Trusted-Partner lab endpoints are left out)."""
    ops = []
    for path, methods in load_spec()["paths"].items():
        if "/partner/" in path:
            continue
        for method, op in methods.items():
            security = op.get("security")
            scopes = None
            if security:
                scopes = tuple(s for entry in security for s in entry.get("OAuth", []))
            schema_ref = (op.get("responses", {}).get("200", {}).get("content", {})
                          .get("application/json", {}).get("schema", {}).get("$ref"))
            ops.append(Operation(op["operationId"], method.upper(), path, scopes,
                                 tuple(op.get("parameters", [])),
                                 schema_ref.rsplit("/", 1)[-1] if schema_ref else None))
    return ops


def _check_format(value: str, fmt: str | None) -> bool:
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return True
        except ValueError:
            return False
    if fmt == "uuid":
        try:
            UUID(value)
            return True
        except ValueError:
            return False
    return True


_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list}


def validate(value: Any, schema: dict[str, Any] | str, where: str = "$") -> list[str]:
    """Errors of `value` against an OpenAPI schema (required, type, enum, format, $ref, items)."""
    spec = load_spec()
    if isinstance(schema, str):
        schema = spec["components"]["schemas"][schema]
    if "$ref" in schema:
        return validate(value, schema["$ref"].rsplit("/", 1)[-1], where)
    errors: list[str] = []
    kind = schema.get("type")
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{where}: expected integer, got {value!r}"]
    elif kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            return [f"{where}: expected number, got {value!r}"]
    elif kind in _TYPES and not isinstance(value, _TYPES[kind]):
        return [f"{where}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if kind == "string" and not _check_format(value, schema.get("format")):
        errors.append(f"{where}: {value!r} is not a {schema.get('format')}")
    if kind == "object" or "properties" in schema:
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: missing required {name!r}")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                errors.extend(validate(value[name], sub, f"{where}.{name}"))
    if kind == "array":
        for i, item in enumerate(value):
            errors.extend(validate(item, schema.get("items", {}), f"{where}[{i}]"))
    return errors

