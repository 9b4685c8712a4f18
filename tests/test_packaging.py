"""plugindex as its users get it, never through the editable checkout the other tests use.

- The wheel of the working tree holds every package of tools/plugindex and the JSON Schemas.
- Installed into a clean venv (no source tree on the path, run from a directory outside it),
  it imports from site-packages and runs ``--help``, ``--version``, ``validate`` and
  ``build --check`` on a fresh clone of the default registry (this repository).
- The pre-commit hook of .pre-commit-hooks.yaml, run the way authors run it
  (``pre-commit try-repo``), on a small registry with one good and one bad manifest.

"The working tree" is a snapshot: a clone of this repository with one more commit holding the
working tree's files (tracked and untracked, less the git-ignored ones), so that uncommitted
changes count, a stale ``build/`` or ``*.egg-info`` of the checkout cannot leak into the wheel,
and ``pre-commit try-repo`` (which clones at a commit) gets the current code. The snapshot keeps
the repository's history, so the committed index can be rebuilt from it.

Dependencies come from the package index pip is configured with, once per session: a
wheelhouse (``pip download``, conftest.py's ``wheelhouse`` fixture) from which the wheel's build,
the venv and pre-commit's hook environment all install with ``--no-index``. Where the index
cannot be reached, every test here is skipped with that reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from plugindex.cli import main
from tests.conftest import GIT_ENV, REGISTRY_YAML, ROOT, VALID_MANIFEST, GitRegistry

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]
HOOK_ID = "plugindex-validate"
# Variables that would put a source tree (or another environment) on the interpreter's path.
UNSET = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(GIT_ENV)
    env["COLUMNS"] = "100"  # the same help layout for every run
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env if env is not None else _env(),
                          capture_output=True, text=True, check=False, timeout=timeout)


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (result.args, result.stdout[-3000:], result.stderr[-3000:])
    return result


# --- fixtures: one snapshot, one wheelhouse, one wheel, one venv for the module -------------


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository (its history kept) plus one commit: the working tree."""
    snap = tmp_path_factory.mktemp("snapshot") / "plugindex"
    _ok(_run(["git", "clone", "-q", "--no-local", str(ROOT), str(snap)], ROOT))
    listed = _ok(_run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                      ROOT)).stdout
    for rel in _ok(_run(["git", "ls-files", "-z"], snap)).stdout.split("\0"):
        if rel:
            (snap / rel).unlink(missing_ok=True)
    for rel in listed.split("\0"):
        source = ROOT / rel
        if not rel or not os.path.lexists(source):  # deleted in the working tree
            continue
        target = snap / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    _ok(_run(["git", "add", "-A"], snap))
    if _ok(_run(["git", "status", "--porcelain"], snap)).stdout:  # else the snapshot is HEAD
        _ok(_run(["git", "commit", "-q", "-m", "the working tree"], snap))
    return snap


