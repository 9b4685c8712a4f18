"""The quality score: each check on its own, the configuration, and the score's invariants."""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugindex.config.score import CHECKS, ScoreConfig, default_config, parse_score
from plugindex.manifests.model import manifest_from
from plugindex.resolve.installability import RequirementCheck, Unmet
from plugindex.score.model import (
    DATED,
    DAY,
    FOREVER,
    Release,
    Score,
    ScoreFacts,
    month_end,
    month_of,
    score,
    span,
)
from plugindex.score.versions import score_date

AS_OF = 1_790_000_000
HOSTS = ("1.0.0", "2.0.0", "2.1.0")
PERMISSIONS = {"network": "network", "subprocess": "subprocess",
               "filesystem-write": "filesystem", "environment": "environment"}


def manifest_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": 1, "name": "demo", "version": "1.2.0",
        "summary": "A demonstration plugin for the score tests",
        "description": "x" * 250, "category": "testing", "tags": ["demo"],
        "capabilities": ["routes"], "permissions": ["network"],
        "maintainers": [{"github": "alice"}, {"github": "bob"}],
        "license": "MIT", "documentation": "https://example.org/docs",
        "source": {"path": "plugins/demo"}, "host": ">=1.0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def good_record() -> dict[str, Any]:
    return {
        "status": "scanned", "problem": None,
        "source": {"not_scanned": []},
        "bandit": {"findings": [], "suppressed": [], "errors": []},
        "bandit_problem": None,
        "permissions": {"network": [{"file": "demo.py", "line": 3, "construct": "httpx"}]},
        "facts": {
            "readme": {"file": "README.md", "bytes": 2000, "words": 400,
                       "headings": ["demo", "usage", "configuration"],
                       "sections": {"usage": True, "configuration": True,
                                    "installation": True, "changelog": False},
                       "images": 0},
            "changelog": "CHANGELOG.md",
            "license_files": [{"file": "LICENSE", "detected": ["MIT"]}],
            "pyproject_license": "MIT",
            "tests": {"files": 3, "examples": ["tests/test_demo.py"]},
            "ci": [".github/workflows/ci.yml"],
            "typing": {"py_typed": ["demo/py.typed"], "functions": 10, "annotated": 10},
            "docs": [], "images": {"count": 0, "examples": []}, "python_files": 4,
            "commits": {"times": [AS_OF - 10 * DAY, AS_OF - 40 * DAY]},
        },
    }


def good_audit() -> dict[str, Any]:
    return {"status": "audited", "problem": None, "skips": [],
            "packages": [{"requirement": "httpx==0.27.0", "name": "httpx",
                          "version": "0.27.0", "resolved": False, "advisories": []}]}


def facts(*, data: dict[str, Any] | None = None, record: Any = "good", audit: Any = "good",
          releases: tuple[Release, ...] | None = None, check: RequirementCheck | None = None,
          install: str | None = "installable") -> ScoreFacts:
    return ScoreFacts(
        manifest=manifest_from(data or manifest_data()),
        releases=releases if releases is not None else (
            Release("1.0.0", AS_OF - 200 * DAY, False), Release("1.1.0", AS_OF - 90 * DAY, False),
            Release("1.2.0", AS_OF - 20 * DAY, False)),
        record=good_record() if record == "good" else record,
        audit=good_audit() if audit == "good" else audit,
        requirements=check or RequirementCheck(HOSTS, (), ()),
        install_status=install, newest_host=HOSTS[-1], as_of=AS_OF)


def check_of(result: Score, check_id: str) -> tuple[int, int, str | None]:
    c = next(c for c in result.checks if c.id == check_id)
    return c.points, c.max, c.recommendation


def scored(f: ScoreFacts, config: ScoreConfig | None = None) -> Score:
    return score(f, config or default_config(), PERMISSIONS)


def test_a_model_plugin_scores_100_with_nothing_to_recommend() -> None:
    result = scored(facts())
    assert result.total == 100, [c for c in result.checks if c.points < c.max]
    assert result.recommendations() == []
    assert result.tier == "excellent"


