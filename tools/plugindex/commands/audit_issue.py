"""plugindex audit-issue: keep one issue open while published versions have known advisories.

Reads ``plugindex audit --format json`` (the advisories are its PI074 diagnostics; one
``--result`` per shard of a sharded audit) and
creates or updates the registry's advisory issue, or closes it when none is left. Run by the
scheduled audit workflow after it commits the refreshed records.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from plugindex.adapters.github import API_URL, upsert_issue
from plugindex.errors import UsageError
from plugindex.review.comment import md

MARKER = "<!-- plugindex-audit -->"
TITLE = "Published versions with known vulnerabilities"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--result", type=Path, required=True, metavar="FILE", action="append",
                   help="the output of plugindex audit --format json (repeat it for each "
                        "shard of a sharded audit)")
    p.add_argument("--repository", required=True, metavar="OWNER/NAME")
    p.add_argument("--api-url", default=API_URL)


def body(advisories: list[dict[str, Any]]) -> str | None:
    if not advisories:
        return None
    count = f"{len(advisories)} known advisor{'y' if len(advisories) == 1 else 'ies'}"
    lines = [MARKER, f"The daily audit finds {count} in published versions. Maintainers: "
             "release a version with fixed dependencies, or yank the affected ones.", "",
             "| manifest | advisory |", "|---|---|"]
    lines += [f"| {md(a.get('file', ''))} | {md(a.get('message', ''))} |"
              for a in sorted(advisories, key=lambda a: (str(a.get("file")),
                                                         str(a.get("message"))))]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    advisories = []
    for result in args.result:
        try:
            data = json.loads(result.read_bytes())
            advisories += [d for d in data["diagnostics"] if d.get("rule") == "PI074"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(f"{result} is not the output of plugindex audit --format json"
                             ) from exc
    done = upsert_issue(args.repository, MARKER, TITLE, body(advisories),
                        os.environ.get("GITHUB_TOKEN"), args.api_url)
    print(f"advisory issue: {done} ({len(advisories)} advisories)")
    return 0
