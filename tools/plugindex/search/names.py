"""Name neighbours: the existing plugin names that a proposed name imitates (typosquats).

The pull-request review lists, for a proposed plugin name, the existing names it is close to,
for an admin to judge. Two costs pull in opposite directions: a false positive costs an admin's
time (and teaches admins to skim the warning), a false negative lets a typosquat in. So the
rules target what a typosquat does to a name (change one character, swap two adjacent ones,
double or drop a letter, add a plural 's', drop/add/move a hyphen, use a look-alike character)
and stay quiet about how an ecosystem legitimately names siblings: a shared prefix with a
different word (auth-jwt / auth-oauth, mongo-odm / mongo-mock, session-mongo / session-redis)
or a different version number (llm-gpt3 / llm-gpt4).

A neighbour has one of three kinds, strongest first:

identical
    Same PEP 503 normalized name (``packaging.utils.canonicalize_name``: lower-cased, runs of
    '-', '_' and '.' collapsed to '-'): 'Mongo_ODM', 'mongo--odm' and 'mongo.odm' are all
    'mongo-odm'. Such names cannot coexist anyway; they are listed so the review says why.

confusable
    Same ``skeleton()``, not identical. The skeleton is the normalized name with every hyphen
    removed, then each look-alike folded to one representative (``CONFUSABLE_FOLDS``). Removing
    hyphens is deliberate: it makes a dropped, added or moved hyphen confusable ('mongoodm',
    'mongo-o-dm' and 'mongoo-dm' against 'mongo-odm'). A hyphen is easy to miss when reading or
    typing a name, and no two legitimate plugins should differ only in where their words split.

edit-distance
    Optimal string alignment distance (Damerau-Levenshtein where the transposition of two
    adjacent characters counts as one edit) between the normalized names, hyphens kept, of at
    most a threshold that grows with the shorter name's length (``default_max_distance``):
    0 (never) up to 4 characters, 1 up to 8, 2 from 9. Short names are dense (one edit from
    'auth' are many real words), long names are not. A plural ('s' or 'es' added to the
    other name: 'react-ui-kits', 'chat-boxes') counts as one edit against the threshold and
    is flagged whenever the threshold is not 0. Two other pairs are never flagged, whatever
    the distance:

    - a different word: both names have the same hyphen-separated tokens but one, and that
      token differs by two edits or more ('mongo-odm' / 'mongo-ops', 'usage-reports' /
      'usage-exports'). A typo changes one character; a word changed for another word is how
      siblings are named.
    - a different version: the only difference is one digit replaced by another digit
      ('llm-gpt3' / 'llm-gpt4', 'vue2-forms' / 'vue3-forms').

The proposed name itself, when listed among the existing names with exactly the same spelling,
is the same plugin and is never its own neighbour. Everything here is pure (the only state is
a cache of each name's normalized form and skeleton) and fast: a query against 10,000 existing
names computes a distance only for the names whose length is within the threshold (about
30 ms with a cold cache, under 10 ms warm).
"""

from __future__ import annotations

import functools
import re
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from packaging.utils import canonicalize_name
from rapidfuzz.distance import OSA

IDENTICAL: Final = "identical"
CONFUSABLE: Final = "confusable"
EDIT_DISTANCE: Final = "edit-distance"
KIND_RANK: Final[dict[str, int]] = {IDENTICAL: 0, CONFUSABLE: 1, EDIT_DISTANCE: 2}

