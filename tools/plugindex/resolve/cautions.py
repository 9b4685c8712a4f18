"""What a user must know about the versions an install plan picks: blocked by the registry's
scan policy, yanked, deprecated, each with its reason (pip prints a yank's reason; npm a
deprecation's). Pure: it reads the published plugin files' data, handed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plugindex.resolve.resolver import Release

KINDS = ("blocked", "yanked", "deprecated")  # in the order they are shown


@dataclass(frozen=True)
class Caution:
    plugin: str
    version: str
    kind: str  # one of KINDS
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"plugin": self.plugin, "version": self.version, "kind": self.kind,
                "reason": self.reason}

    def line(self) -> str:
        return f"{self.plugin} {self.version} is {self.kind}: {self.reason}"


def _blocking(entry: Mapping[str, Any]) -> str:
    items = (entry.get("scan") or {}).get("items") or []
    found = [f"{i.get('id')} ({i.get('where') or i.get('kind')})" for i in items
             if i.get("level") == "block" and not i.get("overridden_by")]
    return ("the registry's scan policy blocks it: " + ", ".join(found)) if found else \
        "the registry's scan policy blocks it"


def _deprecation(value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value or "deprecated")
    reason = str(value.get("reason") or "no reason given")
    replacement = value.get("replacement")
    return f"{reason} (use {replacement} instead)" if replacement else reason


def cautions(chosen: Sequence[Release], detail: Callable[[str], Mapping[str, Any]]
             ) -> list[Caution]:
    """The cautions of every chosen release, from its plugin's published file (``detail``):
    the version's scan verdict, its yank reason, and its deprecation, or the plugin's (the
    latest version's) when the version itself has none."""
    found: list[Caution] = []
    for release in chosen:
        data = detail(release.name)
        versions = data.get("versions") or []
        entry = next((v for v in versions if v.get("version") == release.shown), None)
        if entry is None:
            continue
        verdict = ((entry.get("scan") or {}).get("summary") or {}).get("verdict")
        if verdict == "blocked":
            found.append(Caution(release.name, release.shown, "blocked", _blocking(entry)))
        if entry.get("yanked"):
            found.append(Caution(release.name, release.shown, "yanked", str(entry["yanked"])))
        deprecated = entry.get("deprecated") or next(
            (v.get("deprecated") for v in versions if v.get("version") == data.get("latest")),
            None)
        if deprecated:
            found.append(Caution(release.name, release.shown, "deprecated",
                                 _deprecation(deprecated)))
    return sorted(found, key=lambda c: (KINDS.index(c.kind), c.plugin, c.version))
