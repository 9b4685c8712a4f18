"""JSON Schema checking with one compiled validator per schema, errors mapped to catalogued rules.

jsonschema's own messages repr the whole instance (a 20 KB description becomes a 20 KB message);
messages here name the field and show at most a short excerpt of the value.

Each instance is checked first by jsonschema-rs, a compiled Draft 2020-12 validator (two
orders of magnitude faster than jsonschema's pure Python on large files); only what it
rejects is checked again by jsonschema, whose verdict stands and whose errors become the
diagnostics. A test holds jsonschema-rs to never accept what jsonschema rejects, on mutations
of valid manifests and outputs (tests/validate/test_engines.py).

jsonschema is imported when a validator is first compiled, not with this module: a check
whose result a ``ResultStore`` already holds (keyed by every input of the result: the code,
the validators' releases, the schema, the file's name and bytes) needs neither.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib
import importlib.resources
import importlib.util
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from plugindex.codeid import code_identity
from plugindex.diagnostics import Diagnostic, Severity, escape_pointer_token
from plugindex.manifests.yamlsafe import Document
from plugindex.rules import CATALOG, diagnostic

if TYPE_CHECKING:
    import jsonschema
    import jsonschema_rs

RULE_KEY = "x-plugindex-rule"

_BOUNDS = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "minProperties": "at least {} entries",
    "maxProperties": "at most {} entries",
    "minimum": "at least {}",
    "maximum": "at most {}",
}


def schema_bytes(name: str) -> bytes:
    return importlib.resources.files("plugindex.schemas").joinpath(name).read_bytes()


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_bytes(name))
    return schema


def schema_digest(*names: str) -> str:
    h = hashlib.sha256()
    for name in names:
        h.update(schema_bytes(name))
    return h.hexdigest()


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def excerpt(value: Any, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, dict | list) else _type_name(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def inline_refs(schema: Any, defs: Mapping[str, Any] | None = None) -> Any:
    """A copy of ``schema`` with every local '#/$defs/...' reference replaced by its target.

    jsonschema resolves a $ref on every use (a third of validation time here); plugindex's
    schemas are not recursive, so the validator is compiled from this equivalent inlined copy.
    Siblings of a $ref are merged into the target, or kept beside it in an allOf on a clash.
    """
    if defs is None:
        defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    if isinstance(schema, list):
        return [inline_refs(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    ref = out.pop("$ref", None)
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        if ref is not None:
            out["$ref"] = ref
        return out
    target = inline_refs(defs[ref[len("#/$defs/"):]], defs)
    clash = any(k in target and target[k] != v for k, v in out.items() if k != "description")
    if clash:
        return {"allOf": [target, out]}
    return {**target, **out}


def _draft() -> type[jsonschema.Draft202012Validator]:
    """jsonschema's Draft 2020-12 validator class, imported on first use (0.13 s)."""
    draft: type[jsonschema.Draft202012Validator] = importlib.import_module(
        "jsonschema").Draft202012Validator
    return draft


