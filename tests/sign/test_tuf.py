"""The signed index: a client that knows only the README's URL scheme and one trusted root
fetches a built site over HTTP, verifies every file through TUF metadata and resolves an
install plan; tampering, rollback, freeze and mixed publications are each refused."""

from __future__ import annotations

import datetime
import functools
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
from packaging.version import Version
from securesystemslib.signer import CryptoSigner

from plugindex.cli import main
from plugindex.errors import UsageError
from plugindex.resolve.releases import IndexCatalog
from plugindex.resolve.resolver import Options, Want, resolve
from plugindex.sign import metadata
from plugindex.sign.client import METADATA_DIR, VerificationFailed, verify
from tests.conftest import ROOT

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


class Keys:
    def __init__(self) -> None:
        self.root, self.targets, self.online = (metadata.generate() for _ in range(3))


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def offline(keys: Keys) -> dict[str, bytes]:
    return metadata.initial([keys.root], [keys.targets], keys.online.public_key, NOW)


def site_of(tmp: Path, index: Path = ROOT / "index" / "v1") -> Path:
    """A built site's index/v1 (as plugindex site leaves it, the consumer schema included)."""
    target = tmp / "site" / "index" / "v1"
    shutil.copytree(index, target)
    (target / "schema.json").write_bytes(
        (ROOT / "schemas" / "index.v1.consumer.schema.json").read_bytes())
    return target


def sign(index: Path, offline: dict[str, bytes], online: CryptoSigner,
         now: datetime.datetime = NOW) -> dict[str, bytes]:
    """What the publish writes into <index>/tuf/ (and returns it)."""
    files = {p.relative_to(index).as_posix(): p.read_bytes() for p in sorted(index.rglob("*"))
             if p.is_file() and METADATA_DIR not in p.relative_to(index).parts}
    signed = metadata.publication(offline, files, online, now)
    shutil.rmtree(index / METADATA_DIR, ignore_errors=True)
    (index / METADATA_DIR).mkdir()
    for name, data in signed.items():
        (index / METADATA_DIR / name).write_bytes(data)
    return signed


def refusal(source: str, trusted: bytes, cache: Path) -> str:
    """The kind of refusal of verifying ``source`` (the test fails if it verifies)."""
    with pytest.raises(VerificationFailed) as refused:
        verify(source, trusted, cache)
    return refused.value.kind


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A local HTTP server over <tmp>/site: (the site's index/v1 directory, its URL)."""
    (tmp_path / "site").mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path / "site" / "index" / "v1", \
            f"http://127.0.0.1:{server.server_address[1]}/index/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_verifies_the_served_index_and_resolves_a_plan(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes],
        served: tuple[Path, str]) -> None:
    index, url = served
    shutil.rmtree(index.parent.parent)
    site_of(tmp_path)
    sign(index, offline, keys.online)
    files = verify(url, offline["1.root.json"], tmp_path / "client")
    got = {v.path: v.file for v in files}
    assert {"index.json", "schema.json", "related.json", "contributors.json",
            "plugins/rag-pipeline.json"} <= got.keys()
    # Only the documented URLs and the consumer schema: validate, then resolve.
    data = json.loads(got["index.json"].read_bytes())
    jsonschema.Draft202012Validator(json.loads(got["schema.json"].read_bytes())).validate(data)
    for entry in data["plugins"]:
        assert got[entry["file"]].read_bytes() == (index / entry["file"]).read_bytes()
    catalog = IndexCatalog(tmp_path / "client" / "files")
    plan = resolve(catalog, [Want("rag-pipeline")], Options(host=Version("2.1.0")))
    assert plan.ok
    assert "rag-pipeline" in [r.name for r in plan.chosen]


