"""The OSV advisory database, its HTTP endpoint and the osv-server command, with real pip-audit.

Real PyPA advisories live in tests/data/osv (see its README); cases the snapshot lacks (limits,
several packages, JSON, flat files, broken files) are written to a temporary directory.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from plugindex.commands import osv_server
from plugindex.errors import UsageError
from plugindex.scanners.osvdb import OsvDatabase
from plugindex.scanners.osvserver import MAX_BODY, OsvServer, make_server, url
from tests.conftest import DATA

OSV_DATA = DATA / "osv"
BOTH = ["PYSEC-2018-28", "PYSEC-2023-74"]

SYNTHETIC = {
    # Two packages (one named in a non-canonical way), limit and an npm entry to be ignored.
    "foo-bar/OSV-1.yaml": """\
id: OSV-1
modified: 2024-01-02T03:04:05Z
published: !!timestamp 2024-01-01
affected:
- package: {name: Foo.Bar, ecosystem: PyPI}
  ranges:
  - type: SEMVER
    events: [{introduced: "1.0"}, {fixed: "1.2"}, {introduced: "2.0"}, {limit: "2.5"}]
- package: {name: baz, ecosystem: PyPI}
  versions: ["0.1"]
- package: {name: foo-bar, ecosystem: npm}
  versions: ["9.9"]
