"""The quality score: a pure function from facts to a 0-100 score with every component shown.

Each check of :data:`CHECKS` earns whole points up to its weight, from facts that are all in
the repository: the manifest, the registry's own history (publish times from git), the scan
record of the version's source (bandit, permissions, and the source facts gathered by
``sourcefacts``), its audit record, and its requirement check. Nothing is fetched, nothing
depends on the clock: times are measured as of ``as_of``, a time the build takes from git.
The total is the sum of the checks' points, and a check below its weight says what would
raise it and by how much. A check that cannot be evaluated (the source was not scanned, the
dependencies were not audited) earns nothing: a skipped scan never scores like a clean one.

Weights and thresholds come from the ``score`` section of registry.yaml; the defaults are the
table below, which the documentation page is generated from (``scoredoc``).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from plugindex.config.score import CHECKS, FAMILIES, Param, ScoreConfig
from plugindex.manifests.model import Manifest
from plugindex.resolve.installability import RequirementCheck

DAY = 86400


@dataclass(frozen=True, order=True)
class Release:
    """One version of the plugin, as the registry's history knows it."""

    version: str
    published: int  # seconds since the epoch (committer time of the publishing commit)
    yanked: bool


@dataclass(frozen=True)
class ScoreFacts:
    """Everything the score of one version is computed from."""

    manifest: Manifest
    releases: tuple[Release, ...]  # every version of the plugin
    record: Mapping[str, Any] | None  # the source's scan record (None: not scanned)
    audit: Mapping[str, Any] | None  # the audit record of its dependencies (None: none)
    requirements: RequirementCheck
    install_status: str | None  # the full resolution's status (latest version only)
    newest_host: str
    as_of: int  # seconds since the epoch


@dataclass(frozen=True)
class CheckResult:
    id: str
    family: str
    title: str
    points: int
    max: int
    evidence: str
    recommendation: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "family": self.family, "title": self.title,
                "points": self.points, "max": self.max, "evidence": self.evidence,
                "recommendation": self.recommendation}


@dataclass(frozen=True)
class Score:
    total: int
    max: int
    tier: str
    as_of: int
    checks: tuple[CheckResult, ...]

    def families(self) -> dict[str, dict[str, int]]:
        out = {f: {"points": 0, "max": 0} for f in FAMILIES}
        for c in self.checks:
            out[c.family]["points"] += c.points
            out[c.family]["max"] += c.max
        return {f: v for f, v in out.items() if v["max"]}

    def recommendations(self) -> list[str]:
        """Largest gains first."""
        below = sorted((c for c in self.checks if c.recommendation),
                       key=lambda c: (c.points - c.max, c.id))
        return [c.recommendation for c in below if c.recommendation]

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "max": self.max, "tier": self.tier,
                "families": self.families(), "checks": [c.as_json() for c in self.checks],
                "recommendations": self.recommendations()}


# -- evaluation helpers ----------------------------------------------------------------------

Outcome = tuple[int, str, str | None]  # points, evidence, what to do (None: nothing to do)


@dataclass(frozen=True)
class _Ctx:
    facts: ScoreFacts
    weight: int
    params: Mapping[str, Param]

    def num(self, key: str) -> float:
        value = self.params[key]
        if isinstance(value, tuple):
            raise TypeError(f"{key} is a list")
        return float(value)

    def num_or(self, key: str, default: float) -> float:
        return self.num(key) if key in self.params else default

    def words(self, key: str) -> tuple[str, ...]:
        value = self.params[key]
        return value if isinstance(value, tuple) else ()


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


def _source_problem(record: Mapping[str, Any] | None) -> str | None:
    """Why the source's facts are not available (None: they are)."""
    if record is None:
        return "the source has not been scanned"
    if record.get("status") != "scanned":
        problem = record.get("problem") or {}
        return (f"the source was {record.get('status', 'not scanned')}: "
                f"{problem.get('message', 'no reason recorded')}")
    if not isinstance(record.get("facts"), dict):
        return "the scan record holds no source facts (made by an older scanner): scan again"
    return None


def _source_facts(c: _Ctx) -> tuple[Mapping[str, Any] | None, Outcome | None]:
    """The source facts, or the outcome of a check that needs them and cannot have them."""
    why = _source_problem(c.facts.record)
    if why is None:
        record = c.facts.record or {}
        facts: Mapping[str, Any] = record["facts"]
        return facts, None
    return None, (0, why, "make the source scannable (see the scan report)")


