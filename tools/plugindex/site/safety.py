"""How the site shows a version's safety state (``build/safety.py``): a badge on every card and
plugin page, banners at the top of a plugin page (npm's deprecation banner, PyPI's yank
banner), and the score as "not scanned" when the source was never scanned. Pure functions from
index data to escaped HTML; the browse page's script reads ``STATE_LABELS`` from browse.json
(``states``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugindex.site.html import esc

# state -> (badge text, admonition type of its banner or None)
STATE_LABELS: dict[str, tuple[str, str | None]] = {
    "blocked": ("blocked", "danger"),
    "not-scanned": ("not scanned", "warning"),
    "incomplete": ("scan incomplete", "warning"),
    "warnings": ("scan warnings", None),
    "passed": ("scan passed", None),
}
BANNER_TITLES = {
    "blocked": "Blocked by the registry's scan policy",
    "not-scanned": "Not scanned",
    "incomplete": "Scan incomplete",
}


def state_of(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """The safety object of an index entry or a version (empty for an index built before it)."""
    return entry.get("safety") or {}


def safety_badge(state: Mapping[str, Any]) -> str:
    name = str(state.get("state") or "not-scanned")
    label = STATE_LABELS.get(name, (name, None))[0]
    title = f' title="{esc(state["reason"])}"' if state.get("reason") else ""
    return f'<span class="pi-badge pi-safety pi-safety-{esc(name)}"{title}>{esc(label)}</span>'


def score_badge(score: Mapping[str, Any], state: Mapping[str, Any]) -> str:
    """'77 · good', or 'score: not scanned' when the score measured none of the code."""
    if state and not state.get("score_known", True):
        return '<span class="pi-badge pi-tier-unknown">score: not scanned</span>'
    tier = str(score.get("tier") or "unscored")
    return (f'<span class="pi-badge pi-tier-{esc(tier)}">{esc(score.get("total", "-"))} · '
            f"{esc(tier)}</span>")


def _banner(kind: str, title: str, body: str) -> str:
    return (f'<div class="admonition {kind} pi-banner" role="alert">'
            f'<p class="admonition-title">{esc(title)}</p><p>{body}</p></div>')


def banners(state: Mapping[str, Any], version: str) -> str:
    """The banners at the top of a plugin page, the gravest first: blocked, yanked,
    deprecated (with its replacement's page), not scanned or incomplete."""
    out = []
    name = str(state.get("state") or "")
    kind = STATE_LABELS.get(name, ("", None))[1]
    if name == "blocked":
        out.append(_banner("danger", BANNER_TITLES[name],
                           f"Version {esc(version)}: {esc(state.get('reason') or '')}. "
                           "Do not install it unless you have reviewed the findings below."))
    if state.get("yanked"):
        out.append(_banner("danger", "Yanked",
                           f"Version {esc(version)} was yanked: {esc(state['yanked'])}"))
    deprecated = state.get("deprecated")
    if deprecated:
        replacement = deprecated.get("replacement")
        use = (f' Use <a href="../{esc(replacement)}/">{esc(replacement)}</a> instead.'
               if replacement else "")
        out.append(_banner("warning", "Deprecated",
                           f"{esc(deprecated.get('reason') or 'No reason given.')}{use}"))
    if kind == "warning":
        body = esc(state.get("reason") or "")
        if not state.get("score_known", True):
            body += ". The score measured nothing of the code it could not scan."
        out.append(_banner("warning", BANNER_TITLES[name], body))
    return "".join(out)
