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

import json
import re
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

from plugindex.build.install_line import closure_command
from plugindex.config.score import ScoreConfig
from plugindex.reputation.ledger import level_aims
from plugindex.score import page as scoring
from plugindex.site import rules
from plugindex.site import safety as view
from plugindex.site.charts import dependency_graph, stats
from plugindex.site.feed import FEED_FILE
from plugindex.site.html import esc, link, safe_url
from plugindex.site.terms import Terms

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


def _front(title: str, search_boost: float | None = None,
           exclude_from_search: bool = False) -> str:
    """A page's front matter. The listings (categories, tags) stay out of site search: a
    search for a category or tag word finds the plugins' pages, which carry those words."""
    lines = ["---", f"title: {json.dumps(title)}"]
    if search_boost is not None:
        lines += ["search:", f"  boost: {search_boost}"]
    elif exclude_from_search:
        lines += ["search:", "  exclude: true"]
    return "\n".join([*lines, "---", ""])


def _badges(entry: Mapping[str, Any]) -> str:
    """The safety state first, then the score (or 'not scanned'), verified, featured,
    deprecated."""
    badges = entry.get("badges") or {}
    state = view.state_of(entry)
    out = [view.safety_badge(state), view.score_badge(entry.get("score") or {}, state)]
    if badges.get("verified"):
        out.append('<span class="pi-badge pi-verified">verified</span>')
    if badges.get("featured"):
        out.append('<span class="pi-badge pi-featured">featured</span>')
    if entry.get("deprecated"):
        out.append('<span class="pi-badge pi-deprecated">deprecated</span>')
    return " ".join(out)


def card(entry: Mapping[str, Any], titles: Mapping[str, str] | None = None) -> str:
    """A plugin's card: name, version, summary, category title, host, badges, tags."""
    tags = " ".join(f'<span class="pi-tag">{esc(t)}</span>' for t in entry.get("tags", []))
    category = (titles or {}).get(entry["category"], entry["category"])
    return (f'<div class="pi-card" data-name="{esc(entry["name"])}">'
            f'<a class="pi-card-name" href="../plugins/{esc(entry["name"])}/">'
            f'{esc(entry["name"])}</a> <span class="pi-version">{esc(entry["latest"])}</span>'
            f'<p>{esc(entry.get("summary", ""))}</p>'
            f'<p class="pi-meta">{esc(category)} · host {esc(entry.get("host", ""))}'
            f'</p><p>{_badges(entry)}</p><p>{tags}</p></div>')


def _words(ids: Sequence[str], titles: Mapping[str, str]) -> str:
    return ", ".join(esc(titles.get(i, i)) for i in ids) or "none"


def _use_snippet(entry_point: str | None) -> str:
    """How a FARM app loads the plugin: import its entry point and call it with the app."""
    if not entry_point or ":" not in entry_point:
        return ("<p>The manifest names no entry point: see the plugin's documentation for how "
                "to load it.</p>")
    module, attribute = entry_point.split(":", 1)
    head = attribute.split(".", 1)[0]
    code = (f"from fastapi import FastAPI\nfrom {module} import {head}\n\napp = FastAPI()\n"
            f"{attribute}(app)  # the plugin's entry point, {entry_point}")
    return ("<p>A FARM app is a FastAPI app; a plugin's entry point is the function it calls "
            "with the app to install the plugin's routes, middleware and state (the "
            "<code>farm.plugins</code> entry point group names the same function):</p>"
            f"<pre><code>{esc(code)}</code></pre>")


