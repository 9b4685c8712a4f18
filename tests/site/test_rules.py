"""The rules page: every rule of the catalog, once, with all its fields, grouped as rules.py
groups them, escaped, with an anchor per rule id."""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from typing import Any

from plugindex import rules as catalog
from plugindex.diagnostics import Severity
from plugindex.rules import CATALOG, Rule
from plugindex.site.rules import PAGE, SECTIONS, anchor, grouped, page, section_of
from tests.site.test_pages import unsafe


class _Rules(HTMLParser):
    """Each rule entry of the page: its anchor, and the text of each of its parts."""

    def __init__(self) -> None:
        super().__init__()
        self.rules: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.current: dict[str, Any] = {}
        self.role: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "h3" and a.get("id"):
            self.current = {"id": "", "name": "", "severity": "", "summary": "", "dd": [],
                            "links": []}
            self.rules[a["id"]] = self.current
            self.order.append(a["id"])
            self.role = "name"
        elif tag == "code" and self.role == "name":
            self.role = "id"
        elif tag == "span" and "pi-badge" in a.get("class", ""):
            self.current["severity_class"] = a["class"]
            self.role = "severity"
        elif tag == "a" and self.role == "name":
            self.current["links"].append(a.get("href"))
            self.role = None
        elif tag == "p" and a.get("class") == "pi-rule-summary":
            self.role = "summary"
        elif tag == "dd":
            self.current["dd"].append("")
            self.role = "dd"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "span") and self.role in ("id", "severity"):
            self.role = "name"
        elif tag in ("h3", "p", "dd"):
            self.role = None

    def handle_data(self, data: str) -> None:
        if self.role == "dd":
            self.current["dd"][-1] += data
        elif self.role is not None:
            self.current[self.role] += data


def parsed(text: str) -> _Rules:
    parser = _Rules()
    parser.feed(text)
    return parser


def test_every_rule_is_on_the_page_once_with_all_its_fields() -> None:
    text = page()
    found = parsed(text)
    assert found.order == sorted(CATALOG)
    assert len(found.order) == len(set(found.order))
    for rule_id, rule in CATALOG.items():
        entry = found.rules[anchor(rule_id)]
        assert entry["id"] == rule.id
        assert entry["name"].strip() == rule.name
        assert entry["severity"] == rule.severity.value
        assert entry["severity_class"] == f"pi-badge pi-severity-{rule.severity.value}"
        assert entry["summary"] == rule.summary
        assert entry["dd"] == [rule.hint, rule.why]
        assert entry["links"] == [f"#{rule_id}"]  # the permanent link to itself
    assert PAGE == "rules.md"


def _catalog_parts() -> list[list[str]]:
    """The rule ids under each '# -- part' comment of rules.py, in order."""
    parts: list[list[str]] = []
    for line in inspect.getsource(catalog).splitlines():
        if re.match(r"\s*# -- \S", line):
            parts.append([])
        elif ids := re.findall(r'Rule\("(PI\d+)"', line):
            parts[-1] += ids  # (an IndexError: a rule before the first part)
    return parts


def test_rules_are_grouped_as_the_catalog_groups_them() -> None:
    parts = _catalog_parts()
    assert len(parts) == len(SECTIONS)
    assert sorted(rid for part in parts for rid in part) == sorted(CATALOG)
    groups = grouped(CATALOG.values())
    assert [[r.id for r in rules] for _, rules in groups] == parts
    assert [s.id for s, _ in groups] == [s.id for s in SECTIONS]
    # the page shows them so: each section heading, then exactly its rules
    chunks = page().split("\n## ")[1:]
    headings = [re.fullmatch(r".+ \{#([a-z-]+)\}", c.splitlines()[0]) for c in chunks]
    assert [h[1] if h else None for h in headings] == [s.id for s in SECTIONS]
    assert [parsed(c).order for c in chunks] == parts


def test_a_rule_beyond_the_last_section_start_is_in_the_last_section() -> None:
    assert section_of("PI001").id == "loading"
    assert section_of("PI019").id == "loading"
    assert section_of("PI088").id == "review"
    assert section_of("PI999").id == SECTIONS[-1].id


def test_a_rules_text_is_escaped() -> None:
    evil = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    hostile = {"PI099": Rule("PI099", f"name{evil}", Severity.WARNING, f"summary {evil}",
                             f"hint {evil}", f"why [x](javascript:alert(1)) {evil}")}
    text = page(hostile)
    assert unsafe(text) == []
    entry = parsed(text).rules["PI099"]
    assert entry["name"].strip() == f"name{evil}"  # shown as text, whole
    assert entry["dd"] == [f"hint {evil}", f"why [x](javascript:alert(1)) {evil}"]
