"""A manifest from what a plugin already says about itself: its pyproject.toml and its git
checkout (pure; ``commands/new.py`` reads the files and asks the questions).

Inferred: name (PEP 503 normalized), version, summary, license, homepage / repository /
documentation / issues URLs, Python requirement and dependencies, and the source (the git
remote as https, pinned to the HEAD commit). Not inferable, so asked or given as flags:
category, capabilities, permissions, host range and maintainers. Whatever is still missing
is left out, and ``plugindex validate`` names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from plugindex.errors import UsageError

ORDER = ("schema", "name", "version", "summary", "description", "category", "tags",
         "capabilities", "permissions", "maintainers", "license", "homepage", "repository",
         "documentation", "issues", "source", "host", "requires", "conflicts", "entry_point",
         "screenshots", "icon", "yanked", "deprecated")
URL_KEYS = {"homepage": "homepage", "home": "homepage", "repository": "repository",
            "source": "repository", "code": "repository", "documentation": "documentation",
            "docs": "documentation", "issues": "issues", "tracker": "issues",
            "bug tracker": "issues", "bugs": "issues"}


@dataclass(frozen=True)
class Answers:
    """What only the author can say."""

    category: str | None = None
    capabilities: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    host: str | None = None
    maintainers: tuple[str, ...] = ()  # GitHub logins
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GitFacts:
    remote: str | None = None
    commit: str | None = None
    subdirectory: str | None = None  # the plugin's directory within its repository


@dataclass(frozen=True)
class Draft:
    manifest: dict[str, Any]
    inferred: tuple[str, ...] = field(default_factory=tuple)  # the fields read, not asked


def https_remote(url: str) -> str | None:
    """A git remote as the https URL the registry accepts (``git@host:o/r.git`` too)."""
    url = url.strip()
    m = re.match(r"^git@([^:]+):(.+?)(\.git)?$", url)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    m = re.match(r"^(?:ssh://git@|https?://)([^/]+)/(.+?)(\.git)?/?$", url)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    return None


def draft(pyproject: Mapping[str, Any], git: GitFacts, answers: Answers) -> Draft:
    project = pyproject.get("project") or {}
    manifest: dict[str, Any] = {"schema": 1}
    inferred = []
    if isinstance(project.get("name"), str):
        manifest["name"] = str(canonicalize_name(project["name"]))
        inferred.append("name")
    if isinstance(project.get("version"), str):
        manifest["version"] = project["version"]
        inferred.append("version")
    if isinstance(project.get("description"), str) and project["description"].strip():
        manifest["summary"] = project["description"].strip()
        inferred.append("summary")
    if answers.category:
        manifest["category"] = answers.category
    if answers.tags:
        manifest["tags"] = list(answers.tags)
    elif isinstance(project.get("keywords"), list) and project["keywords"]:
        manifest["tags"] = [str(k).lower() for k in project["keywords"]][:10]
        inferred.append("tags")
    if answers.capabilities:
        manifest["capabilities"] = list(answers.capabilities)
    if answers.permissions:
        manifest["permissions"] = list(answers.permissions)
    if answers.maintainers:
        manifest["maintainers"] = [{"github": login} for login in answers.maintainers]
    license_ = project.get("license")
    if isinstance(license_, Mapping):
        license_ = license_.get("text") or license_.get("file")
    if isinstance(license_, str) and license_.strip() and "\n" not in license_.strip():
        manifest["license"] = license_.strip()
        inferred.append("license")
    for label, url in sorted((project.get("urls") or {}).items()):
        key = URL_KEYS.get(str(label).strip().lower())
        if key and key not in manifest and isinstance(url, str):
            manifest[key] = url
            inferred.append(key)
    remote = https_remote(git.remote) if git.remote else None
    if remote and git.commit:
        source: dict[str, Any] = {"git": remote, "commit": git.commit}
        if git.subdirectory:
            source["subdirectory"] = git.subdirectory
        manifest["source"] = source
        manifest.setdefault("repository", remote)
        inferred.append("source")
    if answers.host:
        manifest["host"] = answers.host
    requires: dict[str, Any] = {}
    if isinstance(project.get("requires-python"), str):
        requires["python"] = project["requires-python"]
    if isinstance(project.get("dependencies"), list) and project["dependencies"]:
        requires["packages"] = [str(d) for d in project["dependencies"]]
    if requires:
        manifest["requires"] = requires
        inferred.append("requires")
    return Draft(ordered(manifest), tuple(inferred))


def _version(text: object, what: str) -> Version:
    try:
        return Version(str(text))
    except InvalidVersion:
        raise UsageError(f"{what} {text!r} is not a version (PEP 440)") from None


def bump(latest: Mapping[str, Any], version: str, commit: str | None = None,
         tag: str | None = None, archive: str | None = None,
         sha256: str | None = None, same_source: bool = False) -> dict[str, Any]:
    """The next version's manifest from the latest one: the same plugin, a new version and
    source pin; never its yank or deprecation.

    Refused (UsageError), so that a bump cannot write a wrong release: a version not above
    the latest; a git or archive source left as it was, or pinned to the same commit or
    archive again, unless ``same_source`` says that is meant; --commit or --tag for a source
    in the registry's own tree (a new version takes that directory as it is when published)."""
    if _version(version, "the new version") <= _version(latest.get("version"),
                                                         "the latest version"):
        raise UsageError(f"{version} is not above the latest version, {latest.get('version')}: "
                         "a new version must be higher")
    manifest = {k: v for k, v in latest.items() if k not in ("yanked", "deprecated")}
    manifest["version"] = version
    old = dict(manifest.get("source") or {})
    source = dict(old)
    if archive is not None:
        source = {"archive": archive, "sha256": sha256 or ""}
    elif "path" in old and (commit is not None or tag is not None):
        raise UsageError(f"the source is {old['path']}, a directory of the registry: a new "
                         "version takes it as it is when published; --commit and --tag are for "
                         "git sources")
    elif commit is not None:
        source["commit"] = commit
        source.pop("tag", None)
        if tag:
            source["tag"] = tag
    unchanged = ("git" in old or "archive" in old) and (
        source.get("commit"), source.get("archive"), source.get("sha256")) == (
        old.get("commit"), old.get("archive"), old.get("sha256"))
    if unchanged and not same_source:
        pin = "--commit SHA" if "git" in source else "--archive URL --sha256 HEX"
        raise UsageError(f"the new version would have the same source as "
                         f"{latest.get('version')}: give its own {pin}, or --same-source if "
                         "the release really is the same code")
    manifest["source"] = source
    return ordered(manifest)


def ordered(manifest: Mapping[str, Any]) -> dict[str, Any]:
    known = [k for k in ORDER if k in manifest]
    return {k: manifest[k] for k in [*known, *sorted(set(manifest) - set(known))]}


class _BlockDumper(yaml.SafeDumper):
    """safe_dump, but text of several lines as a literal block (``|``), as authors write it;
    PyYAML falls back to a quoted style where a block cannot hold the text exactly."""


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _str)


def render(manifest: Mapping[str, Any], unfilled: Sequence[str] = ()) -> str:
    """The manifest as YAML, with a comment naming what the author still has to fill."""
    text = yaml.dump(dict(manifest), Dumper=_BlockDumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
    if unfilled:
        text = f"# still to fill in: {', '.join(unfilled)} (plugindex validate)\n" + text
    return text
