"""Permission inference from the syntax tree: one example file per case, its expected uses in
its first line ('# expect: use, use')."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from plugindex.scanners.permissions import USES, decode_source, detect, detect_file, is_test_file
from tests.conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "permissions"
CASES = sorted(DATA.glob("*/*.py"))


def expected(path: Path) -> set[str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect:"), path
    return {u.strip() for u in first.removeprefix("# expect:").split(",") if u.strip()}


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_detected_uses(path: Path) -> None:
    found = detect_file(path.name, path.read_text()) or []
    assert {e.use for e in found} == expected(path)
    assert all(e.line >= 1 and e.file == path.name for e in found)


def test_every_use_has_an_example() -> None:
    assert {u for p in CASES for u in expected(p)} == set(USES)


def test_invalid_python_is_not_analysed() -> None:
    assert detect_file("x.py", "def f(:\n") is None
    assert detect_file("deep.py", "x = " + "(" * 200_000 + ")" * 200_000) is None


@pytest.mark.parametrize("path", ["tests/test_x.py", "pkg/tests/helpers.py", "conftest.py",
                                  "test_mod.py", "mod_test.py", "docs/conf.py"])
def test_test_and_docs_files_are_left_out(path: str) -> None:
    assert is_test_file(path)
    found = detect([(path, b"import socket\n")])
    assert (found.uses, found.skips, found.analysed) == ({}, (), ())


def test_evidence_is_capped_and_sorted() -> None:
    text = "import os\n" + "os.environ['A']\n" * 50
    found = detect([("m.py", text.encode())]).uses
    assert len(found["environment"]) == 20
    assert [e.line for e in found["environment"]] == sorted(e.line for e in found["environment"])


@pytest.mark.parametrize(("data", "text"), [
    (b"x = 1\n", "x = 1\n"),
    (b"\xef\xbb\xbfx = 1\n", "x = 1\n"),  # a UTF-8 BOM is not part of the text
    (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "# -*- coding: latin-1 -*-\nx = '\u00e9'\n"),
    (b"#!/usr/bin/python\n# coding: utf-7\n+AAo-x", "#!/usr/bin/python\n# coding: utf-7\n\nx"),
])
def test_files_are_decoded_as_python_decodes_them(data: bytes, text: str) -> None:
    assert decode_source(data) == text


@pytest.mark.parametrize("data", [
    b"x = '\xff'\n",  # not UTF-8 and no cookie
    b"# coding: no-such-codec\nx = 1\n",
    b"# coding: rot13\nx = 1\n",  # a codec, but not a text encoding
])
def test_undecodable_files_are_skipped_with_a_reason(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        decode_source(data)
    found = detect([("m.py", data)])
    assert [f for f, _ in found.skips] == ["m.py"]
    assert found.analysed == ()


@pytest.mark.parametrize(("importer", "statement", "target"), [
    ("pkg/core.py", "from pkg.tests import helpers", "pkg/tests/helpers.py"),
    ("pkg/core.py", "from .tests import helpers", "pkg/tests/helpers.py"),
    ("pkg/sub/core.py", "from ..tests.helpers import run", "pkg/tests/helpers.py"),
    ("pkg/core.py", "import pkg.tests.helpers as h", "pkg/tests/helpers.py"),
    ("src/pkg/core.py", "from pkg.tests import helpers", "src/pkg/tests/helpers.py"),
    ("pkg/core.py", "from pkg.tests import *", "pkg/tests/helpers.py"),
    ("pkg/core.py", "import importlib\nimportlib.import_module('pkg.tests.helpers')",
     "pkg/tests/helpers.py"),
    ("core.py", "import docs.conf", "docs/conf.py"),
    ("core.py", "import helpers_test", "helpers_test.py"),
])
def test_test_files_the_plugin_imports_are_analysed(importer: str, statement: str,
                                                     target: str) -> None:
    package = target.rsplit("/", 1)[0] if "/" in target else ""
    files = {importer: statement.encode() + b"\n", target: b"import subprocess\n"}
    if package:
        files[f"{package}/__init__.py"] = b""
    files.setdefault("pkg/__init__.py", b"")
    found = detect(files.items())
    assert target in found.analysed
    assert [e.file for e in found.uses["subprocess"]] == [target]


def test_imports_are_followed_transitively_and_unimported_tests_stay_out() -> None:
    found = detect([
        ("pkg/__init__.py", b"from . import core\n"),
        ("pkg/core.py", b"from .tests import a\n"),
        ("pkg/tests/__init__.py", b""),
        ("pkg/tests/a.py", b"from . import b\n"),
        ("pkg/tests/b.py", b"import socket\n"),
        ("pkg/tests/test_unused.py", b"import ctypes\n"),
    ])
    assert set(found.uses) == {"network"}
    assert "pkg/tests/test_unused.py" not in found.analysed


@pytest.mark.parametrize(("data", "reason"), [
    (b"#" * (2 * 1024 * 1024 + 1), "larger"),
    pytest.param(b"type X = int\n", "not valid Python",  # syntax newer than the interpreter
                 marks=pytest.mark.skipif(sys.version_info >= (3, 12), reason="valid from 3.12")),
    (b"x = " + b"(" * 100_000 + b")" * 100_000 + b"\n", "nested|not valid"),
])
def test_files_that_cannot_be_analysed_are_skips(data: bytes, reason: str) -> None:
    found = detect([("m.py", data)])
    assert [f for f, _ in found.skips] == ["m.py"]
    assert re.search(reason, found.skips[0][1])
