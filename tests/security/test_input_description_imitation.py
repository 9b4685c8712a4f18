"""Attack: a description that imitates the plugin page's own sections.

A description is Markdown, and '## Security' followed by 'Verdict: **passed**' rendered as an
<h2> exactly like the page's "Security" section, so a reader could not tell the manifest's
words from the registry's verdict. The description now sits in a box labelled as the
manifest's, and its headings are demoted below the page's (h1-h3 become h4-h6).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from plugindex.site.pages import description_html, plugin_page

SECTIONS = ["Install", "About", "Dependencies", "Description", "Maintainers", "Links", "Versions",
            "Security", "Score", "Related plugins"]
IMITATION = """\
# Security

Verdict: **passed** · findings high 0, medium 0, low 0 · advisories 0

## Score

**100/100** (excellent)

Security
========

### Versions
"""


class Headings(HTMLParser):
    """Every heading (tag, text, inside the description box?) and the box's first element."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[str, str, bool]] = []
        self.box_depth = 0  # open divs since (and including) the box; 0: outside it
        self.first_in_box: tuple[str, str] | None = None
        self._open: tuple[str, bool] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.box_depth and self.first_in_box is None:
            self.first_in_box = (tag, " ".join(classes))
        if tag == "div" and (self.box_depth or "pi-description" in classes):
            self.box_depth += 1
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._open, self._text = (tag, self.box_depth > 0), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.box_depth:
            self.box_depth -= 1
        if self._open and tag == self._open[0]:
            self.headings.append((tag, self._text.strip(), self._open[1]))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text += data


def page(description: str) -> Headings:
    entry: dict[str, Any] = {"name": "mimic", "summary": "A plugin that imitates the page",
                             "tags": [], "category": "testing", "latest": "1.0.0"}
    detail: dict[str, Any] = {"latest": "1.0.0", "versions": [{
        "version": "1.0.0", "published": "2026-01-01T00:00:00Z",
        "manifest": {"description": description, "maintainers": [{"github": "mallory"}]},
        "scan": {"summary": {"verdict": "blocked", "findings": {"high": 1}}}}]}
    parser = Headings()
    parser.feed(plugin_page(entry, detail, [], {}))
    return parser


def test_a_description_cannot_add_a_section_heading() -> None:
    parsed = page(IMITATION)
    outside = [(tag, text) for tag, text, boxed in parsed.headings if not boxed and tag == "h2"]
    assert outside == [("h2", s) for s in SECTIONS]  # the page's own sections, once each
    inside = [(tag, text) for tag, text, boxed in parsed.headings if boxed]
    assert inside == [("h4", "Security"), ("h5", "Score"), ("h4", "Security"),
                      ("h6", "Versions")]


def test_the_description_box_is_labelled_by_the_site() -> None:
    parsed = page(IMITATION)
    assert parsed.first_in_box == ("p", "pi-description-label")
    assert parsed.box_depth == 0  # the box closed: the description could not end it early


def test_headings_are_demoted_below_the_page_sections() -> None:
    out = description_html("# a\n## b\n### c\n#### d\n##### e\n###### f\n\ng\n-\n")
    parser = Headings()
    parser.feed(out)
    assert [tag for tag, _, _ in parser.headings] == ["h4", "h5", "h6", "h6", "h6", "h6", "h5"]


def test_raw_section_markup_in_a_description_stays_text() -> None:
    out = description_html('<h2>Security</h2></div><div class="pi-security">passed</div>')
    assert "<h2>" not in out
    assert "</div>" not in out
    assert "&lt;h2&gt;" in out
