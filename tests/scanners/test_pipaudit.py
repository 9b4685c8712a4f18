"""Advisory severities: rating an OSV record, looking records up, and the audit end to end.

The end-to-end test serves the advisories of tests/data/osv/vulns (no severities) together with
tests/data/osv/cvss/vulns (a real advisory with a CVSS v3.1 vector; see its README).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import threading
import urllib.error
from collections import Counter
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugindex.scanners import pipaudit as audit_module
from plugindex.scanners.osvdb import OsvDatabase
from plugindex.scanners.osvserver import url
from plugindex.scanners.pipaudit import (
    SEVERITIES,
    Advisory,
    AuditedPackage,
    audit,
    cvss_rating,
    lookup_severities,
    severity_of,
    vulns_url,
)
from tests.scanners.test_osvdb import OSV_DATA, serving

OSV_URL = "http://127.0.0.1:8790/v1/query"
WERKZEUG_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # PYSEC-2023-221: 7.5


def cvss(kind: str, vector: object) -> dict[str, Any]:
    return {"type": kind, "score": vector}


def record(*severity: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": "OSV-1", "severity": list(severity), **fields}


# --- severity_of --------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "expected"), [
    (cvss("CVSS_V3", WERKZEUG_VECTOR), "high"),                                          # 7.5
    (cvss("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:L"), "moderate"),       # 6.5
    (cvss("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N"), "low"),            # 2.8
    (cvss("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), "low"),            # 0.0
    (cvss("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), "moderate"),       # 6.1
    (cvss("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), "critical"),       # 10.0
    (cvss("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"), "high"),                             # 7.5
    (cvss("CVSS_V2", "AV:N/AC:M/Au:N/C:N/I:P/A:N"), "moderate"),                         # 4.3
    (cvss("CVSS_V2", "AV:L/AC:H/Au:M/C:P/I:N/A:N"), "low"),                              # 0.8
    # 10.0: "critical" on the v3 scale, although the library rates v2 scores "High" at most.
    (cvss("CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C"), "critical"),
    (cvss("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
     "critical"),                                                                         # 9.3
    (cvss("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N"),
     "moderate"),                                                                         # 5.3
])
def test_a_cvss_vector_is_rated_on_the_v3_scale(entry: dict[str, Any], expected: str) -> None:
    assert severity_of(record(entry)) == (expected, entry["score"])


@pytest.mark.parametrize(("score", "expected"), [
    (0.0, "low"), (0.1, "low"), (3.9, "low"), (4.0, "moderate"), (6.9, "moderate"),
    (7.0, "high"), (8.9, "high"), (9.0, "critical"), (10.0, "critical"),
])
def test_cvss_rating_boundaries(score: float, expected: str) -> None:
    assert cvss_rating(score) == expected


def test_the_highest_base_score_wins() -> None:
    v2 = cvss("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")                        # 7.5
    v3 = cvss("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:L")      # 6.5
    v4 = cvss("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N")
    assert severity_of(record(v4, v3, v2)) == ("high", v2["score"])
    assert severity_of(record(v2, v3, v4)) == ("high", v2["score"])


def test_a_cvss_vector_outranks_a_stated_rating() -> None:
    low = cvss("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N")
    assert severity_of(record(low, database_specific={"severity": "CRITICAL"})) == (
        "low", low["score"])


def test_surrounding_whitespace_is_ignored() -> None:
    assert severity_of(record(cvss("CVSS_V3", f" {WERKZEUG_VECTOR}\n"))) == (
        "high", WERKZEUG_VECTOR)


@pytest.mark.parametrize("entry", [
    cvss("CVSS_V3", "CVSS:3.1/AV:N/AC:L"),                                  # mandatory metrics
    cvss("CVSS_V3", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),        # unknown value
    cvss("CVSS_V3", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),        # unknown version
    cvss("CVSS_V3", f"{WERKZEUG_VECTOR}/"),
    cvss("CVSS_V3", ""),
    cvss("CVSS_V3", 7.5),                                                   # a number, no vector
    cvss("CVSS_V3", None),
    cvss("CVSS_V2", "(AV:N/AC:L/Au:N/C:C/I:C/A:C)"),                        # NVD's parentheses
    cvss("CVSS_V2", WERKZEUG_VECTOR),                                       # labelled v2, is v3
    cvss("CVSS_V4", WERKZEUG_VECTOR),
    cvss("CVSS_V3", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
    cvss("Ubuntu", "high"),                                                 # not a CVSS type
    {"score": WERKZEUG_VECTOR},                                             # no type
])
def test_an_invalid_vector_is_ignored(entry: dict[str, Any]) -> None:
    assert severity_of(record(entry)) == ("unknown", None)
    valid = cvss("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N")
    assert severity_of(record(entry, valid)) == ("low", valid["score"])
    assert severity_of(record(entry, database_specific={"severity": "HIGH"})) == ("high", None)


@pytest.mark.parametrize(("rating", "expected"), [
    ("CRITICAL", "critical"), ("HIGH", "high"), ("MODERATE", "moderate"), ("LOW", "low"),
    ("MEDIUM", "moderate"), ("Moderate", "moderate"), (" high ", "high"),
    ("IMPORTANT", "unknown"), ("NONE", "unknown"), ("", "unknown"), (7, "unknown"),
    (None, "unknown"),
])
def test_a_ghsa_database_specific_rating(rating: object, expected: str) -> None:
    assert severity_of({"id": "GHSA-aaaa-bbbb-cccc", "database_specific": {
        "severity": rating, "cwe_ids": ["CWE-400"], "github_reviewed": True}}) == (expected, None)


def test_ratings_of_affected_packages_and_the_highest_one() -> None:
    eco = {"affected": [{"package": {"name": "x", "ecosystem": "PyPI"},
                         "ecosystem_specific": {"severity": "MEDIUM"}}]}
    assert severity_of(eco) == ("moderate", None)
    several = {"database_specific": {"severity": "LOW"}, "affected": [
        {"database_specific": {"severity": "HIGH"}}, {"ecosystem_specific": {"severity": "LOW"}},
        "not a mapping", {"database_specific": "HIGH"}]}
    assert severity_of(several) == ("high", None)


@pytest.mark.parametrize("osv_record", [
    {},
    {"id": "PYSEC-2018-28", "severity": []},
    {"severity": None, "database_specific": None, "affected": None},
    {"severity": "CVSS:3.1/AV:N", "database_specific": ["HIGH"], "affected": "x"},
    {"severity": [None, 3, "CVSS_V3", [WERKZEUG_VECTOR]], "affected": [None, 1]},
    {"database_specific": {"source": "https://example.invalid"}},
])
def test_no_rating_at_all_is_unknown(osv_record: dict[str, Any]) -> None:
    assert severity_of(osv_record) == ("unknown", None)


def test_the_real_fixture_advisory() -> None:
    advisory = OsvDatabase(OSV_DATA / "cvss").get("PYSEC-2023-221")
    assert advisory is not None
    assert severity_of(advisory) == ("high", WERKZEUG_VECTOR)
    plain = OsvDatabase(OSV_DATA).get("PYSEC-2018-28")
    assert plain is not None
    assert severity_of(plain) == ("unknown", None)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.sampled_from(["CVSS_V2", "CVSS_V3", "CVSS_V4", "HIGH", "medium", WERKZEUG_VECTOR,
                       "AV:N/AC:L/Au:N/C:P/I:P/A:P", "severity", "score", "type"])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["severity", "type", "score", "database_specific", "affected",
                         "ecosystem_specific"]), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["severity", "database_specific", "affected", "id"]),
                       JSON, max_size=4))
def test_any_record_gets_a_severity(osv_record: dict[str, Any]) -> None:
    severity, vector = severity_of(osv_record)
    assert severity in SEVERITIES
    assert vector is None or (isinstance(vector, str) and severity != "unknown")


# --- Advisory records -----------------------------------------------------------------------------

def test_advisory_json_round_trip() -> None:
    advisory = Advisory("PYSEC-2023-221", ("CVE-2023-46136",), ("3.0.1",), "DoS", "high",
                        WERKZEUG_VECTOR)
    data = advisory.as_json()
    assert (data["severity"], data["cvss"]) == ("high", WERKZEUG_VECTOR)
    assert Advisory.from_json(json.loads(json.dumps(data))) == advisory
    unrated = Advisory("PYSEC-2018-28", (), (), "")
    assert (unrated.severity, unrated.cvss) == ("unknown", None)
    assert Advisory.from_json(unrated.as_json()) == unrated


def test_an_older_record_loads_as_unknown() -> None:
    old = {"id": "PYSEC-2018-28", "aliases": ["CVE-2018-18074"], "fixed_in": ["2.20.0"],
           "summary": "leaks credentials"}
    assert Advisory.from_json(old) == Advisory("PYSEC-2018-28", ("CVE-2018-18074",),
                                               ("2.20.0",), "leaks credentials")
    assert Advisory.from_json({**old, "severity": "severe", "cvss": 7.5}).severity == "unknown"
    assert Advisory.from_json({**old, "severity": "severe", "cvss": 7.5}).cvss is None


# --- lookups --------------------------------------------------------------------------------------

def http_error(url: str, code: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(url, code, "error", Message(), None)


class FakeOsv:
    """A ``get`` answering ``<base>/v1/vulns/<id>`` from records; records can be exceptions."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def __call__(self, url: str, timeout: float) -> bytes:
        with self.lock:
            self.calls.append((url, timeout))
        prefix = "http://127.0.0.1:8790/v1/vulns/"
        assert url.startswith(prefix), url
        answer = self.answers.get(url[len(prefix):], http_error(url, 404))
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, bytes):
            return answer
        return json.dumps(answer).encode()

    def urls(self) -> Counter[str]:
        return Counter(u for u, _ in self.calls)