""",
    # Events out of order, a '*' limit, a GIT range (ignored) and an unparseable version.
    "foo-bar/OSV-2.json": json.dumps({
        "id": "OSV-2", "modified": "2024-02-02T00:00:00Z",
        "affected": [{
            "package": {"name": "foo_bar", "ecosystem": "PyPI"},
            "ranges": [
                {"type": "ECOSYSTEM",
                 "events": [{"fixed": "0.9"}, {"limit": "*"}, {"introduced": "0.5"}]},
                {"type": "GIT", "repo": "https://example.invalid/foo",
                 "events": [{"introduced": "0"}, {"fixed": "deadbeef"}]},
            ],
            "versions": ["weird-1"],
        }],
    }),
    "foo-bar/BROKEN-1.yaml": "id: [unclosed\n",
    "foo-bar/LIST-1.yaml": "- not\n- a mapping\n",
    # A flat file in the root, as in an osv.dev export.
    "FLAT-1.json": json.dumps({
        "id": "FLAT-1", "modified": "2024-03-03T00:00:00Z",
        "affected": [{"package": {"name": "baz", "ecosystem": "PyPI"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]},
                     {"package": {"name": "Qux", "ecosystem": "PyPI"}, "versions": ["1.0"]}],
    }),
}


def ids(advisories: list[dict[str, Any]]) -> list[str]:
    return [a["id"] for a in advisories]


@pytest.fixture(scope="module")
def db() -> OsvDatabase:
    return OsvDatabase(OSV_DATA)


@pytest.fixture
def synthetic(tmp_path: Path) -> OsvDatabase:
    for rel, text in SYNTHETIC.items():
        path = tmp_path / "vulns" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return OsvDatabase(tmp_path)


# --- matching ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "version", "expected"), [
    ("requests", "2.19.1", BOTH),
    ("Requests", "2.19.1", BOTH),                  # canonical name
    ("requests", "2.19.2", BOTH),                  # in both ranges, in neither versions list
    ("requests", "2.3.0", BOTH),                   # introduced is inclusive
    ("requests", "2.2.1", ["PYSEC-2018-28"]),      # before introduced 2.3.0
    ("requests", "0.dev0", ["PYSEC-2018-28"]),     # introduced "0" is before every version
    ("requests", "2.20.0", ["PYSEC-2023-74"]),     # fixed is exclusive
    ("requests", "2.31.0rc1", ["PYSEC-2023-74"]),  # a pre-release of the fix is still affected
    ("requests", "2.31.0", []),
    ("requests", "not a version", []),             # unparseable: only the explicit lists count
    ("py", "1.11.0", ["PYSEC-2022-42969"]),        # last_affected is inclusive
    ("py", "1.5.0", ["PYSEC-2022-42969"]),         # in the range, not in the versions list
    ("py", "1.11.0.post1", []),
    ("py", "1.11.1", []),
    ("gratient", "0.5", ["PYSEC-2024-1"]),         # only an explicit versions list
    ("gratient", "0.5.0", ["PYSEC-2024-1"]),       # the same PEP 440 version
    ("gratient", "0.4", []),
    ("gratient", "0.6", []),
    ("jw.util", "2.2", ["PYSEC-2020-341"]),        # directory name not in canonical form
    ("JW_Util", "2.2.9", ["PYSEC-2020-341"]),
    ("jw-util", "1.0.dev1", ["PYSEC-2020-341"]),   # listed as "1.0dev1"
    ("jw-util", "-class.-jw.util.version.Version-", ["PYSEC-2020-341"]),  # unparseable, listed
    ("jw-util", "2.3", []),
    ("requests_kerberos", "0.5", ["PYSEC-2019-200"]),
    ("Requests.Kerberos", "0.6", []),
    ("loguru", "0.5.3", []),                       # withdrawn, neither ranges nor versions
    ("flask", "3.0.3", []),                        # no advisories at all
])
def test_query_real_advisories(db: OsvDatabase, name: str, version: str,
                               expected: list[str]) -> None:
    assert ids(db.query(name, version)) == expected


@pytest.mark.parametrize(("name", "version", "expected"), [
    ("foo-bar", "1.0", ["OSV-1"]),
    ("foo-bar", "1.1.9", ["OSV-1"]),
    ("foo-bar", "1.2", []),
    ("Foo_Bar", "2.0", ["OSV-1"]),
    ("foo-bar", "2.4.9", ["OSV-1"]),
    ("foo-bar", "2.5", []),                        # at the limit
    ("foo-bar", "3.0", []),
    ("foo-bar", "9.9", []),                        # only the npm package of that name
    ("foo-bar", "0.4", []),
    ("foo-bar", "0.5", ["OSV-2"]),                 # events sorted before evaluation
    ("foo-bar", "0.8", ["OSV-2"]),
    ("foo-bar", "0.9", []),
    ("foo-bar", "5.0", []),                        # the GIT range is not evaluated
    ("foo-bar", "weird-1", ["OSV-2"]),
    ("foo-bar", "weird-2", []),
    ("baz", "0.1", ["FLAT-1"]),                    # flat file; OSV-1 is filed under foo-bar
    ("baz", "7", ["FLAT-1"]),
    ("qux", "1.0", ["FLAT-1"]),                    # second package of a flat advisory
    ("qux", "1.1", []),
])
def test_query_synthetic(synthetic: OsvDatabase, name: str, version: str,
                         expected: list[str]) -> None:
    assert ids(synthetic.query(name, version)) == expected


def test_results_sorted_and_repeatable(db: OsvDatabase) -> None:
    first = db.query("requests", "2.19.1")
    assert ids(first) == sorted(ids(first))
    assert db.query("requests", "2.19.1") == first


def test_yaml_timestamps_stay_strings(db: OsvDatabase, synthetic: OsvDatabase) -> None:
    gratient = db.get("PYSEC-2024-1")
    assert gratient is not None
    assert gratient["modified"] == "2024-01-03T22:31:36Z"
    osv1 = synthetic.get("OSV-1")
    assert osv1 is not None
    assert (osv1["modified"], osv1["published"]) == ("2024-01-02T03:04:05Z", "2024-01-01")
    json.dumps([db.query("requests", "2.19.1"), osv1])


def test_get(db: OsvDatabase, synthetic: OsvDatabase) -> None:
    advisory = db.get("PYSEC-2018-28")
    assert advisory is not None
    assert advisory["aliases"] == ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"]
    assert db.get("PYSEC-0000-0") is None
    assert synthetic.get("OSV-2") is not None
    assert synthetic.get("FLAT-1") is not None
    assert synthetic.get("BROKEN-1") is None


def test_packages_and_lazy_errors(synthetic: OsvDatabase) -> None:
    assert synthetic.packages == ["baz", "foo-bar", "qux"]
    assert synthetic.errors == []                  # foo-bar/ is not read yet
    assert ids(synthetic.query("foo-bar", "1.0")) == ["OSV-1"]
    assert [p.name for p, _ in synthetic.errors] == ["BROKEN-1.yaml", "LIST-1.yaml"]
    assert "not a mapping" in synthetic.errors[1][1]
    synthetic.query("foo-bar", "1.0")
    assert len(synthetic.errors) == 2              # each file is parsed once


def test_real_packages(db: OsvDatabase) -> None:
    assert db.packages == ["gratient", "jw-util", "loguru", "py", "requests",
                           "requests-kerberos"]
    assert db.root == OSV_DATA / "vulns"
    assert OsvDatabase(OSV_DATA / "vulns").packages == db.packages


def test_concurrent_first_queries() -> None:
    fresh = OsvDatabase(OSV_DATA)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: ids(fresh.query("requests", "2.19.1")), range(32)))
    assert results == [BOTH] * 32
    assert fresh.errors == []


# --- HTTP -------------------------------------------------------------------------------------

@contextmanager
def serving(database: OsvDatabase, *, verbose: bool = False) -> Iterator[OsvServer]:
    server = make_server(database, verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def server(db: OsvDatabase) -> Iterator[OsvServer]:
    with serving(db) as running:
        yield running


def call(server: OsvServer, method: str, path: str, body: object = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    """(status, headers, JSON body) of one request; ``body`` is JSON-encoded unless bytes."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        conn.close()


