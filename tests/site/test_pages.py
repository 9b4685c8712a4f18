"""The marketplace site: pages generated from index/v1, escaping of everything a manifest
says, the browse data, the rules and scoring pages, badges from the published thresholds, and
real MkDocs builds (reproducible, no request to another host, nothing generated committed)."""

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
import yaml

from plugindex.cli import main
from plugindex.config.registry import load_registry
from plugindex.config.score import CHECKS
from plugindex.rules import CATALOG
from plugindex.score import page as scoring
from plugindex.site import rules
from plugindex.site.charts import dependency_graph, stats
from plugindex.site.pages import (
    BADGES,
    BROWSE_DATA,
    BROWSE_TEXT,
    SiteData,
    browse_data,
    description_html,
    description_words,
    every_page,
    load,
    pages,
)
from tests.conftest import ROOT, GitRegistry

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
                    data.levels, data.badges)


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
    # the distribution: how many hold each level, what share reach it, the share aimed for
    rows = {r[0]: r for r in _Elements.of(contributors).rows if r and r[0] in {
        level["name"] for level in data.levels}}
    for level in data.levels:
        holds = sum(c["level"] == level["name"] for c in data.contributors)
        reach = sum(c["points"] >= level["min"] for c in data.contributors)
        assert rows[level["name"]][2:4] == [str(holds),
                                            f"{reach / len(data.contributors):.0%}"]
    assert [r[4] for r in rows.values()] == ["100%", "60%", "22%", "8%", "3%", "1%"]
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
    assert set(doc["fields"]) >= {"name", "category", "tags", "capabilities", "score", "host",
                                  "state", "deprecated", "text"}
    # what a visitor downloads: under 400 bytes a plugin (4 MB, about 1 MB gzipped, at 10,000)
    assert len(browse_data(data)) < 400 * len(doc["plugins"])
    rows = {row[0]: dict(zip(doc["fields"], row, strict=True)) for row in doc["plugins"]}
    assert rows["redis-cache"]["state"] == "blocked"
    assert rows["mongo-motor-legacy"]["deprecated"] is True


def test_description_words_add_only_what_the_card_lacks() -> None:
    words = description_words("Caches GET responses in Redis. Honours Cache-Control: "
                              "no-store. Redis again.", "redis-cache Cache responses")
    assert words == "caches get honours cache-control no-store again"
    assert len(description_words("word " * 1000 + " ".join(f"w{i}x" for i in range(999)),
                                 "")) <= BROWSE_TEXT


def _project(tmp_path: Path, index: Path) -> Path:
    """A copy of what the site build reads: mkdocs.yml, registry.yaml, the hand-written pages
    of site/ (a generated page that is still committed is left out), tools/site_gen.py, an
    index."""
    root = tmp_path / "project"
    (root / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", root)
    shutil.copy(ROOT / "registry.yaml", root)
    generated = set(every_page(load(index), load_registry(ROOT).score))
    shutil.copytree(ROOT / "site", root / "site", ignore=lambda folder, names: [
        n for n in names
        if (Path(folder) / n).relative_to(ROOT / "site").as_posix() in generated])
    shutil.copy(ROOT / "tools" / "site_gen.py", root / "tools")
    shutil.copytree(index, root / "index" / "v1")
    return root


def _mkdocs(root: Path, out: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "NO_MKDOCS_2_WARNING": "1",
           "DISABLE_MKDOCS_2_WARNING": "true"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"),
                    "-d", str(out)], cwd=root, env=env, check=True, capture_output=True)


