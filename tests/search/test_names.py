"""Name neighbours: typosquats flagged, legitimate sibling names left alone.

Data-driven: the default registry's names (index/v1/index.json) and tests/data/names/pypi.txt
(typical PyPI-style names) are the existing names; in tests/data/names/, flagged.txt lists
true positives as ``proposed existing kind``; distinct.txt lists legitimate names that must
flag nothing.
"""

from __future__ import annotations

import itertools
import json
import re
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from plugindex.search.names import (
    CONFUSABLE,
    CONFUSABLE_FOLDS,
    EDIT_DISTANCE,
    IDENTICAL,
    KIND_RANK,
    Neighbour,
    default_max_distance,
    name_neighbours,
    normalize,
    skeleton,
)
from tests.conftest import DATA as TESTS_DATA
from tests.conftest import ROOT

DATA = TESTS_DATA / "names"
VALID_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$")


def data_lines(file: str) -> list[list[str]]:
    """Whitespace-separated fields of each line, without blank lines and '#' comments."""
    text = (DATA / file).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip() and line[0] != "#"]


INDEX = ROOT / "index" / "v1" / "index.json"
REGISTRY = sorted(p["name"] for p in json.loads(INDEX.read_bytes())["plugins"])
PYPI = [fields[0] for fields in data_lines("pypi.txt")]
EXISTING = REGISTRY + PYPI
FLAGGED = [(proposed, existing, kind) for proposed, existing, kind in data_lines("flagged.txt")]
DISTINCT = [fields[0] for fields in data_lines("distinct.txt")]


def kinds(proposed: str, existing: list[str], max_distance: int | None = None) -> dict[str, str]:
    found = name_neighbours(proposed, existing, max_distance=max_distance)
    return {n.name: n.kind for n in found}


# --- the data files --------------------------------------------------------------------------


def test_data_files_are_large_enough_and_well_formed() -> None:
    assert len(REGISTRY) == 31
    assert all(VALID_NAME.match(name) for name in EXISTING)
    assert len(FLAGGED) >= 30
    assert {kind for _, _, kind in FLAGGED} == set(KIND_RANK)
    assert all(existing in EXISTING for _, existing, _ in FLAGGED)
    assert len(DISTINCT) >= 30
    assert len(set(DISTINCT)) == len(DISTINCT)
    assert all(VALID_NAME.match(name) for name in DISTINCT)
    required = {"auth-saml", "llm-mistral", "mongo-gridfs", "redis-queue", "session-memory",
                "vector-qdrant", "chat-history", "react-forms", "health-probe", "event-bus"}
    assert required <= set(DISTINCT)


@pytest.mark.parametrize(("proposed", "existing", "kind"), FLAGGED)
def test_flagged(proposed: str, existing: str, kind: str) -> None:
    found = name_neighbours(proposed, EXISTING)
    # The typosquat is caught, with the expected kind, and nothing else is dragged along.
    assert [(n.name, n.kind) for n in found] == [(existing, kind)]
    (neighbour,) = found
    assert (neighbour.distance == 0) == (kind != EDIT_DISTANCE)
    assert neighbour.detail


@pytest.mark.parametrize("proposed", DISTINCT)
def test_distinct(proposed: str) -> None:
    assert name_neighbours(proposed, EXISTING) == []


@pytest.mark.parametrize("proposed", REGISTRY)
def test_no_registry_name_flags_another(proposed: str) -> None:
    assert name_neighbours(proposed, REGISTRY) == []


