"""Problems as values: every check returns diagnostics, nothing raises for bad input."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


def escape_pointer_token(token: str | int) -> str:
    """RFC 6901: escape one reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """Build a JSON pointer from reference tokens: pointer('a', 0) == '/a/0'."""
    return "".join("/" + escape_pointer_token(t) for t in tokens)


def join_pointer(base: str, *tokens: str | int) -> str:
    return base + pointer(*tokens)


def split_pointer(ptr: str) -> list[str]:
    if not ptr:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]


def field_path(ptr: str) -> str:
    """Human form of a JSON pointer: '/requires/packages/0' -> 'requires.packages[0]'."""
    out = ""
    for token in split_pointer(ptr):
        if token.isdigit():
            out += f"[{token}]"
        elif out:
            out += f".{token}"
        else:
            out = token
    return out or "(document)"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in one file.

    Ordered by file, line, rule and pointer so that reports are deterministic.
    """

    file: str
    line: int
    rule: str
    pointer: str
    message: str
    hint: str
    severity: Severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def field(self) -> str:
        return field_path(self.pointer)

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "pointer": self.pointer,
            "field": self.field,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
