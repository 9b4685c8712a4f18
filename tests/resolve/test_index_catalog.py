"""A resolving client needs index.json alone: each version's entry carries what resolution
reads (host range, requirements, conflicts, yanked, deprecated)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from packaging.version import Version

from plugindex.resolve.releases import IndexCatalog, release_from_manifest
from plugindex.resolve.resolver import Options, Release, Want, resolve
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"


def test_the_releases_in_index_json_are_those_of_the_manifests(tmp_path: Path) -> None:
    shutil.copy(INDEX / "index.json", tmp_path / "index.json")  # no plugin file at all
    alone = IndexCatalog(tmp_path)
    names = [p["name"] for p in json.loads((INDEX / "index.json").read_bytes())["plugins"]]
    manifests: dict[str, list[Release]] = {}
    for name in names:
        detail = json.loads((INDEX / "plugins" / f"{name}.json").read_bytes())
        manifests[name] = [release_from_manifest(v["manifest"]) for v in detail["versions"]]
        assert alone(name) == manifests[name], name
    host = Version(alone.host_versions[-1])
    for name in names:  # the plans too, against a catalog of the manifests themselves
        assert resolve(alone, [Want(name)], Options(host=host)) == resolve(
            manifests.get, [Want(name)], Options(host=host)), name
