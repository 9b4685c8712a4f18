"""The changes feed: new versions, yanks and deprecations, newest first, from index/v1."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from plugindex.site.feed import atom, changes, changes_json
from plugindex.site.pages import load
from tests.conftest import ROOT

ATOM = "{http://www.w3.org/2005/Atom}"


def version(number: str, published: str, updated: str | None = None,
            yanked: str | None = None, deprecated: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    return {"version": number, "published": published, "updated": updated or published,
            "yanked": yanked, "deprecated": deprecated}


PLUGINS = {
    "alpha": {"versions": [
        version("1.1.0", "2026-03-01T10:00:00Z", "2026-04-01T09:00:00Z",
                yanked="breaks the login"),
        version("1.0.0", "2026-01-01T10:00:00Z")]},
    "beta": {"versions": [
        version("2.0.0", "2026-03-01T10:00:00Z", "2026-05-01T08:00:00Z",
                deprecated={"reason": "superseded", "replacement": "gamma"})]},
}


def test_events_newest_first_with_their_reasons() -> None:
    found = changes(PLUGINS)
    assert [(c.kind, c.plugin, c.version, c.time) for c in found] == [
        ("deprecated", "beta", "2.0.0", "2026-05-01T08:00:00Z"),
        ("yanked", "alpha", "1.1.0", "2026-04-01T09:00:00Z"),
        ("published", "alpha", "1.1.0", "2026-03-01T10:00:00Z"),  # one moment: by name
        ("published", "beta", "2.0.0", "2026-03-01T10:00:00Z"),
        ("published", "alpha", "1.0.0", "2026-01-01T10:00:00Z")]
    assert found[0].replacement == "gamma"
    assert found[1].reason == "breaks the login"
    assert len(changes(PLUGINS, limit=2)) == 2


def test_the_atom_feed_is_well_formed_and_deterministic() -> None:
    data = atom(changes(PLUGINS), "https://example.org/reg/", "Reg <&>", None)
    assert data == atom(changes(dict(reversed(PLUGINS.items()))), "https://example.org/reg/",
                        "Reg <&>", None)
    feed = ET.fromstring(data)  # noqa: S314 - the bytes this test made
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}updated") == "2026-05-01T08:00:00Z"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 5
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 5
    assert entries[0].findtext(f"{ATOM}summary") == "superseded (use gamma instead)"
    assert entries[0].find(f"{ATOM}link").get("href") == "https://example.org/reg/plugins/beta/"
    assert "Reg <&>" in feed.findtext(f"{ATOM}title")


def test_the_default_registrys_changes() -> None:
    data = load(ROOT / "index" / "v1")
    events = changes(data.plugins)
    published = sum(len(d["versions"]) for d in data.plugins.values())
    assert sum(c.kind == "published" for c in events) == min(published, len(events))
    assert {c.kind for c in events} >= {"published", "yanked", "deprecated"}
    document = json.loads(changes_json(events))
    assert document["changes"][0]["time"] == max(c.time for c in events)
