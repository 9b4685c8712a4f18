"""The marketplace's generated pages, from the published index alone (``index/v1``).

Pure functions from the index's data to page sources (path -> text). Pages are Markdown files
for MkDocs whose manifest-derived parts are HTML blocks with every string escaped: MkDocs
passes raw HTML through and would render Markdown syntax in a summary, so nothing a manifest
says is ever handed to Markdown. A description is the one exception, by design: it is
Markdown, rendered here with markdown-it-py (CommonMark and tables, raw HTML off) and then
cleaned with nh3 (an allowlist of tags and attributes, links to http, https and mailto only),
and embedded as HTML in a labelled box, its headings demoted below the page's own.

A description is rendered under a budget: its size, its nesting depth and the time the parser
may spend on it. One over the budget is shown as escaped plain text with a note, so that no
manifest can fail the site build or slow it down (markdown-it-py keeps nesting below its cap and
checks the clock between blocks and between inline tokens).

``every_page`` is every generated page: these, the rules page (``site/rules.py``, from the rule
catalog) and the scoring page (``score/page.py``, from the checks' table and the registry's
score settings). ``tools/site_gen.py`` writes them all at build time; none is committed.

Plugin pages stay out of the navigation (MkDocs' build grows with the square of the pages in
the nav) and keep only their title, summary and tags in Material's search index (the rest is
marked ``data-search-exclude``): the search data grows slowly with the registry.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from plugindex.config.score import ScoreConfig
from plugindex.score import page as scoring
from plugindex.site import rules
from plugindex.site.charts import dependency_graph, stats

BROWSE_DATA = "assets/browse.json"
# No h1-h3: a description's headings are demoted below the page's own section headings.
ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
                "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "q",
                "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"},
                      "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
# The rendering budget of one description (see description_html).
DESCRIPTION_CHARS = 20_000  # the schema's maxLength of a description
DESCRIPTION_NESTING = 20  # markdown-it's token nesting (a list level takes two)
DESCRIPTION_SECONDS = 2.0  # a normal description takes milliseconds
DESCRIPTION_LABEL = "Description (from the manifest)"
HEADING_SHIFT = 3  # '# Title' in a description becomes an h4
# What earns each badge. {n} is the badge's threshold as contributors.json publishes it
# ("badges": registry.yaml's reputation.badges over the defaults), {s} the plural's "s".
BADGES: tuple[tuple[str, str], ...] = (
    ("first-plugin", "published a plugin"),
    ("verified-developer", "a verified publisher"),
    ("documentation-hero", "at least {n} documentation contribution{s} (of any size)"),
    ("core-contributor", "at least {n} change{s} to the registry's tooling"),
    ("founding-member", "contributed in the registry's first {n} day{s}"),
)


@dataclass(frozen=True)
class SiteData:
    index: Mapping[str, Any]
    plugins: Mapping[str, Mapping[str, Any]]  # name -> its plugins/<name>.json
    related: Mapping[str, Sequence[str]]
    contributors: Sequence[Mapping[str, Any]]
    levels: Sequence[Mapping[str, Any]] = ()
    badges: Mapping[str, int] = field(default_factory=dict)  # badge -> its threshold


def load(index_dir: Path) -> SiteData:
    """Read ``index/v1`` (the adapter of this module)."""
    index = json.loads((index_dir / "index.json").read_bytes())
    plugins = {e["name"]: json.loads((index_dir / e["file"]).read_bytes())
               for e in index["plugins"]}

    def optional(name: str, key: str) -> Any:
        try:
            return json.loads((index_dir / name).read_bytes())[key]
        except (OSError, ValueError, KeyError):
            return None

    return SiteData(index, plugins, optional("related.json", "related") or {},
                    optional("contributors.json", "contributors") or [],
                    optional("contributors.json", "levels") or [],
                    optional("contributors.json", "badges") or {})


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    text = str(url or "")
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    return text if scheme in ("http", "https") else None


def link(url: object, label: object) -> str:
    target = safe_url(url)
    if target is None:
        return esc(label)
    return f'<a href="{esc(target)}" rel="nofollow noopener">{esc(label)}</a>'


class _OverBudget(Exception):
    """The description cannot be rendered within its budget; the message says why."""


def _guard_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """First block rule: stop before markdown-it would silently drop text nested too deep
    (a nested block opens at most two levels), or when the time is up. Never matches."""
    if state.level >= state.md.options["maxNesting"] - 2:
        raise _OverBudget("its lists or quotes nest too deeply")
    _check_clock(state.env)
    return False


def _guard_inline(state: StateInline, silent: bool) -> bool:
    """First inline rule: stop when the time is up. Never matches."""
    _check_clock(state.env)
    return False


def _check_clock(env: Mapping[str, Any]) -> None:
    deadline = env.get("pi_deadline")
    if deadline is not None and time.monotonic() > deadline:
        raise _OverBudget(f"it takes more than {env['pi_seconds']:g} s to render")


def _markdown_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": DESCRIPTION_NESTING})
    md.enable("table")
    md.block.ruler.before("table", "pi_guard", _guard_block)
    md.inline.ruler.before("text", "pi_guard", _guard_inline)
    return md


_MARKDOWN = _markdown_parser()


def _rendered(text: str, seconds: float) -> str:
    """The description's Markdown as HTML, headings demoted; raises _OverBudget."""
    env: dict[str, Any] = {"pi_deadline": time.monotonic() + seconds, "pi_seconds": seconds}
    tokens = _MARKDOWN.parse(text, env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1:]) + HEADING_SHIFT, 6)}"
        elif token.type in ("th_open", "td_open"):  # style= is not allowed; align= is
            style = str(token.attrGet("style") or "")
            token.attrs = {"align": style.removeprefix("text-align:")} if style else {}
    return str(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env))


