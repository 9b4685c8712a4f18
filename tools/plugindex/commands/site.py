"""plugindex site: the marketplace (Material for MkDocs) built from index/v1.

Runs MkDocs on the repository's mkdocs.yml (a subprocess, as ``mkdocs build`` would run):
hand-written pages from site/; every generated page written at build time by
tools/site_gen.py (``plugindex.site.pages.every_page``): the pages of index/v1, the rules page
from the rule catalog, the scoring page from the checks' table and registry.yaml's score
settings. The build is reproducible: SOURCE_DATE_EPOCH is the time of the last commit unless
already set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from plugindex.adapters.fsutil import recovered
from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.consumer import CONSUMER_SCHEMA
from plugindex.config.registry import load_registry
from plugindex.errors import EnvironmentProblem, UsageError
from plugindex.layout import INDEX_DIR, find_root
from plugindex.manifests.schema import schema_bytes
from plugindex.progress import announcer

CONFIG = "mkdocs.yml"
OUTPUT = "site-build"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", metavar="DIR", help=f"where to write the site (default: "
                   f"{OUTPUT}/)")
    p.add_argument("--serve", action="store_true",
                   help="serve the site locally and rebuild on changes (mkdocs serve)")
    p.add_argument("--address", default="127.0.0.1:8000", metavar="HOST:PORT",
                   help="with --serve (default: %(default)s)")


def site_urls(repository: str) -> dict[str, str]:
    """mkdocs.yml's site_url (the sitemap's addresses) from the registry's repository: a
    GitHub repository's Pages address; nothing for another host (mkdocs.yml's default
    applies; PLUGINDEX_SITE_URL in the environment wins)."""
    parts = repository.removeprefix("https://github.com/").strip("/").split("/")
    if not repository.startswith("https://github.com/") or len(parts) != 2:
        return {}
    owner, name = parts
    return {"PLUGINDEX_SITE_URL": os.environ.get(
                "PLUGINDEX_SITE_URL", f"https://{owner.lower()}.github.io/{name}/")}


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    index_dir = recovered(root, INDEX_DIR)
    if not (index_dir / "index.json").is_file():
        raise UsageError(f"there is no {INDEX_DIR}/index.json here: run plugindex build")
    if not (root / CONFIG).is_file():
        raise UsageError(f"there is no {CONFIG} here")
    # the scoring page's settings: an invalid registry.yaml is exit 2 here
    registry = load_registry(root)
    env = {**os.environ, "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1",
           "PLUGINDEX_INDEX": str(index_dir), **site_urls(registry.repository or "")}
    if not env.get("SOURCE_DATE_EPOCH"):
        env["SOURCE_DATE_EPOCH"] = str(GitRepo(root).commit_time("HEAD"))
    command = [sys.executable, "-m", "mkdocs"]
    if args.serve:
        command += ["serve", "-f", str(root / CONFIG), "-a", args.address]
    else:
        output = Path(args.output).resolve() if args.output else root / OUTPUT
        command += ["build", "-q", "-f", str(root / CONFIG), "-d", str(output)]
    say = announcer("site")
    if say is not None:
        env["PLUGINDEX_PROGRESS"] = "1"  # tools/site_gen.py says when its pages are written
        plugins = sum(1 for _ in (index_dir / "plugins").glob("*.json"))
        say(f"generating the pages of {plugins} plugins from {INDEX_DIR}, then MkDocs "
            "renders the site")
    started = time.perf_counter()
    try:
        # The one subprocess not run through adapters/proc: MkDocs' output streams to the
        # terminal and --serve runs until stopped, so neither capture nor a timeout fits.
        done = subprocess.run(command, cwd=root, env=env, check=False)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot run mkdocs: {exc}") from exc
    if done.returncode != 0:
        raise EnvironmentProblem(f"mkdocs failed (exit status {done.returncode})")
    if not args.serve:
        publish_index(index_dir, output)
        print(f"built the site in {output} ({time.perf_counter() - started:.1f} s), with "
              f"{INDEX_DIR} under {output / INDEX_DIR}")
    return 0


def publish_index(index_dir: Path, output: Path) -> None:
    """The index beside the site, byte for byte, at ``<site>/index/v1/`` (the stable URLs of
    the README's "Consuming the index"), with the consumer schema as ``schema.json``. MkDocs
    has just emptied ``output``; its ``index/v1/changes.json`` is tools/site_gen.py's."""
    target = output / INDEX_DIR
    try:
        shutil.copytree(index_dir, target, dirs_exist_ok=True)
        (target / "schema.json").write_bytes(schema_bytes(CONSUMER_SCHEMA))
    except OSError as exc:
        raise EnvironmentProblem(f"cannot copy {INDEX_DIR} into the site: {exc}") from exc
