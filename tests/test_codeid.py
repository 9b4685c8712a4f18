"""The build cache is keyed by the code's identity: a change of any module moves it."""

from __future__ import annotations

import re
from pathlib import Path

from plugindex import __version__
from plugindex.codeid import code_identity, modules_digest


def test_the_identity_is_the_version_and_a_digest_of_the_modules() -> None:
    identity = code_identity()
    assert re.fullmatch(rf"{re.escape(__version__)}\+[0-9a-f]{{16}}", identity)
    assert identity.endswith(modules_digest(Path(__file__).parents[1] / "tools" / "plugindex"))


def test_any_module_change_moves_the_digest(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_text("A = 1\n")
    (tmp_path / "sub" / "b.py").write_text("B = 1\n")
    (tmp_path / "notes.txt").write_text("not a module\n")
    first = modules_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("changed, but not a module\n")
    assert modules_digest(tmp_path) == first
    (tmp_path / "sub" / "b.py").write_text("B = 2\n")
    changed = modules_digest(tmp_path)
    assert changed != first
    (tmp_path / "sub" / "b.py").rename(tmp_path / "b.py")
    assert modules_digest(tmp_path) not in (first, changed)  # a move is a change
