"""What changed in the registry, newest first: an Atom feed (``feed.xml`` on the site, linked
from the home page) and a JSON file for tools (``<site>/index/v1/changes.json``, signed with
the rest of index/v1): both written by tools/site_gen.py.

Each version of each plugin gives an event when it was published, and one when it was yanked
or deprecated (a published manifest may change only in those fields, so its update time is
when that happened). Everything comes from index/v1 and times from git: two builds of one
commit write the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from plugindex.layout import INDEX_FORMAT

FEED_FILE = "feed.xml"
CHANGES_FILE = "changes.json"
LIMIT = 200  # the newest events listed (a reader polls; a tool catching up reads the index)


@dataclass(frozen=True, order=True)
class Change:
    time: str  # RFC 3339, UTC
    plugin: str
    version: str
    kind: str  # published, yanked or deprecated
    reason: str | None = None
    replacement: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"time": self.time, "kind": self.kind, "plugin": self.plugin,
                "version": self.version, "reason": self.reason,
                "replacement": self.replacement}

    def title(self) -> str:
        return f"{self.plugin} {self.version} {self.kind}"


def changes(plugins: Mapping[str, Mapping[str, Any]], limit: int = LIMIT) -> list[Change]:
    """The newest ``limit`` events of ``plugins`` (name -> its plugins/<name>.json)."""
    found = []
    for name, detail in plugins.items():
        for v in detail.get("versions", []):
            found.append(Change(v["published"], name, v["version"], "published"))
            if v.get("yanked") is not None:
                found.append(Change(v["updated"], name, v["version"], "yanked",
                                    str(v["yanked"])))
            deprecated = v.get("deprecated")
            if deprecated is not None:
                found.append(Change(v["updated"], name, v["version"], "deprecated",
                                    deprecated.get("reason"), deprecated.get("replacement")))
    # newest first; events of one moment in plugin, version and kind order (sorts are stable)
    found.sort(key=lambda c: (c.plugin, c.version, c.kind))
    found.sort(key=lambda c: c.time, reverse=True)
    return found[:limit]


def changes_json(events: list[Change]) -> bytes:
    return (json.dumps({"schema_version": 1, "format_version": INDEX_FORMAT,
                        "changes": [c.as_json() for c in events]},
                       indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def atom(events: list[Change], site_url: str, title: str, updated: str | None) -> bytes:
    """The Atom feed (RFC 4287) of ``events``; ``site_url`` ends with '/'."""
    when = events[0].time if events else (updated or "1970-01-01T00:00:00Z")
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"  <id>{escape(site_url + FEED_FILE)}</id>",
             f"  <title>{escape(title)}: new versions, yanks and deprecations</title>",
             f"  <link rel=\"self\" href={quoteattr(site_url + FEED_FILE)}/>",
             f"  <link rel=\"alternate\" href={quoteattr(site_url)}/>",
             f"  <updated>{escape(when)}</updated>",
             f"  <author><name>{escape(title)}</name></author>"]
    for c in events:
        page = f"{site_url}plugins/{c.plugin}/"
        text = c.reason or ""
        if c.replacement:
            text = f"{text} (use {c.replacement} instead)".strip()
        lines += ["  <entry>",
                  f"    <id>{escape(f'{page}#{c.version}-{c.kind}')}</id>",
                  f"    <title>{escape(c.title())}</title>",
                  f"    <link href={quoteattr(page)}/>",
                  f"    <updated>{escape(c.time)}</updated>",
                  f"    <category term={quoteattr(c.kind)}/>"]
        if text:
            lines.append(f"    <summary>{escape(text)}</summary>")
        lines.append("  </entry>")
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")
