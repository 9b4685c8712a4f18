"""Unit tests of the strict YAML loader (plugindex.manifests.yamlsafe.load)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plugindex.diagnostics import Diagnostic
from plugindex.manifests.yamlsafe import Document, Limits, LoadResult, load
from plugindex.rules import CATALOG

FILE = "submissions/example/1.0.0.yaml"
DEFAULT = Limits()


def ok(data: bytes | str, limits: Limits = DEFAULT) -> Document:
    raw = data.encode() if isinstance(data, str) else data
    result = load(raw, FILE, limits)
    assert result.diagnostics == ()
    assert result.document is not None
    return result.document


def problems(data: bytes | str, limits: Limits = DEFAULT) -> LoadResult:
    raw = data.encode() if isinstance(data, str) else data
    result = load(raw, FILE, limits)
    assert result.diagnostics
    for d in result.diagnostics:
        assert d.file == FILE
        assert d.line >= 1
        assert d.rule in CATALOG
        assert d.is_error
    return result


def only(data: bytes | str, limits: Limits = DEFAULT) -> Diagnostic:
    """The one diagnostic of a file that is refused outright."""
    result = problems(data, limits)
    assert result.document is None
    (diag,) = result.diagnostics
    return diag


# -- line numbers ---------------------------------------------------------------------------------

NESTED = """\
schema: 1
source:
  git: https://github.com/a/b

  commit: abc
requires:
  packages:
    - foo
    # a comment
    - bar
  plugins: {x: "", y: ">=1"}
maintainers:
  - github: alice
    name: Alice
  -
    github: bob
