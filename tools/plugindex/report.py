"""Diagnostics as text, JSON or GitHub workflow annotations. Untrusted text is escaped."""

from __future__ import annotations

import json
from collections.abc import Sequence

from plugindex.diagnostics import Diagnostic

FORMATS = ("text", "json", "github")


def _one_line(text: str) -> str:
    """Keep a message on its line: a manifest's value cannot fake another report line."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", " ")


def text_line(d: Diagnostic) -> str:
    return (f"{_one_line(d.file)}:{d.line}: {_one_line(d.field)}: {_one_line(d.message)} "
            f"[{d.rule}] ({_one_line(d.hint)})")


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(d: Diagnostic) -> str:
    level = "error" if d.is_error else "warning"
    title = _gh_property(f"{d.rule} {d.field}")
    return (f"::{level} file={_gh_property(d.file)},line={d.line},title={title}::"
            f"{_gh_data(d.message)} ({_gh_data(d.hint)})")


def render(diagnostics: Sequence[Diagnostic], fmt: str, files: int) -> str:
    if fmt == "json":
        errors = sum(d.is_error for d in diagnostics)
        return json.dumps({
            "files": files,
            "errors": errors,
            "warnings": len(diagnostics) - errors,
            "diagnostics": [d.as_json() for d in diagnostics],
        }, indent=2, sort_keys=True, ensure_ascii=False)
    line = github_line if fmt == "github" else text_line
    return "\n".join(line(d) for d in diagnostics)


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    affected = len({d.file for d in diagnostics})
    if not diagnostics:
        return f"{files} file(s) checked: no problems"
    return (f"{files} file(s) checked: {errors} error(s), {warnings} warning(s) "
            f"in {affected} file(s)")
