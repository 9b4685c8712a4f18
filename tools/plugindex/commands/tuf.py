"""plugindex tuf: the keys and metadata that sign index/v1 (see SECURITY.md, "Signed index").

  keygen NAME                  a new Ed25519 key: NAME.pem (private) and NAME.pub.json
  init                         tuf/1.root.json and tuf/targets.json, by the offline key holders
  rotate                       tuf/<N+1>.root.json and a new tuf/targets.json (new keys)
  sign --out DIR               registry, snapshot and timestamp over a published index/v1, with
                               the online key (PLUGINDEX_TUF_ONLINE_KEY, or --key-file)

Exit 0 done, 2 a key or tuf/ file is missing or not what it should be.
"""

from __future__ import annotations

import argparse
import datetime
import os
from pathlib import Path

from plugindex.adapters.fsutil import write_atomic
from plugindex.errors import UsageError
from plugindex.layout import INDEX_DIR, find_root
from plugindex.sign import metadata
from plugindex.sign.client import METADATA_DIR

TUF_DIR = "tuf"  # in the registry: the offline metadata (root versions, targets)
KEY_VARIABLE = "PLUGINDEX_TUF_ONLINE_KEY"  # the online key's PEM, from a CI secret


def add_arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    keygen = actions.add_parser("keygen", help="a new Ed25519 key: NAME.pem and NAME.pub.json")
    keygen.add_argument("name", type=Path, metavar="NAME")
    for name, words in (("init", "the first root and targets (offline keys)"),
                        ("rotate", "the next root and targets: new keys, signed by the old "
                                   "root keys and the new")):
        a = actions.add_parser(name, help=words)
        if name == "rotate":
            a.add_argument("--old-root-key", type=Path, action="append", required=True,
                           metavar="PEM", help="a private key of the current root (repeat)")
        a.add_argument("--root-key", type=Path, action="append", required=True, metavar="PEM",
                       help="a private root key (repeat: every one signs, threshold = count)")
        a.add_argument("--targets-key", type=Path, action="append", required=True,
                       metavar="PEM", help="a private targets key (repeat)")
        a.add_argument("--online-key", type=Path, required=True, metavar="PUB.json",
                       help="the online key's public half (its private half is a CI secret)")
    sign = actions.add_parser("sign", help="sign a published index/v1 with the online key")
    sign.add_argument("--index", type=Path, metavar="DIR",
                      help=f"the index to sign (default: {INDEX_DIR}; the publish workflow "
                           "signs the copy in the site)")
    sign.add_argument("--out", type=Path, metavar="DIR",
                      help=f"where the metadata goes (default: <index>/{METADATA_DIR})")
    sign.add_argument("--key-file", type=Path, metavar="PEM",
                      help=f"the online private key (default: ${KEY_VARIABLE})")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from exc


def _offline(root: Path) -> dict[str, bytes]:
    folder = root / TUF_DIR
    if not folder.is_dir():
        raise UsageError(f"there is no {TUF_DIR}/ here: run plugindex tuf init")
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".json"}


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in sorted(files.items()):
        write_atomic(folder / name, data)
        print(f"wrote {folder / name}")


def run(args: argparse.Namespace) -> int:
    now = datetime.datetime.now(datetime.UTC)
    if args.action == "keygen":
        signer = metadata.generate()
        private = args.name.with_name(args.name.name + ".pem")
        write_atomic(private, metadata.private_pem(signer))
        private.chmod(0o600)
        write_atomic(args.name.with_name(args.name.name + ".pub.json"),
                     metadata.public_json(signer.public_key))
        print(f"wrote {private} (secret) and {args.name}.pub.json (key id "
              f"{signer.public_key.keyid[:12]})")
        return 0
    root = find_root(args.root)
    if args.action in ("init", "rotate"):
        keys = {flag: [metadata.signer_from_pem(_read(p, "the key")) for p in paths]
                for flag, paths in (("root", args.root_key), ("targets", args.targets_key))}
        online = metadata.key_from_json(_read(args.online_key, "the public key"))
        if args.action == "init":
            if (root / TUF_DIR).is_dir() and any((root / TUF_DIR).glob("*.root.json")):
                raise UsageError(f"{TUF_DIR}/ already holds a root: use plugindex tuf rotate")
            files = metadata.initial(keys["root"], keys["targets"], online, now)
        else:
            old = [metadata.signer_from_pem(_read(p, "the key")) for p in args.old_root_key]
            files = metadata.rotated(_offline(root), old, keys["root"], keys["targets"],
                                     online, now)
        (root / TUF_DIR).mkdir(exist_ok=True)
        _write(root / TUF_DIR, files)
        return 0
    index = args.index or root / INDEX_DIR
    if args.key_file is not None:
        pem = _read(args.key_file, "the key")
    elif os.environ.get(KEY_VARIABLE):
        pem = os.environ[KEY_VARIABLE].encode()
    else:
        raise UsageError(f"no online key: set {KEY_VARIABLE} or give --key-file")
    out = args.out or index / METADATA_DIR
    files = {p.relative_to(index).as_posix(): p.read_bytes()
             for p in sorted(index.rglob("*")) if p.is_file() and not p.is_relative_to(out)}
    if "index.json" not in files:
        raise UsageError(f"there is no index.json in {index}")
    signed = metadata.publication(_offline(root), files, metadata.signer_from_pem(pem), now)
    out.mkdir(parents=True, exist_ok=True)
    _write(out, signed)
    print(f"signed {len(files)} files of {index}")
    return 0
