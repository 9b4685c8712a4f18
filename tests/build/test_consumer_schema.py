"""The consumer schema: the published contract with every object open to added fields."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from plugindex.build.consumer import CONSUMER_SCHEMA, consumer_schema, render
from plugindex.build.index import INDEX_SCHEMA
from plugindex.layout import INDEX_FORMAT
from plugindex.manifests.schema import load_schema
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"
PRODUCER = load_schema(INDEX_SCHEMA)
CONSUMER = load_schema(CONSUMER_SCHEMA)


@functools.cache
def _validator(consumer: bool, part: str | None) -> jsonschema.Draft202012Validator:
    schema = CONSUMER if consumer else PRODUCER
    if part is not None:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"],
                  "$ref": f"#/$defs/{part}"}
    return jsonschema.Draft202012Validator(schema)


def validator(schema: dict[str, Any], part: str | None) -> jsonschema.Draft202012Validator:
    return _validator(schema is CONSUMER, part)


def smallest_plugin() -> dict[str, Any]:
    path = min((INDEX / "plugins").glob("*.json"), key=lambda p: p.stat().st_size)
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


FILES: dict[str, tuple[str | None, Callable[[], dict[str, Any]]]] = {
    "index": (None, lambda: json.loads((INDEX / "index.json").read_bytes())),
    "plugin": ("pluginFile", smallest_plugin),
    "related": ("relatedFile", lambda: json.loads((INDEX / "related.json").read_bytes())),
    "contributors": ("contributorsFile",
                     lambda: json.loads((INDEX / "contributors.json").read_bytes())),
}

# Where a later v1 could add a field: the root of each file and objects deep inside them.
ADDITIONS: dict[str, list[Callable[[dict[str, Any]], None]]] = {
    "index": [lambda d: d.update(mirrors=["https://example.org"]),
              lambda d: d["plugins"][0].update(downloads=12),
              lambda d: d["plugins"][0]["install"].update(size=3),
              lambda d: d["registry"].update(contact="ops@example.org")],
    "plugin": [lambda d: d.update(signed=True),
               lambda d: d["versions"][0].update(attestations=[]),
               lambda d: d["versions"][0]["score"].update(percentile=80),
               lambda d: d["install"].update(lockfile="x")],
    "related": [lambda d: d.update(model="bm25f")],
    "contributors": [lambda d: d["contributors"][0].update(avatar="https://example.org/a.png"),
                     lambda d: d["contributors"][0]["counts"].update({"new-kind": 1})],
}


def test_the_committed_consumer_schema_is_generated_from_the_producers() -> None:
    assert (ROOT / "schemas" / CONSUMER_SCHEMA).read_bytes() == render(), (
        "run: python -m plugindex.build.consumer > schemas/" + CONSUMER_SCHEMA)


def test_the_consumer_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(CONSUMER)
    text = json.dumps(CONSUMER)
    assert '"additionalProperties": false' not in text
    assert '"propertyNames": {"enum"' not in text
    assert consumer_schema(PRODUCER)["$defs"].keys() == PRODUCER["$defs"].keys()


@pytest.mark.parametrize("kind", sorted(FILES))
def test_every_published_file_passes_both_and_says_its_revision(kind: str) -> None:
    part, read = FILES[kind]
    document = read()
    assert document["format_version"] == INDEX_FORMAT
    validator(PRODUCER, part).validate(document)
    validator(CONSUMER, part).validate(document)


@pytest.mark.parametrize(("kind", "at"), [(k, i) for k in sorted(ADDITIONS)
                                          for i in range(len(ADDITIONS[k]))])
def test_an_added_field_passes_the_consumer_schema_only(kind: str, at: int) -> None:
    part, read = FILES[kind]
    document = copy.deepcopy(read())
    ADDITIONS[kind][at](document)
    assert not validator(PRODUCER, part).is_valid(document)  # the build would refuse it
    validator(CONSUMER, part).validate(document)  # a client does not break on it


@pytest.mark.parametrize("edit", [
    lambda d: d.pop("plugins"),
    lambda d: d["plugins"][0].update(latest=7),
    lambda d: d.update(format_version="2.0"),
    lambda d: d["plugins"][0]["install"].update(status="maybe"),
])
def test_the_consumer_schema_still_checks_what_v1_promises(
        edit: Callable[[dict[str, Any]], None]) -> None:
    document = copy.deepcopy(FILES["index"][1]())
    edit(document)
    assert not validator(CONSUMER, None).is_valid(document)
