"""The built marketplace in a real browser: Debian's headless Chromium driven by Playwright
(no browser download), over a local HTTP server. Screenshots go to test-artifacts/browser/.

Skipped, with the reason, where Chromium is not installed (.ci/run installs it)."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from plugindex.cli import main
from tests.conftest import ROOT
from tests.site.test_pages import _mkdocs, _project, hostile_site  # the same hostile manifest

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                "(apt-get install chromium)")


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """A built site on a local HTTP server: its base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("site") / "site"
    assert main(["site", "--output", str(out), "--root", str(ROOT)]) == 0
    with serve(out) as url:
        yield url


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


class Visit:
    """A page with every console error and every request it made recorded."""

    def __init__(self, browser: Any, name: str) -> None:
        self.name = name
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).hostname or ""))

    def shot(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}.png"), full_page=True)

    def close(self) -> None:
        self.shot()
        self.context.close()


def test_home_loads_cleanly_and_stays_on_localhost(browser: Any, site: str) -> None:
    v = Visit(browser, "home")
    v.page.goto(f"{site}/", wait_until="networkidle")
    assert "FARM Plugin Registry" in v.page.title()
    assert v.page.locator(".pi-card").count() >= 3
    v.close()
    assert v.errors == []
    assert v.hosts == {"127.0.0.1"}


def test_search_finds_a_plugin(browser: Any, site: str) -> None:
    v = Visit(browser, "search")
    v.page.goto(f"{site}/", wait_until="networkidle")
    try:
        v.page.keyboard.press("/")  # Material's shortcut to the search box
        v.page.locator("input.md-search__input").press_sequentially("prometheus", delay=50)
        v.page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
        assert "prometheus-metrics" in v.page.locator(".md-search-result").inner_text()
    finally:
        v.close()
    assert v.errors == []


def test_browse_filters_by_category(browser: Any, site: str) -> None:
    v = Visit(browser, "browse")
    v.page.goto(f"{site}/browse/", wait_until="networkidle")
    cards = v.page.locator("#pi-browse .pi-card")
    cards.first.wait_for()
    total = cards.count()
    index = json.loads((ROOT / "index" / "v1" / "index.json").read_bytes())
    assert total == len(index["plugins"])
    v.page.select_option("select[data-filter=category]", "monitoring")
    expected = sorted(p["name"] for p in index["plugins"] if p["category"] == "monitoring")
    shown = sorted(cards.nth(i).get_attribute("data-name") or "" for i in range(cards.count()))
    assert shown == expected
    v.page.goto(f"{site}/browse/?category=testing", wait_until="networkidle")  # from a link
    cards.first.wait_for()
    assert {cards.nth(i).get_attribute("data-category") for i in range(cards.count())} == {
        "testing"}
    v.close()
    assert v.errors == []
    assert v.hosts == {"127.0.0.1"}


def test_a_plugin_page_has_its_sections(browser: Any, site: str) -> None:
    v = Visit(browser, "plugin-auth-jwt")
    v.page.goto(f"{site}/plugins/auth-jwt/", wait_until="networkidle")
    headings = v.page.locator("article h2").all_inner_texts()
    for section in ("Install", "Versions", "Security", "Score", "Related plugins"):
        assert section in headings
    assert v.page.locator("article table").first.is_visible()
    v.close()
    assert v.errors == []


def test_a_hostile_manifest_shows_as_text(browser: Any, tmp_path: Path) -> None:
    """A manifest's <script> and event handlers appear as text, and nothing runs."""
    out, name = hostile_site(tmp_path)
    with serve(out) as base:
        v = Visit(browser, "hostile")
        dialogs: list[str] = []
        v.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in (f"/plugins/{name}/", "/", "/browse/"):
            v.page.goto(base + path, wait_until="networkidle")
            v.page.mouse.move(300, 300)
        v.page.goto(f"{base}/plugins/{name}/", wait_until="networkidle")
        assert '<script>alert("x")</script>' in v.page.locator("article").inner_text()
        v.close()
    assert dialogs == []
    assert v.errors == []


def test_a_blocked_plugin_leads_with_its_banner_and_badge(browser: Any, site: str) -> None:
    """redis-cache 1.1.0 is blocked by the scan policy: the page opens with a danger banner
    naming the finding, above the install line, and its badge says blocked, not a score."""
    v = Visit(browser, "plugin-blocked")
    v.page.goto(f"{site}/plugins/redis-cache/", wait_until="networkidle")
    banner = v.page.locator("article .pi-banner.danger").first
    assert banner.is_visible()
    assert "B324" in banner.inner_text()
    install = v.page.locator("article h2", has_text="Install")
    assert banner.bounding_box()["y"] < install.bounding_box()["y"]
    assert v.page.locator("article .pi-badges .pi-safety-blocked").inner_text() == "blocked"
    v.close()
    assert v.errors == []


def test_a_deprecated_plugin_names_its_replacement(browser: Any, site: str) -> None:
    v = Visit(browser, "plugin-deprecated")
    v.page.goto(f"{site}/plugins/mongo-motor-legacy/", wait_until="networkidle")
    banner = v.page.locator("article .pi-banner", has_text="Deprecated")
    assert banner.is_visible()
    banner.locator("a", has_text="mongo-odm").click()
    v.page.wait_for_url("**/plugins/mongo-odm/")
    v.close()
    assert v.errors == []