# --- normalize and skeleton ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mongo-odm", "mongo-odm"),
        ("Mongo_ODM", "mongo-odm"),
        ("mongo--odm", "mongo-odm"),
        ("mongo.odm", "mongo-odm"),
        ("mongo-_.odm", "mongo-odm"),
        ("LLM-OpenAI", "llm-openai"),
        ("mongoodm", "mongoodm"),
    ],
)
def test_normalize(name: str, expected: str) -> None:
    assert normalize(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mongo-odm", "mongoodm"),
        ("Mongo_ODM", "mongoodm"),
        ("m0ng0-0dm", "mongoodm"),
        ("rnongo", "mongo"),
        ("vvidget", "wldget"),
        ("clocker", "docker"),
        ("llm-openai", "llmopenal"),
        ("ILM-0PENAI", "llmopenal"),
        ("11m", "llm"),
        ("5s3e4a7t8b", "sseeaattbb"),
        ("9gq", "ggg"),
        ("nn", "nn"),  # not folded to 'm'
        ("vvv", "wv"),
        ("rnn", "mn"),
        ("c1ock", "clock"),  # folds apply to the name as written, not to each other's result
        ("r-n", "m"),  # hyphens go first
    ],
)
def test_skeleton(name: str, expected: str) -> None:
    assert skeleton(name) == expected


def reference_skeleton(name: str) -> str:
    """CONFUSABLE_FOLDS applied by a left-to-right scan, the longest sequence first."""
    text, out, at = normalize(name).replace("-", ""), [], 0
    by_length = sorted(CONFUSABLE_FOLDS, key=lambda fold: -len(fold[0]))
    while at < len(text):
        seq, rep = next(((s, r) for s, r in by_length if text.startswith(s, at)), (text[at],) * 2)
        out.append(rep)
        at += len(seq)
    return "".join(out)


@given(st.text(alphabet="rnvcl01i534789qmwdoaxyz-_.", max_size=30))
def test_skeleton_is_a_left_to_right_scan_of_the_fold_table(name: str) -> None:
    assert skeleton(name) == reference_skeleton(name)


def test_default_max_distance_grows_with_length() -> None:
    assert [default_max_distance(n) for n in range(1, 12)] == [0] * 4 + [1] * 4 + [2] * 3


# --- the rules -------------------------------------------------------------------------------


def test_the_proposed_name_itself_is_ignored() -> None:
    assert name_neighbours("mongo-odm", ["mongo-odm"]) == []
    assert name_neighbours("mongo-odm", REGISTRY) == []
    # Another spelling of it is not the same plugin: it is an identical name.
    assert kinds("mongo-odm", ["Mongo_ODM", "mongo-odm"]) == {"Mongo_ODM": IDENTICAL}


def test_each_existing_name_once_with_its_strongest_kind() -> None:
    # 'm0ngo-odm' is also one edit from 'mongo-odm': it is confusable, listed once.
    assert name_neighbours("mongo-odm", ["m0ngo-odm", "m0ngo-odm"]) == [
        Neighbour("m0ngo-odm", CONFUSABLE, 0, "equal after folding '0'->'o'")
    ]


def test_ordering() -> None:
    existing = ["mongo-odms", "mango-odn", "m0ngo-odm", "MONGO-ODM", "mongo-odn", "mongoodm",
                "mongo_odm", "mongo-0dm", "redis-cache"]
    found = name_neighbours("mongo-odm", existing)
    assert [(n.kind, n.distance, n.name) for n in found] == [
        (IDENTICAL, 0, "MONGO-ODM"),
        (IDENTICAL, 0, "mongo_odm"),
        (CONFUSABLE, 0, "m0ngo-odm"),
        (CONFUSABLE, 0, "mongo-0dm"),
        (CONFUSABLE, 0, "mongoodm"),
        (EDIT_DISTANCE, 1, "mongo-odms"),
        (EDIT_DISTANCE, 1, "mongo-odn"),
        (EDIT_DISTANCE, 2, "mango-odn"),
    ]
    assert found == name_neighbours("mongo-odm", reversed(existing))