def pypi(name: str, version: str) -> dict[str, Any]:
    return {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}


def test_url(server: OsvServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url(server))
    assert url(server).endswith(f":{server.server_address[1]}")


def test_query_endpoint(server: OsvServer) -> None:
    status, headers, answer = call(server, "POST", "/v1/query", pypi("Requests", "2.19.1"))
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert ids(answer["vulns"]) == BOTH
    assert answer["vulns"][0] == server.db.get("PYSEC-2018-28")


def test_query_endpoint_nothing_found(server: OsvServer) -> None:
    assert call(server, "POST", "/v1/query", pypi("flask", "3.0.3"))[:3:2] == (200, {})
    assert call(server, "POST", "/v1/query?x=1", pypi("requests", "2.31.0"))[2] == {}


@pytest.mark.parametrize("body", [
    {"package": {"purl": "pkg:pypi/requests@2.19.1"}},
    {"purl": "pkg:pypi/Requests@2.19.1"},
    {"package": {"purl": "pkg:pypi/requests"}, "version": "2.19.1"},
    {"package": {"purl": "pkg:PyPI/requests@2.19.1?x=y#sub", "ecosystem": "PyPI"}},
])
def test_query_by_purl(server: OsvServer, body: dict[str, Any]) -> None:
    status, _, answer = call(server, "POST", "/v1/query", body)
    assert (status, ids(answer["vulns"])) == (200, BOTH)


@pytest.mark.parametrize("body", [
    b"{", b"\xff", b"", b"[]", b"null",
    {"package": {"name": "requests", "ecosystem": "PyPI"}},
    {"package": {"ecosystem": "PyPI"}, "version": "1.0"},
    {"package": {"name": "requests"}, "version": "1.0"},
    {"package": {"name": "requests", "ecosystem": "npm"}, "version": "1.0"},
    {"package": {"name": 3, "ecosystem": "PyPI"}, "version": "1.0"},
    {"package": "requests", "version": "1.0"},
    {"package": {"name": "requests", "ecosystem": "PyPI"}, "commit": "deadbeef"},
    {"package": {"purl": "pkg:npm/left-pad@1.0.0"}},
    {"package": {"purl": "pkg:pypi/requests@2.19.1"}, "version": "2.20.0"},
    {"package": {"purl": "pkg:pypi/requests@2.19.1", "ecosystem": "Go"}},
    {"package": {"purl": "requests@2.19.1"}},
    {"package": {"purl": 7}},
])
def test_query_bad_requests(server: OsvServer, body: object) -> None:
    status, _, answer = call(server, "POST", "/v1/query", body)
    assert status == 400
    assert answer["code"] == 3
    assert answer["message"]


def test_querybatch(server: OsvServer) -> None:
    body = {"queries": [pypi("requests", "2.19.1"), pypi("flask", "3.0.3"),
                        {"package": {"purl": "pkg:pypi/py@1.11.0"}}]}
    status, _, answer = call(server, "POST", "/v1/querybatch", body)
    assert status == 200
    assert answer == {"results": [
        {"vulns": [{"id": "PYSEC-2018-28", "modified": "2021-06-16T00:03:24.800813Z"},
                   {"id": "PYSEC-2023-74", "modified": "2023-06-05T01:13:00.534973Z"}]},
        {},
        {"vulns": [{"id": "PYSEC-2022-42969", "modified": "2022-11-04T11:00:00Z"}]},
    ]}