def test_the_install_line_installs_the_pin_and_copies(browser: Any, site: str) -> None:
    """The Install section opens with the pip line of the pinned source; Material's copy
    button puts exactly that line on the clipboard."""
    detail = json.loads((ROOT / "index/v1/plugins/auth-jwt.json").read_bytes())
    expected = detail["versions"][0]["pip"]["command"]
    v = Visit(browser, "plugin-install")
    v.context.grant_permissions(["clipboard-read", "clipboard-write"])
    v.page.goto(f"{site}/plugins/auth-jwt/", wait_until="networkidle")
    line = v.page.locator("article pre.pi-install")
    assert line.locator("code").inner_text().strip() == expected
    button = line.locator("button[data-md-type=copy]")  # Material 9.7+: md-code__button
    button.click()
    copied = v.page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == expected
    snippet = v.page.locator("article h3", has_text="Use it in a FARM app")
    assert snippet.is_visible()
    assert detail["versions"][0]["manifest"]["entry_point"].split(":")[0] in (
        v.page.locator("article").inner_text())
    v.close()
    assert v.errors == []


def test_category_titles_everywhere(browser: Any, site: str) -> None:
    """Cards, the browse filter and the plugin page show a category's title, never its id."""
    v = Visit(browser, "category-titles")
    v.page.goto(f"{site}/browse/?category=database-provider", wait_until="networkidle")
    card = v.page.locator("#pi-browse .pi-card").first
    card.wait_for()
    assert "Database providers" in card.locator(".pi-meta").inner_text()
    assert "database-provider" not in card.inner_text()
    selected = v.page.locator("select[data-filter=category] option:checked").inner_text()
    assert selected == "Database providers"
    v.page.goto(f"{site}/plugins/mongo-odm/", wait_until="networkidle")
    about = v.page.locator("article table.pi-about").inner_text()
    assert "Database providers" in about
    assert "License" in about
    v.page.goto(f"{site}/", wait_until="networkidle")
    assert v.page.locator(".pi-card .pi-meta", has_text="database-provider").count() == 0
    v.close()
    assert v.errors == []


def test_browse_keeps_its_filters_in_the_url_and_hides_what_is_unsafe(
        browser: Any, site: str) -> None:
    v = Visit(browser, "browse-url")
    v.page.goto(f"{site}/browse/", wait_until="networkidle")
    cards = v.page.locator("#pi-browse .pi-card")
    cards.first.wait_for()
    box = v.page.locator("#pi-browse input.pi-filter-text")
    assert box.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"  # visible
    box.fill("redis")  # a tag and a description word, not only the name
    names = {cards.nth(i).get_attribute("data-name") for i in range(cards.count())}
    assert {"redis-cache", "session-redis"} <= names
    v.page.locator("#pi-browse input[data-filter=hide]").check()
    names = {cards.nth(i).get_attribute("data-name") for i in range(cards.count())}
    assert "redis-cache" not in names  # blocked
    assert "q=redis" in v.page.url
    assert "hide=1" in v.page.url
    v.page.reload(wait_until="networkidle")
    cards.first.wait_for()
    assert box.input_value() == "redis"
    assert v.page.locator("#pi-browse input[data-filter=hide]").is_checked()
    assert "redis-cache" not in {cards.nth(i).get_attribute("data-name")
                                 for i in range(cards.count())}
    v.close()
    assert v.errors == []


def test_the_dependency_graph_keeps_its_size_on_a_phone(browser: Any, site: str) -> None:
    """On a 390 px screen the graph scrolls sideways at full size instead of shrinking."""
    v = Visit(browser, "graph-phone")
    v.context.close()
    v.context = browser.new_context(viewport={"width": 390, "height": 844})
    v.page = v.context.new_page()
    v.page.goto(f"{site}/plugins/rag-pipeline/", wait_until="networkidle")
    graph = v.page.locator("article svg.pi-graph")
    natural = int(graph.get_attribute("width") or 0)
    assert natural > 390
    assert graph.bounding_box()["width"] >= natural - 1
    scroller = v.page.locator("article .pi-scroll").first
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    v.close()


def unscanned_site(tmp_path: Path, name: str) -> Path:
    """The default registry's site with ``name``'s latest version never scanned (its index
    data as the build writes it for a version without a scan record)."""
    index = tmp_path / "index"
    shutil.copytree(ROOT / "index" / "v1", index)
    doc = json.loads((index / "index.json").read_bytes())
    entry = next(e for e in doc["plugins"] if e["name"] == name)
    entry["safety"].update(state="not-scanned", score_known=False,
                           reason="the source has not been scanned")
    (index / "index.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    _mkdocs(_project(tmp_path, index), out)
    return out


def test_a_never_scanned_plugin_is_not_scored_low_and_sorts_last(
        browser: Any, tmp_path: Path) -> None:
    out = unscanned_site(tmp_path, "mongo-odm")  # the best score of the registry
    with serve(out) as base:
        v = Visit(browser, "browse-unscanned")
        v.page.goto(f"{base}/browse/", wait_until="networkidle")
        cards = v.page.locator("#pi-browse .pi-card")
        cards.first.wait_for()
        last = cards.nth(cards.count() - 1)
        assert last.get_attribute("data-name") == "mongo-odm"
        assert "score: not scanned" in last.inner_text()
        assert last.locator(".pi-tier-low").count() == 0
        v.close()
    assert v.errors == []
