"""Data-driven tests of single-manifest validation, and of the cross-manifest rules.

Fixtures live in tests/data/manifests:

* ``valid/*.yaml`` must validate with no diagnostic at all.
* ``invalid/<RULE>/*.yaml`` must yield diagnostics of exactly the rule ``<RULE>``.

Every fixture is validated as if it were at ``submissions/example/1.0.0.yaml``. A fixture can
change that, and state more, with comment lines at its top:

* ``# path: submissions/<name>/<version>.yaml`` - validate at this path instead;
* ``# also: PI031`` - rule ids expected beside the directory's rule (names and versions that
  are invalid cannot match the path, so PI031 comes with them);
* a trailing ``# <-`` marks a line: when present, the diagnostics of the directory's rule are
  reported at exactly the marked lines.

Inputs that are awkward to commit (binary, huge, invisible characters) are built in code below
(``GENERATED``), as are the cross-manifest cases.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from plugindex.config.registry import RegistryConfig
from plugindex.diagnostics import Diagnostic, Severity
from plugindex.layout import manifest_path
from plugindex.manifests.model import Facts, facts_of, manifest_from
from plugindex.manifests.schema import load_schema, unknown_rule_ids
from plugindex.rules import CATALOG
from plugindex.validate.registry_rules import check_registry, shared_sources
from plugindex.validate.validator import FileResult, ManifestValidator
from tests.conftest import DATA, ROOT, VALID_MANIFEST

FIXTURES = DATA / "manifests"
SCHEMAS = ROOT / "schemas"
DEFAULT_PATH = "submissions/example/1.0.0.yaml"
WARNING_RULES = frozenset(r.id for r in CATALOG.values() if r.severity is Severity.WARNING)
RULE_ID = re.compile(r"^PI\d{3}$")
# Loading and schema rules: a file with one of these problems yields no manifest.
REFUSED = frozenset(r for r in CATALOG if "PI001" <= r <= "PI009" or r in (
    "PI012", "PI013", "PI020", "PI021", "PI022", "PI023", "PI024", "PI025", "PI026", "PI027",
    "PI028", "PI029", "PI049"))
_DIRECTIVE = re.compile(r"^# (path|also): (.+?)\s*$")
_MARK = re.compile(r"#\s*<-\s*$")

# Rules whose cases need a file system or git context; they are tested elsewhere, with the
# commands that read a repository (plugindex validate / build).
TESTED_ELSEWHERE = frozenset({
    "PI014",  # symlink, submodule or LFS pointer instead of a regular blob
    "PI030",  # a manifest outside submissions/<name>/<version>.yaml
    "PI050",  # an in-repository source path that does not exist
    "PI065", "PI066", "PI067",  # requirements vs published versions: test_requirement_rules
    "PI068",  # a featured plugin that does not exist: test_build
    "PI070", "PI071", "PI072", "PI073", "PI074", "PI075", "PI076", "PI077",  # test_scan
    "PI080", "PI081", "PI082", "PI083", "PI084", "PI085", "PI086",  # review: test_review
    "PI088",  # the trusted half of the review: tests/security/test_forged_verdict.py
    "PI090",  # a publication that drops many plugins: tests/build/test_guard.py
})



def base(name: str = "example", version: str = "1.0.0", extra: str = "") -> str:
    return VALID_MANIFEST.format(name=name, version=version) + extra


@dataclass(frozen=True)
class Fixture:
    rel: str
    text: bytes
    path: str
    also: frozenset[str]
    marked_lines: frozenset[int]


def read_fixture(file: Path) -> Fixture:
    data = file.read_bytes()
    path, also = DEFAULT_PATH, frozenset[str]()
    lines = data.decode("utf-8").splitlines()
    for line in lines:
        if not line.startswith("#"):
            break
        directive = _DIRECTIVE.match(line)
        if directive and directive.group(1) == "path":
            path = directive.group(2)
        elif directive:
            also = frozenset(directive.group(2).replace(",", " ").split())
    marked = frozenset(i for i, line in enumerate(lines, 1) if _MARK.search(line))
    return Fixture(file.relative_to(FIXTURES).as_posix(), data, path, also, marked)


# Fixtures that show a bug in plugindex: the fixture states what should happen.
KNOWN_BUGS: dict[str, str] = {}


def fixture_params(kind: str) -> list[pytest.ParameterSet]:
    params = []
    for file in sorted((FIXTURES / kind).rglob("*.yaml")):
        case = file.relative_to(FIXTURES / kind).as_posix()
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case])] if (
            case in KNOWN_BUGS) else []
        params.append(pytest.param(read_fixture(file), id=case, marks=marks))
    return params


@pytest.fixture(scope="module")
def validator(registry_config: RegistryConfig) -> ManifestValidator:
    return ManifestValidator(registry_config)


def rules_of(result: FileResult | list[Diagnostic]) -> set[str]:
    diagnostics = result.diagnostics if isinstance(result, FileResult) else result
    return {d.rule for d in diagnostics}


def assert_placed(result: FileResult, path: str) -> None:
    for d in result.diagnostics:
        assert d.file == path
        assert d.line >= 1, d
        assert d.rule in CATALOG


# -- committed fixtures ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", fixture_params("valid"))
def test_valid_manifest(validator: ManifestValidator, fixture: Fixture) -> None:
    result = validator.check(fixture.path, fixture.text)
    assert result.diagnostics == ()
    assert result.ok
    assert result.manifest is not None


@pytest.mark.parametrize("fixture", fixture_params("invalid"))
def test_invalid_manifest(validator: ManifestValidator, fixture: Fixture) -> None:
    rule_id = fixture.rel.split("/")[1]
    result = validator.check(fixture.path, fixture.text)
    assert rules_of(result) == {rule_id} | fixture.also, result.diagnostics
    assert_placed(result, fixture.path)
    own = [d for d in result.diagnostics if d.rule == rule_id]
    if rule_id in WARNING_RULES:
        assert all(d.severity is Severity.WARNING for d in own)
    else:
        assert any(d.is_error for d in own)
        assert not result.ok
        if rule_id in REFUSED:
            assert result.manifest is None
    if fixture.marked_lines:
        assert {d.line for d in own} == fixture.marked_lines, own


def test_full_manifest_model(validator: ManifestValidator) -> None:
    fixture = read_fixture(FIXTURES / "valid" / "full.yaml")
    m = validator.check(fixture.path, fixture.text).manifest
    assert m is not None
    assert (m.name, m.version, m.source.kind) == ("example", "1.0.0", "git")
    assert m.source.pin == "3f786850e387550fdab836ed7e6dc881de23001b"
    assert m.source.subdirectory == "src/farm_example"
    assert m.requires_plugins == (("mongo-connection", ">=2.0,<3"), ("settings", ""))
    assert m.conflicts == (("legacy-health", ""), ("other-health", "<2"))
    assert m.deprecated is not None
    assert m.deprecated.replacement == "monitoring-suite"
    assert [x.github for x in m.maintainers] == ["alice", "bob-builder"]
    # Every field of the schema appears in the full example.
    assert set(m.data) == set(load_schema("manifest.v1.schema.json")["properties"])


def test_quoted_lookalikes_stay_strings(validator: ManifestValidator) -> None:
    fixture = read_fixture(FIXTURES / "valid" / "quoted-yaml11-lookalikes.yaml")
    m = validator.check(fixture.path, fixture.text).manifest
    assert m is not None
    assert m.tags == ("no", "yes", "on", "off", "1-10")
    assert m.yanked == "NO"
    assert m.source.pin == "1234567890123456789012345678901234567890"
    assert m.source.tag == "1.10"


def test_prerelease_version_is_kept(validator: ManifestValidator) -> None:
    fixture = read_fixture(FIXTURES / "valid" / "prerelease.yaml")
    m = validator.check(fixture.path, fixture.text).manifest
    assert m is not None
    assert m.version == "1.0.0-rc.1"
    assert m.parsed_version.is_prerelease


@pytest.mark.parametrize(("fixture_rel", "raw"), [
    ("PI021/version-1-10.yaml", "1.10"),
    ("PI021/version-1-0.yaml", "1.0"),
    ("PI021/commit-octal.yaml", "0123456"),
    ("PI021/commit-all-digits.yaml", "1234567890123456789012345678901234567890"),
    ("PI021/yanked-no.yaml", "NO"),
    ("PI021/yanked-date.yaml", "2024-01-01"),
    ("PI021/conflict-range-number.yaml", "1.10"),
    ("PI021/name-integer.yaml", "1234"),
])
def test_yaml11_type_hint_suggests_quoting(
    validator: ManifestValidator, fixture_rel: str, raw: str
) -> None:
    fixture = read_fixture(FIXTURES / "invalid" / fixture_rel)
    (diag,) = validator.check(fixture.path, fixture.text).diagnostics
    assert diag.rule == "PI021"
    # The hint shows the text as written, quoted, not YAML's reading of it (1.1, 42798, False).
    assert f'"{raw}"' in diag.hint


def test_duplicate_key_is_reported_at_the_second_occurrence(
    validator: ManifestValidator
) -> None:
    text = base(extra="license: Apache-2.0\n")
    result = validator.check(DEFAULT_PATH, text.encode())
    (diag,) = result.diagnostics
    assert (diag.rule, diag.line, diag.pointer) == ("PI010", 12, "/license")
    # The first value is the one that counts: what a reviewer reads first is what is checked.
    assert result.manifest is not None
    assert result.manifest.license == "MIT"


def test_missing_fields_each_reported(validator: ManifestValidator) -> None:
    fixture = read_fixture(FIXTURES / "invalid" / "PI022" / "missing-several.yaml")
    result = validator.check(fixture.path, fixture.text)
    assert {d.pointer for d in result.diagnostics} == {"/category", "/host", "/license"}


# -- inputs built in code -------------------------------------------------------------------------

_PAD = "# " + "x" * 77 + "\n"  # an 80-byte comment line


def _padded_to(size: int) -> bytes:
    """A valid manifest padded with comments to exactly ``size`` bytes."""
    text = base()
    text += _PAD * ((size - len(text)) // len(_PAD))
    text += "#" * (size - len(text) - 1) + "\n"
    data = text.encode()
    assert len(data) == size
    return data


def _nodes(total: int) -> bytes:
    """A manifest of ``total`` YAML nodes: the base has 24, 'conflicts' and its mapping 2 more,
    and each conflict 2 (the name and the range)."""
    count, odd = divmod(total - 26, 2)
    assert odd == 0
    conflicts = "".join(f"  c{i:04d}: ''\n" for i in range(count))
    return base(extra="conflicts:\n" + conflicts).encode()


def gen(rule_id: str, data: bytes, case: str, also: str = "") -> pytest.ParameterSet:
    return pytest.param(rule_id, frozenset(also.split()), data, id=f"{rule_id}-{case}")


GENERATED = [
    # PI001: size is checked before parsing.
    gen("PI001", _padded_to(65537), "one-byte-over"),
    gen("PI001", base(extra="description: " + "x" * 100_000 + "\n").encode(), "description-100k"),
    gen("PI001", b"a: [" + b"1," * 5_000_000 + b"]\n", "10-mib"),
    gen("PI001", b"k: v\n" * 500_000, "500k-keys"),
    # PI002: UTF-8 only, without a byte-order mark.
    gen("PI002", b"\xff\xfe" + base().encode("utf-16-le"), "utf16-le-bom"),
    gen("PI002", b"\xfe\xff" + base().encode("utf-16-be"), "utf16-be-bom"),
    gen("PI002", base().encode("utf-32"), "utf32-bom"),
    gen("PI002", b"\xef\xbb\xbf" + base().encode(), "utf8-bom"),
    gen("PI002", base(extra="description: caf\xe9\n").encode("latin-1"), "latin-1"),
    gen("PI002", base().encode() + b"description: \xc3\n", "truncated-sequence"),
    gen("PI002", base().encode() + b"description: \xed\xa0\x80\n", "encoded-surrogate"),
    gen("PI002", base().encode() + b"description: \xc0\xaf\n", "overlong"),
    # PI003: NUL and other control characters.
    gen("PI003", base(extra="description: a\x00b\n").encode(), "nul"),
    gen("PI003", base().encode() + b"\x00", "trailing-nul"),
    gen("PI003", base(extra="description: \x1b[31mred\x1b[0m\n").encode(), "ansi-escape"),
    gen("PI003", base(extra="description: \x7f\n").encode(), "delete"),
    gen("PI003", base(extra="description: \x9b\n").encode(), "c1-control"),
    gen("PI003", base(extra="description: admin\u202e\u2066 // check\n").encode(),
        "bidi-override"),
    gen("PI003", base(extra="description: a\ufeffb\n").encode(), "inner-bom"),
    # PI008: the depth cap stops the parser long before the C loader would crash.
    gen("PI008", b"[" * 25_000, "25000-brackets"),
    gen("PI008", base(extra="tags: " + "[" * 25_000 + "\n").encode(), "25000-brackets-in-field"),
    # PI009: node count; registry.yaml allows 5000.
    gen("PI009", _nodes(5002), "5002-nodes"),
    # PI025: a long description that fits in the file size limit.
    gen("PI025", base(extra="description: " + "x" * 30_000 + "\n").encode(), "description-30k"),
    gen("PI025", base(extra="description: " + "x" * 20_001 + "\n").encode(),
        "description-one-over"),
    # PI003: an invisible character in a plain (unquoted) name is refused before anything else.
    gen("PI003", base().replace("name: example", "name: exam\u200bple").encode(),
        "literal-zero-width-in-name"),
]

VALID_GENERATED = [
    pytest.param(_padded_to(65536), id="exactly-64-kib"),
    pytest.param(base(extra="description: " + "x" * 20_000 + "\n").encode(),
                 id="description-20000"),
    pytest.param(_nodes(5000), id="5000-nodes"),
    pytest.param(base(extra="description: \"tab\\there\"\n").encode(), id="escaped-tab"),
    pytest.param(base(extra="description: caf\u00e9 \u2603 \U0001f600\n").encode(),
                 id="non-ascii-text"),
]


@pytest.mark.parametrize(("rule_id", "also", "data"), GENERATED)
def test_generated_invalid(
    validator: ManifestValidator, rule_id: str, also: frozenset[str], data: bytes
) -> None:
    result = validator.check(DEFAULT_PATH, data)
    assert rules_of(result) == {rule_id} | also, result.diagnostics
    assert_placed(result, DEFAULT_PATH)
    assert not result.ok
    assert result.manifest is None


@pytest.mark.parametrize("data", VALID_GENERATED)
def test_generated_valid(validator: ManifestValidator, data: bytes) -> None:
    result = validator.check(DEFAULT_PATH, data)
    assert result.diagnostics == ()
    assert result.manifest is not None


def test_bad_bytes_say_where(validator: ManifestValidator) -> None:
    head = base().encode()
    (diag,) = validator.check(DEFAULT_PATH, head + b"description: \xff\n").diagnostics
    assert (diag.rule, diag.line) == ("PI002", 12)
    (diag,) = validator.check(DEFAULT_PATH, head + b"description: a\x00\n").diagnostics
    assert (diag.rule, diag.line) == ("PI003", 12)


def test_all_problems_of_a_file_are_reported(validator: ManifestValidator) -> None:
    text = """\