@pytest.mark.parametrize("body", [
    {}, {"queries": {}}, [], {"queries": [pypi("requests", "1.0"), {"package": {}}]},
    {"queries": [pypi("requests", "1.0")] * 1001},
])
def test_querybatch_bad_requests(server: OsvServer, body: object) -> None:
    assert call(server, "POST", "/v1/querybatch", body)[0] == 400


def test_vulns_endpoint(server: OsvServer) -> None:
    status, _, answer = call(server, "GET", "/v1/vulns/PYSEC-2024-1")
    assert status == 200
    assert answer["id"] == "PYSEC-2024-1"
    assert answer["modified"] == "2024-01-03T22:31:36Z"
    assert call(server, "GET", "/v1/vulns/PYSEC-0000-1")[::2] == (
        404, {"code": 5, "message": "Bug not found."})


def test_withdrawn_advisories_are_served_as_osv_dev_serves_them(tmp_path: Path) -> None:
    """Queries leave a withdrawn advisory out (pip-audit would skip it anyway); its record is
    still served, with its ``withdrawn`` time, so a client can tell withdrawn from vanished."""
    package = tmp_path / "vulns" / "foo"
    package.mkdir(parents=True)
    affects_1_0 = "affected:\n- package: {name: foo, ecosystem: PyPI}\n  versions: ['1.0']\n"
    (package / "OSV-W.yaml").write_text(
        "id: OSV-W\nwithdrawn: '2024-05-01T00:00:00Z'\n" + affects_1_0)
    (package / "OSV-K.yaml").write_text("id: OSV-K\n" + affects_1_0)
    with serving(OsvDatabase(tmp_path)) as running:
        _, _, answer = call(running, "POST", "/v1/query", pypi("foo", "1.0"))
        assert ids(answer["vulns"]) == ["OSV-K"]
        _, _, batch = call(running, "POST", "/v1/querybatch", {"queries": [pypi("foo", "1.0")]})
        assert [v["id"] for v in batch["results"][0]["vulns"]] == ["OSV-K"]
        status, _, record = call(running, "GET", "/v1/vulns/OSV-W")
        assert (status, record["id"], record["withdrawn"]) == (
            200, "OSV-W", "2024-05-01T00:00:00Z")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/v1/vulns/"), ("GET", "/v1/vulns"), ("POST", "/v1/queries"),
    ("GET", "/v2/query"), ("DELETE", "/nope"),
])
def test_unknown_paths(server: OsvServer, method: str, path: str) -> None:
    status, _, answer = call(server, method, path)
    assert (status, answer["code"]) == (404, 5)


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/v1/query", "POST"), ("PUT", "/v1/query", "POST"),
    ("GET", "/v1/querybatch", "POST"), ("DELETE", "/v1/querybatch", "POST"),
    ("POST", "/v1/vulns/PYSEC-2024-1", "GET"), ("PATCH", "/v1/vulns/PYSEC-2024-1", "GET"),
])
def test_wrong_methods(server: OsvServer, method: str, path: str, allow: str) -> None:
    status, headers, answer = call(server, method, path, b"{}")
    assert (status, headers["Allow"], answer["code"]) == (405, allow, 12)