@pytest.fixture(scope="module")
def wheel(snapshot: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _ok(_run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
              "--find-links", str(wheelhouse), "-w", str(dist), str(snapshot)], snapshot))
    wheels = sorted(dist.glob("plugindex-*.whl"))
    assert len(wheels) == 1, sorted(p.name for p in dist.iterdir())
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, and nothing else of this repository."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    _ok(_run([sys.executable, "-m", "venv", str(env_dir)], env_dir.parent))
    _ok(_run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
              "--find-links", str(wheelhouse), str(wheel)], env_dir.parent))
    return env_dir


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory that is not the source tree."""
    here = tmp_path / "elsewhere"
    here.mkdir()
    return here


def _venv_env(venv: Path) -> dict[str, str]:
    return _env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}")


def _plugindex(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run([str(venv / "bin" / "plugindex"), *args], cwd, _venv_env(venv), timeout=300)


# --- 1. the wheel and its install -----------------------------------------------------------


def test_wheel_holds_every_package_and_the_schemas(snapshot: Path, wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    source = snapshot / "tools"
    packages = sorted(p.parent for p in (source / "plugindex").rglob("__init__.py"))
    assert len(packages) > 10, packages  # the walk found the tree
    modules = {p.relative_to(source).as_posix() for d in packages for p in d.glob("*.py")}
    assert modules - names == set(), "modules of tools/plugindex missing from the wheel"
    schemas = {f"plugindex/schemas/{p.name}" for p in (snapshot / "schemas").glob("*.json")}
    assert len(schemas) >= 4, schemas
    assert schemas - names == set(), "schemas missing from the wheel"
    # Only plugindex ships: no tests/, no tools/site_gen.py, no stray top-level module.
    assert {n.split("/")[0] for n in names} == {"plugindex", f"plugindex-{VERSION}.dist-info"}
    entry_points = zipfile.ZipFile(wheel).read(f"plugindex-{VERSION}.dist-info/entry_points.txt")
    assert "plugindex = plugindex.cli:main" in entry_points.decode()


def test_installed_package_imports_from_site_packages(venv: Path, outside: Path) -> None:
    """Every module imports in the clean venv (so its runtime dependencies are declared), and
    from site-packages, never from this checkout."""
    script = (
        "import importlib, json, pkgutil, sysconfig, plugindex, plugindex.schemas\n"
        "names = [m.name for m in pkgutil.walk_packages(plugindex.__path__, 'plugindex.')\n"
        "         if not m.name.endswith('__main__')]\n"
        "failed = {}\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as e:\n"
        "        failed[name] = repr(e)\n"
        "print(json.dumps({'file': plugindex.__file__, 'schemas': plugindex.schemas.__file__,\n"
        "    'purelib': sysconfig.get_paths()['purelib'], 'modules': len(names),\n"
        "    'failed': failed}))\n"
    )
    result = _ok(_run([str(venv / "bin" / "python"), "-c", script], outside, _venv_env(venv)))
    found = json.loads(result.stdout)
    purelib = Path(found["purelib"]).resolve()
    for key in ("file", "schemas"):
        path = Path(found[key]).resolve()
        assert path.is_relative_to(purelib), (key, path, purelib)
        assert not path.is_relative_to(ROOT.resolve()), (key, path)
    assert found["failed"] == {}
    assert found["modules"] > 50


def test_installed_cli_help_and_version(venv: Path, outside: Path) -> None:
    version = _plugindex(venv, outside, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"plugindex {VERSION}"
    installed = _plugindex(venv, outside, "--help")
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.startswith("usage: plugindex ")
    # Every command of the checkout, described the same way: the help texts are equal.
    checkout = _ok(_run([sys.executable, "-m", "plugindex", "--help"], outside))
    assert installed.stdout == checkout.stdout


def test_installed_cli_validates_and_builds_a_fresh_clone(
    venv: Path, snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default registry, cloned fresh: validate from inside it (the registry found from the
    working directory, as a user runs it); build --check, which must agree with the editable
    checkout's on the same clone (0 on a clean checkout; with uncommitted changes the snapshot's
    extra commit, or the changes themselves, may leave the committed index stale, which is not
    packaging); then build, commit, and build --check, which must pass."""
    clone = tmp_path / "registry"
    _ok(_run(["git", "clone", "-q", "--no-local", str(snapshot), str(clone)], tmp_path))
    capsys.readouterr()

    validated = _plugindex(venv, clone / "submissions", "validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert validated.stdout == ""
    assert main(["validate", "--root", str(clone)]) == 0
    checkout_summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert validated.stderr.strip().splitlines()[-1] == checkout_summary
    assert "no problems" in checkout_summary

    checked = _plugindex(venv, clone, "build", "--check")
    expected = main(["build", "--check", "--root", str(clone)])
    capsys.readouterr()
    assert checked.returncode == expected, checked.stdout + checked.stderr
    assert checked.returncode in (0, 1), checked.stderr  # never a crash or an environment error

    built = _plugindex(venv, clone, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    _ok(_run(["git", "add", "-A", "index"], clone))  # --check compares with the commit's index
    _ok(_run(["git", "commit", "-q", "--allow-empty", "-m", "index"], clone))
    again = _plugindex(venv, clone, "build", "--check")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "is up to date" in again.stdout + again.stderr


# --- 2. the pre-commit hook, as authors run it ----------------------------------------------


@pytest.fixture(scope="module")
def precommit_env(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """pre-commit's environment: its own store (the hook's venv is built once for the module)
    and pip pointed at the wheelhouse, so that installing the hook needs no network."""
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (it is in the dev extras: pip install -e "
                    "'.[dev]')")
    return _env(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        PRE_COMMIT_COLOR="never",
    )


BAD_CATEGORY = "not-a-category"


def _author_registry(root: Path, *, bad: bool) -> GitRegistry:
    """A registry repository as an author has it: alpha 1.0.0 with its source, and (``bad``)
    beta 1.0.0 whose category the registry does not have."""
    root.mkdir()
    reg = GitRegistry(root)
    reg.git("init", "-q", "-b", "main")
    shutil.copy(REGISTRY_YAML, root / "registry.yaml")
    reg.add_plugin("alpha", "1.0.0")
    if bad:
        manifest = VALID_MANIFEST.format(name="beta", version="1.0.0").replace(
            "category: testing", f"category: {BAD_CATEGORY}")
        reg.add_plugin("beta", "1.0.0", manifest)
    reg.commit("plugins")
    return reg


def _try_repo(snapshot: Path, registry: Path, env: dict[str, str]
              ) -> subprocess.CompletedProcess[str]:
    head = _ok(_run(["git", "rev-parse", "HEAD"], snapshot)).stdout.strip()
    return _run([sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), HOOK_ID,
                 "--ref", head, "--all-files"], registry, env)


def _bad_line() -> int:
    lines = VALID_MANIFEST.splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith("category:"))


def test_precommit_hook_rejects_a_bad_manifest_with_its_line(
    snapshot: Path, precommit_env: dict[str, str], tmp_path: Path
) -> None:
    reg = _author_registry(tmp_path / "registry", bad=True)
    result = _try_repo(snapshot, reg.root, precommit_env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    reported = [line for line in output.splitlines()
                if line.startswith(f"submissions/beta/1.0.0.yaml:{_bad_line()}: category:")]
    assert len(reported) == 1, output
    assert "[PI032]" in reported[0]
    assert "submissions/alpha/" not in output


def test_precommit_hook_passes_a_good_manifest(
    snapshot: Path, precommit_env: dict[str, str], tmp_path: Path
) -> None:
    reg = _author_registry(tmp_path / "registry", bad=False)
    result = _try_repo(snapshot, reg.root, precommit_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "plugindex validate" in output
    assert "Passed" in output


# --- 3. the README's main command, as a newcomer runs it --------------------------------------


def readme_commands() -> list[str]:
    """The README's two commands (its first two sh blocks): the main job, then the tests."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.S)[:2]]


def test_the_readmes_main_command_builds_the_index_and_the_site(
        snapshot: Path, wheelhouse: Path, tmp_path: Path) -> None:
    """Word for word on a fresh clone, with pip pointed at the wheelhouse (no network): a
    venv, the install, validate, build and site. The second command (the tests) is what
    .ci/run runs on every clean clone."""
    main_job, tests = readme_commands()
    assert "plugindex build" in main_job
    assert "plugindex site" in main_job
    assert "pytest" in tests
    clone = tmp_path / "newcomer"
    _ok(_run(["git", "clone", "-q", "--no-local", str(snapshot), str(clone)], tmp_path))
    env = _env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse))
    _ok(_run(["bash", "-euo", "pipefail", "-c", main_job], clone, env))
    assert (clone / "site-build" / "index.html").is_file()
    assert (clone / "site-build" / "plugins" / "redis-cache" / "index.html").is_file()
    # on a registry whose committed index is current (a clean clone of main), the build
    # changes nothing git tracks
    if main(["build", "--check", "--root", str(snapshot)]) == 0:
        status = _run(["git", "status", "--porcelain", "--untracked-files=no"], clone)
        assert _ok(status).stdout == ""