schema: 1
name: example
version: "1.0.0"
summary: Adds a health-check route to FARM applications
category: games
capabilities: [routes, teleport]
permissions: [root]
maintainers:
  - github: alice
  - github: ALICE
license: GPL-2.0-only
homepage: http://example.com
repository: https://user:secret@github.com/example-org/farm-example
issues: https://127.0.0.1/issues
source:
  git: https://git.example.com/example-org/farm-example
  commit: 3f786850e387550fdab836ed7e6dc881de23001b
host: ">=9"
requires:
  python: ">>3"
  plugins:
    example: ""
  packages:
    - foo @ https://example.com/foo.whl
    - -r requirements.txt
    - "bar >>> 1"
    - baz>=1
    - Baz<3
homepag: https://example.com
"""
    result = validator.check(DEFAULT_PATH, text.encode())
    assert rules_of(result) == {
        "PI023",  # homepag
        "PI032",  # games
        "PI033",  # teleport
        "PI034",  # root
        "PI036",  # GPL-2.0-only
        "PI037",  # http://
        "PI038",  # user:secret@
        "PI039",  # 127.0.0.1
        "PI040",  # git.example.com
        "PI041",  # bar >>> 1
        "PI042",  # foo @ https://...
        "PI043",  # -r
        "PI044",  # >>3
        "PI045",  # >=9
        "PI047",  # example requires example
        "PI048",  # alice, ALICE
        "PI051",  # baz, Baz
    }
    assert_placed(result, DEFAULT_PATH)
    by_rule = {d.rule: d.line for d in result.diagnostics}
    assert by_rule["PI023"] == 29
    assert by_rule["PI032"] == 5
    assert by_rule["PI048"] == 10
    assert by_rule["PI042"] == 24
    assert by_rule["PI051"] == 28
    assert result.diagnostics == tuple(sorted(result.diagnostics))


def test_schema_and_semantic_problems_together(validator: ManifestValidator) -> None:
    """A schema error in one field does not hide semantic errors in the others."""
    text = base(extra="tags: [Bad_Tag]\nhomepage: http://example.com\n").replace(
        "license: MIT", "license: GPL-2.0-only").replace("category: testing", "category: x")
    result = validator.check(DEFAULT_PATH, text.encode())
    assert rules_of(result) == {"PI024", "PI032", "PI036", "PI037"}
    assert result.manifest is None


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/object:os.system",
])
def test_no_code_is_executed(
    validator: ManifestValidator, tmp_path: Path, tag: str
) -> None:
    marker = tmp_path / "marker"
    command = json.dumps(f"touch {marker}")
    text = base(extra=f"yanked: {tag} [{command}]\n")
    result = validator.check(DEFAULT_PATH, text.encode())
    assert rules_of(result) == {"PI007"}
    assert result.manifest is None
    assert not marker.exists()


# -- across manifests -----------------------------------------------------------------------------


def build(
    validator: ManifestValidator, name: str, version: str, extra: str = "",
    path: str | None = None,
) -> tuple[str, Facts]:
    path = path or manifest_path(name, version)
    result = validator.check(path, base(name, version, extra).encode())
    assert result.manifest is not None, result.diagnostics
    return path, facts_of(result.manifest)


def assert_cross(found: list[Diagnostic], expected: set[tuple[str, str, str]]) -> None:
    """``expected``: (rule, path, pointer) of every finding."""
    assert {(d.rule, d.file, d.pointer) for d in found} == expected
    for d in found:
        assert d.line == 0  # the caller places cross-manifest findings
        assert d.severity is CATALOG[d.rule].severity


def test_cross_clean_registry(validator: ManifestValidator) -> None:
    manifests = [
        build(validator, "mongo-connection", "1.0.0"),
        build(validator, "mongo-connection", "1.0.0-rc.1"),
        build(validator, "mongo-connection", "1.0.0-beta.1"),
        build(validator, "mongo-connection", "1.0.0-alpha.1"),
        build(validator, "mongo-connection", "1.0.1"),
        build(validator, "legacy-health", "0.1.0"),
        build(validator, "example", "1.0.0",
              'requires:\n  plugins:\n    mongo-connection: ">=1"\n'
              'conflicts:\n  legacy-health: ""\n'
              "deprecated:\n  reason: Renamed\n  replacement: mongo-connection\n"),
    ]
    assert check_registry(manifests) == []


@pytest.mark.parametrize("other", ["my--plugin", "my---plugin"])
def test_name_collision_between_valid_manifests(
    validator: ManifestValidator, other: str
) -> None:
    a = build(validator, "my-plugin", "1.0.0")
    b = build(validator, other, "1.0.0")
    assert_cross(check_registry([a, b]), {
        ("PI060", a[0], "/name"),
        ("PI060", b[0], "/name"),
    })


@pytest.mark.parametrize("broken", ["My_Plugin", "my.plugin", "MY-PLUGIN"])
def test_name_collision_with_a_broken_manifest(
    validator: ManifestValidator, broken: str
) -> None:
    """A broken manifest's name (from its path) still collides with a valid one."""
    broken_path = manifest_path(broken, "1.0.0")
    result = validator.check(broken_path, base(broken).encode())
    assert result.manifest is None
    assert rules_of(result) == {"PI026"}
    good = build(validator, "my-plugin", "1.0.0")
    assert_cross(check_registry([good], [broken_path]), {("PI060", good[0], "/name")})