HIGH = record(cvss("CVSS_V3", WERKZEUG_VECTOR))
GHSA = {"id": "GHSA-1", "database_specific": {"severity": "MODERATE"}}


def test_vulns_url() -> None:
    assert vulns_url(OSV_URL, "PYSEC-1") == "http://127.0.0.1:8790/v1/vulns/PYSEC-1"
    assert vulns_url("https://api.osv.dev/v1/query", "GHSA-x") == (
        "https://api.osv.dev/v1/vulns/GHSA-x")
    assert vulns_url(OSV_URL, "a/../b c") == "http://127.0.0.1:8790/v1/vulns/a%2F..%2Fb%20c"
    for other in ["https://api.osv.dev/v1/querybatch", "https://api.osv.dev/v1/query/",
                  "https://api.osv.dev/", "https://api.osv.dev/v1/query?x=1"]:
        assert vulns_url(other, "PYSEC-1") is None


def test_each_advisory_is_looked_up_once() -> None:
    get = FakeOsv({"PYSEC-1": HIGH, "GHSA-1": GHSA, "PYSEC-2": {"id": "PYSEC-2"}})
    found = lookup_severities(["PYSEC-1", "GHSA-1", "PYSEC-1", "PYSEC-2", "GHSA-1"],
                              osv_url=OSV_URL, timeout=8, get=get)
    assert found == {"PYSEC-1": ("high", WERKZEUG_VECTOR), "GHSA-1": ("moderate", None),
                     "PYSEC-2": ("unknown", None)}
    assert sorted(get.urls().values()) == [1, 1, 1]
    assert all(0 < timeout <= 8 for _, timeout in get.calls)


