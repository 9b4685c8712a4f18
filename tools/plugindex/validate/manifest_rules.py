"""Semantic rules for one manifest: what the schema cannot say, checked against registry.yaml.

Each rule is a small function ``(manifest, registry, report) -> None`` that declares the
top-level fields it needs. Rules also run on manifests whose other fields failed the schema (on
the fields that passed), so one run reports every problem; a rule is skipped only when a field
it needs is missing or invalid.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from plugindex.config.registry import RegistryConfig
from plugindex.diagnostics import Diagnostic, pointer
from plugindex.layout import split_manifest_path, under_root
from plugindex.manifests.model import Manifest
from plugindex.manifests.yamlsafe import Document
from plugindex.rules import diagnostic

URL_FIELDS = ("homepage", "repository", "documentation", "issues", "icon")


@dataclass
class Reporter:
    """Collects diagnostics for one file, placing each at its field's line."""

    file: str
    document: Document
    found: list[Diagnostic]

    def __call__(self, rule_id: str, ptr: str, message: str, hint: str | None = None) -> None:
        self.found.append(
            diagnostic(rule_id, self.file, self.document.line_of(ptr), ptr, message, hint)
        )


Check = Callable[[Manifest, RegistryConfig, Reporter], None]
RULES: list[tuple[frozenset[str], Check]] = []


def needs(*fields: str) -> Callable[[Check], Check]:
    """Register a rule that runs only when ``fields`` are present and schema-valid."""
    def register(fn: Check) -> Check:
        RULES.append((frozenset(fields), fn))
        return fn
    return register


@functools.lru_cache(maxsize=4096)
def parse_range(text: str) -> SpecifierSet:
    """The one range syntax: PEP 440 specifiers separated by commas; '' means any version."""
    return SpecifierSet(text)


@functools.lru_cache(maxsize=4096)
def _requirement(text: str) -> Requirement | str:
    """The parsed requirement, or the parser's message (memoized: registries repeat these)."""
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        return str(exc).splitlines()[0][:200]


@functools.lru_cache(maxsize=1024)
def _license(expression: str) -> str | InvalidLicenseExpression:
    try:
        return str(canonicalize_license_expression(expression))
    except InvalidLicenseExpression as exc:
        return exc


def check_path(path: str, data: dict[str, Any], report: Reporter) -> None:
    """PI030/PI031: the file is submissions/<name>/<version>.yaml and agrees with its fields.

    Runs on the raw mapping so that it reports even when the schema failed.
    """
    parts = split_manifest_path(path)
    if parts is None:
        report("PI030", "", f"'{path}' is not at submissions/<name>/<version>.yaml")
        return
    for key, expected in zip(("name", "version"), parts, strict=True):
        value = data.get(key)
        if isinstance(value, str) and value != expected:
            report("PI031", pointer(key), f"{key} '{value}' does not match the path's '{expected}'")


def _url_problems(url: str) -> Iterator[tuple[str, str]]:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        yield "PI037", f"'{url[:80]}' is not a valid URL"
        return
    if parts.scheme != "https":
        yield "PI037", f"'{url[:80]}' is not an https URL"
    if not parts.netloc:
        return
    if "@" in parts.netloc:
        yield "PI038", "the URL contains credentials before '@'"
    if any(c.isspace() or c in "<>\"'`\\" for c in url):
        yield "PI037", "the URL contains spaces, quotes or angle brackets"
    name = host[:-1] if host.endswith(".") else host  # 'example.com.' is 'example.com'
    labels = name.split(".")
    tld = labels[-1]
    if _reads_as_address(name):
        yield "PI039", f"host '{host}' is an IP address"
    elif not host.isascii():
        yield "PI039", f"host '{host}' is not ASCII (write internationalized names in punycode)"
    elif (len(labels) < 2 or "" in labels or tld == "localhost"
          or not (tld.isalpha() or tld.startswith("xn--"))):
        # A public name ends in a top-level domain: letters, or an IDN TLD in punycode.
        yield "PI039", f"host '{host}' is not a public host name"


