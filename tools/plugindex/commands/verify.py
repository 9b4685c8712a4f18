"""plugindex verify: fetch a published index through its TUF metadata and verify every file.

SOURCE is the URL of a published index/v1 (``<site>/index/v1``) or a directory holding one;
``--root`` the root.json trusted out of band (the registry's ``tuf/1.root.json``). What was
verified is kept in ``--cache`` (default: the user cache, per source), so a later run refuses
an older publication. Exit 0 verified, 1 refused (rollback, freeze, tampered, signature,
missing), 2 the trusted root cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

from plugindex.adapters.usercache import cache_home
from plugindex.errors import UsageError
from plugindex.sign.client import VerificationFailed, base_url, verify


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE", help="<site>/index/v1, or a directory of it")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="only these files (relative to index/v1; default: every file)")
    p.add_argument("--trusted-root", required=True, type=Path, metavar="ROOT.json",
                   help="the root metadata trusted out of band (the registry's tuf/1.root.json)")
    p.add_argument("--cache", type=Path, metavar="DIR",
                   help="where verified metadata and files are kept (default: the user cache)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    try:
        trusted = args.trusted_root.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.trusted_root}: {exc.strerror}") from exc
    home = cache_home()
    if args.cache is not None:
        cache = args.cache
    elif home is not None:
        cache = home / "verify" / hashlib.sha256(base_url(args.source).encode()).hexdigest()[:16]
    else:  # caching turned off: this run alone (no memory of earlier publications)
        cache = Path(tempfile.mkdtemp(prefix="plugindex-verify-"))
    try:
        found = verify(args.source, trusted, cache, args.paths or None)
    except VerificationFailed as exc:
        if args.format == "json":
            print(json.dumps({"ok": False, "kind": exc.kind, "message": str(exc)}, indent=2))
        else:
            print(f"refused ({exc.kind}): {exc}")
        return 1
    if args.format == "json":
        print(json.dumps({"ok": True, "files": [
            {"path": v.path, "sha256": v.sha256, "file": str(v.file)} for v in found]},
            indent=2, sort_keys=True))
    else:
        print(f"verified {len(found)} files of {base_url(args.source)} into {cache / 'files'}")
    return 0