def _install_section(name: str, detail: Mapping[str, Any], latest: Mapping[str, Any],
                     plugins: Mapping[str, Mapping[str, Any]]) -> str:
    """The pip line of exactly the pinned source, the closure's line and plan, and how an
    app loads the plugin. Every command sits in a code block: Material adds a copy button."""
    version = str(latest.get("version", detail.get("latest", "")))
    state = view.state_of(latest)
    out = []
    if state.get("state") == "blocked":
        out.append('<p class="pi-warn"><strong>This version is blocked by the registry\'s '
                   "scan policy</strong>: read the banner above before installing it.</p>")
    line = latest.get("pip") or {}
    if line.get("command"):
        out.append(f"<p>Installs {esc(name)} {esc(version)} from exactly the source the "
                   "registry scanned (pinned, it cannot move):</p>"
                   f'<pre class="pi-install"><code>{esc(line["command"])}</code></pre>')
        if line.get("hash"):
            out.append(f"<p>For a <code>--require-hashes</code> requirements file: "
                       f"<code>--hash={esc(line['hash'])}</code></p>")
    else:
        out.append("<p>No pip line: the source is in the registry's repository, and the "
                   "registry names no repository URL pip can fetch.</p>")
    install = detail.get("install") or {}
    plan = install.get("plan") or []
    if install.get("status") == "installable" and len(plan) > 1:
        lines: list[str] = []
        for step in plan:
            versions = (plugins.get(step["name"]) or {}).get("versions", [])
            found: Mapping[str, Any] = next(
                (v for v in versions if v.get("version") == step["version"]), {})
            requirement = (found.get("pip") or {}).get("requirement")
            if requirement is None:
                lines = []
                break
            lines.append(str(requirement))
        steps = " → ".join(f'<a href="../{esc(p["name"])}/">{esc(p["name"])}</a> '
                           f'{esc(p["version"])}' for p in plan)
        out.append(f"<p>With the plugins it needs, on host {esc(install.get('host', ''))}, "
                   f"in order: {steps}</p>")
        if lines:
            out.append(f'<pre class="pi-install-closure"><code>'
                       f"{esc(closure_command(lines))}</code></pre>")
    elif install.get("status") != "installable":
        out.append(_install(install))
    out.append("<p>Check the plan for your host before installing (warns on blocked, "
               "yanked and deprecated picks; <code>--strict</code> refuses them):</p>"
               f"<pre><code>plugindex resolve {esc(name)}=={esc(version)} --host "
               f"{esc(install.get('host') or 'HOST')}</code></pre>")
    out.append("<h3>Use it in a FARM app</h3>")
    out.append(_use_snippet((latest.get("manifest") or {}).get("entry_point")))
    return "".join(out)


