"""The plugindex command line.

Exit codes, the same for every command:

- 0 ok;
- 1 problems found (invalid manifests, a stale index, a blocking scan finding, ...);
- 2 usage or environment error (bad arguments, no registry, not a git repository, a full disk);
- 3 internal error: a bug in plugindex (an :class:`~plugindex.errors.InternalError` or any
  uncaught exception). The traceback is saved to a log file, under the registry's
  ``.cache/plugindex/crashes/`` (or the system's temporary directory when no registry is
  found), and one line on stderr says it is a bug and names the file;
- 130 interrupted (Ctrl-C);
- 141 stdout was closed before the output was written (``plugindex search x | head -1``):
  quietly, as a program killed by SIGPIPE would end, so that a pipeline under ``pipefail``
  can tell a cut-off output from a complete one.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import select
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from plugindex import __version__
from plugindex.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    ConfigError,
    InternalError,
    PlugindexError,
)
from plugindex.layout import LOCAL_CACHE, find_root
from plugindex.report import FORMATS, text_line

Command = Callable[[argparse.Namespace], int]
Adder = Callable[[argparse.ArgumentParser], None]
CRASH_DIR = LOCAL_CACHE / "crashes"  # under the registry's root; never committed
EXIT_CODES = ("exit codes: 0 ok, 1 problems found, 2 usage or environment error,\n"
              "  3 internal error (a bug: the traceback is saved to a log file, stderr says "
              "where),\n  130 interrupted, 141 stdout closed before all output was written")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _load(target: str) -> Callable[..., object]:
    """'plugindex.commands.scan:run_scan' -> the function (its module imported now)."""
    module, _, attribute = target.partition(":")
    found: Callable[..., object] = getattr(importlib.import_module(module), attribute)
    return found


class _Lazy:
    """A command's run function, imported when the command runs: ``plugindex --version`` and
    one command's run import none of the other commands' modules (and their libraries)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __call__(self, args: argparse.Namespace) -> int:
        code = _load(self.target)(args)
        assert isinstance(code, int)  # noqa: S101 - every command returns its exit code
        return code


def _command(sub: argparse._SubParsersAction[_Parser], name: str, help_text: str, example: str,
             module: str, wanted: str | None, run: str = "run",
             arguments: str | None = "add_arguments") -> _Parser:
    """A subcommand whose functions ``run`` and ``arguments`` are in
    ``plugindex.commands.<module>``, imported only when the command is the one named on the
    command line (``wanted``; None: every command's arguments, for the tests that walk the
    whole parser)."""
    parser = sub.add_parser(
        name, help=help_text, description=help_text,
        epilog=f"example:\n  {example}\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", metavar="DIR",
                        help="the registry (default: nearest directory with registry.yaml)")
    parser.set_defaults(run=_Lazy(f"plugindex.commands.{module}:{run}"))
    if arguments is not None and (wanted is None or wanted == name):
        adder: Adder = _load(f"plugindex.commands.{module}:{arguments}")  # type: ignore[assignment]
        adder(parser)
    return parser


def _wanted(argv: Sequence[str] | None) -> str:
    """The command named on the command line (the first word that is not an option), or ''
    when there is none (``plugindex --version``: no command's arguments are needed)."""
    words = sys.argv[1:] if argv is None else argv
    return next((w for w in words if not w.startswith("-")), "")


