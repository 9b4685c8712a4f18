"""Permission inference from the syntax tree: one example file per case, its expected uses in
its first line ('# expect: use, use')."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugindex.permissions import USES, detect, detect_file, is_test_file

DATA = Path(__file__).parent / "data" / "permissions"
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
    assert detect([(path, "import socket\n")]) == {}


def test_evidence_is_capped_and_sorted() -> None:
    text = "import os\n" + "os.environ['A']\n" * 50
    found = detect([("m.py", text)])
    assert len(found["environment"]) == 20
    assert [e.line for e in found["environment"]] == sorted(e.line for e in found["environment"])
