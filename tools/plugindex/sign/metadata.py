"""TUF metadata over index/v1: python-tuf, the reference implementation of The Update
Framework, with the roles PEP 458 gives PyPI.

  root       offline keys: which keys sign each role (``N.root.json``, one per rotation)
  targets    offline keys: delegates every file of index/v1 to the role ``registry``
  registry   the online key: every file of index/v1, with its length and sha256
  snapshot   the online key: the versions of targets and registry
  timestamp  the online key: the version, length and sha256 of snapshot

root and targets are made once by the maintainers who hold their keys (``plugindex tuf
init``) and committed under ``tuf/``; each publication signs registry, snapshot and timestamp
again with the online key (``plugindex tuf sign``). Their version is the publication's time in
seconds, so versions only grow: a client that has seen a publication refuses an older one
(rollback), refuses a timestamp past its expiry (freeze: a mirror or a stolen Pages token
serving a stale index forever), and refuses a file whose bytes are not the ones the registry
role lists (tampering, or files mixed from two publications).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner, Key, SSlibKey
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from plugindex.errors import UsageError

ROLE = "registry"  # the delegated role that lists index/v1's files
PATHS = ["*", "plugins/*"]  # what it may list (a pattern matches one path segment each)
OFFLINE_DAYS = 365  # root and targets: renewed by their key holders once a year
ONLINE_DAYS = 7  # registry and snapshot
TIMESTAMP_DAYS = 2  # the publish workflow signs again every day
_SERIALIZER = JSONSerializer(compact=False)


def generate() -> CryptoSigner:
    """A new Ed25519 key."""
    return CryptoSigner.generate_ed25519()


def private_pem(signer: CryptoSigner) -> bytes:
    """The private key as PKCS#8 PEM (keep it secret: an offline medium or a CI secret)."""
    return signer.private_bytes


def signer_from_pem(data: bytes) -> CryptoSigner:
    try:
        return CryptoSigner(load_pem_private_key(data, password=None))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"not an unencrypted PKCS#8 PEM private key: {exc}") from exc


def public_json(key: Key) -> bytes:
    return (json.dumps({"keyid": key.keyid, **key.to_dict()}, indent=2, sort_keys=True)
            + "\n").encode()


def key_from_json(data: bytes) -> SSlibKey:
    try:
        found = json.loads(data)
        keyid = found.pop("keyid")
        return SSlibKey.from_dict(keyid, found)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"not a public key written by plugindex tuf keygen: {exc}") from exc


def _expiry(now: datetime.datetime, days: int) -> datetime.datetime:
    return (now + datetime.timedelta(days=days)).replace(microsecond=0)


def _bytes(md: Metadata[Any]) -> bytes:
    return md.to_bytes(_SERIALIZER)


def initial(root_signers: Sequence[CryptoSigner], targets_signers: Sequence[CryptoSigner],
            online: Key, now: datetime.datetime) -> dict[str, bytes]:
    """The first root (every root key must sign it: its threshold is their number) and the
    targets role that delegates index/v1 to ``online``: the files of ``tuf/``."""
    return _keys_at(1, root_signers, (), targets_signers, online, now)


def rotated(offline: Mapping[str, bytes], old_root_signers: Sequence[CryptoSigner],
            root_signers: Sequence[CryptoSigner], targets_signers: Sequence[CryptoSigner],
            online: Key, now: datetime.datetime) -> dict[str, bytes]:
    """The next root and targets: new keys for any role, signed by the keys of the current
    root (as clients require) and the new ones. The new files of ``tuf/``."""
    current = Metadata[Root].from_bytes(_roots(offline)["root.json"])
    old = {s.public_key.keyid for s in old_root_signers}
    if len(old & set(current.signed.roles[Root.type].keyids)) < \
            current.signed.roles[Root.type].threshold:
        raise UsageError("the old root keys given are not enough of the current root's keys "
                         f"(threshold {current.signed.roles[Root.type].threshold})")
    targets_version = Metadata[Targets].from_bytes(offline["targets.json"]).signed.version
    files = _keys_at(current.signed.version + 1, root_signers, old_root_signers,
                     targets_signers, online, now, targets_version + 1)
    return files


def _keys_at(version: int, root_signers: Sequence[CryptoSigner],
             previous_root_signers: Sequence[CryptoSigner],
             targets_signers: Sequence[CryptoSigner], online: Key, now: datetime.datetime,
             targets_version: int = 1) -> dict[str, bytes]:
    root = Root(version=version, expires=_expiry(now, OFFLINE_DAYS), consistent_snapshot=False)
    for signer in root_signers:
        root.add_key(signer.public_key, Root.type)
    for signer in targets_signers:
        root.add_key(signer.public_key, Targets.type)
    root.add_key(online, Snapshot.type)
    root.add_key(online, Timestamp.type)
    root.roles[Root.type].threshold = len(root_signers)
    root.roles[Targets.type].threshold = len(targets_signers)
    root_md = Metadata(root)
    signed = set()
    for signer in [*previous_root_signers, *root_signers]:
        if signer.public_key.keyid not in signed:
            root_md.sign(signer, append=True)
            signed.add(signer.public_key.keyid)
    targets = Targets(version=targets_version, expires=_expiry(now, OFFLINE_DAYS))
    targets.delegations = Delegations(keys={online.keyid: online}, roles={
        ROLE: DelegatedRole(name=ROLE, keyids=[online.keyid], threshold=1, terminating=True,
                            paths=list(PATHS))})
    targets_md = Metadata(targets)
    for signer in targets_signers:
        targets_md.sign(signer, append=True)
    return {f"{version}.root.json": _bytes(root_md), "targets.json": _bytes(targets_md)}