@pytest.mark.parametrize(
    ("proposed", "existing", "detail"),
    [
        ("Mongo_ODM", "mongo-odm", "same name after PEP 503 normalization ('mongo-odm')"),
        ("11m-openai", "llm-openai", "equal after folding '1'->'l'"),
        ("rnongo-m0ck", "mongo-mock", "equal after folding 'rn'->'m', '0'->'o'"),
        ("mongoodm", "mongo-odm", "equal after removing hyphens"),
        ("m0ngoodm", "mongo-odm", "equal after removing hyphens and folding '0'->'o'"),
        ("il-kit", "li-kit", "equal after folding 'i'->'l'"),  # same folds, other places
        ("reqeusts", "requests", "1 edit (transposition 'ue'->'eu')"),
        ("mongo-odn", "mongo-odm", "1 edit (substitution 'm'->'n')"),
        ("requestes", "requests", "1 edit (insertion of 'e')"),
        ("reqests", "requests", "1 edit (deletion of 'u')"),
        ("fastaapi", "fastapi", "1 edit ('a' doubled)"),
        ("fastapi", "fastaapi", "1 edit ('a' no longer doubled)"),
        ("react-ui-kits", "react-ui-kit", "1 edit ('s' added: plural)"),
        ("health-check", "health-checks", "1 edit ('s' dropped: singular)"),
        ("chat-boxes", "chat-box", "2 edits (plural)"),
        ("chat-box", "chat-boxes", "2 edits (singular)"),
        ("mango-odn", "mongo-odm", "2 edits"),
    ],
)
def test_details(proposed: str, existing: str, detail: str) -> None:
    (neighbour,) = name_neighbours(proposed, [existing])
    assert neighbour.detail == detail


def test_a_plural_counts_as_one_edit_and_is_never_a_different_word() -> None:
    assert kinds("chat-boxes", ["chat-box"]) == {"chat-box": EDIT_DISTANCE}  # 2 edits, 8 chars
    assert kinds("mongo-index", ["mongo-indexes"]) == {"mongo-indexes": EDIT_DISTANCE}
    assert kinds("llm-fakes", ["llm-fake"], max_distance=1) == {"llm-fake": EDIT_DISTANCE}
    assert name_neighbours("auths", ["auth"]) == []  # short names still never
    assert name_neighbours("chat-boxes", ["chat-box"], max_distance=0) == []
    assert name_neighbours("chat-boxed", ["chat-box"]) == []  # not a plural: 2 edits


def test_short_names_are_never_flagged_by_edit_distance() -> None:
    assert name_neighbours("auht", ["auth"]) == []
    assert name_neighbours("auths", ["auth"]) == []  # the shorter name decides
    assert kinds("4uth", ["auth"]) == {"auth": CONFUSABLE}


def test_the_threshold_follows_the_shorter_name() -> None:
    assert name_neighbours("fsatpai", ["fastapi"]) == []  # two edits, 7 characters
    assert kinds("sqlachlemy", ["sqlalchemy"]) == {"sqlalchemy": EDIT_DISTANCE}  # two, 10
    assert name_neighbours("sqlalchmy-x", ["sqlalchemy"]) == []  # three


def test_a_different_word_is_not_a_typo() -> None:
    assert name_neighbours("mongo-ops", ["mongo-odm"]) == []  # 'ops' is 2 edits from 'odm'
    assert name_neighbours("mongo-mock", ["mongo-odm"]) == []
    assert name_neighbours("usage-exports", ["usage-reports"]) == []
    # One edit in the word is a typo, even when the result is a word too.
    assert kinds("mongo-orm", ["mongo-odm"]) == {"mongo-odm": EDIT_DISTANCE}
    # Two edits spread over two words are not a different word.
    assert kinds("mango-odn", ["mongo-odm"]) == {"mongo-odm": EDIT_DISTANCE}


def test_a_different_version_is_not_a_typo() -> None:
    assert name_neighbours("llm-gpt4", ["llm-gpt3"]) == []
    assert name_neighbours("vue3-forms", ["vue2-forms"]) == []
    assert kinds("llm-gpt3", ["llm-gqt3"]) == {"llm-gqt3": EDIT_DISTANCE}  # a letter
    assert kinds("llm-gpt34", ["llm-gpt3"]) == {"llm-gpt3": EDIT_DISTANCE}  # an addition