@pytest.mark.parametrize("failure", [
    http_error("x", 404), http_error("x", 500), urllib.error.URLError("refused"),
    TimeoutError("timed out"), ConnectionResetError("reset"),
    ValueError("answered more than 20971520 bytes"),
    b"{not json", b"\xff\xfe", b"[1, 2]", b"null", b"[" * 100_000 + b"]" * 100_000,
])
def test_a_failed_lookup_is_unknown(failure: object) -> None:
    get = FakeOsv({"PYSEC-1": HIGH, "PYSEC-BAD": failure})
    found = lookup_severities(["PYSEC-BAD", "PYSEC-1"], osv_url=OSV_URL, timeout=8, get=get)
    assert found == {"PYSEC-1": ("high", WERKZEUG_VECTOR), "PYSEC-BAD": ("unknown", None)}


def test_no_lookup_without_an_osv_query_url() -> None:
    get = FakeOsv({"PYSEC-1": HIGH})
    assert lookup_severities(["PYSEC-1"], osv_url="http://127.0.0.1:8790/query",
                             timeout=8, get=get) == {"PYSEC-1": ("unknown", None)}
    assert lookup_severities([], osv_url=OSV_URL, timeout=8, get=get) == {}
    assert get.calls == []


def test_no_lookup_once_the_time_budget_is_spent() -> None:
    get = FakeOsv({"PYSEC-1": HIGH})
    assert lookup_severities(["PYSEC-1"], osv_url=OSV_URL, timeout=0, get=get) == {
        "PYSEC-1": ("unknown", None)}
    assert get.calls == []


