"""The consumer schema of index/v1: the contract as a client should check it.

The build checks its own output against ``schemas/index.v1.schema.json``, which is strict
(``additionalProperties: false``): a field the renderer writes by mistake fails the build.
Within v1, fields are only ever added, so a client that validated with that schema would break
on the first field a later v1 adds. The consumer schema is the same schema with every object
left open; everything else (types, required fields, enumerations, patterns) is the same, and
each file says which revision made it (``format_version``). It is generated from the producer's
schema and committed as ``schemas/index.v1.consumer.schema.json``, and published beside the
index (``<site>/index/v1/schema.json``); a test keeps the committed file in step:

    python -m plugindex.build.consumer > schemas/index.v1.consumer.schema.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from plugindex.build.index import INDEX_SCHEMA
from plugindex.manifests.schema import load_schema

CONSUMER_SCHEMA = "index.v1.consumer.schema.json"
CONSUMER_ID = "https://plugindex.dev/schemas/index.v1.consumer.schema.json"
_CLOSED = ("additionalProperties", "unevaluatedProperties")


def _closes(key: str, value: Any) -> bool:
    """A keyword that closes an object to names it does not list: additionalProperties (or
    unevaluatedProperties) false, or property names drawn from a fixed list (a map whose
    keys are kinds: a later v1 may add a kind)."""
    return (key in _CLOSED and value is False) or (
        key == "propertyNames" and isinstance(value, dict) and "enum" in value)


def _opened(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _opened(v) for k, v in node.items() if not _closes(k, v)}
    if isinstance(node, list):
        return [_opened(v) for v in node]
    return node


def consumer_schema(producer: dict[str, Any]) -> dict[str, Any]:
    """``producer`` with no object closed to fields it does not list."""
    opened: dict[str, Any] = _opened(producer)
    opened["$id"] = CONSUMER_ID
    opened["title"] = f"{producer.get('title', '')} (for consumers: unknown fields allowed)"
    return opened


def render() -> bytes:
    """The consumer schema's file, from the shipped producer schema."""
    schema = consumer_schema(load_schema(INDEX_SCHEMA))
    return (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


if __name__ == "__main__":  # pragma: no cover - the module's docstring shows the use
    sys.stdout.buffer.write(render())