def test_max_distance() -> None:
    assert name_neighbours("mongo-odn", ["mongo-odm"], max_distance=0) == []
    assert kinds("auht", ["auth"], max_distance=1) == {"auth": EDIT_DISTANCE}
    assert kinds("fsatpai", ["fastapi"], max_distance=2) == {"fastapi": EDIT_DISTANCE}
    assert name_neighbours("mongo-ops", ["mongo-odm"], max_distance=3) == []  # still a word
    assert kinds("m0ngo-odm", ["mongo-odm"], max_distance=0) == {"mongo-odm": CONFUSABLE}
    with pytest.raises(ValueError, match="max_distance"):
        name_neighbours("auth", ["auth-jwt"], max_distance=-1)


def test_existing_may_be_any_iterable() -> None:
    found = name_neighbours("mongo-odn", (name for name in REGISTRY))
    assert [n.name for n in found] == ["mongo-odm"]


# --- properties ------------------------------------------------------------------------------

TOKEN = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)


@st.composite
def valid_names(draw: st.DrawFn) -> str:
    """Valid plugin names, hyphen runs included (they normalize to one hyphen)."""
    tokens = draw(st.lists(TOKEN, min_size=1, max_size=5))
    separators = draw(st.lists(st.sampled_from(["-", "-", "-", "--"]), min_size=len(tokens)))
    name = "".join(itertools.chain.from_iterable(zip(tokens, separators, strict=False)))
    name = name.rstrip("-") if len(tokens) > 1 else tokens[0]
    assume(len(name) <= 64)
    return name


@given(valid_names(), st.data())
def test_one_adjacent_transposition_is_flagged(name: str, data: st.DataObject) -> None:
    assume(len(normalize(name)) >= 6)
    swappable = [
        i for i in range(len(name) - 1)
        if name[i] != name[i + 1] and name[i].isalpha() and name[i + 1].isalpha()
    ]
    assume(swappable)
    i = data.draw(st.sampled_from(swappable))
    typo = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    assert VALID_NAME.match(typo)
    (neighbour,) = name_neighbours(typo, [name])
    assert neighbour.name == name
    assert neighbour.kind in {CONFUSABLE, EDIT_DISTANCE}
    if neighbour.kind == EDIT_DISTANCE:
        assert neighbour.distance == 1
        assert neighbour.detail.startswith("1 edit (transposition")


@st.composite
def edited(draw: st.DrawFn, name: str) -> str:
    """``name`` with one to three random single-character edits (maybe no longer valid)."""
    alphabet = string.ascii_lowercase + string.digits + "-"
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(name)))
        char = draw(st.sampled_from(alphabet))
        name = draw(st.sampled_from([
            name[:at] + char + name[at:],  # insertion
            name[:at] + char + name[at + 1 :],  # substitution (insertion at the end)
            name[:at] + name[at + 1 :],  # deletion (nothing at the end)
            name[:at] + name[at + 1 : at + 2] + name[at : at + 1] + name[at + 2 :],  # swap
        ]))
    return name


@given(valid_names().flatmap(lambda a: st.tuples(st.just(a), edited(a) | valid_names())))
def test_neighbourhood_is_symmetric(pair: tuple[str, str]) -> None:
    a, b = pair
    forward = [(n.kind, n.distance) for n in name_neighbours(a, [b])]
    backward = [(n.kind, n.distance) for n in name_neighbours(b, [a])]
    assert forward == backward


@given(valid_names(), st.lists(valid_names(), max_size=8))
def test_spelling_of_the_proposed_name_does_not_matter(name: str, existing: list[str]) -> None:
    variant = name.upper().replace("-", "_")
    assume(variant not in existing and name not in existing)
    found = [(n.name, n.kind, n.distance) for n in name_neighbours(name, existing)]
    assert found == [(n.name, n.kind, n.distance) for n in name_neighbours(variant, existing)]
    assert found == sorted(found, key=lambda f: (KIND_RANK[f[1]], f[2], f[0]))
