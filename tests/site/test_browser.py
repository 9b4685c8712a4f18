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
from tests.site.test_pages import hostile_site  # the same hostile manifest

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