def test_duplicate_version_through_a_path_mismatch(validator: ManifestValidator) -> None:
    """The only way two well-formed manifests share a version.

    The version pattern admits one spelling per PEP 440 version ('1.0.0-rc1' fails PI027),
    and the path includes the version; but a manifest whose version differs from its file name
    is still well-formed (PI031 is not a schema error), so it reaches the cross checks.
    """
    first = build(validator, "example", "1.0.0-rc.1")
    mismatch_path = "submissions/example/1.0.0-rc1.yaml"
    result = validator.check(mismatch_path, base("example", "1.0.0-rc.1").encode())
    assert rules_of(result) == {"PI031"}
    assert result.manifest is not None
    second = (mismatch_path, facts_of(result.manifest))
    assert_cross(check_registry([first, second]), {
        ("PI061", first[0], "/version"),
        ("PI061", second[0], "/version"),
    })


def test_rc_without_dot_never_reaches_cross_checks(validator: ManifestValidator) -> None:
    path = "submissions/example/1.0.0-rc1.yaml"
    result = validator.check(path, base("example", "1.0.0-rc1").encode())
    assert rules_of(result) == {"PI027"}
    assert result.manifest is None
    good = build(validator, "example", "1.0.0-rc.1")
    assert check_registry([good], [path]) == []


