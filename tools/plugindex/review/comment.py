"""The review as one pull-request comment (Markdown) or as JSON for the trusted workflow.

Everything that comes from the pull request (paths, names, messages) is escaped so that it
cannot become a link, an image, a mention or markup in GitHub's Markdown. The comment carries
a hidden marker, so that later runs update the same comment, and stays under GitHub's 65,536
character limit (the full report is the workflow's artifact).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from plugindex.diagnostics import Diagnostic, Severity
from plugindex.review.verdict import (
    ADMIN_RULES,
    INCOMPLETE,
    INCOMPLETE_RULES,
    MEASURED_RULES,
    NEEDS_ADMIN,
    NEEDS_CHANGES,
    READY,
    FieldChange,
    Review,
)
from plugindex.search.lookalikes import DUPLICATE_SIMILARITY

MARKER = "<!-- plugindex-review -->"
LIMIT = 65_536
ICONS = {READY: "✅", NEEDS_CHANGES: "❌", NEEDS_ADMIN: "🛂", INCOMPLETE: "⏳"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~-])")  # (not < > &: entities)


def md(text: object) -> str:
    """Plain text for GitHub Markdown: Markdown punctuation backslashed, then '<', '>' and
    '&' as entities (quotes need none), '@' broken so that no one is mentioned, and bare URLs
    unlinked: the ':' of '://' and the '.' after 'www' as entities, which GitHub shows as the
    same characters but does not autolink."""
    punctuated = _MARKDOWN.sub(r"\\\1", str(text).replace("\n", " "))
    escaped = html.escape(punctuated, quote=False).replace("@", "@\u200b")
    unlinked = re.sub(r":(?=//)", "&#58;", escaped)
    return re.sub(r"(?i)(www)\.", r"\1&#46;", unlinked)


def markdown(r: Review, artifact: str = "the workflow's artifacts") -> str:
    lines = [MARKER, f"## {ICONS[r.verdict]} plugindex review: {r.verdict}", "",
             f"Author: {md(r.author)}" + (" (registry admin)" if r.admin else ""), ""]
    if r.approved_by:
        lines += ["Approved for this commit by the registry admin(s) "
                  + ", ".join(md(a) for a in r.approved_by)
                  + ": what needs an admin is cleared.", ""]
    if r.changes:
        lines += ["| manifest | plugin | version | change | score |", "|---|---|---|---|---|"]
        lines += [f"| {md(c.path)} | {md(c.plugin)} | {md(c.version)} | {md(c.kind)} | "
                  f"{_score(r.scores.get(c.path))} |" for c in r.changes]
        lines.append("")
        lines += [f"What it does to the index: {effect(r)}.", ""]
    for path, diff in sorted(r.diffs.items()):
        lines += _diff(path, diff)
    if r.outside:
        lines += [f"Files outside submissions/: {len(r.outside)}", ""]
    # What blocks first (whoever found it), then what needs an admin, then warnings; the
    # measured warnings (many, from the pull request's own untrusted workflow) fold away.
    measured = set(r.measured)
    everything = sorted({*r.problems, *r.measured},
                        key=lambda d: (d.file, d.line, d.rule, d.message))
    unscanned = [d for d in everything if d.rule in INCOMPLETE_RULES]
    blocking = [d for d in everything if d.severity is Severity.ERROR and d not in unscanned]
    admin = [d for d in everything if d not in blocking and d.rule in ADMIN_RULES]
    shown = {*blocking, *admin, *unscanned}
    warnings = [d for d in everything if d not in shown and d not in measured]
    folded = [d for d in everything if d not in shown and d in measured]
    for title, group in (("Blocking", blocking),
                         ("Not scanned: the review is incomplete", unscanned),
                         ("Approved by an admin" if r.approved_by else "Needs an admin", admin),
                         ("Warnings", warnings)):
        if group:
            lines += [f"### {title} ({len(group)})", ""]
            lines += [_problem(d, d in measured) for d in group]
            lines.append("")
    if folded:
        lines += [f"<details><summary>Other scan and build findings ({len(folded)}, measured "
                  "by the pull request's workflow)</summary>", ""]
        lines += [_problem(d, True) for d in folded]
        lines += ["", "</details>", ""]
    if not everything:
        lines += ["No problems found.", ""]
    similar = {n: lk for n, lk in r.lookalikes.items() if lk.duplicates}
    if similar:
        lines += ["<details><summary>Plugins these resemble (possible duplicates: at least "
                  f"{DUPLICATE_SIMILARITY:.0%} of the text alike)</summary>", ""]
        lines += [f"- {md(n)}: " + ", ".join(f"{md(s.name)} ({s.score:.0%})"
                                             for s in lk.duplicates)
                  for n, lk in sorted(similar.items())]
        lines += ["", "</details>", ""]
    text = "\n".join(lines)
    if len(text) > LIMIT:
        note = (f"\n\n… the report is longer than a comment may be: the full report is in "
                f"{artifact}.\n")
        text = text[:LIMIT - len(note) - 1] + note
    return text


EFFECTS = (("new-plugin", "plugin added", "plugins added"),
           ("new-version", "version added", "versions added"),
           ("yank", "version yanked", "versions yanked"),
           ("unyank", "yank undone", "yanks undone"),
           ("deprecation", "version deprecated", "versions deprecated"),
           ("undeprecation", "deprecation undone", "deprecations undone"),
           ("reformatted", "published manifest reformatted", "published manifests reformatted"),
           ("edited", "published version edited (refused)", "published versions edited (refused)"),
           ("removed", "version removed", "versions removed"))


def effect(r: Review) -> str:
    """The change to the index in words: '1 plugin added, 2 versions added'."""
    counts = {kind: sum(c.kind == kind for c in r.changes) for kind, _, _ in EFFECTS}
    parts = [f"{counts[k]} {one if counts[k] == 1 else many}" for k, one, many in EFFECTS
             if counts[k]]
    return ", ".join(parts) or "nothing"


DIFF_ROWS = 30  # the changed fields a comment shows of one manifest
DIFF_VALUE = 120  # the characters shown of one value


def _value(value: object) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return md(text if len(text) <= DIFF_VALUE else text[:DIFF_VALUE] + "…")


def _diff(path: str, diff: tuple[FieldChange, ...]) -> list[str]:
    """The fields a pull request changes in a published manifest, as a table."""
    if not diff:
        return [f"{md(path)}: the bytes changed, not what they say (reformatted).", ""]
    rows = [f"| {md(c.pointer)} | {_value(c.before)} | {_value(c.after)} |"
            for c in diff[:DIFF_ROWS]]
    more = ["", f"… and {len(diff) - DIFF_ROWS} more changed fields."] \
        if len(diff) > DIFF_ROWS else []
    return [f"Changes to {md(path)}:", "", "| field | before | after |", "|---|---|---|",
            *rows, *more, ""]


def _problem(d: Diagnostic, measured: bool = False) -> str:
    where = ", measured" if measured else ""
    return (f"- `{d.rule}` {md(d.file)}:{d.line} ({d.severity.value}{where}): {md(d.message)}"
            f" — {md(d.hint)}")


def _score(score: tuple[int, str] | None) -> str:
    return f"{score[0]} ({md(score[1])})" if score else "not scored"


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {"rule": d.rule, "file": d.file, "line": d.line, "pointer": d.pointer,
            "severity": d.severity.value, "message": d.message, "hint": d.hint}


def _diagnostic(p: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(p["file"], p["line"], p["rule"], p["pointer"], p["message"], p["hint"],
                      Severity(p["severity"]))


def as_json(r: Review, head: str | None = None, pr: int | None = None) -> dict[str, Any]:
    return {
        "schema_version": 2, "head": head, "pr": pr, "author": r.author, "admin": r.admin,
        "verdict": r.verdict, "labels": r.labels(),
        "changes": [{"path": c.path, "plugin": c.plugin, "version": c.version, "kind": c.kind,
                     "score": None if c.path not in r.scores else {
                         "total": r.scores[c.path][0], "tier": r.scores[c.path][1]}}
                    for c in r.changes],
        "outside": list(r.outside),
        "problems": [_diagnostic_json(d) for d in r.problems],
        "measured": [_diagnostic_json(d) for d in r.measured],
        "lookalikes": {n: lk.as_json() for n, lk in sorted(r.lookalikes.items())},
    }


def measurements_from_json(data: Mapping[str, Any]
                           ) -> tuple[list[Diagnostic], dict[str, tuple[int, str]]]:
    """What the trusted workflow takes from the untrusted one's result (after the schema
    check): the problems only a measurement finds (scan, build), and the scores."""
    measured = [_diagnostic(p) for p in data["measured"] if p["rule"] in MEASURED_RULES]
    scores = {c["path"]: (int(c["score"]["total"]), str(c["score"]["tier"]))
              for c in data["changes"] if c.get("score")}
    return measured, scores


def render(r: Review, form: str, head: str | None = None, pr: int | None = None) -> str:
    return (json.dumps(as_json(r, head, pr), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
            if form == "json" else markdown(r))