def test_audit_rates_the_advisories_pip_audit_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """audit() with pip-audit's report given: one lookup per advisory id, failures unknown."""
    report = {"dependencies": [
        {"name": "Werkzeug", "version": "3.0.0", "vulns": [
            {"id": "PYSEC-1", "aliases": ["GHSA-1"], "fix_versions": ["3.0.1"],
             "description": "one"},
            {"id": "PYSEC-DOWN", "aliases": [], "fix_versions": [], "description": "two"}]},
        {"name": "werkzeug-extra", "version": "1.0", "vulns": [
            {"id": "PYSEC-1", "aliases": ["GHSA-1"], "fix_versions": ["3.0.1"],
             "description": "one"},
            {"id": "GHSA-1", "aliases": [], "fix_versions": [], "description": "three"}]},
        {"name": "flask", "version": "3.0.3", "vulns": []},
    ]}
    monkeypatch.setattr(audit_module, "_pip_audit", lambda pins, osv_url, timeout: report)
    get = FakeOsv({"PYSEC-1": HIGH, "GHSA-1": GHSA, "PYSEC-DOWN": TimeoutError("timed out")})
    result = audit(["werkzeug==3.0.0", "werkzeug-extra==1.0", "flask==3.0.3"], osv_url=OSV_URL,
                   package_index="http://127.0.0.1:9", timeout=8, get=get)
    assert sorted(get.urls().values()) == [1, 1, 1]
    rated = {p.name: [(a.id, a.severity, a.cvss) for a in p.advisories] for p in result.packages}
    assert rated == {
        "werkzeug": [("PYSEC-1", "high", WERKZEUG_VECTOR), ("PYSEC-DOWN", "unknown", None)],
        "werkzeug-extra": [("GHSA-1", "moderate", None), ("PYSEC-1", "high", WERKZEUG_VECTOR)],
        "flask": [],
    }
    assert result.skips == ()


# --- end to end: real pip-audit against the local OSV server --------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("pip_audit") is None,
                    reason="pip-audit is not installed")
def test_audit_end_to_end_reports_cvss_severities(tmp_path: Path) -> None:
    database = tmp_path / "db"
    shutil.copytree(OSV_DATA / "vulns", database / "vulns")
    shutil.copytree(OSV_DATA / "cvss" / "vulns", database / "vulns", dirs_exist_ok=True)
    with serving(OsvDatabase(database)) as server:
        result = audit(["werkzeug==3.0.0", "requests==2.19.1", "flask==3.0.3"],
                       osv_url=f"{url(server)}/v1/query", package_index="http://127.0.0.1:9",
                       timeout=120)
    assert result.skips == ()
    found = {p.name: p for p in result.packages}
    assert sorted(found) == ["flask", "requests", "werkzeug"]
    assert found["flask"].advisories == ()
    (werkzeug,) = found["werkzeug"].advisories
    assert (werkzeug.id, werkzeug.severity, werkzeug.cvss) == (
        "PYSEC-2023-221", "high", WERKZEUG_VECTOR)
    assert "3.0.1" in werkzeug.fixed_in
    assert set(werkzeug.aliases) == {"CVE-2023-46136", "GHSA-hrfv-mqp8-q5rw"}
    # The requests advisories of the snapshot carry no severity: unknown, not low.
    assert [(a.id, a.severity, a.cvss) for a in found["requests"].advisories] == [
        ("PYSEC-2018-28", "unknown", None), ("PYSEC-2023-74", "unknown", None)]
    assert Advisory.from_json(werkzeug.as_json()) == werkzeug
    assert isinstance(found["werkzeug"], AuditedPackage)