@pytest.mark.parametrize(("a", "b"), [
    ("1.0.0-rc.1", "1.0.0-rc1"),
    ("1.0.0-rc.1", "1.0.0rc1"),
    ("1.0.0-alpha.1", "1.0.0a1"),
    ("1.0.0", "1.0"),
    ("1.0.0", "v1.0.0"),
])
def test_duplicate_version_after_normalization(a: str, b: str) -> None:
    """check_registry compares PEP 440 versions, whatever their spelling."""
    data = {
        "schema": 1, "name": "example", "summary": "Adds a health-check route",
        "category": "monitoring", "maintainers": [{"github": "alice"}], "license": "MIT",
        "source": {"path": "plugins/example"}, "host": ">=1.0",
    }
    first = (manifest_path("example", a), facts_of(manifest_from({**data, "version": a})))
    second = (manifest_path("example", b), facts_of(manifest_from({**data, "version": b})))
    assert_cross(check_registry([first, second]), {
        ("PI061", first[0], "/version"),
        ("PI061", second[0], "/version"),
    })


def test_unknown_required_plugin(validator: ManifestValidator) -> None:
    m = build(validator, "example", "1.0.0",
              'requires:\n  plugins:\n    mongo-connection: ">=1"\n    missing-plugin: ""\n')
    dep = build(validator, "mongo-connection", "1.2.0")
    assert_cross(check_registry([m, dep]), {
        ("PI062", m[0], "/requires/plugins/missing-plugin"),
    })


