"""The plugindex command line. Exit codes: 0 ok, 1 problems found, 2 usage or environment error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from plugindex import __version__
from plugindex.commands import (
    audit_issue,
    build,
    lookalikes,
    new,
    osv_server,
    publish_review,
    release_pr,
    reputation,
    resolve,
    review,
    scan,
    score,
    search,
    site,
    validate,
)
from plugindex.errors import ConfigError, PlugindexError
from plugindex.report import FORMATS, text_line

Command = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _command(sub: argparse._SubParsersAction[_Parser], name: str, help_text: str, example: str,
             run: Command) -> _Parser:
    parser = sub.add_parser(
        name, help=help_text, description=help_text,
        epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--root", metavar="DIR",
                        help="the registry (default: nearest directory with registry.yaml)")
    parser.set_defaults(run=run)
    return parser


def make_parser() -> _Parser:
    parser = _Parser(prog="plugindex", description="A plugin registry that lives in git.")
    parser.add_argument("--version", action="version", version=f"plugindex {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = _command(sub, "validate", "check manifests (default: all of submissions/)",
                 "plugindex validate submissions/mongo-odm/1.2.0.yaml --format github",
                 validate.run)
    p.add_argument("paths", nargs="*", metavar="PATH", help="manifest files or directories")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--base", metavar="REV",
                   help="the commit a pull request starts from: manifests unchanged since "
                        "then are judged as published (default: every manifest is new)")

    p = _command(sub, "build", "build index/v1 from the manifests at a commit",
                 "plugindex build --check   # exit 1 if the committed index is stale",
                 build.run)
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if index/v1 at the commit differs from a build")
    p.add_argument("--rev", default="HEAD", help="the commit to build (default: HEAD)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--timings", action="store_true", help="print per-stage times on stderr")

    p = _command(sub, "resolve", "an install plan for plugins, or why there is none",
                 "plugindex resolve rag-pipeline 'auth-oauth>=2' --host 2.1.0", resolve.run)
    p.add_argument("requests", nargs="+", metavar="NAME[SPEC]",
                   help="a plugin, optionally with a PEP 440 range: 'name>=1.2,<2'")
    p.add_argument("--host", metavar="VERSION",
                   help="the host version to install on (default: the newest released)")
    p.add_argument("--pre", action="store_true", help="allow pre-releases")
    p.add_argument("--time-budget", type=float, default=10.0, metavar="SECONDS",
                   help="give up (exit 1, 'undecided') after this long (default: 10)")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = _command(sub, "scan", "scan plugin sources (bandit, permissions) and audit their "
                 "dependencies (pip-audit) into index/cache",
                 "plugindex scan alerts-webhook@1.0.0 --osv-url http://127.0.0.1:8790/v1/query",
                 scan.run_scan)
    scan.add_scan_arguments(p)

    p = _command(sub, "audit", "ask the advisory service again about the dependencies of "
                 "every published version (no source is rescanned)",
                 "plugindex audit   # in a scheduled workflow; commit index/cache",
                 scan.run_audit)
    scan.add_audit_arguments(p)

    p = _command(sub, "osv-server", "serve an OSV query endpoint over a directory of "
                 "advisories (the PyPA advisory database layout), for mirrors and tests",
                 "plugindex osv-server --db advisory-database --port 8790", osv_server.run)
    osv_server.add_arguments(p)

    p = _command(sub, "score", "a version's quality score: every check's points, the "
                 "evidence, and what would raise it (from index/v1)",
                 "plugindex score rag-pipeline@1.2.0 --format json", score.run)
    score.add_arguments(p)

    p = _command(sub, "search", "search the published index (name, tags, summary, "
                 "description; typos forgiven), with filters",
                 "plugindex search authentication --host 2.1.0 --sort score", search.run)
    search.add_arguments(p)

    p = _command(sub, "lookalikes", "the existing plugins a manifest's name imitates "
                 "(typosquats) or its text resembles (possible duplicates)",
                 "plugindex lookalikes submissions/jwt-auth/1.0.0.yaml", lookalikes.run)
    lookalikes.add_arguments(p)

    p = _command(sub, "reputation", "contributors' points, levels and badges from main's "
                 "history; with a login, the commit behind every point",
                 "plugindex reputation nadia-okafor", reputation.run)
    reputation.add_arguments(p)

    p = _command(sub, "site", "build the marketplace site (Material for MkDocs) from "
                 "index/v1, or serve it locally", "plugindex site --serve", site.run)
    site.add_arguments(p)

    p = _command(sub, "review", "review a pull request: what it changes, whether its author "
                 "may, and one verdict (Markdown for the comment, JSON for the workflow)",
                 "plugindex review --base origin/main --author octocat", review.run)
    review.add_arguments(p)

    p = _command(sub, "publish-review", "the trusted half of the review: recompute it from the "
                 "API's facts and the head commit read as data, take only measurements from the "
                 "pull request's result, post the comment, labels and status",
                 "plugindex publish-review --head-sha SHA --result review.json --repository o/r",
                 publish_review.run)
    publish_review.add_arguments(p)

    p = _command(sub, "audit-issue", "keep one issue open listing the published versions with "
                 "known advisories (from plugindex audit --format json), closed when none",
                 "plugindex audit-issue --result audit.json --repository o/r", audit_issue.run)
    audit_issue.add_arguments(p)

    p = _command(sub, "new", "write a manifest from a plugin's pyproject.toml and git checkout "
                 "(asking for the rest in a terminal), or the next version's with --bump",
                 "plugindex new --from ../my-plugin --category monitoring", new.run)
    new.add_arguments(p)

    p = _command(sub, "release-pr", "from a plugin's release: write its next version's "
                 "manifest in a clone of the registry, push a branch, open the pull request",
                 "plugindex release-pr --registry URL --repository o/r --plugin x --version 1.1.0 "
                 "--commit SHA", release_pr.run)
    release_pr.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except ConfigError as exc:
        for d in exc.diagnostics:
            print(text_line(d), file=sys.stderr)
        print(f"plugindex: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except PlugindexError as exc:
        print(f"plugindex: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