def raw_headers(server: OsvServer, headers: dict[str, str]) -> tuple[int, Any]:
    """Send a POST /v1/query's headers and no body; the status and JSON answer."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/query")
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_oversized_body_is_refused_unread(server: OsvServer) -> None:
    # Only the headers are sent: an answer proves the server did not wait for the body.
    assert raw_headers(server, {"Content-Length": str(MAX_BODY + 1)}) == (
        413, {"code": 8, "message": f"the body is larger than {MAX_BODY} bytes"})


def test_body_of_max_size_is_read(server: OsvServer) -> None:
    body = json.dumps(pypi("requests", "2.19.1")).encode()
    status, _, answer = call(server, "POST", "/v1/query", body.ljust(MAX_BODY))
    assert (status, ids(answer["vulns"])) == (200, BOTH)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 411), ({"Transfer-Encoding": "chunked"}, 411), ({"Content-Length": "ten"}, 400),
    ({"Content-Length": "-1"}, 400),
])
def test_body_length_problems(server: OsvServer, headers: dict[str, str], status: int) -> None:
    assert raw_headers(server, headers)[0] == status


def test_quiet_unless_verbose(server: OsvServer, db: OsvDatabase,
                              capsys: pytest.CaptureFixture[str]) -> None:
    call(server, "POST", "/v1/query", pypi("requests", "2.19.1"))
    call(server, "GET", "/nope")
    assert capsys.readouterr().err == ""
    with serving(db, verbose=True) as loud:
        call(loud, "POST", "/v1/query", pypi("requests", "2.19.1"))
    assert '"POST /v1/query HTTP/1.1" 200' in capsys.readouterr().err


def test_internal_error(server: OsvServer, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    def boom(name: str, version: str) -> list[dict[str, Any]]:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.db, "query", boom)
    assert call(server, "POST", "/v1/query", pypi("requests", "1.0"))[::2] == (
        500, {"code": 13, "message": "internal error"})
    assert "RuntimeError: boom" in capsys.readouterr().err


# --- the command ------------------------------------------------------------------------------

def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    osv_server.add_arguments(parser)
    return parser.parse_args(argv)


def test_arguments() -> None:
    args = parse("--db", "x")
    assert (args.db, args.host, args.port, args.verbose) == ("x", "127.0.0.1", 8790, False)


def test_run_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such directory"):
        osv_server.run(parse("--db", str(tmp_path / "absent")))


def test_run_dir_without_advisories(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no advisories"):
        osv_server.run(parse("--db", str(tmp_path)))


def test_run_bad_port() -> None:
    with pytest.raises(UsageError, match="not a port number"):
        osv_server.run(parse("--db", str(OSV_DATA), "--port", "70000"))


SERVE = ("import argparse, sys\n"
         "from plugindex.commands import osv_server\n"
         "parser = argparse.ArgumentParser()\n"
         "osv_server.add_arguments(parser)\n"
         "sys.exit(osv_server.run(parser.parse_args(sys.argv[1:])))\n")


def test_run_serves_until_sigterm() -> None:
    argv = [sys.executable, "-c", SERVE, "--db", str(OSV_DATA), "--port", "0"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            assert proc.stdout is not None
            assert select.select([proc.stdout], [], [], 10)[0], "no output within 10 s"
            line = proc.stdout.readline()
            match = re.fullmatch(r"serving 6 advisory packages at (http://127\.0\.0\.1:(\d+))"
                                 r"/v1/query\n", line)
            assert match, line
            conn = http.client.HTTPConnection("127.0.0.1", int(match[2]), timeout=10)
            conn.request("GET", "/v1/vulns/PYSEC-2023-74")
            assert conn.getresponse().status == 200
            conn.close()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
        finally:
            proc.kill()
        assert proc.stdout.read() == ""
        assert proc.stderr is not None
        assert proc.stderr.read() == ""


# --- pip-audit, end to end --------------------------------------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("pip_audit") is None,
                    reason="pip-audit is not installed")
def test_pip_audit_against_the_server(server: OsvServer, tmp_path: Path) -> None:
    reqfile = tmp_path / "requirements.txt"
    reqfile.write_text("requests==2.19.1\nflask==3.0.3\n", encoding="utf-8")
    outfile = tmp_path / "audit.json"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(reqfile), "--no-deps", "--disable-pip",
         "-s", "osv", "--osv-url", f"{url(server)}/v1/query", "-f", "json", "-o", str(outfile),
         "--progress-spinner", "off", "--cache-dir", str(tmp_path / "c")],
        capture_output=True, text=True, timeout=120, env={**env, "NO_PROXY": "*"}, check=False,
    )
    assert result.returncode == 1, result.stderr  # 1: vulnerabilities were found
    report = {d["name"]: d for d in json.loads(outfile.read_text())["dependencies"]}
    assert report["flask"]["vulns"] == []
    vulns = {v["id"]: v for v in report["requests"]["vulns"]}
    assert sorted(vulns) == BOTH
    assert vulns["PYSEC-2018-28"]["fix_versions"] == ["2.20.0"]
    assert vulns["PYSEC-2023-74"]["fix_versions"] == ["2.31.0"]
    # pip-audit keeps aliases in a set: their order varies from run to run.
    assert set(vulns["PYSEC-2018-28"]["aliases"]) == {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"}
    assert set(vulns["PYSEC-2023-74"]["aliases"]) == {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"}