def plain_description(text: str, reason: str) -> str:
    """A description shown as escaped text, with a note saying why."""
    return (f'<p class="pi-note">Shown as plain text: {esc(reason)}.</p>'
            f'<pre class="pi-plain">{esc(text)}</pre>')


def description_html(text: str, seconds: float = DESCRIPTION_SECONDS) -> str:
    """A description's Markdown as clean HTML (no script, style, event handler, javascript:
    link or raw HTML survives; no h1-h3). Over the budget (size, nesting, ``seconds``), the
    description as escaped plain text with a note instead: never an exception."""
    if len(text) > DESCRIPTION_CHARS:
        return plain_description(text, f"it is longer than {DESCRIPTION_CHARS} characters")
    try:
        rendered = _rendered(text, seconds)
    except _OverBudget as over:
        return plain_description(text, str(over))
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="nofollow noopener")


def description_box(text: str) -> str:
    """The rendered description in a box labelled as the manifest's words, so that it cannot
    pass for a section of the page (its headings are h4-h6, the page's are h2)."""
    return (f'<div class="pi-description"><p class="pi-description-label">'
            f"{esc(DESCRIPTION_LABEL)}</p>{description_html(text)}</div>")


def badge_texts(thresholds: Mapping[str, int]) -> list[tuple[str, str]]:
    """(badge, what earns it) for every badge, with the thresholds the index publishes; a
    threshold missing from an index built before it was published shows as '?'."""
    out = []
    for badge, text in BADGES:
        n = thresholds.get(badge)
        out.append((badge, text.format(n="?" if n is None else n, s="" if n == 1 else "s")))
    return out


def _front(title: str, search_boost: float | None = None) -> str:
    lines = ["---", f"title: {json.dumps(title)}"]
    if search_boost is not None:
        lines += ["search:", f"  boost: {search_boost}"]
    return "\n".join([*lines, "---", ""])


def _badges(entry: Mapping[str, Any]) -> str:
    badges = entry.get("badges") or {}
    out = [f'<span class="pi-badge pi-tier-{esc(badges.get("tier", "low"))}">'
           f'{esc((entry.get("score") or {}).get("total", "-"))} · '
           f'{esc(badges.get("tier", "unscored"))}</span>']
    if badges.get("verified"):
        out.append('<span class="pi-badge pi-verified">verified</span>')
    if badges.get("featured"):
        out.append('<span class="pi-badge pi-featured">featured</span>')
    if entry.get("deprecated"):
        out.append('<span class="pi-badge pi-deprecated">deprecated</span>')
    return " ".join(out)


def card(entry: Mapping[str, Any]) -> str:
    tags = " ".join(f'<span class="pi-tag">{esc(t)}</span>' for t in entry.get("tags", []))
    return (f'<div class="pi-card"><a class="pi-card-name" href="../plugins/{esc(entry["name"])}/">'
            f'{esc(entry["name"])}</a> <span class="pi-version">{esc(entry["latest"])}</span>'
            f'<p>{esc(entry.get("summary", ""))}</p>'
            f'<p class="pi-meta">{esc(entry["category"])} · host {esc(entry.get("host", ""))}'
            f'</p><p>{_badges(entry)}</p><p>{tags}</p></div>')


