"""The install line of every version installs exactly the pinned source: a git commit, an
archive checked by its hash, or the registry's own tree at the publishing commit. The last is
proven by running the published command with pip, offline, against a real git registry."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from plugindex.build.install_line import closure_command, install_line, requirement
from plugindex.cli import main
from plugindex.config.registry import RegistryConfig
from plugindex.manifests.model import Source
from tests.conftest import GitRegistry

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_a_git_source_installs_its_commit_never_its_tag() -> None:
    source = Source("git", "https://example.org/a.git", COMMIT, tag="v1", subdirectory="pkg")
    assert requirement(source, "", "") == f"git+https://example.org/a.git@{COMMIT}" \
        "#subdirectory=pkg"


def test_an_archive_installs_with_its_hash() -> None:
    source = Source("archive", "https://example.org/a-1.0.tar.gz", "ab" * 32)
    line = install_line(source, "", "")
    assert line is not None
    assert line["requirement"].endswith("#sha256=" + "ab" * 32)
    assert line["hash"] == "sha256:" + "ab" * 32


def test_a_path_source_installs_from_the_registry_at_the_publishing_commit() -> None:
    source = Source("path", "plugins/alpha", "")
    assert requirement(source, "https://github.com/o/r", COMMIT) == \
        f"git+https://github.com/o/r@{COMMIT}#subdirectory=plugins/alpha"
    assert requirement(source, "", COMMIT) is None  # no repository pip can fetch


def test_the_command_is_one_shell_word_whatever_the_location_says() -> None:
    source = Source("archive", "https://example.org/a.tar.gz?x=1;rm -rf ~ 'q'", "cd" * 32)
    line = install_line(source, "", "")
    assert line is not None
    assert shlex.split(line["command"]) == ["pip", "install", line["requirement"]]
    assert shlex.split(closure_command(["a b", "c"])) == ["pip", "install", "a b", "c"]


# A PEP 517 backend small enough to live in the test: pip builds the plugin with it, offline.
BACKEND = '''
import base64, hashlib, zipfile, pathlib
NAME, VERSION = "farm_alpha", "1.0.0"
def _line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    info = f"{NAME}-{VERSION}.dist-info"
    metadata = f"Metadata-Version: 2.1\\nName: farm-alpha\\nVersion: {VERSION}\\n"
    wheel = "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files = {"farm_alpha.py": pathlib.Path("farm_alpha.py").read_bytes(),
             f"{info}/METADATA": metadata.encode(), f"{info}/WHEEL": wheel.encode()}
    record = [_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / name, "w") as z:
        for p, d in files.items():
            z.writestr(p, d)
        z.writestr(f"{info}/RECORD", "\\n".join(record) + "\\n")
    return name
'''


def test_the_published_command_installs_the_published_tree(
        git_registry: GitRegistry, registry_config: RegistryConfig, tmp_path: Path) -> None:
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.write("plugins/alpha/farm_alpha.py", "VALUE = 'published'\n")
    reg.write("plugins/alpha/backend.py", BACKEND)
    reg.write("plugins/alpha/pyproject.toml", '[build-system]\nrequires = []\n'
              'build-backend = "backend"\nbackend-path = ["."]\n')
    published = reg.commit("alpha 1.0.0")
    reg.write("plugins/alpha/farm_alpha.py", "VALUE = 'changed after publishing'\n")
    reg.commit("a later change to the tree")
    assert main(["build", "--root", str(reg.root)]) == 0
    detail = json.loads((reg.root / "index/v1/plugins/alpha.json").read_bytes())
    line = detail["versions"][0]["pip"]
    assert f"@{published}#subdirectory=plugins/alpha" in line["requirement"]
    target = tmp_path / "installed"
    argv = shlex.split(line["command"])
    assert argv[:2] == ["pip", "install"]
    # git fetches the registry's https URL from the local repository instead (no network)
    redirect = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{reg.root.as_uri()}.insteadOf",
                "GIT_CONFIG_VALUE_0": registry_config.repository}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "--target", str(target), *argv[2:]],
        capture_output=True, text=True, check=False, env={**os.environ, **redirect})
    assert done.returncode == 0, done.stderr
    assert (target / "farm_alpha.py").read_text(encoding="utf-8") == "VALUE = 'published'\n"
