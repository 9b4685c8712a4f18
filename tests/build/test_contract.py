"""The build's check of its own output (build/contract.py): the compiled validator never
accepts what jsonschema, the reference, rejects; a rejection names the place."""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any

import pytest

from plugindex.build.contract import OutputSchemas, Part, output_schemas
from plugindex.build.index import RenderedPlugin
from plugindex.errors import InternalError
from tests.conftest import ROOT
from tests.validate.test_engines import mutations, verdicts

INDEX = ROOT / "index" / "v1"
def smallest(pattern: str) -> Any:
    path = min(INDEX.glob(pattern), key=lambda p: p.stat().st_size)
    return json.loads(path.read_bytes())


def test_the_default_registrys_outputs_pass_both_engines() -> None:
    schemas = output_schemas()
    index = json.loads((INDEX / "index.json").read_bytes())
    for entry in index["plugins"]:
        assert schemas.summary.problem(entry) is None
        assert schemas.summary.checker.fast.is_valid(entry)
    for path in sorted(INDEX.glob("plugins/*.json")):
        document = json.loads(path.read_bytes())
        assert schemas.file.checker.fast.is_valid(document), path.name
        assert schemas.file.checker.validator.is_valid(document), path.name
    schemas.check_related((INDEX / "related.json").read_bytes())
    schemas.check_contributors((INDEX / "contributors.json").read_bytes())


@pytest.mark.parametrize("part", ["file", "summary", "related", "contributors"])
def test_the_compiled_validator_is_never_more_lenient(part: str) -> None:
    schemas = OutputSchemas()
    document = {
        "file": lambda: smallest("plugins/*.json"),
        "summary": lambda: json.loads((INDEX / "index.json").read_bytes())["plugins"][0],
        "related": lambda: json.loads((INDEX / "related.json").read_bytes()),
        "contributors": lambda: json.loads((INDEX / "contributors.json").read_bytes()),
    }[part]()
    checked, rejected = verdicts(getattr(schemas, part).checker, mutations(document))
    assert checked > 50
    assert rejected > checked // 4  # the mutations do break the contract


def test_a_broken_file_is_refused_with_its_place() -> None:
    document = smallest("plugins/*.json")
    document["versions"][0]["version"] = 7
    summary = json.loads((INDEX / "index.json").read_bytes())["plugins"][0]
    with pytest.raises(InternalError) as caught:
        output_schemas().check_plugin(RenderedPlugin(
            document["name"], json.dumps(summary), json.dumps(document).encode(),
            summary, document))
    assert "/versions/0/version" in str(caught.value)


def test_what_the_compiled_validator_cannot_read_is_judged_by_its_bytes() -> None:
    """A rendered object of a type the compiled validator does not take (a read-only view)
    is accepted when its bytes are, and refused with its place when they are not."""
    document = smallest("plugins/*.json")
    summary = json.loads((INDEX / "index.json").read_bytes())["plugins"][0]
    view = MappingProxyType(document)
    output_schemas().check_plugin(RenderedPlugin(
        document["name"], json.dumps(summary), json.dumps(document).encode(), summary, view))
    broken = {**document, "latest": 7}
    with pytest.raises(InternalError) as caught:
        output_schemas().check_plugin(RenderedPlugin(
            document["name"], json.dumps(summary), json.dumps(broken).encode(), summary,
            MappingProxyType(broken)))
    assert "/latest" in str(caught.value)


def test_what_only_the_compiled_validator_rejects_is_accepted() -> None:
    """Python's '$' also matches before a final newline, ECMA's does not: where the engines
    differ, jsonschema's verdict stands."""
    part = Part({"type": "string", "pattern": "^[0-9]+$"})
    assert not part.checker.fast.is_valid("12\n")
    assert part.problem("12\n") is None
    assert part.problem("x") is not None