def plugin_page(entry: Mapping[str, Any], detail: Mapping[str, Any],
                related: Sequence[str], registry: Mapping[str, Any],
                people: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    name = entry["name"]
    latest = next((v for v in detail["versions"] if v["version"] == detail["latest"]),
                  detail["versions"][0])
    manifest = latest.get("manifest") or {}
    description = str(manifest.get("description") or entry.get("summary", ""))
    maintainers = "".join(
        f"<li>{link('https://github.com/' + str(m.get('github', '')), m.get('name') or m.get('github'))}"  # noqa: E501
        f"{_reputation((people or {}).get(str(m.get('github', '')).lower()))}</li>"
        for m in manifest.get("maintainers", []))
    links = "".join(f"<li>{esc(k)}: {link(u, u)}</li>"
                    for k, u in sorted((entry.get("urls") or {}).items()))
    related_list = ("<ul>" + "".join(f'<li><a href="../{esc(r)}/">{esc(r)}</a></li>'
                                      for r in related) + "</ul>") if related else (
        "<p>None yet.</p>")
    tags = " ".join(f'<span class="pi-tag">{esc(t)}</span>' for t in entry.get("tags", []))
    parts = [_front(name, 2), f"# {esc(name)}", "",
             f'<p class="pi-summary">{esc(entry.get("summary", ""))}</p>',
             f"<p>{_badges(entry)}</p>", f'<p class="pi-tags">{tags}</p>', "",
             "<section data-search-exclude>",  # (a div: a nested div would end the exclusion)
             "<h2>Install</h2>",
             f"<pre><code>plugindex resolve {esc(name)}=={esc(detail['latest'])}</code></pre>",
             _install(detail.get("install") or {}),
             "<h2>Dependencies</h2>",
             dependency_graph(detail.get("install") or {}) or "<p>None.</p>",
             "<h2>Description</h2>",
             description_box(description),
             "<h2>Maintainers</h2>", f"<ul>{maintainers}</ul>",
             "<h2>Links</h2>", f"<ul>{links}</ul>",
             "<h2>Versions</h2>", _versions(detail),
             "<h2>Security</h2>", _security(latest),
             "<h2>Score</h2>", _score(latest.get("score") or {}),
             "<h2>Related plugins</h2>", related_list,
             "</section>", ""]
    return "\n".join(parts)


def _reputation(row: Mapping[str, Any] | None) -> str:
    """A maintainer's level and badges (contributors.json), next to their name."""
    if not row:
        return ""
    badges = "".join(f' <span class="pi-badge">{esc(b)}</span>' for b in row.get("badges", []))
    return (f' <span class="pi-badge pi-level">{esc(row.get("level", ""))} · '
            f'{esc(row.get("points", 0))} points</span>{badges}')


def _install(install: Mapping[str, Any]) -> str:
    if install.get("status") != "installable":
        return f'<p class="pi-warn">Not installable on host {esc(install.get("host", ""))}: ' \
               f'{esc(install.get("reason") or install.get("status", "unknown"))}</p>'
    plan = " → ".join(f'{esc(p["name"])} {esc(p["version"])}' for p in install.get("plan", []))
    return f'<p>On host {esc(install.get("host", ""))}, installs in this order: {plan}</p>'


def _versions(detail: Mapping[str, Any]) -> str:
    rows = []
    for v in detail["versions"]:
        state = ("yanked: " + esc(v["yanked"])) if v.get("yanked") else (
            "deprecated" if v.get("deprecated") else ("pre-release" if v.get("prerelease") else ""))
        score = (v.get("score") or {}).get("total", "-")
        rows.append(f"<tr><td>{esc(v['version'])}</td><td>{esc(v['published'][:10])}</td>"
                    f"<td>{esc((v.get('manifest') or {}).get('host', ''))}</td>"
                    f"<td>{esc(score)}</td><td>{state}</td></tr>")
    return ("<table><thead><tr><th>version</th><th>published</th><th>host</th><th>score</th>"
            "<th>state</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _security(version: Mapping[str, Any]) -> str:
    scan = version.get("scan") or {}
    summary = scan.get("summary") or {}
    findings = summary.get("findings") or {}
    head = (f"<p>Verdict: <strong>{esc(summary.get('verdict', 'not scanned'))}</strong> · "
            f"findings high {esc(findings.get('high', 0))}, "
            f"medium {esc(findings.get('medium', 0))}, low {esc(findings.get('low', 0))} · "
            f"advisories {esc(summary.get('advisories', 0))}</p>")
    permissions = summary.get("permissions") or {}
    declared = version.get("manifest", {}).get("permissions", [])
    perms = (f"<p>Permissions declared: {esc(', '.join(declared) or 'none')}; found in the "
             f"code: {esc(', '.join(permissions.get('detected', [])) or 'none')}"
             + (f"; <strong>undeclared: {esc(', '.join(permissions['undeclared']))}</strong>"
                if permissions.get("undeclared") else "") + "</p>")
    skips = "".join(f"<li>skipped: {esc(s)}</li>" for s in summary.get("skips", []))
    items = "".join(f"<li><code>{esc(i.get('id', ''))}</code> {esc(i.get('message', ''))} "
                    f"<em>{esc(i.get('where', ''))}</em></li>" for i in scan.get("items", []))
    body = f"<ul>{skips}{items}</ul>" if skips or items else ""
    return head + perms + (f"<details><summary>Details</summary>{body}</details>"
                           if body else "")


def _score(score: Mapping[str, Any]) -> str:
    if not score:
        return "<p>Not scored.</p>"
    rows = "".join(f"<tr><td>{esc(c['title'])}</td><td>{esc(c['points'])}/{esc(c['max'])}</td>"
                   f"<td>{esc(c['evidence'])}</td></tr>" for c in score.get("checks", []))
    recs = "".join(f"<li>{esc(r)}</li>" for r in score.get("recommendations", []))
    return (f"<p><strong>{esc(score.get('total'))}/{esc(score.get('max'))}</strong> "
            f"({esc(score.get('tier'))}, as of {esc(score.get('as_of'))})</p>"
            + (f"<p>To raise it:</p><ul>{recs}</ul>" if recs else "")
            + f"<details><summary>Every check</summary><table><tbody>{rows}</tbody></table>"
            "</details>")


def browse_data(data: SiteData) -> bytes:
    """The browse page's data: one short record per plugin (what a card and its filters
    need, nothing more: this is what a visitor downloads)."""
    hosts = data.index.get("registry", {}).get("host", {}).get("versions", [])
    rows = []
    for e in data.index["plugins"]:
        rows.append([e["name"], e["latest"], e.get("summary", ""), e["category"],
                     e.get("tags", []), e.get("capabilities", []),
                     (e.get("score") or {}).get("total", 0),
                     (e.get("badges") or {}).get("tier", ""),
                     bool((e.get("badges") or {}).get("verified")), e.get("host", ""),
                     e.get("updated", "")[:10]])
    doc = {"fields": ["name", "latest", "summary", "category", "tags", "capabilities", "score",
                      "tier", "verified", "host", "updated"], "hosts": hosts, "plugins": rows}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def pages(data: SiteData) -> dict[str, str]:
    """Every generated page (path under the docs directory -> Markdown source)."""
    registry = data.index.get("registry", {})
    entries = data.index["plugins"]
    out: dict[str, str] = {}
    people = {str(c["login"]).lower(): c for c in data.contributors if c.get("login")}
    for e in entries:
        out[f"plugins/{e['name']}.md"] = plugin_page(e, data.plugins[e["name"]],
                                                      data.related.get(e["name"], []),
                                                      registry, people)
    featured = [e for e in entries if (e.get("badges") or {}).get("featured")]
    newest = sorted(entries, key=lambda e: (e.get("published", ""), e["name"]), reverse=True)[:6]
    updated = sorted(entries, key=lambda e: (e.get("updated", ""), e["name"]), reverse=True)[:6]
    counts = data.index.get("counts", {})
    out["index.md"] = "\n".join([
        _front(str(registry.get("name", "Plugins"))), f"# {esc(registry.get('name', 'Plugins'))}",
        "", f"<p>{esc(registry.get('description', ''))}</p>",
        f'<p class="pi-counts">{esc(counts.get("plugins", 0))} plugins · '
        f'{esc(counts.get("versions", 0))} versions · '
        f'{esc(len(data.contributors))} contributors</p>',
        '<p><a class="md-button md-button--primary" href="browse/">Browse all plugins</a></p>',
        f'<p class="pi-links"><a href="{_url(scoring.PAGE)}">How plugins are scored</a> · '
        f'<a href="{_url(rules.PAGE)}">The rules every manifest is checked against</a></p>',
        "", "## Featured", "", '<div class="pi-cards">' + "".join(card(e) for e in featured)
        + "</div>", "", "## Newest", "", '<div class="pi-cards">'
        + "".join(card(e) for e in newest) + "</div>", "", "## Recently updated", "",
        '<div class="pi-cards">' + "".join(card(e) for e in updated) + "</div>", ""])
    out["browse.md"] = "\n".join([
        _front("Browse"), "# Browse plugins", "",
        '<div id="pi-browse" data-src="../assets/browse.json" data-search-exclude>',
        '<noscript><ul>' + "".join(f'<li><a href="../plugins/{esc(e["name"])}/">'
                                   f'{esc(e["name"])}</a></li>' for e in entries)
        + "</ul></noscript></div>", ""])
    by_category: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in entries:
        by_category[e["category"]].append(e)
    titles = {c["id"]: c.get("title", c["id"]) for c in registry.get("categories", [])}
    lines = [_front("Categories"), "# Categories", ""]
    for cid in sorted(by_category):
        lines += [f'<h2 id="{esc(cid)}">{esc(titles.get(cid, cid))}</h2>',
                  f'<p><a href="../browse/?category={quote(cid)}">Browse and filter the '
                  f'{len(by_category[cid])} plugins of this category</a></p>',
                  '<div class="pi-cards">' + "".join(card(e) for e in by_category[cid])
                  + "</div>", ""]
    out["categories.md"] = "\n".join(lines)
    tag_counts = Counter(t for e in entries for t in e.get("tags", []))
    lines = [_front("Tags"), "# Tags", "", "<ul>"]
    for tag, n in sorted(tag_counts.items()):
        names = sorted(e["name"] for e in entries if tag in e.get("tags", []))
        lines.append(f'<li id="tag-{esc(tag)}"><a href="../browse/?tag={quote(tag)}">'
                     f'<strong>{esc(tag)}</strong></a> ({n}): ' + ", ".join(
            f'<a href="../plugins/{esc(n_)}/">{esc(n_)}</a>' for n_ in names) + "</li>")
    out["tags.md"] = "\n".join([*lines, "</ul>", ""])
    rows = "".join(
        f"<tr><td>{i}</td><td>{esc(c.get('login') or c.get('name'))}</td>"
        f"<td>{esc(c['points'])}</td><td>{esc(c['level'])}</td>"
        f"<td>{esc(', '.join(c.get('badges', [])))}</td></tr>"
        for i, c in enumerate(data.contributors, 1))
    out["stats.md"] = "\n".join([
        _front("Statistics"), "# Statistics", "", '<div class="pi-charts">',
        *stats(data.index), "</div>", ""])
    out["contributors.md"] = "\n".join([
        _front("Contributors"), "# Contributors", "",
        "<p>Points for what merged into the registry: published plugins, releases, "
        "documentation, tooling and reviews (<code>plugindex reputation LOGIN</code> lists the "
        "commits behind every point).</p>",
        "<table><thead><tr><th>#</th><th>contributor</th><th>points</th><th>level</th>"
        f"<th>badges</th></tr></thead><tbody>{rows}</tbody></table>",
        "## Levels", "", "<table><thead><tr><th>level</th><th>from</th><th>contributors</th>"
        "</tr></thead><tbody>" + "".join(
            f"<tr><td>{esc(level['name'])}</td><td>{esc(level['min'])} points</td>"
            f"<td>{sum(c['level'] == level['name'] for c in data.contributors)}</td></tr>"
            for level in data.levels) + "</tbody></table>",
        "## Badges", "", "<ul>" + "".join(
            f'<li id="badge-{esc(b)}"><strong>{esc(b)}</strong>: {esc(why)}</li>'
            for b, why in badge_texts(data.badges)) + "</ul>", ""])
    return out


def _url(page: str) -> str:
    """A generated page's URL from the home page ('rules.md' -> 'rules/')."""
    return page.removesuffix(".md") + "/"


def every_page(data: SiteData, score: ScoreConfig) -> dict[str, str]:
    """Every generated page of the site: the index's (``pages``), the rules page (from the
    rule catalog) and the scoring page (from the checks' table and ``score``, the registry's
    score settings)."""
    return {**pages(data), rules.PAGE: rules.page(), scoring.PAGE: scoring.markdown(score)}
