"""Strict YAML loading: bytes -> one mapping of plain data, with the line of every field.

The loader never constructs anything the checks below have not approved. It builds the data
itself from parser events (libyaml's event parser keeps its own stack and does not recurse), so:

* size, encoding and control or invisible characters are checked on the bytes, before
  parsing, and again on every scalar (a quoted escape such as "\\u200b" writes them too);
* anchors, aliases, merge keys and explicit tags are refused at the first event that has one;
* depth and node count are capped while parsing, so '[' * 25000 stops at the cap;
* duplicate keys name both lines, and keys must be strings.

Scalars are typed by YAML 1.1's implicit rules (as ``yaml.safe_load`` would), so that the schema
can tell an author that ``version: 1.10`` was read as the number 1.1 and should be quoted.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from plugindex.diagnostics import Diagnostic, escape_pointer_token, split_pointer
from plugindex.rules import diagnostic

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IMPLICIT: dict[str | None, list[tuple[str, re.Pattern[str]]]] = (
    yaml.SafeLoader.yaml_implicit_resolvers
)
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_CONSTRUCTOR = SafeConstructor()
_CONSTRUCT = {
    "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _CONSTRUCTOR.construct_yaml_timestamp,
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# What YAML forbids (C0/C1 controls but tab, LF, CR, NEL), plus what hides or reorders text: the
# bidirectional controls ("Trojan Source": embeddings, overrides, isolates, and the marks LRM,
# RLM and ALM), zero-width characters, the word joiner and invisible operators (U+2060-U+206F),
# the Mongolian vowel separator, Unicode tag characters, the line and paragraph separators, and
# the byte-order mark inside text. Checked on the bytes and on every scalar, so that a YAML
# escape ("\u200b") cannot write what the file may not hold.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u061c\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\ufeff\ufffe\uffff\U000e0000-\U000e007f]"
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 65536
    max_depth: int = 20
    max_nodes: int = 5000


@dataclass(frozen=True)
class Document:
    """A loaded mapping and where each field of it stands in the file."""

    data: dict[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)
    # The source text of plain scalars that YAML typed as something other than a string.
    plain_text: Mapping[str, str] = field(default_factory=dict)

    def line_of(self, ptr: str) -> int:
        """Line of the field at ``ptr``, or of its nearest ancestor that exists."""
        tokens = split_pointer(ptr)
        while tokens:
            key = "".join("/" + escape_pointer_token(t) for t in tokens)
            if key in self.lines:
                return self.lines[key]
            tokens.pop()
        return self.lines.get("", 1)


@dataclass(frozen=True)
class LoadResult:
    document: Document | None
    diagnostics: tuple[Diagnostic, ...]


class _Stop(Exception):
    """Loading cannot go on; the diagnostic says why."""

    def __init__(self, diag: Diagnostic) -> None:
        super().__init__(diag.message)
        self.diag = diag


class _Skip:
    """Stands for a key whose value is dropped (a non-string or duplicate key)."""


_SKIP = _Skip()


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    ptr: str
    key: str | _Skip | None = None
    key_ptr: str = ""
    key_lines: dict[str, int] = field(default_factory=dict)


# The line breaks YAML counts (so that byte-level problems get the line the parser would say).
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_of_text(text: str) -> int:
    """1-based line at the end of ``text``."""
    return len(_BREAKS.findall(text)) + 1


def _check_bytes(data: bytes, file: str, limits: Limits) -> str:
    if len(data) > limits.max_bytes:
        raise _Stop(diagnostic(
            "PI001", file, 1, "",
            f"file is {len(data)} bytes; the limit is {limits.max_bytes} bytes",
        ))
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise _Stop(diagnostic(
                "PI002", file, 1, "", f"file starts with a {name} byte-order mark (byte offset 0)"
            ))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        raise _Stop(diagnostic(
            "PI002", file, _line_of_text(prefix), "",
            f"invalid UTF-8 byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
        )) from None
    bad = _CONTROL.search(text)
    if bad:
        offset = len(text[: bad.start()].encode("utf-8"))
        raise _Stop(diagnostic(
            "PI003", file, _line_of_text(text[: bad.start()]), "",
            f"{_character(bad.group())} at byte offset {offset}",
        ))
    return text


def _character(char: str) -> str:
    """'control character U+0000' or 'invisible formatting character U+200B'."""
    kind = "control" if unicodedata.category(char) == "Cc" else "invisible formatting"
    return f"{kind} character U+{ord(char):04X}"


def _scalar(value: str, plain: bool) -> tuple[Any, str]:
    """Type a scalar the way PyYAML's resolver does (including '' -> null for an empty value)."""
    if not plain:
        return value, _STR
    resolvers = [*_IMPLICIT.get(value[:1], []), *_IMPLICIT.get(None, [])]
    tag = next((t for t, regexp in resolvers if regexp.match(value)), _STR)
    if tag == _STR:
        return value, _STR
    construct = _CONSTRUCT.get(tag)
    if construct is None:  # merge ('<<') and value ('=') tags
        return value, tag
    return construct(ScalarNode(tag, value)), tag