def changed_record(*changes: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    record = good_record()
    for change in changes:
        change(record)
    return record


def with_record(change: Callable[[dict[str, Any]], None]) -> ScoreFacts:
    return facts(record=changed_record(change))


def finding(severity: str, confidence: str) -> dict[str, Any]:
    return {"test_id": "B602", "severity": severity.upper(), "confidence": confidence.upper(),
            "file": "demo.py", "line": 7, "text": "shell=True"}


def set_facts(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        record["facts"][key] = value
    return change


def set_readme(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        record["facts"]["readme"][key] = value
    return change


def add_findings(kind: str, *items: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        record["bandit"][kind] = list(items)
    return change


def add_use(use: str) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        record["permissions"][use] = [{"file": "a.py", "line": 1, "construct": use}]
    return change


def audit_with(*severities: str, skips: int = 0) -> dict[str, Any]:
    audit = good_audit()
    audit["packages"][0]["advisories"] = [
        {"id": f"PYSEC-{i}", "aliases": [], "fixed_in": ["0.28.0"], "summary": "",
         "severity": s} for i, s in enumerate(severities)]
    audit["skips"] = [[f"pkg{i}>=1", "no index"] for i in range(skips)]
    return audit


# (case, facts, check id, expected points)
CASES: list[tuple[str, ScoreFacts, str, int]] = [
    # security.code: 12 - ceil(sum of severity x confidence)
    ("one high/high finding", with_record(add_findings("findings", finding("high", "high"))),
     "security.code", 6),
    ("one medium/medium", with_record(add_findings("findings", finding("medium", "medium"))),
     "security.code", 10),  # 3 * 0.6 = 1.8 -> 2
    ("one low/low", with_record(add_findings("findings", finding("low", "low"))),
     "security.code", 11),
    ("three high/high floor at 0", with_record(add_findings(
        "findings", *[finding("high", "high")] * 3)), "security.code", 0),
    ("nosec-silenced high costs half", with_record(add_findings(
        "suppressed", finding("high", "high"))), "security.code", 9),
    ("bandit failed", with_record(lambda r: r.update(bandit=None, bandit_problem="crashed")),
     "security.code", 0),
    ("source refused", facts(record={"status": "refused", "problem": {
        "code": "sha256-mismatch", "message": "mismatch"}}), "security.code", 0),
    ("not scanned", facts(record=None), "security.code", 0),
    # security.advisories
    ("one critical", facts(audit=audit_with("critical")), "security.advisories", 0),
    ("one high", facts(audit=audit_with("high")), "security.advisories", 3),
    ("one moderate", facts(audit=audit_with("moderate")), "security.advisories", 6),
    ("one low", facts(audit=audit_with("low")), "security.advisories", 8),
    ("unknown severity counts as high", facts(audit=audit_with("unknown")),
     "security.advisories", 3),
    ("missing severity (old record) is unknown", facts(audit=audit_with("")),
     "security.advisories", 3),
    ("two unaudited requirements", facts(audit=audit_with(skips=2)), "security.advisories", 4),
    ("audit could not run", facts(audit={"status": "skipped", "problem": "offline"}),
     "security.advisories", 0),
    ("never audited", facts(audit=None), "security.advisories", 0),
    # security.permissions
    ("an undeclared permission", with_record(add_use("subprocess")),
     "security.permissions", 2),
    ("two undeclared", with_record(lambda r: (add_use("subprocess")(r),
                                              add_use("environment")(r))),
     "security.permissions", 0),
    ("an unmapped use is not a permission", with_record(add_use("dynamic-code")),
     "security.permissions", 5),
    ("permissions unknown when not scanned", facts(record=None), "security.permissions", 0),
    # security.coverage
    ("a file bandit could not parse", with_record(lambda r: r["bandit"].update(
        errors=[["bad.py", "syntax error"]])), "security.coverage", 2),
    ("links not scanned", with_record(lambda r: r["source"].update(
        not_scanned=[["a", "link"], ["b", "link"], ["c", "link"], ["d", "link"]])),
     "security.coverage", 0),
    # documentation
    ("no README", with_record(set_facts("readme", None)), "docs.readme", 0),
    ("a short README earns in proportion", with_record(set_readme("words", 75)),
     "docs.readme", 4),
    ("a one-word README still earns a point", with_record(set_readme("words", 1)),
     "docs.readme", 1),
    ("no usage section", with_record(set_readme("sections", {"usage": False})),
     "docs.usage", 0),
    ("no configuration section", with_record(set_readme("sections", {"usage": True})),
     "docs.configuration", 0),
    ("no README: no usage section", with_record(set_facts("readme", None)), "docs.usage", 0),
    ("no documentation URL", facts(data=manifest_data(documentation=None)), "docs.url", 0),
    ("no description", facts(data=manifest_data(description=None)), "docs.description", 0),
    ("half the description", facts(data=manifest_data(description="y" * 100)),
     "docs.description", 2),
    ("a UI plugin without screenshots", facts(data=manifest_data(capabilities=["ui"])),
     "docs.screenshots", 0),
    ("a UI plugin with README images only", facts(
        data=manifest_data(category="ui-components"),
        record=changed_record(set_readme("images", 2))),
     "docs.screenshots", 1),
    ("a UI plugin with screenshots", facts(data=manifest_data(
        capabilities=["ui"], screenshots=[{"url": "https://example.org/a.png"}])),
     "docs.screenshots", 3),
    ("screenshots do not apply to other plugins", facts(), "docs.screenshots", 3),
    # maintenance
    ("newest release a year ago", facts(releases=(Release("1.2.0", AS_OF - 365 * DAY, False),)),
     "maintenance.recency", 3),
    ("newest release three years ago", facts(releases=(
        Release("1.2.0", AS_OF - 1100 * DAY, False),)), "maintenance.recency", 0),
    ("a yanked newer release does not count", facts(releases=(
        Release("1.1.0", AS_OF - 1100 * DAY, False), Release("1.2.0", AS_OF - DAY, True))),
     "maintenance.recency", 0),
    ("a release after the score date is this month's", facts(releases=(
        Release("1.2.0", AS_OF + 5 * DAY, False),)), "maintenance.recency", 6),
    ("one release in the year", facts(releases=(Release("1.2.0", AS_OF - 20 * DAY, False),)),
     "maintenance.cadence", 1),
    ("no release in the year", facts(releases=(Release("1.2.0", AS_OF - 400 * DAY, False),)),
     "maintenance.cadence", 0),
    ("source untouched for 455 days", with_record(lambda r: r["facts"].update(
        commits={"times": [AS_OF - 455 * DAY]})), "maintenance.activity", 2),
    ("archive source: no commit dates", with_record(lambda r: r["facts"].update(
        commits={"times": []})), "maintenance.activity", 0),
    ("no changelog", with_record(set_facts("changelog", None)), "maintenance.changelog", 0),
    ("a README changelog section counts", with_record(lambda r: (
        set_facts("changelog", None)(r), r["facts"]["readme"]["sections"].update(
            changelog=True))), "maintenance.changelog", 3),
    ("one maintainer", facts(data=manifest_data(maintainers=[{"github": "alice"}])),
     "maintenance.maintainers", 1),
    ("deprecated", facts(data=manifest_data(deprecated={"reason": "old"})),
     "maintenance.deprecation", 0),
    ("yanked", facts(data=manifest_data(yanked="broken")), "maintenance.deprecation", 0),
    # quality
    ("no tests", with_record(set_facts("tests", {"files": 0, "examples": []})),
     "quality.tests", 0),
    ("no CI", with_record(set_facts("ci", [])), "quality.ci", 0),
    ("no py.typed, half annotated", with_record(set_facts(
        "typing", {"py_typed": [], "functions": 10, "annotated": 4})), "quality.typing", 1),
    ("py.typed, nothing annotated", with_record(set_facts(
        "typing", {"py_typed": ["a/py.typed"], "functions": 10, "annotated": 0})),
     "quality.typing", 1),
    ("no Python functions: typing does not apply", with_record(set_facts(
        "typing", {"py_typed": [], "functions": 0, "annotated": 0})), "quality.typing", 3),
    ("no license file", with_record(set_facts("license_files", [])), "quality.license", 0),
    ("a license file of another license", with_record(set_facts(
        "license_files", [{"file": "LICENSE", "detected": ["Apache-2.0"]}])),
     "quality.license", 1),
    ("an unrecognised license text", with_record(set_facts(
        "license_files", [{"file": "LICENSE", "detected": []}])), "quality.license", 1),
    ("a dual license needs both texts", facts(
        data=manifest_data(license="MIT OR Apache-2.0"),
        record=changed_record(set_facts("license_files", [
            {"file": "LICENSE-MIT", "detected": ["MIT"]},
            {"file": "LICENSE-APACHE", "detected": ["Apache-2.0"]}]))), "quality.license", 3),
    # compatibility
    ("the newest host is not supported", facts(
        check=RequirementCheck(("1.0.0", "2.0.0"), (), ())), "compat.newest-host", 0),
    ("a requirement unmet on one of three hosts", facts(check=RequirementCheck(
        HOSTS, (Unmet("dep", ">=2", "1.0.0", "host"),), ())), "compat.requirements", 2),
    ("not installable", facts(install="not-installable"), "compat.requirements", 0),
    ("no supported host", facts(check=RequirementCheck((), (), ())), "compat.requirements", 0),
    ("met only by deprecated versions", facts(check=RequirementCheck(HOSTS, (), ("old",))),
     "compat.dependency-health", 0),
    ("met only by yanked versions", facts(check=RequirementCheck(
        HOSTS, (Unmet("dep", ">=2", "2.1.0", "yanked"),), ())), "compat.dependency-health", 0),
]


@pytest.mark.parametrize(("case", "f", "check_id", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_check(case: str, f: ScoreFacts, check_id: str, expected: int) -> None:
    points, maximum, recommendation = check_of(scored(f), check_id)
    assert points == expected
    # Below the maximum there is something to do, and it says how much it is worth, unless
    # nothing the author can do changes it (a yanked or deprecated version).
    if points < maximum and check_id != "maintenance.deprecation":
        assert recommendation is not None
        assert recommendation.endswith(f"+{maximum - points}")
    if points == maximum:
        assert recommendation is None


def test_every_check_is_exercised_below_its_maximum() -> None:
    below = {check_id for _, f, check_id, expected in CASES
             if expected < default_config().weights[check_id]}
    assert below == {s.id for s in CHECKS}


def test_an_unscanned_source_never_scores_like_a_clean_one() -> None:
    clean = scored(facts())
    for record in (None, {"status": "skipped", "problem": {"code": "git-unreachable",
                                                          "message": "timeout"}}):
        skipped = scored(facts(record=record, audit=None))
        source_checks = {"security.code", "security.permissions", "security.coverage",
                         "security.advisories", "docs.readme", "quality.tests"}
        for check_id in source_checks:
            assert check_of(skipped, check_id)[0] == 0 < check_of(clean, check_id)[0]
        assert skipped.total < clean.total


def test_an_old_record_without_source_facts_earns_nothing_from_them() -> None:
    record = good_record()
    del record["facts"]
    result = scored(facts(record=record))
    assert check_of(result, "docs.readme")[0] == 0
    assert check_of(result, "security.code")[0] == 12  # bandit's results are still there


def test_weights_and_thresholds_come_from_the_configuration() -> None:
    weights = dict(default_config().weights)
    weights["quality.ci"] = 0
    weights["quality.tests"] += 4
    config, problems = parse_score({"weights": weights,
                                    "params": {"docs.readme": {"substantive_words": 800}},
                                    "tiers": [{"id": "top", "min": 97}, {"id": "rest",
                                                                        "min": 0}]})
    assert problems == []
    result = scored(facts(), config)
    assert "quality.ci" not in {c.id for c in result.checks}
    assert check_of(result, "quality.tests")[:2] == (9, 9)
    assert check_of(result, "docs.readme")[0] == 4  # 400 of 800 words
    assert (result.total, result.tier) == (96, "rest")


@pytest.mark.parametrize(("raw", "pointer"), [
    ({"weights": {"quality.ci": 5}}, ("weights",)),  # adds up to 101
    ({"weights": {"quality.nope": 0}}, ("weights", "quality.nope")),
    ({"params": {"docs.readme": {"words": 3}}}, ("params", "docs.readme", "words")),
    ({"params": {"docs.screenshots": {"ui_categories": 3}}},
     ("params", "docs.screenshots", "ui_categories")),
    ({"params": {"nope": {}}}, ("params", "nope")),
    ({"tiers": [{"id": "top", "min": 50}]}, ("tiers",)),
])
def test_configuration_problems_name_their_key(raw: dict[str, Any],
                                               pointer: tuple[str, ...]) -> None:
    _, problems = parse_score(raw)
    assert [p[0] for p in problems] == [pointer]


def test_default_weights_add_up_to_100_and_every_check_is_evaluated() -> None:
    assert sum(s.weight for s in CHECKS) == 100
    assert len({s.id for s in CHECKS}) == len(CHECKS)
    assert {c.id for c in scored(facts(record=None, audit=None)).checks} == {
        s.id for s in CHECKS}


def test_the_same_facts_give_the_same_bytes() -> None:
    a = json.dumps(scored(facts()).as_json(), sort_keys=True)
    b = json.dumps(scored(copy.deepcopy(facts())).as_json(), sort_keys=True)
    assert a == b


# -- properties ---------------------------------------------------------------------------------

severities = st.sampled_from(["high", "medium", "low", "HIGH", "weird", ""])
finding_st = st.builds(finding, severities, severities)


@st.composite
def any_facts(draw: st.DrawFn) -> ScoreFacts:
    record: dict[str, Any] | None = good_record()
    assert record is not None
    record["bandit"]["findings"] = draw(st.lists(finding_st, max_size=6))
    record["bandit"]["suppressed"] = draw(st.lists(finding_st, max_size=3))
    f = record["facts"]
    f["readme"]["words"] = draw(st.integers(0, 5000))
    f["readme"]["sections"] = {k: draw(st.booleans()) for k in
                               ("usage", "configuration", "changelog")}
    f["tests"]["files"] = draw(st.integers(0, 3))
    f["ci"] = draw(st.sampled_from([[], ["x.yml"]]))
    f["typing"] = {"py_typed": [], "functions": draw(st.integers(0, 50)),
                   "annotated": 0}
    f["typing"]["annotated"] = draw(st.integers(0, f["typing"]["functions"]))
    f["commits"]["times"] = draw(st.lists(st.integers(0, AS_OF + 100 * DAY), max_size=3))
    for use in draw(st.lists(st.sampled_from(list(PERMISSIONS)), max_size=4)):
        add_use(use)(record)
    record = draw(st.sampled_from([record, None]))
    audit = draw(st.sampled_from([
        good_audit(), None, audit_with("critical", "low", skips=1),
        audit_with(*["high"] * 5)]))
    releases = tuple(Release(f"1.{i}.0", t, y) for i, (t, y) in enumerate(draw(st.lists(
        st.tuples(st.integers(0, AS_OF + 50 * DAY), st.booleans()), min_size=1,
        max_size=5))))
    data = manifest_data(
        description=draw(st.sampled_from([None, "short", "z" * 500])),
        maintainers=[{"github": f"m{i}"} for i in range(draw(st.integers(1, 4)))],
        capabilities=draw(st.sampled_from([["routes"], ["ui"]])))
    hosts = draw(st.sampled_from([HOSTS, (), HOSTS[:1]]))
    unmet = tuple(Unmet("dep", ">=1", h, draw(st.sampled_from(["host", "yanked"])))
                  for h in hosts[:draw(st.integers(0, len(hosts)))])
    return facts(data=data, record=record, audit=audit, releases=releases,
                 check=RequirementCheck(hosts, unmet, ()),
                 install=draw(st.sampled_from(["installable", "not-installable", "undecided",
                                               None])))


@settings(max_examples=150, deadline=None)
@given(any_facts())
def test_total_is_within_0_100_and_is_the_sum_of_its_checks(f: ScoreFacts) -> None:
    result = scored(f)
    assert 0 <= result.total <= 100
    assert result.total == sum(c.points for c in result.checks)
    assert result.max == 100
    assert all(0 <= c.points <= c.max for c in result.checks)
    assert sum(v["points"] for v in result.families().values()) == result.total
    json.dumps(result.as_json())


@pytest.mark.parametrize(("commit", "expected"), [
    ("2026-11-22T08:00:00", "2026-11-30T23:59:59"),
    ("2026-12-31T23:59:59", "2026-12-31T23:59:59"),
    ("2027-01-01T00:00:00", "2027-01-31T23:59:59"),
    ("2028-02-10T12:00:00", "2028-02-29T23:59:59"),
])
def test_scores_are_measured_at_the_end_of_the_commits_month(commit: str,
                                                               expected: str) -> None:
    def ts(text: str) -> int:
        return int(datetime.datetime.fromisoformat(text + "+00:00").timestamp())
    assert score_date(ts(commit)) == ts(expected)


def test_releases_published_together_the_highest_version_is_the_newest() -> None:
    same = AS_OF - 400 * DAY
    result = scored(facts(releases=(Release("1.10.0", same, False),
                                    Release("1.9.0", same, False))))
    evidence = next(c.evidence for c in result.checks if c.id == "maintenance.recency")
    assert evidence.startswith("newest release 1.10.0")


@st.composite
def facts_at_a_score_date(draw: st.DrawFn) -> ScoreFacts:
    """Facts as a build has them: measured at the end of a month, every time before it."""
    f = draw(any_facts())
    as_of = score_date(AS_OF)
    releases = tuple(Release(r.version, min(r.published, as_of), r.yanked) for r in f.releases)
    record = copy.deepcopy(f.record)
    if record is not None:
        commits = record["facts"]["commits"]
        commits["times"] = [min(t, as_of) for t in commits["times"]]
    return replace(f, releases=releases, record=record, as_of=as_of)


@settings(max_examples=60, deadline=None)
@given(facts_at_a_score_date())
def test_the_span_is_exactly_where_the_dated_checks_hold(f: ScoreFacts) -> None:
    """Month by month, from the newest time the checks read to three years on: the dated
    checks give today's outcome exactly within the span, and so does the whole score."""
    config = default_config()
    first, last = span(f, config)
    today = scored(f)
    newest = max([r.published for r in f.releases] + [int(t) for t in (
        ((f.record or {}).get("facts") or {}).get("commits") or {}).get("times", [])])
    for month in range(month_of(newest), month_of(f.as_of) + 37):
        moved = replace(f, as_of=month_end(month))
        holds = first <= month_end(month) <= last
        dated = [c for c in scored(moved).checks if c.id in DATED]
        assert (dated == [c for c in today.checks if c.id in DATED]) == holds, month
        if holds:
            assert replace(scored(moved), as_of=0) == replace(today, as_of=0)
    assert first <= f.as_of <= last


def test_dated_evidence_names_days_not_ages() -> None:
    """What the recency and activity checks say does not move with the score date."""
    early, late = facts(), replace(facts(), as_of=AS_OF + 10 * DAY)
    for check_id in ("maintenance.recency", "maintenance.activity"):
        evidence = [c.evidence for f in (early, late) for c in scored(f).checks
                    if c.id == check_id]
        assert evidence[0] == evidence[1]
        assert "20" in evidence[0]  # a year: the date itself


def test_without_date_dependent_checks_a_score_holds_from_its_newest_fact_on() -> None:
    """Weights of 0 for recency, cadence and activity: nothing moves with the date, and the
    score is dated by the month of the newest release or commit it reads."""
    weights = dict(default_config().weights)
    moved = sum(weights[c] for c in DATED)
    for check_id in DATED:
        weights[check_id] = 0
    weights["quality.tests"] += moved
    config, problems = parse_score({"weights": weights})
    assert problems == []
    f = replace(facts(), as_of=score_date(AS_OF))
    first, last = span(f, config)
    newest = max(r.published for r in f.releases)
    assert (first, last) == (score_date(newest), FOREVER)
