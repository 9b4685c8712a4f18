"""PI065-PI067: can a manifest's plugin requirements be met by the registry's versions?

Each case under tests/data/requirements/{valid,invalid/<rule>}/ is a registry in two parts:
the manifests already published (committed: the base of a pull request) and those the change
adds or edits (in the working tree). ``plugindex validate --base <base>`` must report exactly
the expected (rule, file, pointer) findings, with the exit code their severities imply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from plugindex.cli import main
from plugindex.diagnostics import Severity
from plugindex.rules import CATALOG
from tests.conftest import DATA, VALID_MANIFEST, GitRegistry

CASES = DATA / "requirements"
CASE_KEYS = {"description", "published", "new", "expect"}
ENTRY_KEYS = {"version", "requires", "host", "yanked", "deprecated"}


def manifest(name: str, entry: dict[str, Any]) -> str:
    assert set(entry) <= ENTRY_KEYS, entry
    text = VALID_MANIFEST.format(name=name, version=entry["version"])
    if "host" in entry:
        text = text.replace('host: ">=1.0"', f'host: "{entry["host"]}"')
    if entry.get("requires"):
        text += "requires:\n  plugins:\n" + "".join(
            f'    {n}: "{r}"\n' for n, r in entry["requires"].items())
    if entry.get("yanked"):
        text += "yanked: found a bug\n"
    if entry.get("deprecated"):
        text += "deprecated:\n  reason: superseded\n"
    return text


def write(reg: GitRegistry, plugins: dict[str, list[dict[str, Any]]]) -> None:
    for name, entries in plugins.items():
        for entry in entries:
            reg.add_plugin(name, entry["version"], manifest(name, entry))


def case_params() -> list[Any]:
    return [pytest.param(p, id=str(p.relative_to(CASES).with_suffix("")))
            for p in sorted(CASES.rglob("*.yaml"))]


def findings(capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str, str]]:
    out = json.loads(capsys.readouterr().out)
    return {(d["rule"], d["file"].removeprefix("submissions/").removesuffix(".yaml"),
             d["pointer"]) for d in out["diagnostics"]}


@pytest.mark.parametrize("path", case_params())
def test_requirement_case(path: Path, git_registry: GitRegistry,
                          capsys: pytest.CaptureFixture[str]) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(case) == CASE_KEYS, path
    expected = {tuple(e) for e in case["expect"]}
    folder = path.parent.name
    if folder != "valid":
        assert folder in {rule for rule, _, _ in expected}, "a case shows its folder's rule"
    reg = git_registry
    write(reg, case["published"])
    reg.commit("published")
    write(reg, case["new"])
    code = main(["validate", "--root", str(reg.root), "--base", "HEAD", "--format", "json"])
    assert findings(capsys) == expected
    errors = any(CATALOG[rule].severity is Severity.ERROR for rule, _, _ in expected)
    assert code == (1 if errors else 0)


def test_without_a_base_every_manifest_is_new(git_registry: GitRegistry,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The published dependent of a yanked version: a warning against a base, an error
    (and exit 1) without one, since then nothing counts as published."""
    case = yaml.safe_load(
        (CASES / "invalid/PI067/dependency-removed-from-a-host.yaml").read_text())
    reg = git_registry
    write(reg, case["published"])
    reg.commit("published")
    write(reg, case["new"])
    code = main(["validate", "--root", str(reg.root), "--format", "json"])
    assert findings(capsys) == {("PI065", "app/1.0.0", "/requires/plugins/lib")}
    assert code == 1


def test_base_must_be_a_commit(git_registry: GitRegistry) -> None:
    assert main(["validate", "--root", str(git_registry.root), "--base", "no-such-rev"]) == 2


def test_the_findings_have_lines(git_registry: GitRegistry,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    write(reg, {"lib": [{"version": "1.0.0"}],
                "app": [{"version": "1.0.0", "requires": {"lib": ">=2"}}]})
    assert main(["validate", "--root", str(reg.root), "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["diagnostics"]
    text = (reg.root / "submissions/app/1.0.0.yaml").read_text().splitlines()
    assert text[finding["line"] - 1].strip().startswith("lib:")