class _Builder:
    def __init__(self, file: str, limits: Limits, text: str = "") -> None:
        self.file = file
        self.limits = limits
        self.text = text  # the document, for byte offsets in messages
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.has_root = False
        self.root_line = 1
        self.documents = 0
        self.nodes = 0
        self.lines: dict[str, int] = {"": 1}
        self.plain_text: dict[str, str] = {}
        self.problems: list[Diagnostic] = []

    def stop(self, rule_id: str, line: int, ptr: str, message: str) -> _Stop:
        return _Stop(diagnostic(rule_id, self.file, line, ptr, message))

    def run(self, events: Iterator[Any]) -> None:
        for event in events:
            self.feed(event)

    def feed(self, event: Any) -> None:
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self.node_start(event, line)
            self.check_escapes(event, line)
            plain = not event.style and event.implicit[0]
            value, tag = _scalar(event.value, plain)
            if tag == _MERGE:
                raise self.stop("PI006", line, self.child_ptr(), "merge key '<<' is not allowed")
            self.add(value, line, plain_source=event.value if tag != _STR else None)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self.node_start(event, line)
            if len(self.stack) + 1 > self.limits.max_depth:
                raise self.stop(
                    "PI008", line, self.child_ptr(),
                    f"nesting deeper than {self.limits.max_depth} levels",
                )
            container: dict[str, Any] | list[Any] = {} if kind is yaml.MappingStartEvent else []
            ptr = self.add(container, line)
            self.stack.append(_Frame(container, ptr))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self.stack.pop()
        elif kind is yaml.AliasEvent:
            raise self.stop(
                "PI005", line, self.child_ptr(), f"alias '*{event.anchor}' is not allowed"
            )
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise self.stop(
                    "PI012", line, "", "a second YAML document starts here; one is allowed"
                )

    def node_start(self, event: Any, line: int) -> None:
        if event.anchor is not None:
            raise self.stop(
                "PI005", line, self.child_ptr(), f"anchor '&{event.anchor}' is not allowed"
            )
        if event.tag is not None:
            raise self.stop("PI007", line, self.child_ptr(), f"tag '{event.tag}' is not allowed")
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self.stop(
                "PI009", line, self.child_ptr(), f"more than {self.limits.max_nodes} YAML nodes"
            )

    def check_escapes(self, event: Any, line: int) -> None:
        """A quoted scalar's escapes ("\\u202e", "\\0") cannot write a refused character."""
        bad = _CONTROL.search(event.value)
        if bad:
            start = event.start_mark.index if event.start_mark is not None else 0
            offset = len(self.text[:start].encode("utf-8"))
            raise self.stop(
                "PI003", line, self.child_ptr(),
                f"{_character(bad.group())} written as an escape in the scalar at byte offset "
                f"{offset}",
            )

    def child_ptr(self) -> str:
        """Pointer of the node about to be added (best effort, for messages)."""
        if not self.stack:
            return ""
        top = self.stack[-1]
        if isinstance(top.container, list):
            return f"{top.ptr}/{len(top.container)}"
        if isinstance(top.key, str):
            return top.key_ptr
        return top.ptr

    def add(self, value: Any, line: int, plain_source: str | None = None) -> str:
        if not self.stack:
            self.root, self.has_root, self.root_line = value, True, line
            return ""
        top = self.stack[-1]
        container = top.container
        if isinstance(container, list):
            ptr = f"{top.ptr}/{len(container)}"
            container.append(value)
            self.lines[ptr] = line
        elif top.key is None:
            return self.add_key(top, value, line)
        else:
            key, ptr = top.key, top.key_ptr
            top.key = None
            if isinstance(key, _Skip):
                return ptr + "/-"  # dropped: the value belongs to a rejected key
            container[key] = value
        if plain_source is not None:
            self.plain_text[ptr] = plain_source
        return ptr

    def add_key(self, top: _Frame, key: Any, line: int) -> str:
        if isinstance(key, dict | list):
            raise self.stop("PI011", line, top.ptr, "a mapping key must be a plain string")
        if not isinstance(key, str):
            self.problems.append(diagnostic(
                "PI011", self.file, line, top.ptr,
                f"key {key!r} is read as {type(key).__name__}, not as a string",
                "quote the key",
            ))
            top.key, top.key_ptr = _SKIP, top.ptr
            return top.ptr
        ptr = f"{top.ptr}/{escape_pointer_token(key)}"
        if key in top.key_lines:
            self.problems.append(diagnostic(
                "PI010", self.file, line, ptr,
                f"key '{key}' on line {line} repeats the key on line {top.key_lines[key]}",
            ))
            top.key, top.key_ptr = _SKIP, ptr
            return ptr
        top.key_lines[key] = line
        self.lines[ptr] = line
        top.key, top.key_ptr = key, ptr
        return ptr


def load(data: bytes, file: str, limits: Limits = Limits()) -> LoadResult:
    """Load one manifest. Never raises for bad input: problems come back as diagnostics."""
    try:
        text = _check_bytes(data, file, limits)
        builder = _Builder(file, limits, text)
        events = yaml.parse(text, Loader=_Loader)
        try:
            builder.run(events)
        finally:
            events.close()  # type: ignore[attr-defined]
    except _Stop as stop:
        return LoadResult(None, (stop.diag,))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if "maximum nesting depth" in problem:  # libyaml >= 0.2.6 has a cap of its own
            return LoadResult(None, (diagnostic(
                "PI008", file, line, "", f"nesting deeper than {limits.max_depth} levels"),))
        return LoadResult(None, (diagnostic("PI004", file, line, "", problem or str(exc)),))
    except yaml.YAMLError as exc:
        return LoadResult(None, (diagnostic("PI004", file, 1, "", str(exc)),))
    problems = list(builder.problems)
    if builder.documents == 0:
        problems.append(diagnostic("PI012", file, 1, "", "the file holds no YAML document"))
        return LoadResult(None, tuple(problems))
    if not isinstance(builder.root, dict):
        kind = "nothing" if builder.root is None else type(builder.root).__name__
        problems.append(diagnostic(
            "PI013", file, builder.root_line, "", f"the document is {kind}, not a mapping"
        ))
        return LoadResult(None, tuple(problems))
    document = Document(builder.root, builder.lines, builder.plain_text)
    return LoadResult(document, tuple(problems))