def test_required_plugin_with_only_broken_manifests_exists(
    validator: ManifestValidator
) -> None:
    m = build(validator, "example", "1.0.0", 'requires:\n  plugins:\n    broken-plugin: ""\n')
    assert check_registry([m], ["submissions/broken-plugin/1.0.0.yaml"]) == []


def test_unknown_replacement(validator: ManifestValidator) -> None:
    m = build(validator, "example", "1.0.0",
              "deprecated:\n  reason: Renamed\n  replacement: example-ng\n")
    assert_cross(check_registry([m]), {("PI063", m[0], "/deprecated/replacement")})


def test_unknown_conflict_is_a_warning(validator: ManifestValidator) -> None:
    m = build(validator, "example", "1.0.0", 'conflicts:\n  legacy-helth: ""\n')
    found = check_registry([m, build(validator, "legacy-health", "1.0.0")])
    assert_cross(found, {("PI064", m[0], "/conflicts/legacy-helth")})
    assert all(d.severity is Severity.WARNING for d in found)


def test_cross_checks_collect_every_problem(validator: ManifestValidator) -> None:
    m = build(validator, "example", "1.0.0",
              'requires:\n  plugins:\n    nope-a: ""\n    nope-b: ""\n'
              'conflicts:\n  nope-c: ""\n'
              "deprecated:\n  reason: Renamed\n  replacement: nope-d\n")
    twin = build(validator, "ex--ample", "1.0.0")
    other = build(validator, "ex-ample", "1.0.0")
    found = check_registry([m, twin, other])
    assert_cross(found, {
        ("PI062", m[0], "/requires/plugins/nope-a"),
        ("PI062", m[0], "/requires/plugins/nope-b"),
        ("PI064", m[0], "/conflicts/nope-c"),
        ("PI063", m[0], "/deprecated/replacement"),
        ("PI060", twin[0], "/name"),
        ("PI060", other[0], "/name"),
    })
    assert found == sorted(found)