class ResultStore(Protocol):
    """Where checks' results are kept between runs (``adapters.usercache.FileStore``)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


@functools.cache
def engine_identity() -> str:
    """The installed jsonschema and jsonschema-rs releases, read from their distributions'
    directory names (without importing them, or the 0.05 s of importlib.metadata)."""
    return ";".join(_release_of(module) for module in ("jsonschema", "jsonschema_rs"))


def _release_of(module: str) -> str:
    spec = importlib.util.find_spec(module)
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    if origin is None:
        return f"{module}?"
    names = sorted(p.name for p in origin.parent.parent.glob(f"{module}-*.dist-info"))
    return ",".join(names) or f"{origin}:{origin.stat().st_mtime_ns}"


def _encode(found: list[Diagnostic]) -> bytes:
    rows = [[d.line, d.rule, d.pointer, d.message, d.hint, d.severity.value] for d in found]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()


def _decode(data: bytes, file: str) -> list[Diagnostic] | None:
    """The diagnostics an entry holds, or None for an entry that is not one."""
    try:
        return [Diagnostic(file, int(line), str(rule), str(ptr), str(message), str(hint),
                           Severity(severity))
                for line, rule, ptr, message, hint, severity in json.loads(data)]
    except (ValueError, TypeError):
        return None


class SchemaChecker:
    """A Draft 2020-12 validator for one schema, compiled on first use."""

    def __init__(self, schema: Mapping[str, Any], meta_check: bool = True) -> None:
        if meta_check:  # the shipped schemas are checked by a test instead (0.2 s a run)
            _draft().check_schema(schema)
        self.schema = schema

    @functools.cached_property
    def fast(self) -> jsonschema_rs.Validator:
        """The compiled validator (jsonschema-rs), imported on first use."""
        module = importlib.import_module("jsonschema_rs")
        validator: jsonschema_rs.Validator = module.Draft202012Validator(dict(self.schema))
        return validator

    def passes_fast(self, instance: Any) -> bool:
        """True when the compiled validator accepts ``instance`` (so jsonschema would too)."""
        try:
            return bool(self.fast.is_valid(instance))
        except (ValueError, TypeError, OverflowError):  # a value it cannot take: ask jsonschema
            return False

    @functools.cached_property
    def validator(self) -> jsonschema.protocols.Validator:
        validator: jsonschema.protocols.Validator = _draft()(inline_refs(self.schema))
        return validator

    @functools.cached_property
    def _salt(self) -> bytes:
        """Every input of a result but the file: the code, the validators' releases
        (``engine_identity``), the schema."""
        schema = json.dumps(self.schema, sort_keys=True, separators=(",", ":")).encode()
        return f"{code_identity()}\0{engine_identity()}\0".encode() + hashlib.sha256(
            schema).digest()

    @classmethod
    def named(cls, name: str) -> SchemaChecker:
        return _named_checker(name)

    def is_valid(self, instance: Any) -> bool:
        return self.passes_fast(instance) or bool(self.validator.is_valid(instance))

    def check(self, document: Document, file: str, source: bytes | None = None,
              store: ResultStore | None = None) -> list[Diagnostic]:
        """The problems of ``document`` (read from ``file``). With ``store`` and the
        ``source`` bytes it was loaded from, a result computed before is reused."""
        if store is None or source is None:
            return self._check(document, file)
        key = hashlib.sha256(
            self._salt + file.encode("utf-8", "surrogateescape") + b"\0" + source).hexdigest()
        held = store.get(key)
        found = _decode(held, file) if held is not None else None
        if found is None:
            found = self._check(document, file)
            store.put(key, _encode(found))
        return found

    def _check(self, document: Document, file: str) -> list[Diagnostic]:
        if self.passes_fast(document.data):
            return []
        found: dict[tuple[str, str, str], Diagnostic] = {}
        for error in self.validator.iter_errors(document.data):
            for diag in self._diagnostics(error, document, file):
                found.setdefault((diag.pointer, diag.rule, diag.message), diag)
        # A value of the wrong type fails other keywords too (a list passes every 'required'
        # branch of a oneOf, for instance); the type is the one problem worth reporting there.
        mistyped = {d.pointer for d in found.values() if d.rule == "PI021"}
        return sorted(d for d in found.values() if d.rule == "PI021" or d.pointer not in mistyped)

    def _diagnostics(
        self, error: jsonschema.ValidationError, document: Document, file: str
    ) -> Iterable[Diagnostic]:
        ptr = "".join("/" + escape_pointer_token(t) for t in error.absolute_path)
        kind = str(error.validator)
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        rule_id = schema.get(RULE_KEY)
        instance = error.instance

        def diag(rid: str, at: str, message: str, hint: str | None = None) -> Diagnostic:
            return diagnostic(rid, file, document.line_of(at), at, message, hint)

        expected: Any = error.validator_value
        if kind == "required" and isinstance(instance, dict):
            for name in expected:
                if name not in instance:
                    at = f"{ptr}/{escape_pointer_token(name)}"
                    yield diag("PI022", at, f"required field '{name}' is missing")
        elif kind == "additionalProperties" and isinstance(instance, dict):
            known = schema.get("properties", {})
            for name in instance:
                if name not in known:
                    at = f"{ptr}/{escape_pointer_token(name)}"
                    yield diag("PI023", at, f"unknown field '{name}'")
        elif kind == "dependentRequired" and isinstance(instance, dict):
            for name, needs in expected.items():
                missing = [n for n in needs if name in instance and n not in instance]
                if missing:
                    at = f"{ptr}/{escape_pointer_token(name)}"
                    yield diag(rule_id or "PI020", at, f"'{name}' needs '{missing[0]}' beside it")
        elif kind == "type":
            expected = expected if isinstance(expected, list) else [expected]
            message = f"expected {' or '.join(expected)}, got {_type_name(instance)}"
            hint = None
            raw = document.plain_text.get(ptr)
            if "string" in expected and raw is not None:
                message += f" (YAML reads {raw} as {_type_name(instance)})"
                hint = f'quote the value: "{raw}"'
            yield diag("PI021", ptr, message, hint)
        elif kind in ("pattern", "format"):
            if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
                ptr = f"{ptr}/{escape_pointer_token(instance)}"
                what = f"name {excerpt(instance)}"
            else:
                what = excerpt(instance)
            description = schema.get("description")
            hint = description if description and not rule_id else None
            yield diag(rule_id or "PI024", ptr, f"{what} does not have the required form", hint)
        elif kind in _BOUNDS:
            size = len(instance) if isinstance(instance, str | list | dict) else instance
            bound = _BOUNDS[kind].format(expected)
            yield diag("PI025", ptr, f"must be {bound} (is {size})")
        elif kind in ("const", "enum"):
            allowed = [expected] if kind == "const" else expected
            shown = ", ".join(json.dumps(a) for a in allowed[:12])
            yield diag(rule_id or "PI029", ptr, f"{excerpt(instance)} is not allowed; use {shown}")
        elif kind == "uniqueItems":
            yield diag(rule_id or "PI020", ptr, "items must be unique", "remove the repeated item")
        elif kind in ("oneOf", "anyOf"):
            description = schema.get("description", "")
            yield diag(
                rule_id or "PI020", ptr, f"does not match exactly one allowed form. {description}"
            )
        else:
            yield diag(rule_id or "PI020", ptr, f"fails the schema's '{kind}' rule")


@functools.cache
def _named_checker(name: str) -> SchemaChecker:
    """Compiled once per process. The shipped schemas are not meta-validated here (the
    slowest part of a one-file validate): tests/manifests/test_schema.py checks each."""
    return SchemaChecker(load_schema(name), meta_check=False)


def rule_ids_in(schema: Any) -> set[str]:
    """Every rule id a schema names (for the catalog consistency test)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get(RULE_KEY), str):
            found.add(schema[RULE_KEY])
        for value in schema.values():
            found |= rule_ids_in(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= rule_ids_in(value)
    return found


def unknown_rule_ids(schema: Any) -> set[str]:
    return {r for r in rule_ids_in(schema) if r not in CATALOG}