def make_parser(wanted: str | None = None) -> _Parser:
    parser = _Parser(prog="plugindex", description="A plugin registry that lives in git.",
                     epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"plugindex {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = _command(sub, "validate", "check manifests (default: all of submissions/)",
                 "plugindex validate submissions/mongo-odm/1.2.0.yaml --format github",
                 "validate", wanted, arguments=None)
    p.add_argument("paths", nargs="*", metavar="PATH", help="manifest files or directories")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--base", metavar="REV",
                   help="the commit a pull request starts from: manifests unchanged since "
                        "then are judged as published (default: every manifest is new)")

    p = _command(sub, "build", "build index/v1 from the manifests at a commit",
                 "plugindex build --check   # exit 1 if the committed index is stale",
                 "build", wanted, arguments=None)
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if index/v1 at the commit differs from a build")
    p.add_argument("--rev", default="HEAD", help="the commit to build (default: HEAD)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--timings", action="store_true", help="print per-stage times on stderr")
    p.add_argument("--allow-shrink", action="store_true",
                   help="publish even if the index drops more plugins or versions than "
                        "limits.publish_shrink allows (PI090): for an admin's intended removal")

    p = _command(sub, "resolve", "an install plan for plugins, or why there is none",
                 "plugindex resolve rag-pipeline 'auth-oauth>=2' --host 2.1.0",
                 "resolve", wanted, arguments=None)
    p.add_argument("requests", nargs="+", metavar="NAME[SPEC]",
                   help="a plugin, optionally with a PEP 440 range: 'name>=1.2,<2'")
    p.add_argument("--host", metavar="VERSION",
                   help="the host version to install on (default: the newest released)")
    p.add_argument("--pre", action="store_true", help="allow pre-releases")
    p.add_argument("--strict", action="store_true",
                   help="refuse (exit 1) a plan that picks a blocked, yanked or deprecated "
                        "version; without it they are warnings, with their reasons")
    p.add_argument("--time-budget", type=float, default=10.0, metavar="SECONDS",
                   help="give up (exit 1, 'undecided') after this long (default: 10)")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = _command(sub, "scan", "scan plugin sources (bandit, permissions) and audit their "
                 "dependencies (pip-audit) into index/cache",
                 "plugindex scan alerts-webhook@1.0.0 --osv-url http://127.0.0.1:8790/v1/query",
                 "scan", wanted, run="run_scan", arguments="add_scan_arguments")

    p = _command(sub, "audit", "ask the advisory service again about the dependencies of "
                 "every published version (no source is rescanned)",
                 "plugindex audit   # in a scheduled workflow; commit index/cache",
                 "scan", wanted, run="run_audit", arguments="add_audit_arguments")

    p = _command(sub, "merge-records", "take the scan and audit records other jobs exported "
                 "(plugindex scan --export) into index/cache, each checked first",
                 "plugindex merge-records shard-1/ shard-2/", "merge_records", wanted)

    p = _command(sub, "tuf", "the keys and TUF metadata that sign index/v1 (keygen, init, "
                 "rotate: offline key holders; sign: the publish workflow)",
                 "plugindex tuf sign --index site-build/index/v1", "tuf", wanted)

    p = _command(sub, "verify", "fetch a published index through its TUF metadata and verify "
                 "every file (rollback, freeze and tampering are refused)",
                 "plugindex verify https://example.github.io/registry/index/v1 "
                 "--trusted-root tuf/1.root.json", "verify", wanted)

    p = _command(sub, "osv-server", "serve an OSV query endpoint over a directory of "
                 "advisories (the PyPA advisory database layout), for mirrors and tests",
                 "plugindex osv-server --db advisory-database --port 8790", "osv_server", wanted)

    p = _command(sub, "score", "a version's quality score: every check's points, the "
                 "evidence, and what would raise it (from index/v1)",
                 "plugindex score rag-pipeline@1.2.0 --format json", "score", wanted)

    p = _command(sub, "search", "search the published index (name, tags, summary, "
                 "description; typos forgiven), with filters",
                 "plugindex search authentication --host 2.1.0 --sort score", "search", wanted)

    p = _command(sub, "lookalikes", "the existing plugins a manifest's name imitates "
                 "(typosquats) or its text resembles (possible duplicates)",
                 "plugindex lookalikes submissions/jwt-auth/1.0.0.yaml", "lookalikes", wanted)

    p = _command(sub, "reputation", "contributors' points, levels and badges from main's "
                 "history; with a login, the commit behind every point",
                 "plugindex reputation nadia-okafor", "reputation", wanted)

    p = _command(sub, "site", "build the marketplace site (Material for MkDocs) from "
                 "index/v1, or serve it locally", "plugindex site --serve", "site", wanted)

    p = _command(sub, "review", "review a pull request: what it changes, whether its author "
                 "may, and one verdict (Markdown for the comment, JSON for the workflow)",
                 "plugindex review --base origin/main --author octocat", "review", wanted)

    p = _command(sub, "publish-review", "the trusted half of the review: recompute it from the "
                 "API's facts and the head commit read as data, take only measurements from the "
                 "pull request's result, post the comment, labels and status",
                 "plugindex publish-review --head-sha SHA --result review.json --repository o/r",
                 "publish_review", wanted)

    p = _command(sub, "audit-issue", "keep one issue open listing the published versions with "
                 "known advisories (from plugindex audit --format json), closed when none",
                 "plugindex audit-issue --result audit.json --repository o/r",
                 "audit_issue", wanted)

    p = _command(sub, "new", "write a manifest from a plugin's pyproject.toml and git checkout "
                 "(asking for the rest in a terminal), or the next version's with --bump",
                 "plugindex new --from ../my-plugin --category monitoring", "new", wanted)

    p = _command(sub, "release-pr", "from a plugin's release: write its next version's "
                 "manifest in a clone of the registry, push a branch, open the pull request",
                 "plugindex release-pr --registry URL --repository o/r --plugin x --version 1.1.0 "
                 "--commit SHA", "release_pr", wanted)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code (see the module docstring). ``SystemExit`` from argparse
    (``--help``, ``--version``, a usage error) passes through, its output flushed first."""
    try:
        try:
            code = _dispatch(argv)
        except SystemExit:
            sys.stdout.flush()
            raise
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError as exc:
        if not _stdout_widowed():
            return internal_error(exc, None, argv)
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    return code


def error_document(exc: PlugindexError) -> dict[str, object]:
    """What a command asked for ``--format json`` prints on stdout when it cannot run: tools
    that parse its output get JSON either way."""
    diagnostics = exc.diagnostics if isinstance(exc, ConfigError) else ()
    return {"error": {"kind": type(exc).__name__, "message": str(exc),
                      "exit_code": exc.exit_code,
                      "diagnostics": [d.as_json() for d in diagnostics]}}


def _dispatch(argv: Sequence[str] | None) -> int:
    root: str | None = None
    wants_json = False
    try:
        args = make_parser(_wanted(argv)).parse_args(argv)
        root = args.root
        wants_json = getattr(args, "format", None) == "json"
        code: int = args.run(args)
    except InternalError as exc:
        return internal_error(exc, root, argv)
    except PlugindexError as exc:
        if isinstance(exc, ConfigError):
            for d in exc.diagnostics:
                print(text_line(d), file=sys.stderr)
        print(f"plugindex: error: {exc}", file=sys.stderr)
        if wants_json:
            print(json.dumps(error_document(exc), indent=2, sort_keys=True))
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _stdout_widowed():
            raise  # the reader of our output is gone: main ends quietly
        return internal_error(exc, root, argv)
    return code


def internal_error(exc: BaseException, root: str | None, argv: Sequence[str] | None) -> int:
    """A bug: the traceback to a log file, one line on stderr naming it; exit code 3."""
    command = " ".join(["plugindex", *(sys.argv[1:] if argv is None else argv)])
    text = f"plugindex {__version__}: {command}\n\n" + "".join(traceback.format_exception(exc))
    what = " ".join(str(exc).split())[:300]
    summary = f"{type(exc).__name__}: {what}" if what else type(exc).__name__
    try:
        path = save_traceback(text, crash_dirs(root))
    except OSError as failure:
        print(f"plugindex: internal error (a bug in plugindex): {summary}; the traceback "
              f"could not be saved ({failure}), so here it is:", file=sys.stderr)
        print(text, end="", file=sys.stderr)
        return EXIT_INTERNAL
    print(f"plugindex: internal error (a bug in plugindex, please report it): {summary}; "
          f"the traceback is in {path}", file=sys.stderr)
    return EXIT_INTERNAL


def crash_dirs(root: str | None) -> list[Path]:
    """Where a crash's log may go, best first: the registry's local cache (``root``, or the
    registry around the working directory), then the system's temporary directory."""
    dirs = []
    with contextlib.suppress(PlugindexError, OSError):
        dirs.append(find_root(root) / CRASH_DIR)
    return [*dirs, Path(tempfile.gettempdir())]


def save_traceback(text: str, dirs: Sequence[Path]) -> Path:
    """Write ``text`` to a new file, readable by its owner only, named by the time and the
    process id, in the first of ``dirs`` that takes it; raises the last OSError if none does."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = f"plugindex-crash-{stamp}-{os.getpid()}.log"
    failure = OSError("no directory to write the traceback to")
    for directory in dirs:
        path = directory / name
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # O_EXCL | O_NOFOLLOW: never follows a link, never replaces a file
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            failure = exc
            continue
        return path
    raise failure


def _stdout_widowed() -> bool:
    """stdout is a pipe (or socket) whose reader is gone."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no file descriptor (captured), no poll()
        return False


def _discard_stdout() -> None:
    """Point stdout's descriptor at /dev/null, so that the interpreter's last flush of what
    is still buffered does not fail again (the Python documentation's recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
