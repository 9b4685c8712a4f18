"""The marketplace site: pages generated from index/v1, escaping of everything a manifest
says, the browse data, and a real MkDocs build (reproducible, no request to another host)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.site.charts import dependency_graph, stats
from plugindex.site.pages import BROWSE_DATA, SiteData, browse_data, description_html, load, pages
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def data() -> SiteData:
    return load(INDEX)


def hostile(data: SiteData) -> SiteData:
    """The default registry with one plugin whose manifest tries every injection."""
    index = json.loads(json.dumps(data.index))
    entry = index["plugins"][0]
    name = entry["name"]
    detail = json.loads(json.dumps(data.plugins[name]))
    entry["summary"] = f"Summary {HOSTILE} *bold* [link](javascript:alert(1))"
    entry["tags"] = [*entry["tags"], "<b onmouseover=alert(1)>"]
    entry["urls"] = {"homepage": "javascript:alert(1)", "issues": "https://example.org/i"}
    latest = next(v for v in detail["versions"] if v["version"] == detail["latest"])
    latest["manifest"]["description"] = (
        f"Intro {HOSTILE}\n\n[click](javascript:alert(1)) <a href='javascript:x'>a</a> "
        "<iframe src=https://evil.example></iframe>\n\n- item `code`\n")
    latest["manifest"]["maintainers"] = [{"github": "x\" onclick=\"alert(1)", "name": HOSTILE}]
    return SiteData(index, {**data.plugins, name: detail}, data.related, data.contributors,
                    data.levels)


def test_every_plugin_and_listing_has_a_page(data: SiteData) -> None:
    generated = pages(data)
    names = {e["name"] for e in data.index["plugins"]}
    assert {p for p in generated if p.startswith("plugins/")} == {f"plugins/{n}.md" for n in names}
    assert {"index.md", "browse.md", "categories.md", "tags.md", "contributors.md"} <= set(
        generated)
    page = generated["plugins/auth-jwt.md"]
    for section in ("Install", "Description", "Versions", "Security", "Score", "Related"):
        assert f"<h2>{section}" in page
    for other in data.related["auth-jwt"]:
        assert f'href="../{other}/"' in page
    people = {c["login"]: c for c in data.contributors if c["login"]}
    assert f'{people["priya-raman"]["level"]} · {people["priya-raman"]["points"]} points' in page
    assert "Permissions declared" in page
    contributors = generated["contributors.md"]
    for level in data.levels:
        assert f"<td>{level['name']}</td>" in contributors
    assert 'href="../browse/?category=monitoring"' in generated["categories.md"]


def test_nothing_a_manifest_says_reaches_the_html_as_markup(data: SiteData) -> None:
    bad = hostile(data)
    name = bad.index["plugins"][0]["name"]
    for text in (pages(bad)[f"plugins/{name}.md"], pages(bad)["index.md"],
                 pages(bad)["categories.md"], pages(bad)["tags.md"]):
        assert unsafe(text) == []
    page = pages(bad)[f"plugins/{name}.md"]
    assert "&lt;script&gt;" in page  # shown as text
    assert 'href="javascript' not in page


class _Markup(HTMLParser):
    """Every tag and attribute of a document, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(k, v or "") for k, v in attrs]


def unsafe(text: str) -> list[str]:
    """Script elements, frames, event handlers and javascript: URLs in HTML."""
    parser = _Markup()
    parser.feed(text)
    found = [t for t in parser.tags if t in ("script", "iframe", "object", "embed")]
    found += [k for k, _ in parser.attributes if k.startswith("on")]
    found += [v for k, v in parser.attributes
              if k in ("href", "src") and v.strip().lower().startswith("javascript:")]
    return found


def test_descriptions_keep_their_markdown() -> None:
    out = description_html("**Bold**, `code`, a [link](https://example.org) and\n\n- a list\n")
    assert "<strong>Bold</strong>" in out
    assert "<code>code</code>" in out
    assert '<a href="https://example.org" rel="nofollow noopener">link</a>' in out
    assert "<li>a list</li>" in out


def test_descriptions_keep_tables_and_fenced_code() -> None:
    out = description_html("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nx = '<b>'\n```\n")
    assert '<th align="left">a</th>' in out
    assert '<td align="right">2</td>' in out
    assert "<pre><code>x = '&lt;b&gt;'\n</code></pre>" in out


