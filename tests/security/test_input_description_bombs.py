"""Attack: a legal description (under the schema's 20,000 characters) that the Markdown renderer
cannot handle.

With Python-Markdown, '1. ' repeated 6,000 times (18 KB) died with RecursionError, so
`plugindex site` built nothing, and '![' repeated 9,900 times took about half a minute. A
description is now rendered under a budget (size, nesting, time); over it, the description is
shown as escaped plain text with a note. Never a failed build.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.site.pages import DESCRIPTION_CHARS, description_html
from tests.conftest import VALID_MANIFEST, GitRegistry

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"ordered-list-18kb": ("1. ", 6000), "image-openers-20kb": ("![", 9900)}
BOMBS = {name: unit * n for name, (unit, n) in UNITS.items()}
PLAIN = 'class="pi-plain"'


@pytest.mark.parametrize(("unit", "n"), UNITS.values(), ids=UNITS.keys())
def test_a_bomb_renders_in_well_under_a_few_seconds(unit: str, n: int) -> None:
    start = time.monotonic()
    out = description_html(unit * n)
    assert time.monotonic() - start < 3
    assert out.count(unit.strip()) == n  # shown whole: nothing silently dropped


def test_nesting_past_the_budget_is_plain_text_not_truncated() -> None:
    for text in ("1. " * 6000 + "end", "> " * 100 + "end", "- " * 200 + "end"):
        out = description_html(text)
        assert PLAIN in out
        assert out.rstrip().endswith("end</pre>")


def test_moderate_nesting_keeps_its_markdown() -> None:
    out = description_html("- a\n  - b\n    1. c\n\n> quoted\n> > twice\n")
    assert PLAIN not in out
    assert out.count("<ul>") == 2
    assert "<ol>" in out
    assert out.count("<blockquote>") == 2


def test_a_render_over_the_time_budget_is_plain_text() -> None:
    start = time.monotonic()
    out = description_html("![" * 9900 + "<script>x</script>", seconds=0.01)
    assert time.monotonic() - start < 1  # stopped at the deadline, not run to the end
    assert PLAIN in out
    assert "&lt;script&gt;" in out
    assert "<script>" not in out


def test_a_description_over_the_size_budget_is_plain_text() -> None:
    text = "**bold** <script>alert(1)</script> " + "x" * DESCRIPTION_CHARS
    out = description_html(text)
    assert PLAIN in out
    assert "<strong>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert description_html("**bold**") == "<p><strong>bold</strong></p>\n"


def test_the_site_builds_with_bomb_descriptions(git_registry: GitRegistry, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    for name, text in zip(("nested-bomb", "image-bomb"), BOMBS.values(), strict=True):
        manifest = VALID_MANIFEST.format(name=name, version="1.0.0")
        reg.add_plugin(name, "1.0.0", manifest + f"description: {json.dumps(text)}\n")
    for part in ("mkdocs.yml", "site", "tools/site_gen.py"):
        source, target = ROOT / part, reg.root / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    reg.commit("two plugins whose descriptions blew up Python-Markdown")
    assert main(["build", "--root", str(reg.root)]) == 0, capsys.readouterr().err
    out = tmp_path / "site"
    start = time.monotonic()
    assert main(["site", "--output", str(out), "--root", str(reg.root)]) == 0
    assert time.monotonic() - start < 60
    nested = (out / "plugins" / "nested-bomb" / "index.html").read_text(encoding="utf-8")
    assert PLAIN in nested
    assert nested.count("1. ") >= 6000
    image = (out / "plugins" / "image-bomb" / "index.html").read_text(encoding="utf-8")
    assert image.count("![") >= 9900