def _roots(offline: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every ``N.root.json`` of ``tuf/`` and the newest as ``root.json``."""
    numbered = {name: data for name, data in offline.items()
                if name.endswith(".root.json") and name.split(".", 1)[0].isdigit()}
    if not numbered or "targets.json" not in offline:
        raise UsageError("tuf/ holds no N.root.json and targets.json: run plugindex tuf init")
    newest = max(numbered, key=lambda n: int(n.split(".", 1)[0]))
    return {**numbered, "root.json": numbered[newest]}


def unsafe_path(path: str) -> bool:
    """A target path that could leave the directory it is written under (a client checks
    it too)."""
    return (not path or path.startswith("/") or "\\" in path or ":" in path
            or any(part in ("", ".", "..") for part in path.split("/")))


def _verified_chain(roots: Mapping[str, bytes], now: datetime.datetime) -> Root:
    """The newest root, after checking each root from 1.root.json on is signed by its own
    keys and by the keys of the root before it (as clients check); refuses a gap, a bad
    signature or an expired newest root."""
    numbers = sorted(int(n.split(".", 1)[0]) for n in roots if n != "root.json")
    if numbers != list(range(1, len(numbers) + 1)):
        raise UsageError(f"tuf/ must hold 1.root.json to {len(numbers)}.root.json, each once")
    trusted: Root | None = None
    for number in numbers:
        md = Metadata[Root].from_bytes(roots[f"{number}.root.json"])
        try:
            for signer_root in ([trusted] if trusted is not None else []) + [md.signed]:
                signer_root.verify_delegate(Root.type, md.signed_bytes, md.signatures)
        except UnsignedMetadataError as exc:
            raise UsageError(f"tuf/{number}.root.json is not signed as clients require: "
                             f"{exc}") from exc
        if md.signed.version != number:
            raise UsageError(f"tuf/{number}.root.json says version {md.signed.version}")
        trusted = md.signed
    assert trusted is not None  # noqa: S101 - numbers is not empty (see _roots)
    if trusted.is_expired(now):
        raise UsageError("the newest root in tuf/ has expired: its key holders sign a new one "
                         "(plugindex tuf rotate)")
    return trusted


def publication(offline: Mapping[str, bytes], files: Mapping[str, bytes],
                online: CryptoSigner, now: datetime.datetime) -> dict[str, bytes]:
    """The metadata of one publication of ``files`` (index/v1's paths and bytes): the root
    chain and targets of ``offline`` (tuf/), registry, snapshot and timestamp signed anew."""
    roots = _roots(offline)
    root = _verified_chain(roots, now)
    targets_md = Metadata[Targets].from_bytes(offline["targets.json"])
    try:
        root.verify_delegate(Targets.type, targets_md.signed_bytes, targets_md.signatures)
    except UnsignedMetadataError as exc:
        raise UsageError(f"tuf/targets.json is not signed by the targets keys of the newest "
                         f"root: {exc}") from exc
    if targets_md.signed.is_expired(now):
        raise UsageError("tuf/targets.json has expired: its key holders sign it again "
                         "(plugindex tuf rotate)")
    unsafe = sorted(path for path in files if unsafe_path(path))
    if unsafe:
        raise UsageError(f"refusing to sign a path that could leave index/v1: {unsafe[0]!r}")
    keyid = online.public_key.keyid
    delegated = targets_md.signed.delegations
    if (keyid not in root.roles[Snapshot.type].keyids
            or keyid not in root.roles[Timestamp.type].keyids
            or delegated is None or delegated.roles is None or ROLE not in delegated.roles
            or keyid not in delegated.roles[ROLE].keyids):
        raise UsageError(f"the online key {keyid[:12]} is not the one tuf/root.json and "
                         f"tuf/targets.json trust for snapshot, timestamp and {ROLE}")
    version = int(now.timestamp())
    registry = Metadata(Targets(
        version=version, expires=_expiry(now, ONLINE_DAYS),
        targets={path: TargetFile.from_data(path, data, ["sha256"])
                 for path, data in sorted(files.items())}))
    registry.sign(online)
    snapshot = Metadata(Snapshot(version=version, expires=_expiry(now, ONLINE_DAYS), meta={
        "targets.json": MetaFile(version=targets_md.signed.version),
        f"{ROLE}.json": MetaFile(version=version)}))
    snapshot.sign(online)
    snapshot_bytes = _bytes(snapshot)
    timestamp = Metadata(Timestamp(
        version=version, expires=_expiry(now, TIMESTAMP_DAYS),
        snapshot_meta=MetaFile.from_data(version, snapshot_bytes, ["sha256"])))
    timestamp.sign(online)
    return {**roots, "targets.json": offline["targets.json"], f"{ROLE}.json": _bytes(registry),
            "snapshot.json": snapshot_bytes, "timestamp.json": _bytes(timestamp)}
