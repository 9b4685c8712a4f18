"""Every shipped schema is a valid Draft 2020-12 schema (the run-time checkers skip this
meta-validation: it was the slowest part of validating one file)."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from plugindex.manifests.schema import SchemaChecker, load_schema
from tests.conftest import ROOT

SHIPPED = sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json"))


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_schema_is_valid(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))
    assert SchemaChecker.named(name).schema == load_schema(name)


def test_an_invalid_schema_is_still_refused_when_checked() -> None:
    with pytest.raises(Exception, match="is not valid"):
        SchemaChecker({"type": "no-such-type"})