def test_the_default_registry_builds_reproducibly_and_offline(
        tmp_path: Path, capfd: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice the same bytes; the second time watched (CI set): progress on stderr only."""
    first, second = tmp_path / "a", tmp_path / "b"
    monkeypatch.delenv("CI", raising=False)
    assert main(["site", "--output", str(first), "--root", str(ROOT)]) == 0
    assert "site: " not in capfd.readouterr().err
    monkeypatch.setenv("CI", "true")
    assert main(["site", "--output", str(second), "--root", str(ROOT)]) == 0
    progress = [ln for ln in capfd.readouterr().err.splitlines() if ln.startswith("site: ")]
    assert len(progress) == 2  # before MkDocs starts, and once the pages are generated
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    assert (first / "plugins" / "auth-jwt" / "index.html").is_file()
    assert (first / BROWSE_DATA).is_file()
    # The index beside the site, byte for byte, with the consumer schema (stable URLs).
    index = ROOT / "index" / "v1"
    published = sorted(p.relative_to(index) for p in index.rglob("*") if p.is_file())
    assert published
    for rel in published:
        assert (first / "index" / "v1" / rel).read_bytes() == (index / rel).read_bytes(), rel
    assert (first / "index" / "v1" / "schema.json").read_bytes() == (
        ROOT / "schemas" / "index.v1.consumer.schema.json").read_bytes()
    # The changes: an Atom feed linked from the home page, and changes.json for tools.
    assert b"<feed" in (first / "feed.xml").read_bytes()
    assert 'href="feed.xml"' in (first / "index.html").read_text(encoding="utf-8")
    assert json.loads((first / "index" / "v1" / "changes.json").read_bytes())["changes"]
    rules_page = _Elements.of((first / "rules" / "index.html").read_text(encoding="utf-8"))
    assert [i for i in rules_page.ids if i in CATALOG] == sorted(CATALOG)
    assert [i for i in rules_page.ids if i in {s.id for s in rules.SECTIONS}] == [
        s.id for s in rules.SECTIONS]
    scoring_page = _Elements.of((first / "scoring" / "index.html").read_text(encoding="utf-8"))
    assert _weights(scoring_page) == dict(load_registry(ROOT).score.weights)
    home = _Elements.of((first / "index.html").read_text(encoding="utf-8"))
    assert {"scoring/", "rules/"} <= set(home.links)
    for page in first.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag, ref in re.findall(r'(<(?:script|link|img)[^>]+(?:src|href)="([^"]+)")', text):
            if 'rel="canonical"' in tag:  # the page's own address (site_url): no request
                continue
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
    assert svg.count("<line ") + svg.count("pi-long-edge") == len(install["edges"])
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
    titles = {c["id"]: c["title"] for c in data.index["registry"]["categories"]}
    for category, n in Counter(p["category"] for p in data.index["plugins"]).items():
        assert f">{titles[category]}</text>" in by_category  # titles, never ids
        assert f">{n}</text>" in by_category
    assert stats(data.index) == charts  # deterministic


class _Elements(HTMLParser):
    """The ids in document order, the text of every element with an id, every link, and the
    cells of every table row."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                      "source", "track", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.ids: list[str] = []
        self.text: dict[str, str] = {}
        self.links: list[str] = []
        self.rows: list[list[str]] = []

    @classmethod
    def of(cls, html: str) -> _Elements:
        parser = cls()
        parser.feed(html)
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in self.VOID:
            return
        ident = a.get("id")
        if ident:
            self.ids.append(ident)
            self.text[ident] = ""
        self.open.append((tag, ident))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        for _, ident in self.open:
            if ident:
                self.text[ident] += data
        if self.rows and any(tag in ("td", "th") for tag, _ in self.open):
            self.rows[-1][-1] += data


def _weights(page: _Elements) -> dict[str, int]:
    """check id -> points, from the scoring page's tables ('`id` title | 10 (default 12) |')."""
    out = {}
    for row in page.rows:
        if len(row) == 3 and row[0].split(" ")[0] in {c.id for c in CHECKS}:
            out[row[0].split(" ")[0]] = int(row[1].split(" ")[0])
    return out


def _badges(page: _Elements) -> dict[str, list[int]]:
    """badge -> the numbers in what earns it, from the contributors page."""
    return {ident.removeprefix("badge-"): [int(n) for n in re.findall(r"\d+", text)]
            for ident, text in page.text.items() if ident.startswith("badge-")}


class _MkDocsLoader(yaml.SafeLoader):
    """mkdocs.yml's YAML: safe, plus MkDocs' !ENV tag (its default value)."""


_MkDocsLoader.add_constructor("!ENV", lambda loader, node: loader.construct_sequence(node)[-1])


def test_every_generated_page_is_built_and_none_is_committed(data: SiteData) -> None:
    generated = every_page(data, load_registry(ROOT).score)
    assert set(pages(data)) | {rules.PAGE, scoring.PAGE} == set(generated)
    committed = {p.relative_to(ROOT / "site").as_posix() for p in (ROOT / "site").rglob("*.md")}
    assert committed & set(generated) == set()  # generated at build time, never committed
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"),
                       Loader=_MkDocsLoader)  # noqa: S506 - a SafeLoader subclass
    nav = [page for entry in config["nav"] for page in entry.values()]
    assert set(nav) <= committed | set(generated)
    assert {rules.PAGE, scoring.PAGE} <= set(nav)