def _about(entry: Mapping[str, Any], latest: Mapping[str, Any], terms: Terms) -> str:
    """License, category, capabilities, permissions, Python, host, packages, the source at
    its pin."""
    manifest = latest.get("manifest") or {}
    requires = manifest.get("requires") or {}
    packages = requires.get("packages") or []
    source = latest.get("source") or {}
    rows = [
        ("License", esc(manifest.get("license") or entry.get("license") or "not stated")),
        ("Category", f'<a href="../../categories/#{esc(entry["category"])}">'
                     f'{esc(terms.categories.get(entry["category"], entry["category"]))}</a>'),
        ("Capabilities", _words(entry.get("capabilities", []), terms.capabilities)),
        ("Permissions", _words(manifest.get("permissions", []), terms.permissions)),
        ("Python", esc(requires.get("python") or "any")),
        ("Host", esc(manifest.get("host") or "any")),
        ("Packages", ", ".join(f"<code>{esc(r)}</code>" for r in packages) or "none"),
        ("Source", _source_link(source, terms.repository, (latest.get("scan") or {}).get(
            "summary", {}).get("commit"))),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="pi-about"><tbody>{body}</tbody></table>'


def _source_link(source: Mapping[str, Any], repository: str, commit: str | None) -> str:
    """The source at its pin: a git commit, an archive and its hash, or the registry's tree
    at the commit that published the version."""
    kind, location = source.get("kind"), str(source.get("location") or "")
    if kind == "git":
        pin = str(source.get("pin") or "")
        url = location.removesuffix(".git")
        sub = f"/tree/{pin}/{source['subdirectory']}" if source.get("subdirectory") else \
            f"/tree/{pin}"
        return (f"{link(url + sub, location)} at <code>{esc(pin[:12])}</code>"
                if url.startswith("https://github.com/") else
                f"{esc(location)} at <code>{esc(pin[:12])}</code>")
    if kind == "archive":
        return f"{link(location, location)} (sha256 <code>{esc(source.get('pin', ''))}</code>)"
    if repository.startswith("https://github.com/") and commit:
        return (f"{link(f'{repository}/tree/{commit}/{location}', location)} in the "
                f"registry at <code>{esc(commit[:12])}</code>")
    return f"<code>{esc(location)}</code> in the registry's repository"


def plugin_page(entry: Mapping[str, Any], detail: Mapping[str, Any],
                related: Sequence[str], registry: Mapping[str, Any],
                people: Mapping[str, Mapping[str, Any]] | None = None,
                plugins: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """A plugin's page: what matters first (the safety banners and badges, how to install
    it), then what it is, then the evidence. The title, summary, tags, category and
    capability titles are what site search indexes; the rest is excluded from it."""
    name = entry["name"]
    terms = Terms.of(registry)
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
    category = terms.categories.get(entry["category"], entry["category"])
    capabilities = [terms.capabilities.get(c, c) for c in entry.get("capabilities", [])]
    graph = dependency_graph(detail.get("install") or {})
    parts = [_front(name, 2), f"# {esc(name)}", "",
             view.banners(view.state_of(latest), str(latest.get("version", ""))),
             f'<p class="pi-summary">{esc(entry.get("summary", ""))}</p>',
             f'<p class="pi-badges">{_badges(entry)}</p>',
             f'<p class="pi-tags">{tags}</p>',
             f'<p class="pi-meta">{esc(category)} · {esc(", ".join(capabilities))}</p>', "",
             "<section data-search-exclude>",  # (a div: a nested div would end the exclusion)
             "<h2>Install</h2>",
             _install_section(name, detail, latest, plugins or {}),
             "<h2>About</h2>", _about(entry, latest, terms),
             "<h2>Dependencies</h2>",
             f'<div class="pi-scroll">{graph}</div>' if graph else "<p>None.</p>",
             "<h2>Description</h2>",
             description_box(description),
             "<h2>Maintainers</h2>", f"<ul>{maintainers}</ul>",
             "<h2>Links</h2>", f"<ul>{links}</ul>",
             "<h2>Versions</h2>", _versions(detail),
             "<h2>Security</h2>", _security(latest),
             "<h2>Score</h2>", _score(latest.get("score") or {}, view.state_of(latest)),
             "<h2>Related plugins</h2>", related_list,
             _registry_line(registry),
             "</section>", ""]
    return "\n".join(parts)


def _registry_line(registry: Mapping[str, Any]) -> str:
    """Where the plugin is listed, and how to publish one."""
    repository = registry.get("repository")
    where = f" ({link(repository, repository)})" if safe_url(repository) else ""
    return (f'<p class="pi-meta">Listed in {esc(registry.get("name", "the registry"))}{where}'
            ' · <a href="../../publishing/">How to publish a plugin</a></p>')


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
        safety = view.state_of(v)
        notes = [view.safety_badge(safety)] if safety else []
        if v.get("yanked"):
            notes.append("yanked: " + esc(v["yanked"]))
        elif v.get("deprecated"):
            notes.append("deprecated")
        if v.get("prerelease"):
            notes.append("pre-release")
        state = " ".join(notes)
        score = (v.get("score") or {}).get("total", "-") if safety.get("score_known", True) \
            else "not scanned"
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


def _score(score: Mapping[str, Any], state: Mapping[str, Any]) -> str:
    if not score:
        return "<p>Not scored.</p>"
    if not state.get("score_known", True):
        return ("<p><strong>Not scanned</strong>: the source was never scanned, so the score "
                f"({esc(score.get('total'))}/{esc(score.get('max'))}) measured nothing of its "
                "code and is not a quality tier.</p>")
    rows = "".join(f"<tr><td>{esc(c['title'])}</td><td>{esc(c['points'])}/{esc(c['max'])}</td>"
                   f"<td>{esc(c['evidence'])}</td></tr>" for c in score.get("checks", []))
    recs = "".join(f"<li>{esc(r)}</li>" for r in score.get("recommendations", []))
    return (f"<p><strong>{esc(score.get('total'))}/{esc(score.get('max'))}</strong> "
            f"({esc(score.get('tier'))}; unchanged since {esc(score.get('as_of'))})</p>"
            + (f"<p>To raise it:</p><ul>{recs}</ul>" if recs else "")
            + f"<details><summary>Every check</summary><table><tbody>{rows}</tbody></table>"
            "</details>")


BROWSE_TEXT = 120  # the characters of description words the browse box searches
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")


def description_words(description: str, known: str, limit: int = BROWSE_TEXT) -> str:
    """The distinct words of a description, in order, that ``known`` (the card's own text)
    does not already hold, cut at ``limit`` characters: what the browse box matches in a
    description, at a fraction of its size."""
    seen = set(_WORD.findall(known.lower()))
    seen |= {part for word in list(seen) for part in re.split(r"[-.]", word)}
    out: list[str] = []
    size = 0
    for word in _WORD.findall(description.lower()):
        if len(word) < 3 or word in seen:
            continue
        seen.add(word)
        if size + len(word) + 1 > limit:
            break
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def browse_data(data: SiteData) -> bytes:
    """The browse page's data: one short record per plugin (what a card and its filters
    need, nothing more: this is what a visitor downloads). ``score`` is null when the source
    was never scanned (sorted last); ``text`` is the start of the description."""
    hosts = data.index.get("registry", {}).get("host", {}).get("versions", [])
    terms = Terms.of(data.index.get("registry", {}))
    rows = []
    for e in data.index["plugins"]:
        state = view.state_of(e)
        known = state.get("score_known", True)
        latest: Mapping[str, Any] = next((v for v in data.plugins[e["name"]].get("versions", [])
                       if v.get("version") == e["latest"]), {})
        description = str((latest.get("manifest") or {}).get("description") or "")
        rows.append([e["name"], e["latest"], e.get("summary", ""), e["category"],
                     e.get("tags", []), e.get("capabilities", []),
                     (e.get("score") or {}).get("total", 0) if known else None,
                     (e.get("badges") or {}).get("tier", "") if known else "unknown",
                     bool((e.get("badges") or {}).get("verified")), e.get("host", ""),
                     e.get("updated", "")[:10], str(state.get("state") or "not-scanned"),
                     bool(e.get("deprecated")),
                     description_words(description, " ".join(
                         [e["name"], e.get("summary", ""), *e.get("tags", [])]))])
    doc = {"fields": ["name", "latest", "summary", "category", "tags", "capabilities", "score",
                      "tier", "verified", "host", "updated", "state", "deprecated",
                      "text"],
           "hosts": hosts, "plugins": rows,
           "categories": dict(terms.categories), "capabilities": dict(terms.capabilities),
           "states": {k: v[0] for k, v in view.STATE_LABELS.items()}}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def pages(data: SiteData) -> dict[str, str]:
    """Every generated page (path under the docs directory -> Markdown source)."""
    registry = data.index.get("registry", {})
    entries = data.index["plugins"]
    out: dict[str, str] = {}
    people = {str(c["login"]).lower(): c for c in data.contributors if c.get("login")}
    titles = Terms.of(registry).categories
    for e in entries:
        out[f"plugins/{e['name']}.md"] = plugin_page(e, data.plugins[e["name"]],
                                                      data.related.get(e["name"], []),
                                                      registry, people, data.plugins)
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
        f'<p class="pi-links"><a href="publishing/">How to publish a plugin</a> · '
        f'<a href="{_url(scoring.PAGE)}">How plugins are scored</a> · '
        f'<a href="{_url(rules.PAGE)}">The rules every manifest is checked against</a> · '
        f'<a href="{FEED_FILE}" type="application/atom+xml">New versions, yanks and '
        f'deprecations (Atom feed)</a>'
        + (f" · The registry: {link(registry.get('repository'), registry.get('repository'))}"
           if safe_url(registry.get("repository")) else "") + "</p>",
        "", "## Featured", "", _cards(featured, titles), "", "## Newest", "",
        _cards(newest, titles), "", "## Recently updated", "", _cards(updated, titles), ""])
    out["browse.md"] = "\n".join([
        _front("Browse"), "# Browse plugins", "",
        '<div id="pi-browse" data-src="../assets/browse.json" data-search-exclude>',
        '<noscript><ul>' + "".join(f'<li><a href="../plugins/{esc(e["name"])}/">'
                                   f'{esc(e["name"])}</a></li>' for e in entries)
        + "</ul></noscript></div>", ""])
    by_category: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in entries:
        by_category[e["category"]].append(e)
    lines = [_front("Categories", exclude_from_search=True), "# Categories", ""]
    for cid in sorted(by_category):
        lines += [f'<h2 id="{esc(cid)}">{esc(titles.get(cid, cid))}</h2>',
                  f'<p><a href="../browse/?category={quote(cid)}">Browse and filter the '
                  f'{len(by_category[cid])} plugins of this category</a></p>',
                  '<div class="pi-cards">' + "".join(card(e, titles) for e in by_category[cid])
                  + "</div>", ""]
    out["categories.md"] = "\n".join(lines)
    tag_counts = Counter(t for e in entries for t in e.get("tags", []))
    lines = [_front("Tags", exclude_from_search=True), "# Tags", "", "<ul>"]
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
        *(f'<div class="pi-scroll" data-search-exclude>{chart}</div>'
          for chart in stats(data.index)), "</div>", ""])
    out["contributors.md"] = "\n".join([
        _front("Contributors"), "# Contributors", "",
        "<p>Points for what merged into the registry: published plugins, releases, "
        "documentation, tooling and reviews (<code>plugindex reputation LOGIN</code> lists the "
        "commits behind every point).</p>",
        "<table><thead><tr><th>#</th><th>contributor</th><th>points</th><th>level</th>"
        f"<th>badges</th></tr></thead><tbody>{rows}</tbody></table>",
        "## Levels", "", "<p>How the contributors spread over the levels: each level above "
        "the first aims to be reached by a share of them, from 60% (a published plugin, or a "
        "few smaller contributions) down to 1% (the handful who carry the registry). "
        "<code>plugindex reputation --levels</code> suggests thresholds that meet the aims.</p>",
        "", "<table><thead><tr><th>level</th><th>from</th><th>contributors</th>"
        "<th>reach it</th><th>aimed</th></tr></thead><tbody>" + "".join(
            f"<tr><td>{esc(level['name'])}</td><td>{esc(level['min'])} points</td>"
            f"<td>{sum(c['level'] == level['name'] for c in data.contributors)}</td>"
            f"<td>{_share(level, data.contributors)}</td><td>{aim:.0%}</td></tr>"
            for level, aim in zip(data.levels, level_aims(len(data.levels)), strict=True))
        + "</tbody></table>",
        "## Badges", "", "<ul>" + "".join(
            f'<li id="badge-{esc(b)}"><strong>{esc(b)}</strong>: {esc(why)}</li>'
            for b, why in badge_texts(data.badges)) + "</ul>", ""])
    return out


def _share(level: Mapping[str, Any], contributors: Sequence[Mapping[str, Any]]) -> str:
    """The share of contributors with at least a level's points."""
    if not contributors:
        return "-"
    reach = sum(c["points"] >= level["min"] for c in contributors)
    return f"{reach / len(contributors):.0%}"


def _cards(entries: Sequence[Mapping[str, Any]], titles: Mapping[str, str]) -> str:
    """Cards in a listing, kept out of site search (the plugins' own pages answer it)."""
    # (a section: a div's exclusion would end at the first nested div)
    return ('<section data-search-exclude><div class="pi-cards">'
            + "".join(card(e, titles) for e in entries) + "</div></section>")


def _url(page: str) -> str:
    """A generated page's URL from the home page ('rules.md' -> 'rules/')."""
    return page.removesuffix(".md") + "/"


def every_page(data: SiteData, score: ScoreConfig) -> dict[str, str]:
    """Every generated page of the site: the index's (``pages``), the rules page (from the
    rule catalog) and the scoring page (from the checks' table and ``score``, the registry's
    score settings)."""
    return {**pages(data), rules.PAGE: rules.page(), scoring.PAGE: scoring.markdown(score)}