def _linear(days: float, full: float, zero: float, weight: int) -> int:
    if days <= full:
        return weight
    if days >= zero:
        return 0
    return math.floor(weight * (zero - days) / (zero - full))


def _days(as_of: int, then: int) -> int:
    return max(0, (as_of - then) // DAY)


def _day(t: int) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d")


# -- security ---------------------------------------------------------------------------------

def _code(c: _Ctx) -> Outcome:
    record = c.facts.record
    why = _source_problem(record) if record is None or record.get("status") != "scanned" \
        else None
    if why is None and record is not None and record.get("bandit_problem"):
        why = f"bandit could not run: {record['bandit_problem']}"
    if why is not None or record is None:
        return 0, why or "not scanned", "make the source scannable (see the scan report)"
    bandit = record.get("bandit") or {}
    penalty = 0.0
    shown: list[str] = []
    for kind, factor in (("findings", 1.0), ("suppressed", c.num("suppressed"))):
        for f in bandit.get(kind, []):
            sev = str(f.get("severity", "")).lower()
            conf = str(f.get("confidence", "")).lower()
            penalty += factor * c.num_or(sev, 0.0) * c.num_or(f"confidence_{conf}", 1.0)
            if len(shown) < 3:
                note = " (# nosec)" if kind == "suppressed" else ""
                shown.append(f"{f.get('test_id')} {sev}/{conf} at {f.get('file')}:"
                              f"{f.get('line')}{note}")
    found, silenced = len(bandit.get("findings", [])), len(bandit.get("suppressed", []))
    points = max(0, c.weight - math.ceil(penalty - 1e-9))
    if not found and not silenced:
        return points, "bandit reports no finding", None
    evidence = (f"{_plural(found, 'bandit finding')}, {silenced} silenced by # nosec "
                f"(penalty {penalty:.1f}): " + "; ".join(shown))
    return points, evidence, "fix the bandit findings, or rewrite the code they point at"


def _advisories(c: _Ctx) -> Outcome:
    audit = c.facts.audit
    if audit is None:
        return 0, "the dependencies have not been audited", "run plugindex scan"
    if audit.get("status") != "audited":
        return (0, f"the dependency audit could not run: {audit.get('problem')}",
                "make the dependencies auditable (pin exact versions)")
    penalty = 0.0
    shown: list[str] = []
    upgrades: list[str] = []
    for p in audit.get("packages", []):
        for a in p.get("advisories", []):
            severity = a.get("severity") or "unknown"
            penalty += c.num_or(severity, c.num("unknown"))
            shown.append(f"{a['id']} ({severity}) in {p['name']} {p['version']}")
            if a.get("fixed_in"):
                upgrades.append(f"{p['name']}>={a['fixed_in'][0]}")
    skips = audit.get("skips", [])
    penalty += c.num("unaudited") * len(skips)
    points = max(0, c.weight - math.ceil(penalty - 1e-9))
    audited = len(audit.get("packages", []))
    if not shown and not skips:
        return points, f"no known advisory for {_plural(audited, 'dependency')}", None
    parts = []
    if shown:
        parts.append(f"{_plural(len(shown), 'advisory')}: " + "; ".join(shown[:5]))
    if skips:
        parts.append(f"{_plural(len(skips), 'requirement')} not audited: "
                     + "; ".join(f"{r} ({why})" for r, why in skips[:3]))
    advice = []
    if upgrades:
        advice.append("upgrade " + ", ".join(sorted(set(upgrades))[:5]))
    if skips:
        advice.append("pin the requirements that could not be audited")
    return points, "; ".join(parts), " and ".join(advice) or "replace the affected dependencies"


def _permissions(c: _Ctx, map_uses: Callable[[str], str | None]) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None:
        return failed
    del facts
    record = c.facts.record or {}
    declared = set(c.facts.manifest.permissions)
    undeclared = sorted({p for use, ev in record.get("permissions", {}).items()
                         if ev and (p := map_uses(use)) is not None and p not in declared})
    if not undeclared:
        return c.weight, "every permission the code uses is declared", None
    points = max(0, c.weight - math.ceil(c.num("per_undeclared") * len(undeclared)))
    return (points, "used but not declared: " + ", ".join(undeclared),
            "declare " + ", ".join(undeclared) + " under permissions")


def _coverage(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None:
        return failed
    del facts
    record = c.facts.record or {}
    errors = len((record.get("bandit") or {}).get("errors", []))
    unscanned = len((record.get("source") or {}).get("not_scanned", []))
    if record.get("bandit_problem"):
        return 0, f"bandit could not run: {record['bandit_problem']}", "see the scan report"
    if not errors and not unscanned:
        return c.weight, "every file was scanned", None
    penalty = c.num("per_error") * errors + c.num("per_unscanned_file") * unscanned
    points = max(0, c.weight - math.ceil(penalty - 1e-9))
    return (points, f"{_plural(errors, 'file')} bandit could not parse, "
            f"{unscanned} symbolic link(s) or submodule(s) not scanned",
            "make every file parseable Python 3 and ship files instead of links")


# -- documentation ----------------------------------------------------------------------------

def _readme(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    readme = facts.get("readme")
    if not readme:
        return 0, "no README in the source", "add a README that explains what the plugin does"
    words = int(readme.get("words", 0))
    wanted = c.num("substantive_words")
    points = max(1, math.floor(c.weight * min(1.0, words / wanted))) if wanted else c.weight
    evidence = f"{readme['file']}: {_plural(words, 'word')}"
    if points >= c.weight:
        return c.weight, evidence, None
    return points, evidence, f"expand the README to at least {int(wanted)} words"


def _readme_section(section: str, advice: str) -> Callable[[_Ctx], Outcome]:
    def check(c: _Ctx) -> Outcome:
        facts, failed = _source_facts(c)
        if failed is not None or facts is None:
            return failed or (0, "", None)
        readme = facts.get("readme")
        if not readme:
            return 0, "no README in the source", advice
        if readme.get("sections", {}).get(section):
            return c.weight, f"{readme['file']} has a {section} section", None
        headings = readme.get("headings", [])
        shown = ", ".join(f"'{h}'" for h in headings[:6]) or "none"
        return 0, f"{readme['file']} has no {section} section (headings: {shown})", advice
    return check


def _doc_url(c: _Ctx) -> Outcome:
    url = c.facts.manifest.urls.get("documentation")
    if url:
        return c.weight, f"documentation: {url}", None
    return 0, "the manifest has no documentation URL", "set documentation: in the manifest"


def _description(c: _Ctx) -> Outcome:
    text = str(c.facts.manifest.data.get("description") or "").strip()
    wanted = c.num("description_chars")
    if not text:
        return 0, "the manifest has no description", \
            f"write a description of at least {int(wanted)} characters"
    points = math.floor(c.weight * min(1.0, len(text) / wanted)) if wanted else c.weight
    evidence = f"description: {len(text)} characters"
    if points >= c.weight:
        return c.weight, evidence, None
    return points, evidence, f"expand the description to at least {int(wanted)} characters"


def _screenshots(c: _Ctx) -> Outcome:
    m = c.facts.manifest
    ui = (set(m.capabilities) & set(c.words("ui_capabilities"))
          or m.category in c.words("ui_categories"))
    if not ui:
        return c.weight, "not a UI plugin: not applicable", None
    shots = m.data.get("screenshots") or []
    if shots:
        return c.weight, f"{_plural(len(shots), 'screenshot')} in the manifest", None
    facts, _ = _source_facts(c)
    images = int(((facts or {}).get("readme") or {}).get("images", 0))
    if images:
        points = min(c.weight, int(c.num("readme_images_points")))
        return (points, f"no screenshots in the manifest; the README shows "
                f"{_plural(images, 'image')}", "list screenshots: in the manifest")
    return 0, "a UI plugin without screenshots", "list screenshots: in the manifest"


# -- maintenance ------------------------------------------------------------------------------

def _live(c: _Ctx) -> list[Release]:
    return [r for r in c.facts.releases if not r.yanked and r.published <= c.facts.as_of
            ] or [r for r in c.facts.releases if not r.yanked]


_version = functools.lru_cache(maxsize=65536)(Version)  # releases are compared again and again


def _recency(c: _Ctx) -> Outcome:
    live = _live(c)
    if not live:
        return 0, "every version is yanked", "publish a new version"
    latest = max(r.published for r in live)
    newest = max((r for r in live if r.published == latest), key=lambda r: _version(r.version))
    days = _days(c.facts.as_of, newest.published)
    points = _linear(days, c.num("full_days"), c.num("zero_days"), c.weight)
    evidence = f"newest release {newest.version}, published {_day(newest.published)}"
    return points, evidence, None if points >= c.weight else "publish a new release"


def _cadence(c: _Ctx) -> Outcome:
    window = c.num("window_days")
    recent = [r for r in c.facts.releases
              if not r.yanked and 0 <= c.facts.as_of - r.published <= window * DAY]
    full = c.num("full_releases")
    points = min(c.weight, math.floor(c.weight * len(recent) / full)) if full else c.weight
    evidence = f"{_plural(len(recent), 'release')} in the {int(window)} days before the " \
        "score date"
    return points, evidence, None if points >= c.weight else \
        f"release regularly (full points at {int(full)} releases a year)"


def _commit_times(source: Mapping[str, Any]) -> list[int]:
    """The commit times a scan found in the source (its record's ``facts``)."""
    return [int(t) for t in (source.get("commits") or {}).get("times", [])]


def _activity(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    times = _commit_times(facts)
    if not times:
        return (0, "commit dates are unknown (an archive source has no history)",
                "publish from a git source, whose commit dates show activity")
    days = _days(c.facts.as_of, max(times))
    points = _linear(days, c.num("full_days"), c.num("zero_days"), c.weight)
    evidence = f"last commit to the source on {_day(max(times))}"
    return points, evidence, None if points >= c.weight else "keep the source maintained"


def _changelog(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    if facts.get("changelog"):
        return c.weight, f"{facts['changelog']}", None
    readme = facts.get("readme") or {}
    if readme.get("sections", {}).get("changelog"):
        return c.weight, f"{readme['file']} has a changelog section", None
    return 0, "no changelog file or section", "add a CHANGELOG.md"


def _maintainers(c: _Ctx) -> Outcome:
    n = len(c.facts.manifest.maintainers)
    full = c.num("full_maintainers")
    points = min(c.weight, math.floor(c.weight * n / full)) if full else c.weight
    return points, _plural(n, "maintainer"), None if points >= c.weight else \
        f"list at least {int(full)} maintainers, so the plugin outlives one person's absence"


def _deprecation(c: _Ctx) -> Outcome:
    m = c.facts.manifest
    if m.yanked is not None:
        return 0, f"yanked: {m.yanked}", None
    if m.deprecated is not None:
        instead = f" (use {m.deprecated.replacement})" if m.deprecated.replacement else ""
        return 0, f"deprecated: {m.deprecated.reason}{instead}", None
    return c.weight, "neither deprecated nor yanked", None


# -- quality signals --------------------------------------------------------------------------

def _tests(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    tests = facts.get("tests") or {}
    n = int(tests.get("files", 0))
    if n:
        return c.weight, f"{_plural(n, 'test file')}, e.g. {tests['examples'][0]}", None
    return 0, "no test files", "add tests (tests/test_*.py)"


def _ci(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    ci = facts.get("ci") or []
    if ci:
        return c.weight, ", ".join(ci[:3]), None
    return 0, "no CI configuration", "run the tests in CI (e.g. .github/workflows/)"


def _typing(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    typing = facts.get("typing") or {}
    functions = int(typing.get("functions", 0))
    annotated = int(typing.get("annotated", 0))
    marker = bool(typing.get("py_typed"))
    if not functions:
        return c.weight, "no Python functions: not applicable", None
    ratio = annotated / functions
    marker_points = min(c.weight, int(c.num("py_typed_points")))
    rest = c.weight - marker_points
    full = c.num("full_ratio")
    points = (marker_points if marker else 0) + (
        min(rest, math.floor(rest * ratio / full)) if full else rest)
    evidence = (f"{annotated} of {functions} functions fully annotated; "
                f"py.typed {'present' if marker else 'absent'}")
    if points >= c.weight:
        return c.weight, evidence, None
    advice = []
    if ratio < full:
        advice.append(f"annotate at least {int(full * 100)}% of the functions")
    if not marker:
        advice.append("ship a py.typed marker")
    return points, evidence, " and ".join(advice)


def _license_ids(expression: str) -> set[str]:
    words = expression.replace("(", " ").replace(")", " ").split()
    ids, skip = set(), False
    for w in words:
        if w in ("AND", "OR"):
            continue
        if w == "WITH":
            skip = True
            continue
        if not skip:
            ids.add(w)
        skip = False
    return ids


def _license(c: _Ctx) -> Outcome:
    facts, failed = _source_facts(c)
    if failed is not None or facts is None:
        return failed or (0, "", None)
    files = facts.get("license_files") or []
    wanted = _license_ids(c.facts.manifest.license)
    if not files:
        return 0, "no license file", f"add a LICENSE file with the {c.facts.manifest.license} text"
    detected = {d for f in files for d in f.get("detected", [])}
    names = ", ".join(f["file"] for f in files)
    if wanted <= detected:
        return c.weight, f"{names} matches {c.facts.manifest.license}", None
    points = min(c.weight, int(c.num("unmatched_points")))
    found = ", ".join(sorted(detected)) or "an unrecognised text"
    return (points, f"{names} holds {found}; the manifest says {c.facts.manifest.license}",
            f"make the license file the {c.facts.manifest.license} text the manifest declares")


# -- compatibility ----------------------------------------------------------------------------

def _newest_host(c: _Ctx) -> Outcome:
    hosts = c.facts.requirements.hosts
    newest = c.facts.newest_host
    if newest in hosts:
        return c.weight, f"supports host {newest}", None
    latest = hosts[-1] if hosts else "none"
    return (0, f"supports host versions up to {latest}; the newest is {newest}",
            f"support host {newest}")


def _requirements(c: _Ctx) -> Outcome:
    check = c.facts.requirements
    if not check.hosts:
        return 0, "supports no released host version", "widen the host range"
    if c.facts.install_status == "not-installable":
        return 0, "the full resolution finds no install plan", "see plugindex resolve"
    met = check.met_on
    if len(met) == len(check.hosts):
        how = {"installable": " (and the full resolution succeeds)",
               "undecided": " (the full resolution was undecided in its time budget)"
               }.get(c.facts.install_status or "", "")
        count = len(c.facts.manifest.requires_plugins)
        return c.weight, f"{_plural(count, 'plugin requirement')} met on every supported " \
            f"host{how}", None
    unmet = sorted({f"{u.plugin} {u.range} ({u.reason})" for u in check.unmet})
    points = math.floor(c.weight * len(met) / len(check.hosts))
    return (points, f"met on {len(met)} of {len(check.hosts)} supported hosts; unmet: "
            + "; ".join(unmet[:4]), "relax or update the plugin requirements")


def _dependency_health(c: _Ctx) -> Outcome:
    check = c.facts.requirements
    yanked = sorted({u.plugin for u in check.unmet if u.reason == "yanked"})
    deprecated = list(check.deprecated_only)
    if not yanked and not deprecated:
        return c.weight, "no requirement is met only by yanked or deprecated versions", None
    parts = []
    if yanked:
        parts.append("met only by yanked versions: " + ", ".join(yanked))
    if deprecated:
        parts.append("met only by deprecated versions: " + ", ".join(deprecated))
    return 0, "; ".join(parts), "move to maintained versions of " + ", ".join(
        [*yanked, *deprecated])


_EVALUATE: dict[str, Callable[[_Ctx], Outcome]] = {
    "security.code": _code,
    "security.advisories": _advisories,
    "security.coverage": _coverage,
    "docs.readme": _readme,
    "docs.usage": _readme_section("usage", "add a README section on usage"),
    "docs.configuration": _readme_section("configuration",
                                          "add a README section on configuration"),
    "docs.url": _doc_url,
    "docs.description": _description,
    "docs.screenshots": _screenshots,
    "maintenance.recency": _recency,
    "maintenance.cadence": _cadence,
    "maintenance.activity": _activity,
    "maintenance.changelog": _changelog,
    "maintenance.maintainers": _maintainers,
    "maintenance.deprecation": _deprecation,
    "quality.tests": _tests,
    "quality.ci": _ci,
    "quality.typing": _typing,
    "quality.license": _license,
    "compat.newest-host": _newest_host,
    "compat.requirements": _requirements,
    "compat.dependency-health": _dependency_health,
}


# The checks whose outcome depends on the score date; every other check is a function of the
# facts alone. Their evidence names dates, never "N days before", so that their outcome moves
# only when their points or the releases they count do (see ``span``).
DATED = frozenset({"maintenance.recency", "maintenance.cadence", "maintenance.activity"})
# Of those, the checks that read only the plugin's releases (the same for all its versions),
# and the one that reads the version's own source.
PLUGIN_DATED = frozenset({"maintenance.recency", "maintenance.cadence"})
VERSION_DATED = DATED - PLUGIN_DATED
FOREVER = 2**62  # the end of a span that no passing of time ends


def _dated(facts: ScoreFacts, config: ScoreConfig, only: frozenset[str]
           ) -> Callable[[int], tuple[Outcome, ...]]:
    """month -> the outcomes of the checks of ``only`` (with a weight) at its end, the other
    facts fixed; each month computed once."""
    chosen = [(spec.id, weight, config.params.get(spec.id, spec.params)) for spec in CHECKS
              if spec.id in only and (weight := config.weights.get(spec.id, spec.weight)) > 0]
    memo: dict[int, tuple[Outcome, ...]] = {}

    def at(month: int) -> tuple[Outcome, ...]:
        if month not in memo:
            moved = dataclasses.replace(facts, as_of=month_end(month))
            memo[month] = tuple(_EVALUATE[i](_Ctx(moved, weight, params))
                                for i, weight, params in chosen)
        return memo[month]
    return at


@functools.lru_cache(maxsize=4096)
def month_end(month: int) -> int:
    """The last second (UTC) of ``month`` (counted as year * 12 + month - 1)."""
    year, index = divmod(month + 1, 12)
    return int(datetime.datetime(year, index + 1, 1, tzinfo=datetime.UTC).timestamp()) - 1


@functools.lru_cache(maxsize=65536)
def month_of(t: int) -> int:
    day = datetime.datetime.fromtimestamp(t, datetime.UTC)
    return day.year * 12 + day.month - 1


def span(facts: ScoreFacts, config: ScoreConfig, only: frozenset[str] = DATED,
         horizon: int = 1200) -> tuple[int, int]:
    """The score dates (month ends) over which the checks that depend on the date give what
    they give at the end of ``facts.as_of``'s month (the build's score date): (first, last),
    ``last`` is FOREVER when no date within ``horizon`` months changes them. ``only``: the
    checks to follow (where several groups hold at once is where their spans overlap).

    With the facts fixed, time only moves these outcomes one way (points fall as releases and
    commits age, releases leave the cadence window), so the dates where they equal today's
    form one interval, found by bisection on each side. It starts no earlier than the month
    of the newest time they read: before it, a release or commit they count did not exist.
    """
    now = month_of(facts.as_of)
    at = _dated(facts, config, only)

    record = facts.record or {}
    source = record.get("facts")
    times = [r.published for r in facts.releases]
    times += _commit_times(source) if isinstance(source, Mapping) else []
    low, high = min(month_of(max(times)) if times else now, now), now
    today = at(now)
    if not today:  # nothing to follow (weights of 0): it holds since its facts exist
        return month_end(low), FOREVER

    def same(month: int) -> bool:
        return at(month) == today

    # The first month that gives today's outcomes (often the first month of all: outcomes
    # that no date moves, or facts from this month).
    if not same(low):
        low += 1
        while low < high:
            middle = (low + high) // 2
            low, high = (low, middle) if same(middle) else (middle + 1, high)
    first = low
    # A time after the score date (not in a build: it measures at the end of the commit's
    # month) would enter the checks later: the span ends before it.
    future = [month_of(t) for t in times if t > month_end(now)]
    end = min([now + horizon, *(m - 1 for m in future)])
    if same(end):
        return month_end(first), FOREVER if not future else month_end(end)
    # The last month that does: the outcomes mostly move within months (points fall as
    # releases age), so look ahead by doubling steps, then bisect the step that moved them.
    low, step = now, 1
    while same(probe := min(now + step, end)):
        low, step = probe, step * 2
    high = probe - 1
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if same(middle) else (low, middle - 1)
    return month_end(first), month_end(low)


def score(facts: ScoreFacts, config: ScoreConfig,
          permission_of: Mapping[str, str] | None = None) -> Score:
    """The score of one version. ``permission_of`` maps a detected use (network,
    filesystem-write, ...) to the registry permission it needs (registry.yaml scan)."""
    mapping = dict(permission_of or {})
    results = []
    for spec in CHECKS:
        weight = config.weights.get(spec.id, spec.weight)
        if weight <= 0:
            continue
        ctx = _Ctx(facts, weight, config.params.get(spec.id, spec.params))
        if spec.id == "security.permissions":
            points, evidence, advice = _permissions(ctx, mapping.get)
        else:
            points, evidence, advice = _EVALUATE[spec.id](ctx)
        points = max(0, min(weight, points))
        recommendation = f"{advice}: +{weight - points}" if advice and points < weight \
            else None
        results.append(CheckResult(spec.id, spec.family, spec.title, points, weight,
                                   evidence, recommendation))
    total = sum(r.points for r in results)
    return Score(total, sum(r.max for r in results), config.tier_of(total), facts.as_of,
                 tuple(results))
