"""The registry this repository ships: it validates, its committed index is current and valid."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from plugindex.cli import main
from plugindex.config.registry import load_registry
from plugindex.manifests.schema import load_schema
from plugindex.score import page as scoring
from plugindex.site.pages import every_page, load
from plugindex.validate.validator import ManifestValidator

ROOT = Path(__file__).resolve().parent.parent


def _shallow() -> bool:
    out = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT,
                         capture_output=True, text=True, check=False).stdout.strip()
    return out != "false"


@pytest.fixture(scope="module")
def index() -> dict[str, object]:
    data: dict[str, object] = json.loads((ROOT / "index/v1/index.json").read_bytes())
    return data


def test_default_registry_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(ROOT)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(_shallow(), reason="a shallow clone has no history to take times from")
def test_committed_index_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--check", "--root", str(ROOT)]) == 0, capsys.readouterr().err


def test_committed_index_matches_its_schema(index: dict[str, object]) -> None:
    schema = load_schema("index.v1.schema.json")
    jsonschema.Draft202012Validator(schema).validate(index)
    detail = jsonschema.Draft202012Validator({"$defs": schema["$defs"],
                                              "$ref": "#/$defs/pluginFile"})
    for path in sorted((ROOT / "index/v1/plugins").glob("*.json")):
        detail.validate(json.loads(path.read_bytes()))


def test_default_registry_is_a_realistic_ecosystem(index: dict[str, object]) -> None:
    plugins = index["plugins"]
    assert isinstance(plugins, list)
    counts = index["counts"]
    assert isinstance(counts, dict)
    assert counts["plugins"] >= 24
    assert counts["versions"] >= 60
    registry = load_registry(ROOT)
    assert {p["category"] for p in plugins} == registry.category_ids
    assert sum(v["yanked"] for p in plugins for v in p["versions"]) >= 1
    names = {p["name"] for p in plugins}
    deprecated = [p for p in plugins if p["deprecated"]]
    assert deprecated
    assert all(p["deprecated"]["replacement"] in names for p in deprecated)
    assert sum(len(p["versions"]) > 1 for p in plugins) >= len(plugins) // 2


def test_plugins_require_each_other_and_point_at_real_sources() -> None:
    required = 0
    for path in sorted((ROOT / "index/v1/plugins").glob("*.json")):
        for version in json.loads(path.read_bytes())["versions"]:
            manifest = version["manifest"]
            required += len(manifest.get("requires", {}).get("plugins", {}))
            source = ROOT / manifest["source"]["path"]
            assert (source / "pyproject.toml").is_file(), source
            assert (source / "README.md").is_file(), source
    assert required >= 10


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    command = ci.strip().splitlines()[-1]
    assert command in readme


def test_readme_example_manifest_is_valid() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    registry = load_registry(ROOT)
    result = ManifestValidator(registry).check("submissions/rag-pipeline/1.2.0.yaml",
                                               example.encode())
    assert result.diagnostics == ()
    assert result.manifest is not None
    assert result.manifest.source.kind == "git"


def test_index_install_plans_agree_with_plugindex_resolve(
        index: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    """What the index says of each latest version is what a user asking for it gets."""
    plugins = index["plugins"]
    assert isinstance(plugins, list)
    for entry in plugins:
        detail = json.loads((ROOT / "index/v1" / entry["file"]).read_bytes())
        install = detail["install"]
        assert install["status"] == entry["install"]["status"] == "installable", entry["name"]
        code = main(["resolve", f"{entry['name']}=={install['version']}", "--host",
                     install["host"], "--format", "json", "--root", str(ROOT)])
        plan = json.loads(capsys.readouterr().out)
        assert code == 0
        assert [{"name": p["name"], "version": p["version"]} for p in plan["install"]] == \
            install["plan"], entry["name"]


def _plugin_file(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / f"index/v1/plugins/{name}.json").read_bytes())
    return data


def test_every_version_is_scanned_with_the_current_settings(
        index: dict[str, Any]) -> None:
    """index/cache holds a scan of every version's source, made with registry.yaml's settings
    (rescan with 'plugindex scan' after changing them)."""
    config_key = load_registry(ROOT).scan.scan_key
    for entry in index["plugins"]:
        for version in _plugin_file(entry["name"])["versions"]:
            summary = version["scan"]["summary"]
            assert summary["verdict"] != "not-scanned", (entry["name"], version["version"])
            record = ROOT / "index/cache" / entry["name"]
            assert any(json.loads(p.read_bytes())["config"] == config_key
                       for p in record.glob("scan-*.json"))


def test_the_scan_finds_the_seeded_problems() -> None:
    def items(name: str, version: str) -> list[dict[str, Any]]:
        found = next(v for v in _plugin_file(name)["versions"] if v["version"] == version)
        return list(found["scan"]["items"])

    redis = items("redis-cache", "1.1.0")
    assert any(i["id"] == "B324" and i["where"].endswith(".py:24") and i["level"] == "block"
               for i in redis)
    alerts = items("alerts-webhook", "1.0.0")
    assert {i["id"] for i in alerts if i["kind"] == "advisory"} == {
        "PYSEC-2018-28", "PYSEC-2023-74"}
    assert {i["id"] for i in alerts if i["kind"] == "suppressed"} == {"B311"}
    deploy = items("docker-deploy", "1.2.0")
    assert any(i["id"] == "B602" and i["overridden_by"] == "farm-registry-admin"
               for i in deploy)
    codegen = items("openapi-codegen", "1.2.0")  # ships a .bandit that skips B602: ignored
    assert any(i["id"] == "B602" for i in codegen)
    migrations = items("mongo-migrations", "1.1.0")
    assert [i["id"] for i in migrations if i["kind"] == "permission"] == ["dynamic-code"]


# -- the quality score ----------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "data" / "score" / "golden"


@pytest.mark.parametrize("name", ["auth-jwt", "alerts-webhook"])
def test_score_breakdown_golden(name: str) -> None:
    """The full breakdown of two plugins' latest versions, as published (regenerate with
    'plugindex score NAME --format json' after a deliberate change)."""
    detail = _plugin_file(name)
    latest = next(v for v in detail["versions"] if v["version"] == detail["latest"])
    expected = json.loads((GOLDEN / f"{name}.json").read_bytes())
    assert {"name": name, "version": latest["version"], **latest["score"]} == expected


def test_every_version_has_a_score_and_the_registry_shows_a_spread(
        index: dict[str, Any]) -> None:
    totals = []
    for entry in index["plugins"]:
        for version in _plugin_file(entry["name"])["versions"]:
            score = version["score"]
            assert score["total"] == sum(c["points"] for c in score["checks"])
            assert any(c["recommendation"] for c in score["checks"]) == (score["total"] < 100)
        latest = next(v for v in _plugin_file(entry["name"])["versions"]
                      if v["version"] == entry["latest"])
        assert entry["score"] == {"total": latest["score"]["total"],
                                  "tier": latest["score"]["tier"]}
        totals.append(entry["score"]["total"])
    assert max(totals) - min(totals) >= 30, totals
    assert len({e["score"]["tier"] for e in index["plugins"]}) >= 3
    assert sum(t >= 95 for t in totals) < len(totals) / 4  # not all near 100


def test_badges_follow_registry_yaml(index: dict[str, Any]) -> None:
    registry = load_registry(ROOT)
    for entry in index["plugins"]:
        badges = entry["badges"]
        assert badges["featured"] == (entry["name"] in registry.featured)
        # verified only by publishers who vouched (published or approved it themselves):
        # never more than the maintainers who are verified publishers
        assert badges["verified"] == bool(badges["verified_maintainers"])
        assert set(badges["verified_maintainers"]) <= (set(entry["maintainers"])
                                                       & registry.verified_publishers)
        assert badges["tier"] == entry["score"]["tier"]


def test_scoring_page_is_generated_from_the_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """`plugindex score --checks --format markdown` prints the page the site generates."""
    assert main(["score", "--checks", "--format", "markdown", "--root", str(ROOT)]) == 0
    generated = every_page(load(ROOT / "index/v1"), load_registry(ROOT).score)
    assert capsys.readouterr().out == generated[scoring.PAGE]


def test_score_command_prints_the_published_breakdown(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "auth-jwt@1.0.0", "--format", "json", "--root", str(ROOT)]) == 0
    printed = json.loads(capsys.readouterr().out)
    published = next(v for v in _plugin_file("auth-jwt")["versions"]
                     if v["version"] == "1.0.0")["score"]
    assert printed == {"name": "auth-jwt", "version": "1.0.0", **published}
    assert main(["score", "alerts-webhook", "--root", str(ROOT)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("alerts-webhook " + _plugin_file("alerts-webhook")["latest"])
    assert "to raise the score:" in text


@pytest.mark.parametrize("argv", [
    ["score", "no-such-plugin"], ["score", "auth-jwt@9.9.9"], ["score"],
    ["score", "auth-jwt", "--format", "markdown"],
])
def test_score_command_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    assert main([*argv, "--root", str(ROOT)]) == 2
    assert capsys.readouterr().err.startswith("plugindex: error:")
