"""The rules page: every rule of the catalog (``plugindex.rules.CATALOG``), rendered at build
time, so that the site cannot drift from the code.

One section per part of the catalog, in the catalog's order; one entry per rule with its id,
name, severity, summary, hint and why, every string escaped (the page is an HTML block in a
Markdown page: nothing is handed to Markdown but the sections' own headings, so that they
make the page's table of contents). Each entry's anchor is its rule id, so that the
PR report and ``plugindex validate`` can link to ``rules/#PI012`` (``anchor``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from plugindex.rules import CATALOG, Rule
from plugindex.site.html import esc

PAGE = "rules.md"  # under the docs directory; the page's URL is rules/


@dataclass(frozen=True)
class Section:
    id: str  # the section's anchor
    title: str
    first: int  # the section holds the rules PI<first> up to the next section's first
    note: str = ""


# The catalog's parts, by rule number (rules.py lists them in this order under these headings).
SECTIONS: tuple[Section, ...] = (
    Section("loading", "Loading: the bytes to one YAML mapping", 1),
    Section("schema", "Schema", 20),
    Section("one-manifest", "One manifest", 30),
    Section("across-manifests", "Across manifests", 60),
    Section("scanning", "Scanning: the source and its dependencies", 70,
            "The severity of a scanning rule is the default: the registry's scan.policy "
            "in registry.yaml may raise or lower it."),
    Section("review", "Pull-request review: who may change what", 80),
    Section("publishing", "Publishing: what the build lets out", 90),
)


def anchor(rule_id: str) -> str:
    """The fragment that links to a rule on the rules page: ``rules/#`` + this."""
    return rule_id


def section_of(rule_id: str, sections: Sequence[Section] = SECTIONS) -> Section:
    """The section a rule belongs to: the last one starting at or below its number."""
    number = int(rule_id.removeprefix("PI"))
    found = sections[0]
    for section in sections:
        if section.first <= number:
            found = section
    return found


def grouped(rules: Iterable[Rule], sections: Sequence[Section] = SECTIONS
            ) -> list[tuple[Section, list[Rule]]]:
    """The rules by section, both in order; a section without rules is left out."""
    by_section: dict[str, list[Rule]] = {s.id: [] for s in sections}
    for rule in sorted(rules, key=lambda r: r.id):
        by_section[section_of(rule.id, sections).id].append(rule)
    return [(s, by_section[s.id]) for s in sections if by_section[s.id]]


def rule_html(rule: Rule) -> str:
    """One rule: heading with its id as anchor, severity, summary, how to fix it, why."""
    rid, severity = esc(rule.id), esc(rule.severity.value)
    return (f'<div class="pi-rule">'
            f'<h3 id="{esc(anchor(rule.id))}"><code>{rid}</code> {esc(rule.name)} '
            f'<span class="pi-badge pi-severity-{severity}">{severity}</span>'
            f'<a class="headerlink" href="#{esc(anchor(rule.id))}" '
            f'title="Permanent link">&para;</a></h3>'
            f'<p class="pi-rule-summary">{esc(rule.summary)}</p>'
            f'<dl><dt>How to fix it</dt><dd>{esc(rule.hint)}</dd>'
            f"<dt>Why</dt><dd>{esc(rule.why)}</dd></dl></div>")


def page(catalog: Mapping[str, Rule] = CATALOG) -> str:
    """The rules page's Markdown source."""
    groups = grouped(catalog.values())
    out = ["---", f"title: {json.dumps('Rules')}", "---", "", "# Rules", "",
           "<p>Every problem plugindex reports names one of these rules by its id: "
           "<code>plugindex validate</code>, the build and the pull-request report alike. "
           "An id is never reused: a rule may be retired, never renumbered. Errors block a "
           "manifest; warnings are shown and do not.</p>", "",
           '<ul class="pi-rule-sections">' + "".join(
               f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a> '
               f"({esc(rules[0].id)}&ndash;{esc(rules[-1].id)})</li>"
               for s, rules in groups) + "</ul>", ""]
    for section, rules in groups:
        out += [f"## {esc(section.title)} {{#{section.id}}}", ""]  # in the page's contents
        if section.note:
            out += [f'<p class="pi-note">{esc(section.note)}</p>', ""]
        for rule in rules:
            out += [rule_html(rule), ""]
    return "\n".join(out)
