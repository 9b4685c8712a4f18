"""The build checks its own output against the published contract, piece by piece.

Every rendered file is checked against its part of ``schemas/index.v1.schema.json``.
jsonschema interprets a schema in pure Python: on a registry of 10,000 manifests, checking
every output with it took longer than the rest of the build. So each part is checked first by
jsonschema-rs, a compiled Draft 2020-12 validator (about 200x faster on these files), on the
object the renderer serialized (parsing the bytes back cost as much again as the check);
whatever it refuses is parsed from the bytes consumers will read and checked again by
jsonschema, which stays the reference: it writes the message, and a file it accepts is
accepted."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from plugindex.build.index import INDEX_SCHEMA, RenderedPlugin
from plugindex.diagnostics import escape_pointer_token
from plugindex.errors import InternalError
from plugindex.layout import CONTRIBUTORS_FILE, RELATED_FILE
from plugindex.manifests.schema import SchemaChecker, load_schema


class Part:
    """One part of the contract (see manifests.schema.SchemaChecker for the two engines)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        # (parts of a shipped schema, which a test checks against the metaschema)
        self.checker = SchemaChecker(schema, meta_check=False)

    def problem(self, instance: Any) -> str | None:
        """None if ``instance`` matches; else where and how it does not (jsonschema's words)."""
        if self.checker.passes_fast(instance):
            return None
        from jsonschema.exceptions import best_match  # noqa: PLC0415 - only on a failure

        error = best_match(self.checker.validator.iter_errors(instance))
        if error is None:
            return None  # the reference accepts it
        at = "".join("/" + escape_pointer_token(str(t)) for t in error.absolute_path)
        return f"{at or '/'}: {error.message}"


class OutputSchemas:
    """The parts of the contract the build checks: the index, a plugin's summary and file,
    related.json and contributors.json."""

    def __init__(self) -> None:
        full = load_schema(INDEX_SCHEMA)

        def part(name: str) -> Part:
            return Part({"$schema": full["$schema"], "$defs": full["$defs"],
                         "$ref": f"#/$defs/{name}"})

        self.index = Part(full)
        self.summary = part("pluginSummary")
        self.file = part("pluginFile")
        self.related = part("relatedFile")
        self.contributors = part("contributorsFile")

    @staticmethod
    def _require(part: Part, what: str, instance: Any) -> None:
        problem = part.problem(instance)
        if problem is not None:
            raise InternalError(f"{what} does not match {INDEX_SCHEMA} at {problem}")

    def check_plugin(self, rendered: RenderedPlugin) -> None:
        """The plugin's index entry and file: the objects rendered pass the compiled
        validator, or their bytes, parsed, pass the contract (``Part.problem``)."""
        name = rendered.name
        for part, what, value, data in (
                (self.summary, f"the index entry for {name}", rendered.summary, rendered.entry),
                (self.file, f"plugins/{name}.json", rendered.detail, rendered.file)):
            if not part.checker.passes_fast(value):
                self._require(part, what, json.loads(data))

    def check_contributors(self, data: bytes) -> None:
        self._require(self.contributors, CONTRIBUTORS_FILE, json.loads(data))

    def valid_related(self, data: bytes) -> bool:
        """``data`` is a related.json the contract accepts (one the build may keep from)."""
        try:
            return self.related.problem(json.loads(data)) is None
        except (ValueError, RecursionError):
            return False

    def check_related(self, data: bytes) -> None:
        self._require(self.related, RELATED_FILE, json.loads(data))

    def check_index(self, header: Mapping[str, Any]) -> None:
        """The index without its plugins (each plugin's entry is checked when rendered)."""
        self._require(self.index, "index.json", {**header, "plugins": []})


@functools.cache
def output_schemas() -> OutputSchemas:
    return OutputSchemas()