def test_cross_plugins_sharing_a_source_directory(validator: ManifestValidator) -> None:
    def at(name: str, version: str, directory: str) -> tuple[str, Facts]:
        path, facts = build(validator, name, version)
        return path, replace(facts, source_location=directory)

    own = at("alpha", "1.0.0", "plugins/alpha")
    same_plugin_again = at("alpha", "1.1.0", "plugins/alpha")
    twin = at("beta", "1.0.0", "plugins/alpha")
    nested = at("gamma", "1.0.0", "plugins/alpha/inner")
    neighbour = at("delta", "1.0.0", "plugins/alpha-two")  # a prefix, but not inside
    outside = at("omega", "1.0.0", "plugins")  # outside the roots: PI052, not a sharer
    found = shared_sources([own, same_plugin_again, twin, nested, neighbour, outside],
                           ("plugins",))
    assert_cross(found, {("PI069", path, "/source/path")
                         for path, _ in (own, same_plugin_again, twin, nested)})


# -- the catalog, the fixtures and the schemas agree -----------------------------------------------

CROSS_RULES = frozenset({"PI060", "PI061", "PI062", "PI063", "PI064", "PI069"})  # tested above


def test_every_rule_has_a_test() -> None:
    directories = {p.name for p in (FIXTURES / "invalid").iterdir() if p.is_dir()}
    generated = {p.values[0] for p in GENERATED}
    covered = directories | generated | CROSS_RULES | TESTED_ELSEWHERE
    assert set(CATALOG) - covered == set()


def test_fixture_directories_are_rules_with_fixtures() -> None:
    for directory in (FIXTURES / "invalid").iterdir():
        assert directory.is_dir(), directory
        assert RULE_ID.match(directory.name), directory
        assert directory.name in CATALOG, directory
        assert directory.name not in TESTED_ELSEWHERE | CROSS_RULES
        assert sorted(directory.glob("*.yaml")), directory
        assert {p.suffix for p in directory.iterdir()} == {".yaml"}, directory
    assert {p.suffix for p in (FIXTURES / "valid").iterdir()} == {".yaml"}


def test_every_generated_rule_is_catalogued() -> None:
    for param in GENERATED:
        assert param.values[0] in CATALOG


def test_known_bugs_name_fixtures() -> None:
    for case in KNOWN_BUGS:
        assert (FIXTURES / "invalid" / case).is_file(), case


@pytest.mark.parametrize("schema_file", sorted(p.name for p in SCHEMAS.glob("*.schema.json")))
def test_schema_rule_ids_are_catalogued(schema_file: str) -> None:
    assert unknown_rule_ids(load_schema(schema_file)) == set()