def test_browse_data_is_small_and_complete(data: SiteData) -> None:
    doc = json.loads(browse_data(data))
    assert [row[0] for row in doc["plugins"]] == [e["name"] for e in data.index["plugins"]]
    assert set(doc["fields"]) >= {"name", "category", "tags", "capabilities", "score", "host"}
    assert len(browse_data(data)) < 300 * len(doc["plugins"])


def _project(tmp_path: Path, index: Path) -> Path:
    """A copy of what the site build reads: mkdocs.yml, site/, tools/site_gen.py, an index."""
    root = tmp_path / "project"
    (root / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", root)
    shutil.copytree(ROOT / "site", root / "site")
    shutil.copy(ROOT / "tools" / "site_gen.py", root / "tools")
    shutil.copytree(index, root / "index" / "v1")
    return root


def _mkdocs(root: Path, out: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "NO_MKDOCS_2_WARNING": "1",
           "DISABLE_MKDOCS_2_WARNING": "true"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"),
                    "-d", str(out)], cwd=root, env=env, check=True, capture_output=True)


def test_the_default_registry_builds_reproducibly_and_offline(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]
                                                              ) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["site", "--output", str(first), "--root", str(ROOT)]) == 0
    assert main(["site", "--output", str(second), "--root", str(ROOT)]) == 0
    capsys.readouterr()
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert (first / "plugins" / "auth-jwt" / "index.html").is_file()
    assert (first / BROWSE_DATA).is_file()
    for page in first.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for ref in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', text):
            assert not re.match(r"^(https?:)?//", ref), (page, ref)  # nothing from elsewhere


def hostile_site(tmp_path: Path) -> tuple[Path, str]:
    """The default registry's site built with ``hostile``'s plugin: (site, plugin name)."""
    bad = hostile(load(INDEX))
    index = tmp_path / "index"
    shutil.copytree(INDEX, index)
    (index / "index.json").write_text(json.dumps(bad.index), encoding="utf-8")
    name = bad.index["plugins"][0]["name"]
    (index / "plugins" / f"{name}.json").write_text(json.dumps(bad.plugins[name]),
                                                    encoding="utf-8")
    out = tmp_path / "out"
    _mkdocs(_project(tmp_path, index), out)
    return out, name


def test_a_hostile_manifest_renders_as_text_in_the_built_site(tmp_path: Path) -> None:
    out, name = hostile_site(tmp_path)
    page = (out / "plugins" / name / "index.html").read_text(encoding="utf-8")
    main_part = page[page.index('<article'):page.index('</article>')]
    assert unsafe(main_part) == []
    assert "&lt;script&gt;" in main_part
    assert unsafe('<a href="javascript:x" onclick="y">') == ["onclick", "javascript:x"]


def test_site_needs_a_built_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "registry.yaml").write_text("schema: 1\n")
    assert main(["site", "--root", str(tmp_path)]) == 2
    assert "plugindex build" in capsys.readouterr().err


def test_the_dependency_graph_draws_the_resolved_closure(data: SiteData) -> None:
    install = data.plugins["rag-pipeline"]["install"]
    svg = dependency_graph(install)
    for step in install["plan"]:
        assert f'{step["name"]} {step["version"]}</text>' in svg
    assert svg.count("<line ") == len(install["edges"])
    assert unsafe(svg) == []
    assert dependency_graph({"plan": [{"name": "solo", "version": "1.0.0"}]}) == ""
    evil = dependency_graph({"plan": [{"name": "a", "version": "1"},
                                      {"name": "<script>", "version": "2"}],
                             "edges": [["<script>", "a"]]})
    assert "&lt;script&gt;" in evil
    assert unsafe(evil) == []


def test_statistics_charts(data: SiteData) -> None:
    charts = stats(data.index)
    assert len(charts) == 4
    assert all(c.startswith("<svg") for c in charts)
    by_category = charts[2]
    for category, n in Counter(p["category"] for p in data.index["plugins"]).items():
        assert f">{category}</text>" in by_category
        assert f">{n}</text>" in by_category
    assert stats(data.index) == charts  # deterministic