# Look-alikes, as (sequence, representative), applied to the normalized name without hyphens.
# Multi-character sequences come first and win over single characters at the same position;
# folds apply to the name as written, never to the result of another fold (so 'c1' stays 'cl',
# it does not become 'd'; 'c1ock' against 'clock' is still caught, as one edit). Characters
# that are their own representative ('o', 'l', 's', 'e', 'a', 't', 'b', 'g') are not listed.
# 'nn' is deliberately not folded to 'm'.
CONFUSABLE_FOLDS: Final[tuple[tuple[str, str], ...]] = (
    ("rn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("5", "s"),
    ("3", "e"),
    ("4", "a"),
    ("7", "t"),
    ("8", "b"),
    ("9", "g"),
    ("q", "g"),
)
_FOLD_TO: Final[dict[str, str]] = dict(CONFUSABLE_FOLDS)
_FOLD_ORDER: Final[dict[str, int]] = {seq: i for i, (seq, _) in enumerate(CONFUSABLE_FOLDS)}
_FOLD_PATTERN: Final = re.compile("|".join(re.escape(seq) for seq, _ in CONFUSABLE_FOLDS))
# The same folds, faster: the multi-character sequences share no character and fold to
# characters in none of them, so replacing them one after the other, then translating single
# characters, gives what a left-to-right scan with _FOLD_PATTERN gives. Translating bytes is
# several times faster than translating str, and names are ASCII (anything else is kept).
_MULTI_FOLDS: Final = tuple((seq, rep) for seq, rep in CONFUSABLE_FOLDS if len(seq) > 1)
_SINGLE_FOLDS: Final = {seq: rep for seq, rep in CONFUSABLE_FOLDS if len(seq) == 1}
_SINGLE_FOLDS_STR: Final = str.maketrans(_SINGLE_FOLDS)
_SINGLE_FOLDS_BYTES: Final = bytes.maketrans(
    "".join(_SINGLE_FOLDS).encode(), "".join(_SINGLE_FOLDS.values()).encode()
)

# (longest shorter-name length, threshold); longer names get LONG_NAME_DISTANCE.
LENGTH_THRESHOLDS: Final[tuple[tuple[int, int], ...]] = ((4, 0), (8, 1))
LONG_NAME_DISTANCE: Final = 2
PLURAL_SUFFIXES: Final = ("s", "es")
PLURAL_REACH: Final = max(len(suffix) for suffix in PLURAL_SUFFIXES)


@dataclass(frozen=True, order=True)
class Neighbour:
    name: str  # the existing name, as given
    kind: str  # "identical" | "confusable" | "edit-distance"
    distance: int  # 0 for identical/confusable; the edit distance otherwise
    detail: str  # short human explanation


def normalize(name: str) -> str:
    """PEP 503 canonical form: lower-cased, runs of '-', '_', '.' collapsed to '-'."""
    return _forms(name)[0]


def skeleton(name: str) -> str:
    """The normalized name without hyphens, look-alikes folded (``CONFUSABLE_FOLDS``)."""
    return _forms(name)[1]


def default_max_distance(length: int) -> int:
    """The edit-distance threshold for a pair whose shorter normalized name has ``length``."""
    for longest, threshold in LENGTH_THRESHOLDS:
        if length <= longest:
            return threshold
    return LONG_NAME_DISTANCE


def name_neighbours(
    proposed: str, existing: Iterable[str], *, max_distance: int | None = None
) -> list[Neighbour]:
    """The existing names ``proposed`` imitates, strongest first.

    Sorted by (kind: identical, confusable, edit-distance; distance; name); each existing name
    at most once. ``max_distance``, when given, replaces the length-based edit-distance
    threshold for every length (0 disables edit distances); the different-word and
    different-version exemptions still apply.
    """
    if max_distance is not None and max_distance < 0:
        raise ValueError(f"max_distance must be >= 0, not {max_distance}")
    query = _forms(proposed)
    normalized, folded = query
    # Prefilter: a name whose length differs by more than any threshold (or a plural's 'es')
    # can only be an identical or confusable neighbour; most names are neither.
    widest = max(PLURAL_REACH, LONG_NAME_DISTANCE if max_distance is None else max_distance)
    found: dict[str, Neighbour] = {}
    for name in existing:
        if name == proposed or name in found:
            continue
        forms = _forms(name)
        if abs(len(forms[0]) - len(normalized)) > widest and forms[1] != folded:
            continue
        neighbour = _neighbour(query, name, forms, max_distance)
        if neighbour is not None:
            found[name] = neighbour
    return sorted(found.values(), key=_rank)


def _rank(neighbour: Neighbour) -> tuple[int, int, str]:
    return KIND_RANK[neighbour.kind], neighbour.distance, neighbour.name


@functools.lru_cache(maxsize=1 << 16)
def _forms(name: str) -> tuple[str, str]:
    """(normalized, skeleton), cached: the same registry names are compared for every query."""
    normalized = canonicalize_name(name)
    folded = normalized.replace("-", "")
    for seq, rep in _MULTI_FOLDS:
        folded = folded.replace(seq, rep)
    if folded.isascii():
        return normalized, folded.encode().translate(_SINGLE_FOLDS_BYTES).decode()
    return normalized, folded.translate(_SINGLE_FOLDS_STR)


def _neighbour(
    query: tuple[str, str], name: str, forms: tuple[str, str], max_distance: int | None
) -> Neighbour | None:
    """What ``name`` (with its forms) is to the proposed name (given as its forms), if anything."""
    proposed, proposed_skeleton = query
    normalized, folded = forms
    if normalized == proposed:
        detail = f"same name after PEP 503 normalization ({proposed!r})"
        return Neighbour(name, IDENTICAL, 0, detail)
    if folded == proposed_skeleton:
        return Neighbour(name, CONFUSABLE, 0, _confusable_detail(normalized, proposed))
    limit = max_distance
    if limit is None:
        limit = default_max_distance(min(len(normalized), len(proposed)))
    plural = _plural(normalized, proposed)
    if limit == 0 or (abs(len(normalized) - len(proposed)) > limit and not plural):
        return None  # the distance is at least the difference in length
    distance = OSA.distance(normalized, proposed, score_cutoff=max(limit, PLURAL_REACH))
    if not plural and (
        distance > limit
        or _different_word(normalized, proposed)
        or _different_version(normalized, proposed)
    ):
        return None
    return Neighbour(name, EDIT_DISTANCE, distance, _edit_detail(normalized, proposed, distance))


def _plural(a: str, b: str) -> bool:
    """One name is the other with a plural suffix."""
    shorter, longer = sorted((a, b), key=len)
    return any(longer == shorter + suffix for suffix in PLURAL_SUFFIXES)


def _different_word(a: str, b: str) -> bool:
    """Same tokens but one, and that one differs by two edits or more."""
    tokens_a, tokens_b = a.split("-"), b.split("-")
    if len(tokens_a) != len(tokens_b) or len(tokens_a) < 2:
        return False
    differing = [(x, y) for x, y in zip(tokens_a, tokens_b, strict=True) if x != y]
    return len(differing) == 1 and OSA.distance(*differing[0]) >= 2


def _different_version(a: str, b: str) -> bool:
    """The only difference is one digit replaced by another digit."""
    if len(a) != len(b):
        return False
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return (
        len(differing) == 1
        and differing[0][0] in string.digits
        and differing[0][1] in string.digits
    )


def _folds_used(normalized: str) -> Counter[str]:
    return Counter(m.group() for m in _FOLD_PATTERN.finditer(normalized.replace("-", "")))


def _confusable_detail(existing: str, proposed: str) -> str:
    """Which steps make the two skeletons equal: hyphens removed, characters folded."""
    steps = []
    if _token_skeletons(existing) != _token_skeletons(proposed):
        steps.append("removing hyphens")
    used_existing, used_proposed = _folds_used(existing), _folds_used(proposed)
    differing = (used_existing - used_proposed) + (used_proposed - used_existing)
    folds = differing or (used_existing | used_proposed)  # same folds, different places
    if folds and (differing or not steps):
        ordered = sorted(folds, key=_FOLD_ORDER.__getitem__)
        steps.append("folding " + ", ".join(f"{seq!r}->{_FOLD_TO[seq]!r}" for seq in ordered))
    return "equal after " + " and ".join(steps)


def _token_skeletons(normalized: str) -> list[str]:
    return [_forms(token)[1] for token in normalized.split("-")]


def _edit_detail(existing: str, proposed: str, distance: int) -> str:
    """'1 edit (transposition 'ua'->'au')', '2 edits', '2 edits (plural)'."""
    if distance == 1:
        return f"1 edit ({_one_edit(existing, proposed)})"
    if _plural(existing, proposed):
        return f"{distance} edits ({'plural' if len(proposed) > len(existing) else 'singular'})"
    return f"{distance} edits"


def _one_edit(existing: str, proposed: str) -> str:
    """Describe the single edit turning ``existing`` into ``proposed``."""
    if len(existing) < len(proposed):
        return _insertion(existing, proposed)
    if len(existing) > len(proposed):
        return _insertion(proposed, existing, removed=True)
    at = next(i for i, (x, y) in enumerate(zip(existing, proposed, strict=True)) if x != y)
    if existing[at + 1 :] == proposed[at + 1 :]:
        return f"substitution {existing[at]!r}->{proposed[at]!r}"
    return f"transposition {existing[at : at + 2]!r}->{proposed[at : at + 2]!r}"


def _insertion(shorter: str, longer: str, *, removed: bool = False) -> str:
    """Describe ``longer`` as ``shorter`` with one character more (or less, when removed)."""
    pairs = enumerate(zip(shorter, longer, strict=False))
    at = next((i for i, (x, y) in pairs if x != y), len(shorter))
    char = longer[at]
    if longer == shorter + "s":
        return "'s' dropped: singular" if removed else "'s' added: plural"
    doubled = longer[at - 1 : at] == char or longer[at + 1 : at + 2] == char
    if doubled:
        return f"{char!r} no longer doubled" if removed else f"{char!r} doubled"
    return f"deletion of {char!r}" if removed else f"insertion of {char!r}"
