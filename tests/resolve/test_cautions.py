"""plugindex resolve says what a plan picks that the registry warns about: blocked by the scan
policy, yanked, deprecated, each with its reason; --strict refuses such a plan. Against the
repository's own registry, whose committed index has one of each."""

from __future__ import annotations

import json
from typing import Any

import pytest
from packaging.version import Version

from plugindex.cli import main
from plugindex.resolve.cautions import cautions
from plugindex.resolve.releases import IndexCatalog
from plugindex.resolve.resolver import Release
from tests.conftest import ROOT

CATALOG = IndexCatalog(ROOT / "index" / "v1")


def plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["resolve", "--root", str(ROOT), "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def version_entry(name: str, version: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(v for v in CATALOG.detail(name)["versions"]
                                 if v["version"] == version)
    return entry


@pytest.mark.parametrize(("request_", "host", "kind"), [
    ("redis-cache", "2.1.0", "blocked"),
    ("llm-openai==1.1.0", "1.2.0", "yanked"),
    ("mongo-motor-legacy", "1.2.0", "deprecated"),
])
def test_a_pick_the_registry_warns_about_is_named_with_its_reason(
        capsys: pytest.CaptureFixture[str], request_: str, host: str, kind: str) -> None:
    code, report, _ = plan(capsys, request_, "--host", host)
    assert (code, report["refused"]) == (0, False)
    name = request_.split("=", maxsplit=1)[0]
    [picked] = [i for i in report["install"] if i["name"] == name]
    [caution] = [c for c in report["cautions"] if c["plugin"] == name]
    assert (caution["kind"], caution["version"]) == (kind, picked["version"])
    entry = version_entry(name, picked["version"])
    if kind == "yanked":
        assert caution["reason"] == entry["yanked"]
    elif kind == "deprecated":
        assert entry["deprecated"]["reason"] in caution["reason"]
        assert entry["deprecated"]["replacement"] in caution["reason"]
    else:
        blocking = [i["id"] for i in entry["scan"]["items"] if i["level"] == "block"]
        assert blocking
        assert all(b in caution["reason"] for b in blocking)
    # --strict refuses the same plan
    code, report, _ = plan(capsys, request_, "--host", host, "--strict")
    assert (code, report["refused"]) == (1, True)


def test_text_output_warns_on_stderr_and_strict_prints_no_plan(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "--root", str(ROOT), "redis-cache"]) == 0
    out, err = capsys.readouterr()
    assert "redis-cache" in out
    assert err.startswith("plugindex: warning: redis-cache ")
    assert main(["resolve", "--root", str(ROOT), "redis-cache", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("plugindex: refused: redis-cache ")


def test_a_clean_plan_has_no_caution(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, err = plan(capsys, "rag-pipeline", "--strict")
    assert (code, report["cautions"], report["refused"], err) == (0, [], False, "")


def test_cautions_read_the_versions_safety_state() -> None:
    """The state, not the raw findings, decides: build/safety.py computed it (an overridden
    block is not blocked; a plugin's deprecation reaches its older versions)."""
    detail = {"latest": "2.0.0", "versions": [
        {"version": "2.0.0", "safety": {"state": "passed", "yanked": None,
                                        "deprecated": {"reason": "Superseded",
                                                       "replacement": "y"}}},
        {"version": "1.0.0", "safety": {"state": "blocked", "reason": "B602 (x.py:1)",
                                        "yanked": "broken", "deprecated": None}}]}
    found = cautions([Release("x", Version("2.0.0")), Release("x", Version("1.0.0"))],
                     lambda _: detail)
    assert [(c.version, c.kind, c.reason) for c in found] == [
        ("1.0.0", "blocked", "B602 (x.py:1)"), ("1.0.0", "yanked", "broken"),
        ("2.0.0", "deprecated", "Superseded (use y instead)")]
