"""Validation of one manifest file: strict load -> JSON Schema -> model -> semantic rules."""

from __future__ import annotations

from dataclasses import dataclass

from plugindex.config.registry import RegistryConfig
from plugindex.diagnostics import Diagnostic, has_errors, split_pointer
from plugindex.manifests.model import (
    MANIFEST_SCHEMA,
    Facts,
    Manifest,
    facts_of,
    manifest_from,
    partial_manifest,
)
from plugindex.manifests.schema import ResultStore, SchemaChecker
from plugindex.manifests.yamlsafe import load
from plugindex.validate.manifest_rules import Reporter, check_manifest, check_path
from plugindex.validate.tree import ManifestFile


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file: the manifest if it is well-formed, and every problem found."""

    path: str
    manifest: Manifest | None
    diagnostics: tuple[Diagnostic, ...]
    # What the registry-wide rules need, also for a manifest whose other fields are invalid
    # (from its valid fields), so that its references are checked in the same run.
    facts: Facts | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


class ManifestValidator:
    """Validates manifests for one registry; the compiled schema is reused for every file.

    ``store``: where schema checks' results are kept between runs (``plugindex validate``
    passes the user's cache; the trusted workflows' commands pass none)."""

    def __init__(self, registry: RegistryConfig, checker: SchemaChecker | None = None,
                 store: ResultStore | None = None) -> None:
        self.registry = registry
        self.checker = checker or SchemaChecker.named(MANIFEST_SCHEMA)
        self.store = store

    def check_file(self, file: ManifestFile) -> FileResult:
        """A file as ``tree`` read it: refused (its one refusal), or checked."""
        if file.refusal is not None:
            return FileResult(file.path, None, (file.refusal,))
        return self.check(file.path, file.data)

    def check(self, path: str, data: bytes) -> FileResult:
        """``path`` is the file's path relative to the registry root, with '/' separators."""
        loaded = load(data, path, self.registry.limits)
        found = list(loaded.diagnostics)
        document = loaded.document
        if document is None:
            return FileResult(path, None, tuple(sorted(found)))
        report = Reporter(path, document, found)
        check_path(path, document.data, report)
        schema_problems = self.checker.check(document, path, data, self.store)
        found += schema_problems
        if schema_problems:
            invalid = {split_pointer(d.pointer)[0] for d in schema_problems if d.pointer}
            partial = partial_manifest(document.data, invalid)
            check_manifest(partial, self.registry, report)
            facts = facts_of(partial) if {"name", "version"} <= partial.data.keys() else None
            return FileResult(path, None, tuple(sorted(found)), facts)
        manifest = manifest_from(document.data)
        check_manifest(manifest, self.registry, report)
        return FileResult(path, manifest, tuple(sorted(found)), facts_of(manifest))