def _reads_as_address(host: str) -> bool:
    """An IP literal, or a name that inet_aton-style parsers read as an IPv4 address:
    '127.1', '2130706433', '0x7f.1', '0177.0.0.1' (socket.inet_aton parses, never resolves)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    if not host or not host.isascii() or any(c.isspace() for c in host):
        return False
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


@needs()
def check_urls(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    urls: list[tuple[str, str]] = [(pointer(k), m.data[k]) for k in URL_FIELDS if k in m.data]
    urls += [(pointer("screenshots", i, "url"), s["url"])
             for i, s in enumerate(m.data.get("screenshots", ()))]
    if m.source.kind in ("git", "archive"):
        urls.append((pointer("source", m.source.kind), m.source.location))
    for ptr, url in urls:
        for rule_id, message in _url_problems(url):
            report(rule_id, ptr, message)


@needs("source")
def check_source_host(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    if m.source.kind == "path":
        return
    try:
        host = urlsplit(m.source.location).hostname or ""
    except ValueError:
        return  # reported by check_urls
    if host not in reg.source_hosts:
        report("PI040", pointer("source", m.source.kind),
               f"host '{host}' is not one of: {', '.join(sorted(reg.source_hosts))}")


@needs("source")
def check_source_path(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    """PI052: an in-repository source lies strictly below one of the path-source roots."""
    if m.source.kind != "path" or under_root(m.source.location, reg.path_source_roots):
        return
    report("PI052", pointer("source", "path"),
           f"'{m.source.location}' is not inside "
           f"{' or '.join(r + '/' for r in reg.path_source_roots)}")


@needs("category")
def check_category(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    if m.category not in reg.category_ids:
        report("PI032", pointer("category"), f"unknown category '{m.category}'",
               f"use one of: {', '.join(sorted(reg.category_ids))}")


@needs()
def check_vocabulary(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    for key, noun, values, known, rule_id in (
        ("capabilities", "capability", m.capabilities, reg.capability_ids, "PI033"),
        ("permissions", "permission", m.permissions, reg.permission_ids, "PI034"),
    ):
        for i, value in enumerate(values):
            if value not in known:
                report(rule_id, pointer(key, i), f"unknown {noun} '{value}'",
                       f"use one of: {', '.join(sorted(known))}")


@needs("license")
def check_license(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    canonical = _license(m.license)
    if isinstance(canonical, InvalidLicenseExpression):
        report("PI035", pointer("license"), str(canonical))
        return
    words = canonical.replace("(", " ").replace(")", " ").split()
    ids = {w for w in words if w not in ("AND", "OR", "WITH")}
    exceptions = {words[i + 1] for i, w in enumerate(words[:-1]) if w == "WITH"}
    for license_id in sorted(ids - exceptions):
        if license_id not in reg.licenses:
            report("PI036", pointer("license"), f"license '{license_id}' is not allowed here",
                   f"use one of: {', '.join(sorted(reg.licenses))}")


@needs()
def check_ranges(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    ranges = []
    if m.requires_python is not None:
        ranges.append((pointer("requires", "python"), m.requires_python))
    ranges += [(pointer("requires", "plugins", n), r) for n, r in m.requires_plugins]
    ranges += [(pointer("conflicts", n), r) for n, r in m.conflicts]
    for ptr, text in ranges:
        try:
            parse_range(text)
        except InvalidSpecifier:
            report("PI044", ptr, f"'{text}' is not a PEP 440 version range")


@functools.lru_cache(maxsize=1024)
def _matches_any(spec: SpecifierSet, versions: tuple[Version, ...]) -> bool:
    return any(spec.contains(v, prereleases=True) for v in versions)


@needs("host")
def check_host(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    try:
        host = parse_range(m.host)
    except InvalidSpecifier:
        report("PI044", pointer("host"), f"'{m.host}' is not a PEP 440 version range")
        return
    if not _matches_any(host, reg.parsed_host_versions):
        report("PI045", pointer("host"),
               f"'{m.host}' matches none of {reg.host_name}'s versions "
               f"({', '.join(reg.host_versions)})")


@needs()
def check_requirements(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, text in enumerate(m.requires_packages):
        ptr = pointer("requires", "packages", i)
        if text.lstrip().startswith("-"):
            report("PI043", ptr, f"'{text[:80]}' is a pip option, not a requirement")
            continue
        req = _requirement(text)
        if isinstance(req, str):
            report("PI041", ptr, req)
            continue
        if req.url is not None:
            report("PI042", ptr, f"'{req.name}' is required from a URL")
            continue
        key = (canonicalize_name(req.name), str(req.marker or ""))
        if key in seen:
            report("PI051", ptr, f"'{req.name}' is also required by requires.packages[{seen[key]}]")
        seen.setdefault(key, i)


@needs()
def check_counts(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    if len(m.requires_plugins) > reg.max_plugin_requirements:
        report("PI046", pointer("requires", "plugins"),
               f"{len(m.requires_plugins)} plugin requirements; at most "
               f"{reg.max_plugin_requirements} are allowed")
    if len(m.requires_packages) > reg.max_package_requirements:
        report("PI046", pointer("requires", "packages"),
               f"{len(m.requires_packages)} package requirements; at most "
               f"{reg.max_package_requirements} are allowed")


@needs("name")
def check_self_reference(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    for key, entries in (("plugins", m.requires_plugins), ("conflicts", m.conflicts)):
        for name, _ in entries:
            if canonicalize_name(name) == canonicalize_name(m.name):
                ptr = pointer("requires", "plugins", name) if key == "plugins" else pointer(
                    "conflicts", name)
                report("PI047", ptr, f"'{m.name}' names itself")
    if m.deprecated and m.deprecated.replacement == m.name:
        report("PI047", pointer("deprecated", "replacement"), f"'{m.name}' replaces itself")


@needs("maintainers")
def check_maintainers(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    seen: set[str] = set()
    for i, maintainer in enumerate(m.maintainers):
        login = maintainer.github.lower()
        if login in seen:
            report("PI048", pointer("maintainers", i, "github"),
                   f"'{maintainer.github}' is listed twice")
        seen.add(login)


def check_manifest(m: Manifest, reg: RegistryConfig, report: Reporter) -> None:
    """Run every rule whose fields are present in ``m.data`` (which holds only valid fields)."""
    present = m.data.keys()
    for fields, fn in RULES:
        if fields <= present:
            fn(m, reg, report)