def test_a_tampered_file_is_refused(tmp_path: Path, keys: Keys,
                                    offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    sign(index, offline, keys.online)
    victim = index / "plugins" / "auth-jwt.json"
    victim.write_bytes(victim.read_bytes().replace(b'"auth-jwt"', b'"auth-jwT"', 1))
    assert refusal(str(index), offline["1.root.json"], tmp_path / "client") == "tampered"


def test_a_rollback_to_an_older_publication_is_refused(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    older = sign(index, offline, keys.online, NOW - datetime.timedelta(hours=2))
    client = tmp_path / "client"
    verify(str(index), offline["1.root.json"], client)
    sign(index, offline, keys.online)  # the next publication, seen by the client
    verify(str(index), offline["1.root.json"], client)
    for name, data in older.items():  # a mirror (or a stolen token) serves the older one
        (index / METADATA_DIR / name).write_bytes(data)
    assert refusal(str(index), offline["1.root.json"], client) == "rollback"


def test_a_frozen_index_is_refused(tmp_path: Path, keys: Keys,
                                   offline: dict[str, bytes]) -> None:
    """A publication whose timestamp has expired (served on and on, never signed again)."""
    index = site_of(tmp_path)
    sign(index, offline, keys.online,
         NOW - datetime.timedelta(days=metadata.TIMESTAMP_DAYS, hours=1))
    assert refusal(str(index), offline["1.root.json"], tmp_path / "client") == "freeze"


def test_files_mixed_from_two_publications_are_refused(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    older = sign(index, offline, keys.online, NOW - datetime.timedelta(hours=2))
    old_file = (index / "plugins" / "auth-jwt.json").read_bytes()
    victim = index / "plugins" / "auth-jwt.json"
    victim.write_bytes(old_file.replace(b'"auth-jwt"', b'"auth-jwt" ', 1))
    sign(index, offline, keys.online)  # a newer publication with a changed file
    # the newer timestamp and snapshot, the older list of files
    (index / METADATA_DIR / f"{metadata.ROLE}.json").write_bytes(
        older[f"{metadata.ROLE}.json"])
    assert refusal(str(index), offline["1.root.json"], tmp_path / "client") == "rollback"
    # the newer metadata, with the older bytes of the file
    sign(index, offline, keys.online)
    victim.write_bytes(old_file)
    assert refusal(str(index), offline["1.root.json"], tmp_path / "client-2") == "tampered"


def test_a_key_that_the_root_does_not_trust_cannot_sign(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    with pytest.raises(UsageError, match="not the one"):
        sign(index, offline, metadata.generate())
    # a whole set of metadata made with other keys is refused by the client
    stranger = Keys()
    foreign = metadata.initial([stranger.root], [stranger.targets],
                               stranger.online.public_key, NOW)
    sign(index, foreign, stranger.online)
    assert refusal(str(index), offline["1.root.json"], tmp_path / "client") == "signature"


def test_a_rotated_root_is_followed_from_the_first(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    new = Keys()
    rotated = {**offline, **metadata.rotated(offline, [keys.root], [new.root], [new.targets],
                                             new.online.public_key, NOW)}
    assert sorted(rotated) == ["1.root.json", "2.root.json", "targets.json"]
    sign(index, rotated, new.online)
    assert verify(str(index), offline["1.root.json"], tmp_path / "client")
    with pytest.raises(UsageError, match="not enough"):
        metadata.rotated(rotated, [metadata.generate()], [new.root], [new.targets],
                         new.online.public_key, NOW)


def test_the_commands_from_keygen_to_verify(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "registry"
    registry.mkdir()
    (registry / "registry.yaml").write_bytes((ROOT / "registry.yaml").read_bytes())
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    for name in ("root", "targets", "online"):
        assert main(["tuf", "keygen", str(keys_dir / name)]) == 0
    assert (keys_dir / "online.pem").stat().st_mode & 0o077 == 0
    assert main(["tuf", "--root", str(registry), "init", "--root-key",
                 str(keys_dir / "root.pem"), "--targets-key", str(keys_dir / "targets.pem"),
                 "--online-key", str(keys_dir / "online.pub.json")]) == 0
    index = site_of(tmp_path)
    assert main(["tuf", "--root", str(registry), "sign", "--index", str(index)]) == 2  # no key
    assert main(["tuf", "--root", str(registry), "sign", "--index", str(index),
                 "--key-file", str(keys_dir / "online.pem")]) == 0
    capsys.readouterr()
    trusted = str(registry / "tuf" / "1.root.json")
    assert main(["verify", str(index), "--trusted-root", trusted, "--cache",
                 str(tmp_path / "c"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"]
    assert any(f["path"] == "index.json" for f in report["files"])
    (index / "related.json").write_bytes(b"{}")
    assert main(["verify", str(index), "--trusted-root", trusted, "--cache",
                 str(tmp_path / "c"), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "tampered"


def test_the_root_given_is_the_anchor_even_with_a_cache(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    """A client that verified before still starts from the root it is given: another
    registry's root (or garbage) is refused, not replaced by the cached one."""
    index = site_of(tmp_path)
    sign(index, offline, keys.online)
    client = tmp_path / "client"
    verify(str(index), offline["1.root.json"], client)
    stranger = Keys()
    foreign = metadata.initial([stranger.root], [stranger.targets],
                               stranger.online.public_key, NOW)
    assert refusal(str(index), foreign["1.root.json"], client) == "signature"
    assert refusal(str(index), b"not a root", client) == "signature"


def test_the_files_of_a_run_are_exactly_those_it_verified(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    sign(index, offline, keys.online, NOW - datetime.timedelta(hours=1))
    client = tmp_path / "client"
    verify(str(index), offline["1.root.json"], client)
    assert (client / "files" / "plugins" / "auth-jwt.json").is_file()
    only = verify(str(index), offline["1.root.json"], client, ["index.json"])
    assert [v.path for v in only] == ["index.json"]
    files = sorted(p.relative_to(client / "files").as_posix()
                   for p in (client / "files").rglob("*") if p.is_file())
    assert files == ["index.json"]  # no file of an earlier run mixed in
    victim = index / "plugins" / "auth-jwt.json"
    victim.write_bytes(victim.read_bytes() + b" ")
    assert refusal(str(index), offline["1.root.json"], client) == "tampered"
    assert [p.name for p in (client / "files").iterdir()] == ["index.json"]  # kept as was


def test_a_path_that_leaves_the_index_is_neither_signed_nor_written(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    for path in ("../escape.json", "plugins/../../x.json", "./index.json", "a\\b.json",
                 "C:evil.json", "/etc/passwd", "plugins//x.json"):
        with pytest.raises(UsageError, match="leave index/v1"):
            metadata.publication(offline, {"index.json": b"{}", path: b"x"}, keys.online, NOW)


def test_the_old_online_key_is_refused_after_a_rotation(
        tmp_path: Path, keys: Keys, offline: dict[str, bytes]) -> None:
    index = site_of(tmp_path)
    new_online = metadata.generate()
    rotated = {**offline, **metadata.rotated(offline, [keys.root], [keys.root],
                                             [keys.targets], new_online.public_key, NOW)}
    sign(index, rotated, new_online, NOW - datetime.timedelta(hours=1))
    client = tmp_path / "client"
    verify(str(index), offline["1.root.json"], client)
    with pytest.raises(UsageError, match="not the one"):  # the signer refuses it
        sign(index, rotated, keys.online)
    # metadata signed with the leaked key and served with the new root chain
    leaked = metadata.publication(offline, {"index.json": b"{}"}, keys.online, NOW)
    for name in ("registry.json", "snapshot.json", "timestamp.json"):
        (index / METADATA_DIR / name).write_bytes(leaked[name])
    assert refusal(str(index), offline["1.root.json"], client) == "signature"


def test_a_broken_root_chain_is_not_published(keys: Keys, offline: dict[str, bytes]) -> None:
    forged = metadata.initial([metadata.generate()], [keys.targets], keys.online.public_key,
                              NOW)["1.root.json"].replace(b'"version": 1', b'"version": 2')
    with pytest.raises(UsageError, match=r"2\.root\.json"):
        metadata.publication({**offline, "2.root.json": forged}, {"index.json": b"{}"},
                             keys.online, NOW)
    with pytest.raises(UsageError, match=r"1\.root\.json to"):
        metadata.publication({"3.root.json": offline["1.root.json"],
                              "targets.json": offline["targets.json"]},
                             {"index.json": b"{}"}, keys.online, NOW)