def test_badge_texts_carry_the_published_thresholds(data: SiteData) -> None:
    thresholds = {"documentation-hero": 7, "core-contributor": 1, "founding-member": 30}
    custom = SiteData(data.index, data.plugins, data.related, data.contributors, data.levels,
                      thresholds)
    shown = _badges(_Elements.of(pages(custom)["contributors.md"]))
    assert shown == {"first-plugin": [], "verified-developer": [], "documentation-hero": [7],
                     "core-contributor": [1], "founding-member": [30]}
    assert set(shown) == {b for b, _ in BADGES}
    unknown = SiteData(data.index, data.plugins, data.related, data.contributors, data.levels)
    assert all(n == [] for n in _badges(_Elements.of(pages(unknown)["contributors.md"])).values())


def test_scoring_page_shows_the_registrys_weights_and_thresholds(data: SiteData) -> None:
    config = load_registry(ROOT).score
    swapped = {**config.weights, "security.code": config.weights["security.advisories"],
               "security.advisories": config.weights["security.code"]}
    changed = type(config)(swapped, config.params, config.tiers)
    page = every_page(data, changed)[scoring.PAGE]
    rows = [line.split(" | ") for line in page.splitlines() if line.startswith("| `")]
    weights = {row[0].split("`")[1]: row[1] for row in rows}
    assert set(weights) == {c.id for c in CHECKS}
    assert weights["security.code"] == f"{swapped['security.code']} (default 12)"
    assert all(int(w.split(" ")[0]) == swapped[c] for c, w in weights.items())


REPUTATION = ("reputation:\n  badges: {documentation-hero: 7, core-contributor: 1, "
              "founding-member: 30}\n")


def test_registry_settings_reach_the_built_site(git_registry: GitRegistry, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """registry.yaml's badge thresholds and score weights, through the build and
    contributors.json, to the built contributors, scoring and rules pages."""
    reg = git_registry
    config = load_registry(reg.root).score
    weights = {**config.weights, "security.code": config.weights["security.advisories"],
               "security.advisories": config.weights["security.code"]}
    settings = REPUTATION + "score:\n  weights:\n" + "".join(
        f"    {check}: {weight}\n" for check, weight in weights.items())
    reg.write("registry.yaml", (reg.root / "registry.yaml").read_text(encoding="utf-8")
              + settings)
    reg.add_plugin("alpha", "1.0.0")
    for part in ("mkdocs.yml", "site/publishing.md", "site/assets", "tools/site_gen.py"):
        source, target = ROOT / part, reg.root / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    reg.commit("alpha, with the registry's own settings")
    assert main(["build", "--root", str(reg.root)]) == 0, capsys.readouterr().err
    contributors = json.loads((reg.root / "index/v1/contributors.json").read_bytes())
    assert contributors["badges"] == {"documentation-hero": 7, "core-contributor": 1,
                                      "founding-member": 30}
    out = tmp_path / "site"
    assert main(["site", "--output", str(out), "--root", str(reg.root)]) == 0
    built = _Elements.of((out / "contributors" / "index.html").read_text(encoding="utf-8"))
    assert _badges(built) == {"first-plugin": [], "verified-developer": [],
                              "documentation-hero": [7], "core-contributor": [1],
                              "founding-member": [30]}
    scored = _Elements.of((out / "scoring" / "index.html").read_text(encoding="utf-8"))
    assert _weights(scored) == weights
    listed = _Elements.of((out / "rules" / "index.html").read_text(encoding="utf-8"))
    assert [i for i in listed.ids if i in CATALOG] == sorted(CATALOG)


def test_an_invalid_registry_yaml_stops_the_site_with_exit_2(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    shutil.copy(ROOT / "mkdocs.yml", reg.root)
    reg.commit("alpha")
    assert main(["build", "--root", str(reg.root)]) == 0
    reg.write("registry.yaml", (reg.root / "registry.yaml").read_text(encoding="utf-8")
              + "score:\n  weights: {no.such-check: 3}\n")
    assert main(["site", "--root", str(reg.root)]) == 2
    assert "registry.yaml" in capsys.readouterr().err


def test_a_site_without_contributors_or_levels(data: SiteData) -> None:
    """contributors.json is optional: the contributors page says what there is."""
    bare = SiteData(data.index, data.plugins, data.related, [], [])
    page = pages(bare)["contributors.md"]
    assert "<tbody></tbody>" in page