"""


def test_lines_of_nested_fields() -> None:
    doc = ok(NESTED)
    assert dict(doc.lines) == {
        "": 1,
        "/schema": 1,
        "/source": 2,
        "/source/git": 3,
        "/source/commit": 5,
        "/requires": 6,
        "/requires/packages": 7,
        "/requires/packages/0": 8,
        "/requires/packages/1": 10,
        "/requires/plugins": 11,
        "/requires/plugins/x": 11,
        "/requires/plugins/y": 11,
        "/maintainers": 12,
        "/maintainers/0": 13,
        "/maintainers/0/github": 13,
        "/maintainers/0/name": 14,
        "/maintainers/1": 16,
        "/maintainers/1/github": 16,
    }


@pytest.mark.parametrize(("ptr", "line"), [
    ("", 1),
    ("/source/commit", 5),
    ("/requires/packages/1", 10),
    ("/maintainers/1/github", 16),
    # Fields that do not exist fall back to their nearest ancestor that does.
    ("/source/sha256", 2),
    ("/requires/packages/7", 7),
    ("/requires/plugins/z/deeper", 11),
    ("/maintainers/0/email", 13),
    ("/nowhere", 1),
    ("/nowhere/at/all", 1),
])
def test_line_of(ptr: str, line: int) -> None:
    assert ok(NESTED).line_of(ptr) == line


def test_line_of_escaped_keys() -> None:
    doc = ok("a/b: 1\nc~d:\n  e: 2\n")
    assert doc.data == {"a/b": 1, "c~d": {"e": 2}}
    assert doc.line_of("/a~1b") == 1
    assert doc.line_of("/c~0d/e") == 3
    assert doc.line_of("/c~0d/missing") == 2


def test_lines_with_leading_comments_and_document_marker() -> None:
    doc = ok("# header\n\n---\nname: x\nversion: y\n")
    assert doc.line_of("/name") == 4
    assert doc.line_of("/version") == 5


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_lines_with_either_line_ending(newline: str) -> None:
    doc = ok(newline.join(["a: 1", "b:", "  - x", "  - y", ""]))
    assert (doc.line_of("/a"), doc.line_of("/b"), doc.line_of("/b/1")) == (1, 2, 4)


def test_flow_style() -> None:
    doc = ok('{"a": 1, "b": [x, "y", {c: d}],\n "e": {f: [1.10]}}\n')
    assert doc.data == {"a": 1, "b": ["x", "y", {"c": "d"}], "e": {"f": [1.1]}}
    assert doc.line_of("/b/2/c") == 1
    assert doc.line_of("/e/f/0") == 2
    assert dict(doc.plain_text) == {"/a": "1", "/e/f/0": "1.10"}


def test_block_scalars_keep_their_lines() -> None:
    doc = ok("a: |\n  one\n  two\nb: >-\n  folded\n  text\nc: end\n")
    assert doc.data == {"a": "one\ntwo\n", "b": "folded text", "c": "end"}
    assert (doc.line_of("/a"), doc.line_of("/b"), doc.line_of("/c")) == (1, 4, 7)
    assert doc.plain_text == {}


# -- YAML 1.1 typing ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("1.10", 1.1),
    ("0123456", 0o123456),
    ("0x1F", 31),
    ("1_000", 1000),
    ("190:20:30", 685230),
    ("NO", False),
    ("yes", True),
    ("off", False),
    ("~", None),
    ("null", None),
    ("2024-01-01", datetime.date(2024, 1, 1)),
    (".inf", float("inf")),
])
def test_plain_text_recorded_for_typed_scalars(text: str, value: Any) -> None:
    doc = ok(f"v: {text}\nlist: [{text}]\n")
    assert doc.data["v"] == value
    assert type(doc.data["v"]) is type(value)
    assert doc.data["list"] == [value]
    assert dict(doc.plain_text) == {"/v": text, "/list/0": text}


@pytest.mark.parametrize("text", [
    '"1.10"', "'0123456'", '"NO"', "'2024-01-01'", '"~"', "|\n  1.10\n", ">\n  yes\n",
])
def test_quoted_and_block_scalars_stay_strings(text: str) -> None:
    doc = ok(f"v: {text}\n")
    assert isinstance(doc.data["v"], str)
    assert doc.plain_text == {}


@pytest.mark.parametrize("text", ["1.0.0", "1e3", "0o17", "v1.10", "hello world", "1.0.0-rc.1"])
def test_plain_strings_are_not_recorded(text: str) -> None:
    doc = ok(f"v: {text}\n")
    assert doc.data["v"] == text
    assert doc.plain_text == {}


def test_datetime_is_typed() -> None:
    doc = ok("v: 2001-12-14t21:59:43.10-05:00\n")
    assert isinstance(doc.data["v"], datetime.datetime)
    assert doc.plain_text["/v"] == "2001-12-14t21:59:43.10-05:00"


@pytest.mark.parametrize("text", ["a:\n", "a: []\nb:\n", "a:\n  -\n  - x\n", "a: {b: }\n"])
def test_empty_plain_scalar_is_null(text: str) -> None:
    result = load(text.encode(), FILE)
    assert result.document is not None
    assert result.document.data == yaml.safe_load(text)


def test_empty_key_is_not_a_string() -> None:
    result = load(b"? \n: 1\n", FILE)
    assert [d.rule for d in result.diagnostics] == ["PI011"]


@pytest.mark.parametrize(("data", "rule", "line"), [
    (b"a: 1\rb: \xff\r", "PI002", 2),
    (b"a: 1\r\nb: 2\r\nc: \x00", "PI003", 3),
    ("a: 1\x85b: \u202e".encode(), "PI003", 2),  # NEL is a YAML line break
])
def test_byte_problems_count_lines_as_yaml_does(data: bytes, rule: str, line: int) -> None:
    diag = only(data)
    assert (diag.rule, diag.line) == (rule, line)


# -- limits ---------------------------------------------------------------------------------------


def test_max_bytes_is_inclusive() -> None:
    data = b"a: 1234\n"
    ok(data, Limits(max_bytes=len(data)))
    diag = only(data, Limits(max_bytes=len(data) - 1))
    assert (diag.rule, diag.line) == ("PI001", 1)


def test_size_is_checked_before_anything_else() -> None:
    # Invalid UTF-8, a NUL and an alias: only the size is reported.
    diag = only(b"\xff\x00 *a" * 100, Limits(max_bytes=10))
    assert diag.rule == "PI001"


@pytest.mark.parametrize(("depth", "text"), [
    (2, "a: [1]\n"),
    (3, "a: {b: [1]}\n"),
    (3, "a:\n  b:\n    - 1\n"),
    (20, "a: " + "[" * 19 + "]" * 19 + "\n"),
])
def test_max_depth_boundary(depth: int, text: str) -> None:
    ok(text, Limits(max_depth=depth))
    assert only(text, Limits(max_depth=depth - 1)).rule == "PI008"


def test_default_depth_is_20() -> None:
    ok("a: " + "[" * 19 + "]" * 19 + "\n")
    assert only("a: " + "[" * 20 + "]" * 20 + "\n").rule == "PI008"


def test_depth_diagnostic_names_the_place() -> None:
    diag = only("a: 1\nb:\n  c:\n    - [x]\n", Limits(max_depth=3))
    assert (diag.rule, diag.line, diag.pointer) == ("PI008", 4, "/b/c/0")


def test_max_nodes_boundary() -> None:
    text = "a: [1, 2]\n"  # mapping, 'a', sequence, 1, 2
    ok(text, Limits(max_nodes=5))
    diag = only(text, Limits(max_nodes=4))
    assert (diag.rule, diag.line) == ("PI009", 1)


def test_many_keys_hit_the_node_cap() -> None:
    text = "".join(f"k{i}: v\n" for i in range(3000))
    diag = only(text)
    assert diag.rule == "PI009"
    # Node 1 is the mapping; line k holds nodes 2k (key) and 2k + 1 (value): 5001 is on 2500.
    assert diag.line == 2500


@pytest.mark.parametrize("data", [
    b"[" * 25_000,
    b"a: " + b"[" * 25_000,
    b"- " * 25_000 + b"x\n",
    b"[" * 25_000 + b"]" * 25_000,
])
def test_deep_nesting_stops_at_the_cap(data: bytes) -> None:
    diag = only(data)
    assert (diag.rule, diag.line) == ("PI008", 1)
    # Stopped at the cap: the reported node is the first one too deep, not the innermost.
    assert diag.pointer.count("/") <= DEFAULT.max_depth + 1


def test_deep_flow_mappings_do_not_crash() -> None:
    # A mapping as a key is refused (PI011) before the depth cap is reached.
    diag = only(b"{" * 25_000)
    assert diag.rule in ("PI008", "PI011")


# -- anchors, aliases, merge keys, tags -----------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs() -> None:
    diag = only(BILLION_LAUGHS)  # refused at the first anchor, before any alias expands
    assert (diag.rule, diag.line, diag.pointer) == ("PI005", 1, "/a")


@pytest.mark.parametrize(("text", "line"), [
    ("a: &x 1\n", 1),  # an anchor on a scalar, never aliased
    ("a: 1\nb: &x [1]\n", 2),
    ("a: &x {b: 1}\n", 1),
    ("- &x item\n", 1),
    ("&x a: 1\n", 1),  # an anchor on a key
    ("a: 1\nb: *x\n", 2),  # an alias without an anchor
    ("? *x\n: 1\n", 1),
])
def test_anchors_and_aliases_are_refused(text: str, line: int) -> None:
    diag = only(text)
    assert (diag.rule, diag.line) == ("PI005", line)


@pytest.mark.parametrize(("text", "line", "ptr"), [
    ("<<: {a: 1}\n", 1, ""),
    ("x: 1\ny: {<<: {a: 1}, b: 2}\n", 2, "/y"),
    ("a:\n  - <<\n", 2, "/a/0"),
])
def test_merge_keys_are_refused(text: str, line: int, ptr: str) -> None:
    diag = only(text)
    assert (diag.rule, diag.line, diag.pointer) == ("PI006", line, ptr)


def test_quoted_merge_key_is_a_string() -> None:
    assert ok("'<<': 1\n\"=\": 2\n").data == {"<<": 1, "=": 2}


@pytest.mark.parametrize(("text", "line"), [
    ('a: !!python/object/apply:os.system ["true"]\n', 1),
    ("a: 1\nb: !!python/object/new:os.system [true]\n", 2),
    ("a: !!python/name:os.system\n", 1),
    ("a: !include other.yaml\n", 1),
    ("a: !!str 1\n", 1),
    ("a: !!int 1\n", 1),
    ("a: !!binary aGVsbG8=\n", 1),
    ("a: !<tag:yaml.org,2002:str> x\n", 1),
    ("a: ! x\n", 1),
    ("a: !!map {b: 1}\n", 1),
    ("a:\n  - !!seq [1]\n", 2),
    ("!!map\na: 1\n", 1),
    ("!!str a: 1\n", 1),
    ("%TAG !e! tag:example.com,2000:\n---\na: !e!foo 1\n", 3),
])
def test_explicit_tags_are_refused(text: str, line: int) -> None:
    diag = only(text)
    assert (diag.rule, diag.line) == ("PI007", line)


# -- documents and mappings -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line"), [
    ("a: 1\n---\nb: 2\n", 2),
    ("---\na: 1\n---\na: 1\n", 3),
    ("a: 1\n...\n---\nb: 1\n", 3),
    ("a: 1\n--- # again\n", 2),
])
def test_multiple_documents(text: str, line: int) -> None:
    diag = only(text)
    assert (diag.rule, diag.line) == ("PI012", line)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "  \n# x\n"])
def test_no_document(text: str) -> None:
    diag = only(text)
    assert (diag.rule, diag.line) == ("PI012", 1)


@pytest.mark.parametrize(("text", "line"), [
    ("- a\n- b\n", 1),
    ("# comment\n\n- a\n", 3),
    ("just a string\n", 1),
    ("42\n", 1),
    ("~\n", 1),
    ("[a, b]\n", 1),
])
def test_document_must_be_a_mapping(text: str, line: int) -> None:
    diag = only(text)
    assert (diag.rule, diag.line) == ("PI013", line)


def test_end_marker_alone_is_fine() -> None:
    assert ok("a: 1\n...\n").data == {"a": 1}


# -- keys -----------------------------------------------------------------------------------------


def test_duplicate_key_names_both_lines() -> None:
    result = problems("a: 1\nb: 2\na: 3\n")
    assert result.document is not None
    (diag,) = result.diagnostics
    assert (diag.rule, diag.line, diag.pointer) == ("PI010", 3, "/a")
    # The first value is kept, so what a reviewer reads first is what is checked.
    assert result.document.data == {"a": 1, "b": 2}
    assert result.document.line_of("/a") == 1


def test_every_repeated_key_is_reported() -> None:
    result = problems("x:\n  a: 1\n  a: 2\ny: 1\ny: 2\ny: 3\n")
    found = [(d.rule, d.line, d.pointer) for d in result.diagnostics]
    assert sorted(found) == [("PI010", 3, "/x/a"), ("PI010", 5, "/y"), ("PI010", 6, "/y")]


def test_dropped_values_are_still_checked() -> None:
    result = problems("y: 1\ny: {a: 1,\n  a: 2}\n")
    assert [(d.rule, d.line) for d in result.diagnostics] == [("PI010", 2), ("PI010", 3)]
    assert only("y: 1\ny: [&x 1]\n").rule == "PI005"


def test_quoting_does_not_make_a_key_different() -> None:
    (diag,) = problems("a: 1\n'a': 2\n\"a\": 3\n").diagnostics[:1]
    assert (diag.rule, diag.line) == ("PI010", 2)


@pytest.mark.parametrize(("text", "line"), [
    ("1: one\n", 1),
    ("a: x\n1.0: y\n", 2),
    ("true: y\n", 1),
    ("~: n\n", 1),
    ("2024-01-01: d\n", 1),
    ("a: {1: x}\n", 1),
])
def test_non_string_keys(text: str, line: int) -> None:
    result = problems(text)
    (diag,) = result.diagnostics
    assert (diag.rule, diag.line) == ("PI011", line)
    # The key and its value are dropped; loading goes on.
    assert result.document is not None


def test_keys_that_collapse_in_python_are_each_reported() -> None:
    result = problems("1: a\n1.0: b\ntrue: c\nname: x\n")
    assert [(d.rule, d.line) for d in result.diagnostics] == [
        ("PI011", 1), ("PI011", 2), ("PI011", 3)]
    assert result.document is not None
    assert result.document.data == {"name": "x"}


@pytest.mark.parametrize("text", ["? [a, b]\n: 1\n", "? {a: 1}\n: 1\n", "a: 1\n? - x\n: 2\n"])
def test_collection_keys_are_refused(text: str) -> None:
    assert only(text).rule == "PI011"


def test_quoted_number_key_is_a_string() -> None:
    assert ok("'1': a\n\"true\": b\n").data == {"1": "a", "true": "b"}


# -- bytes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbfa: 1\n",
    "a: 1\n".encode("utf-16"),
    b"\xfe\xff" + "a: 1\n".encode("utf-16-be"),
    "a: 1\n".encode("utf-32"),
])
def test_byte_order_marks_are_refused(data: bytes) -> None:
    diag = only(data)
    assert (diag.rule, diag.line) == ("PI002", 1)


@pytest.mark.parametrize(("data", "line"), [
    (b"a: \xff\n", 1),
    (b"a: 1\nb: caf\xe9\n", 2),
    (b"a: 1\nb: 2\nc: \xc3(\n", 3),
    (b"a: \xed\xa0\x80\n", 1),  # an encoded surrogate
    (b"a: \xc0\xaf\n", 1),  # an overlong '/'
])
def test_invalid_utf8_names_the_line(data: bytes, line: int) -> None:
    diag = only(data)
    assert (diag.rule, diag.line) == ("PI002", line)


@pytest.mark.parametrize(("text", "line"), [
    ("a: \x00\n", 1),
    ("a: 1\nb: x\x00y\n", 2),
    ("a: \x07\n", 1),
    ("a: \x1b[0m\n", 1),
    ("a: \x7f\n", 1),
    ("a: \x9b\n", 1),
    ("a: 1\n\nb: ab\u202ecd\n", 3),
    ("a: \u2066x\u2069\n", 1),
    ("a: x\ufeff\n", 1),
])
def test_control_characters_are_refused(text: str, line: int) -> None:
    diag = only(text.encode())
    assert (diag.rule, diag.line) == ("PI003", line)


@pytest.mark.parametrize("text", ["a: 'x\ty'\n", "a: 1\r\nb: 2\r\n", "a: caf\u00e9 \u2603\n"])
def test_allowed_characters(text: str) -> None:
    ok(text)


# Invisible characters: each class, with the byte offset of the first one.
INVISIBLE = [
    "\u200b", "\u200c", "\u200d",  # zero-width space, non-joiner, joiner
    "\u200e", "\u200f", "\u061c",  # LRM, RLM, ALM
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u2060", "\u2061", "\u2062", "\u2063", "\u2064",  # word joiner, invisible operators
    "\u180e",  # Mongolian vowel separator
    "\U000e0001", "\U000e0020", "\U000e0041", "\U000e007f",  # Unicode tag characters
    "\u2028", "\u2029",  # line and paragraph separators
]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_are_refused_with_their_byte_offset(char: str) -> None:
    text = f"name: example\nsummary: caf\u00e9 x{char}y\n"
    offset = len(text[: text.index(char)].encode())
    diag = only(text.encode())
    assert (diag.rule, diag.line) == ("PI003", 2)
    assert f"byte offset {offset}" in diag.message


@pytest.mark.parametrize("char", [*INVISIBLE, "\x00", "\x1b", "\x9b", "\ufeff"],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_escapes_cannot_write_a_refused_character(char: str) -> None:
    """A double-quoted scalar's escape writes the character without holding it in the
    bytes: it is refused like the character itself, in values and in keys."""
    escape = f"\\U{ord(char):08x}"
    diag = only(f'name: example\ndescription: "a{escape}b"\n')
    assert (diag.rule, diag.line, diag.pointer) == ("PI003", 2, "/description")
    assert "byte offset 27" in diag.message  # where the scalar starts
    assert only(f'"k{escape}": 1\n').rule == "PI003"


def test_escaped_ordinary_characters_are_allowed() -> None:
    doc = ok('a: "tab\\there, line\\nbreak, caf\\u00e9, \\U0001F600"\n')
    assert doc.data["a"] == "tab\there, line\nbreak, caf\u00e9, \U0001f600"


def test_a_zero_width_joiner_is_refused_even_inside_an_emoji() -> None:
    """The price of refusing U+200D: emoji sequences joined by it must be written apart."""
    assert only("a: \U0001f468\u200d\U0001f4bb\n").rule == "PI003"


def test_syntax_error_line() -> None:
    diag = only('a: 1\nb: "open\nc: 2\n\n')
    assert diag.rule == "PI004"
    diag = only("a: 1\nb: 2\n  c: 3\n")
    assert (diag.rule, diag.line) == ("PI004", 3)


# -- properties -----------------------------------------------------------------------------------


def check_never_raises(data: bytes) -> None:
    result = load(data, FILE)
    assert result.document is not None or result.diagnostics
    if result.document is not None:
        assert isinstance(result.document.data, dict)
    for d in result.diagnostics:
        assert d.rule in CATALOG
        assert d.file == FILE
        assert d.line >= 1


YAMLISH = st.text(alphabet=st.sampled_from(list("ab1.:-[]{},&*!<>?|'\"#%@` \n\t~\x00\u202e")))


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.text())
def test_load_never_raises_on_text(text: str) -> None:
    check_never_raises(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.binary())
def test_load_never_raises_on_bytes(data: bytes) -> None:
    check_never_raises(data)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(YAMLISH)
def test_load_never_raises_on_yaml_like_text(text: str) -> None:
    check_never_raises(text.encode())


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.dictionaries(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf")), min_size=1),
    st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf"))),
              st.integers(), st.booleans(), st.none()),
    min_size=1,
))
def test_round_trip_of_plain_data(data: dict[str, Any]) -> None:
    """What yaml.safe_dump writes, load reads back (dumped keys are quoted when ambiguous)."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=True)
    doc = ok(text)
    assert doc.data == data
