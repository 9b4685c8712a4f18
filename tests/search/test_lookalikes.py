"""plugindex lookalikes: a submission's name neighbours and possible duplicates, against the
default registry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.search.engine import SearchIndex
from plugindex.search.lookalikes import DUPLICATE_SIMILARITY, lookalikes
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return SearchIndex(INDEX, tmp_path_factory.mktemp("lookalikes") / "cache")


def test_a_typosquat_is_a_neighbour_and_its_target_a_duplicate(search: SearchIndex) -> None:
    found = lookalikes({"name": "auth-jvvt", "category": "authentication",
                        "tags": ["jwt"], "summary": "JWT access tokens, bcrypt passwords."},
                       search)
    assert [(n.name, n.kind) for n in found.neighbours] == [("auth-jwt", "confusable")]
    assert found.duplicates[0].name == "auth-jwt"


def test_a_new_version_is_not_its_own_lookalike(search: SearchIndex) -> None:
    manifest = json.loads((INDEX / "plugins" / "mongo-odm.json").read_bytes())
    latest = next(v["manifest"] for v in manifest["versions"]
                  if v["version"] == manifest["latest"])
    found = lookalikes(latest, search)
    assert found.neighbours == ()
    assert "mongo-odm" not in {s.name for s in found.duplicates}
    assert found.duplicates[0].name == "mongo-motor-legacy"


def test_a_distinct_plugin_has_no_neighbours(search: SearchIndex) -> None:
    found = lookalikes({"name": "pdf-invoices", "category": "ui-components",
                        "summary": "Render invoices as PDF."}, search)
    assert found.neighbours == ()


def _manifest(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"schema: 1\nname: {name}\nversion: '1.0.0'\ncategory: ai-provider\n"
                    "summary: OpenAI chat completions.\ntags: [openai, llm]\n",
                    encoding="utf-8")
    return path


def test_command_exit_status_follows_the_name(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    squat = _manifest(tmp_path, "llm-0penai")
    clear = _manifest(tmp_path, "chat-completions")
    assert main(["lookalikes", str(squat), "--root", str(ROOT)]) == 1
    assert "llm-openai" in capsys.readouterr().out
    assert main(["lookalikes", str(clear), "--format", "json", "--root", str(ROOT)]) == 0
    [data] = json.loads(capsys.readouterr().out)
    assert data["neighbours"] == []
    assert data["duplicates"][0]["name"] == "llm-openai"


@pytest.mark.parametrize("content", [b"- a list\n", b"name: [1\n", b"summary: no name\n"])
def test_command_refuses_what_is_not_a_manifest(tmp_path: Path, content: bytes,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert main(["lookalikes", str(path), "--root", str(ROOT)]) == 2
    assert capsys.readouterr().err.startswith("plugindex: error:")


def test_duplicates_are_stable_and_above_the_stated_similarity(
        search: SearchIndex, tmp_path: Path) -> None:
    """The similarity depends on the two texts alone: removing an unrelated plugin from the
    index (which moves every BM25 score) changes neither the list nor the figures."""
    submission = {"name": "session-store", "category": "authentication",
                  "tags": ["sessions", "redis"],
                  "summary": "Server-side sessions for FARM apps, stored in Redis."}
    first = lookalikes(submission, search)
    assert first.duplicates
    assert all(d.score >= DUPLICATE_SIMILARITY for d in first.duplicates)
    smaller = tmp_path / "index"
    shutil.copytree(INDEX, smaller)
    doc = json.loads((smaller / "index.json").read_bytes())
    doc["plugins"] = [e for e in doc["plugins"] if e["name"] != "vite-bundler"]
    (smaller / "index.json").write_text(json.dumps(doc), encoding="utf-8")
    second = lookalikes(submission, SearchIndex(smaller, tmp_path / "cache"))
    assert second.duplicates == first.duplicates
