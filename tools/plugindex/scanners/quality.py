"""The facts the quality score needs about a plugin's source tree, read as data.

:func:`gather` walks an extracted source tree and records what the documentation, maintenance
and quality checks of the score look at: the README (size, headings, which sections it has,
how many images it shows), a changelog, the license files and the license each one holds
(:func:`detect_licenses`), the license ``pyproject.toml`` declares, test files, CI
configuration, how much of the Python code is type-annotated (and whether it ships
``py.typed``), documentation, images, and how many Python files there are.

The facts are cached in scan records and scores are computed from them later, so they must be
reproducible from the tree alone: every list is sorted (README headings keep document order),
nothing depends on the clock or on where the tree is, and every path is relative POSIX. Nothing
in the tree is ever executed or imported: Python files are only parsed with :mod:`ast`,
``pyproject.toml`` only with :mod:`tomllib`, and everything else is read as text, with size
limits. Symbolic links are skipped (never followed), directories holding dependencies or
build output (``node_modules``, ``.git``, ``venv``, ``.venv``, ``build``, ``dist``) are not
entered, and the walk stops after :data:`MAX_FILES` files; the facts stay well-formed when it
does.

:class:`QualityScanner` is its source scanner (``scanners.base``): the record's ``facts``, these
facts and the source's commit dates, which the score reads; it judges nothing itself.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from plugindex.config.scan import ScanConfig
from plugindex.manifests.model import Manifest
from plugindex.scanners.base import Item, RecordPart, SealedTree

MAX_FILES = 50_000
MAX_LICENSE_BYTES = 256 * 1024
MAX_README_BYTES = 1024 * 1024
MAX_PYPROJECT_BYTES = 1024 * 1024
MAX_PYTHON_BYTES = 2 * 1024 * 1024
MAX_HEADINGS = 100
MAX_HEADING_CHARS = 120
TEST_EXAMPLES = 5
IMAGE_EXAMPLES = 10

EXCLUDED_DIRS = frozenset({"node_modules", ".git", "venv", ".venv", "build", "dist"})
CODE_EXTENSIONS = frozenset({".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs"})
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})

# -- walking ----------------------------------------------------------------------------------


def _kind(entry: os.DirEntry[str]) -> str | None:
    """'dir', 'file', or None for a link, a special file or an entry that cannot be read."""
    try:
        if entry.is_symlink():
            return None
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        if entry.is_file(follow_symlinks=False):
            return "file"
    except OSError:
        return None
    return None


def _entries(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def walk(root: Path) -> list[str]:
    """The regular files under ``root`` as relative POSIX paths, in walk order.

    Each directory lists its files before descending into its subdirectories (both by name),
    so the files at the top are always seen, even when the walk stops at :data:`MAX_FILES`.
    """
    files: list[str] = []
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack and len(files) < MAX_FILES:
        directory, prefix = stack.pop()
        subdirs: list[tuple[str, str]] = []
        for entry in _entries(directory):
            kind = _kind(entry)
            if kind == "dir" and entry.name not in EXCLUDED_DIRS:
                subdirs.append((entry.path, f"{prefix}{entry.name}/"))
            elif kind == "file" and len(files) < MAX_FILES:
                files.append(prefix + entry.name)
        stack.extend(reversed(subdirs))
    return files


def _read(root: Path, rel: str, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a file (never through a link), None if it cannot be read."""
    try:
        fd = os.open(root / rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def _read_whole(root: Path, rel: str, limit: int) -> bytes | None:
    """The whole file, or None when it is larger than ``limit`` or cannot be read."""
    data = _read(root, rel, limit + 1)
    return None if data is None or len(data) > limit else data


def _size(root: Path, rel: str) -> int:
    try:
        return os.stat(root / rel, follow_symlinks=False).st_size
    except OSError:
        return 0


def _name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1]


def _stem(name: str) -> str:
    """The name before its first dot: 'CHANGELOG.md' -> 'CHANGELOG', 'COPYING.LESSER' ->
    'COPYING'."""
    return name.split(".", 1)[0]


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


# -- README -----------------------------------------------------------------------------------

README_NAMES = frozenset({"readme", "readme.md", "readme.markdown", "readme.rst", "readme.txt"})
_README_RANK = {".md": 0, ".rst": 1}

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1+[ \t]*$")  # one punctuation character, repeated
_BLOCK_START = re.compile(r"^ {0,3}(?:>|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))")

_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,200}\][ \t]?[(\[]")  # bounded: no quadratic scans
_HTML_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
_RST_IMAGE = re.compile(r"^[ \t]*\.\.[ \t]+(?:\|[^|\n]+\|[ \t]+)?(?:image|figure)::", re.MULTILINE)

SECTIONS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for name, words in (
        ("usage", r"usage|getting started|quick ?start|quickstart|examples?|how to use|tutorial"),
        ("configuration", r"configuration|configuring|config|settings|options"
                          r"|environment variables"),
        ("installation", r"install|installation|installing|setup"),
        ("changelog", r"changelog|change log|changes|release notes|history|what['\u2019]s new"),
    )
}


def _readme_file(top: Iterable[str]) -> str | None:
    """The root README, preferring Markdown, then reStructuredText, then the others."""
    found = [n for n in top if n.lower() in README_NAMES]
    if not found:
        return None
    return min(found, key=lambda n: (_README_RANK.get(_suffix(n), 2), n))


def _blank_comments(text: str) -> str:
    """HTML comments removed, keeping their line breaks so that line structure is kept."""
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _underlines(line: str, text: str) -> bool:
    """A reST adornment line long enough to underline ``text``."""
    return bool(_ADORNMENT.match(line)) and len(line.rstrip()) >= len(text.rstrip())


def _markdown_headings(lines: Sequence[str], rst_titles: bool) -> list[str]:
    """ATX and Setext headings outside fenced code; with ``rst_titles`` (a README that is
    neither Markdown nor reST), a line underlined by any repeated punctuation too."""
    headings: list[str] = []
    paragraph: list[str] = []
    fence: re.Pattern[str] | None = None  # what closes the open fenced code block
    for line in lines:
        if fence is not None:
            if fence.match(line):
                fence = None
            continue
        if paragraph and _SETEXT.match(line):
            headings.append(" ".join(paragraph))
            paragraph = []
        elif rst_titles and paragraph and _underlines(line, paragraph[-1]):
            headings.append(paragraph[-1])
            paragraph = []
        elif opening := _FENCE.match(line):
            marks = opening.group(1)
            fence = re.compile(rf" {{0,3}}{re.escape(marks[0])}{{{len(marks)},}}[ \t]*$")
            paragraph = []
        elif atx := _ATX.match(line):
            headings.append(atx.group(1) or "")
            paragraph = []
        elif not line.strip() or _ADORNMENT.match(line) or _BLOCK_START.match(line):
            paragraph = []
        elif paragraph or not line.startswith(("    ", "\t")):  # else indented code
            paragraph.append(line.strip())
    return headings


def _rst_headings(lines: Sequence[str]) -> list[str]:
    """reST section titles: a line underlined (optionally also overlined) by one repeated
    punctuation character at least as long as the title."""
    headings: list[str] = []
    for i in range(1, len(lines)):
        line, title = lines[i], lines[i - 1]
        if not title.strip() or _ADORNMENT.match(title) or not _underlines(line, title):
            continue
        overlined = i >= 2 and lines[i - 2].rstrip() == line.rstrip()
        if overlined or not title[0].isspace():
            headings.append(title.strip())
    return headings


def _normalise_heading(text: str) -> str:
    return " ".join(text.split()).lower()[:MAX_HEADING_CHARS].rstrip()


def _count_images(text: str) -> int:
    return sum(len(p.findall(text)) for p in (_MD_IMAGE, _HTML_IMAGE, _RST_IMAGE))


def readme_facts(name: str, text: str, size: int) -> dict[str, Any]:
    """The README facts of ``text`` (the content of the root file ``name``)."""
    visible = _blank_comments(text)
    lines = visible.splitlines()
    suffix = _suffix(name)
    if suffix == ".rst":
        raw = _rst_headings(lines)
    else:
        raw = _markdown_headings(lines, rst_titles=suffix not in (".md", ".markdown"))
    headings = [h for h in (_normalise_heading(t) for t in raw) if h]
    return {
        "file": name,
        "bytes": size,
        "words": len(visible.split()),
        "headings": headings[:MAX_HEADINGS],
        "sections": {key: any(p.search(h) for h in headings) for key, p in SECTIONS.items()},
        "images": _count_images(visible),
    }


def _readme(root: Path, top: Iterable[str]) -> dict[str, Any] | None:
    name = _readme_file(top)
    if name is None:
        return None
    data = _read(root, name, MAX_README_BYTES) or b""
    return readme_facts(name, data.decode("utf-8", errors="replace"), _size(root, name))


# -- changelog, licenses, pyproject -----------------------------------------------------------

CHANGELOG_STEMS = frozenset({"changelog", "changes", "history", "news", "release-notes",
                             "release_notes", "releases"})
DOCS_CHANGELOG_STEMS = frozenset({"changelog", "changes", "history"})
LICENSE_PREFIXES = ("license", "licence", "copying")
# Files named like a license that are code or configuration (license_check.py), not a license.
NOT_LICENSE_EXTENSIONS = CODE_EXTENSIONS | {".pyi", ".json", ".toml", ".yml", ".yaml", ".cfg",
                                            ".ini", ".sh"}


def _changelog(files: Iterable[str]) -> str | None:
    top, in_docs = [], []
    for rel in files:
        parts = rel.split("/")
        if len(parts) == 1 and _stem(rel).lower() in CHANGELOG_STEMS:
            top.append(rel)
        elif (len(parts) == 2 and parts[0] == "docs"
              and _stem(parts[1]).lower() in DOCS_CHANGELOG_STEMS):
            in_docs.append(rel)
    return min(top, default=None) or min(in_docs, default=None)


def _is_license_file(name: str) -> bool:
    stem = _stem(name).lower()
    return ((stem.startswith(LICENSE_PREFIXES) or stem == "unlicense")
            and _suffix(name) not in NOT_LICENSE_EXTENSIONS)


def _license_files(root: Path, top: Iterable[str]) -> list[dict[str, Any]]:
    found = []
    for name in sorted(n for n in top if _is_license_file(n)):
        text = (_read(root, name, MAX_LICENSE_BYTES) or b"").decode("utf-8", errors="replace")
        found.append({"file": name, "detected": detect_licenses(text)})
    return found


def _pyproject_license(root: Path, top: Iterable[str]) -> str | None:
    """``[project].license`` as a string (the ``text`` of a table); None for a ``file``
    table, no license, or a pyproject.toml that is missing, too large or broken."""
    if "pyproject.toml" not in top:
        return None
    data = _read_whole(root, "pyproject.toml", MAX_PYPROJECT_BYTES)
    try:
        document = tomllib.loads(data.decode("utf-8")) if data is not None else {}
    except (ValueError, RecursionError):  # TOMLDecodeError and UnicodeDecodeError included
        return None
    project = document.get("project")
    value = project.get("license") if isinstance(project, dict) else None
    if isinstance(value, dict):
        value = value.get("text")
    return value if isinstance(value, str) else None


# -- license detection ------------------------------------------------------------------------

_MIT_GRANT = "permission is hereby granted free of charge to any person obtaining a copy"
_MIT_CONDITION = "above copyright notice and this permission notice shall be included"
_MIT_NO_CONDITION = "furnished to do so the software is provided as is"
_BSD = "redistribution and use in source and binary forms"
_BSD_THIRD = ("neither the name", "names of its contributors may be used to endorse")
_BSD_ADVERTISING = "all advertising materials mentioning features or use of this software"
_ISC_GRANT = re.compile(r"permission to use copy modify and (?:or )?distribute this software "
                        r"for any purpose with or without fee is hereby granted")
_ISC_CONDITION = "provided that the above copyright notice and this permission notice appear"
_APACHE = re.compile(r"\bapache (?:software )?license (?:version |v )?2 0\b")
_MPL = re.compile(r"\bmozilla public license (?:version |v )?2 0\b")
_UNLICENSE = "this is free and unencumbered software released into the public domain"
_PSF = ("python software foundation license version 2", "psf license agreement")
_GNU = (("AGPL-3.0", "gnu affero general public license"),
        ("LGPL-3.0", "gnu lesser general public license"),
        ("GPL-3.0", "gnu general public license"))
_VERSION_3 = r"\b(?:version|v) ?3\b"
_GNU_DATE = r"version 3 \d{1,2} [a-z]+ 2007 "
_OR_LATER = re.compile(r"\bor (?:at your option )?any later version\b")
_SPDX_LINE = re.compile(r"SPDX-License-Identifier:[ \t]*([^\r\n]*)", re.IGNORECASE)
_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*\+?")

KNOWN_LICENSES = ("MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "BSD-4-Clause",
                  "ISC", "MPL-2.0", "0BSD", "Unlicense", "GPL-3.0-only", "GPL-3.0-or-later",
                  "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later",
                  "PSF-2.0")
_CANONICAL = {spdx.lower(): spdx for spdx in KNOWN_LICENSES}


def _normalise(text: str) -> str:
    """Lower-case words and numbers separated by single spaces: comment markers, quotes,
    punctuation and line wrapping no longer matter."""
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _has(norm: str, phrase: str) -> bool:
    return f" {phrase} " in norm


def _permissive(norm: str) -> list[str]:
    found = []
    if _has(norm, _MIT_GRANT):
        if _has(norm, _MIT_CONDITION):
            found.append("MIT")
        elif _has(norm, _MIT_NO_CONDITION):
            found.append("MIT-0")
    if _has(norm, _BSD):
        if _has(norm, _BSD_ADVERTISING):
            found.append("BSD-4-Clause")
        elif any(_has(norm, p) for p in _BSD_THIRD):
            found.append("BSD-3-Clause")
        else:
            found.append("BSD-2-Clause")
    if _ISC_GRANT.search(norm):
        found.append("ISC" if _has(norm, _ISC_CONDITION) else "0BSD")
    if _has(norm, _UNLICENSE):
        found.append("Unlicense")
    if _APACHE.search(norm):
        found.append("Apache-2.0")
    if _MPL.search(norm):
        found.append("MPL-2.0")
    if any(_has(norm, p) for p in _PSF):
        found.append("PSF-2.0")
    return found


def _gnu_families(norm: str) -> tuple[list[str], bool]:
    """The GNU v3 licenses ``norm`` is, and whether it is the full text of one.

    The text of a license opens with its title, version and date ('GNU GENERAL PUBLIC LICENSE
    Version 3, 29 June 2007'); the other licenses it names are cross-references ('version 3
    of the GNU General Public License' in the LGPL, the GNU licenses in the MPL), so they do
    not count. Without such a heading (a notice), a title counts where it is granted: after
    'version 3 of the', or after 'terms of the'/'under the' with 'version 3' shortly after.
    """
    headed = [base for base, title in _GNU if re.search(rf" {title} {_GNU_DATE}", norm)]
    if headed:
        return headed, " terms and conditions " in norm
    found = []
    for base, title in _GNU:
        for m in re.finditer(f" {title} ", norm):
            if norm.endswith(" version 3 of the", 0, m.start()) or (
                    norm.endswith((" terms of the", " under the"), 0, m.start())
                    and re.search(_VERSION_3, norm[m.end():m.end() + 100])):
                found.append(base)
                break
    return found, False


def _gnu(norm: str) -> list[str]:
    families, full = _gnu_families(norm)
    if full:
        suffixes = ["-only", "-or-later"]
    else:
        suffixes = ["-or-later" if _OR_LATER.search(norm) else "-only"]
    return [base + suffix for base in families for suffix in suffixes]


def spdx_identifiers(text: str) -> list[str]:
    """The license ids of the ``SPDX-License-Identifier:`` lines in ``text`` (exceptions after
    WITH are not licenses and are left out; known ids are given their canonical case)."""
    ids = []
    for line in _SPDX_LINE.finditer(text):
        expect_id, after_with = True, False
        for word in re.findall(r"[()]|[^\s()]+", line.group(1)):
            if word in ("(", ")"):
                continue
            if word.upper() in ("AND", "OR", "WITH") and not expect_id:
                expect_id, after_with = True, word.upper() == "WITH"
            elif expect_id and _SPDX_ID.fullmatch(word):
                if not after_with:
                    ids.append(_CANONICAL.get(word.lower(), word))
                expect_id, after_with = False, False
            else:
                break  # the end of the expression: a comment terminator, prose
    return ids


def detect_licenses(text: str) -> list[str]:
    """SPDX ids whose license text ``text`` is recognisably (sorted)."""
    norm = _normalise(text)
    return sorted({*_permissive(norm), *_gnu(norm), *spdx_identifiers(text)})


# -- tests, CI, docs, images ------------------------------------------------------------------

TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec"})
_TEST_NAME = re.compile(r"test_.*\.py|.*_test\.py|conftest\.py"
                        r"|.*\.(?:test|spec)\.(?:js|jsx|ts|tsx|mjs|cjs)")
CI_FILES = frozenset({".gitlab-ci.yml", ".circleci/config.yml", "azure-pipelines.yml",
                      ".travis.yml", "Jenkinsfile", "bitbucket-pipelines.yml", ".drone.yml",
                      ".woodpecker.yml", "appveyor.yml", ".appveyor.yml"})
_CI_DIRS = re.compile(r"\.github/workflows/[^/]+\.ya?ml|\.woodpecker/[^/]+\.ya?ml")
DOCS_DIRS = ("docs", "doc")
DOCS_FILES = frozenset({"mkdocs.yml", "mkdocs.yaml", ".readthedocs.yaml", ".readthedocs.yml"})


def is_test_file(rel: str) -> bool:
    """A JavaScript/TypeScript/Python file in a test directory or named like a test."""
    parts = rel.split("/")
    if _suffix(parts[-1]) not in CODE_EXTENSIONS:
        return False
    return bool(TEST_DIRS.intersection(parts[:-1])) or bool(_TEST_NAME.fullmatch(parts[-1]))


def _tests(files: Iterable[str]) -> dict[str, Any]:
    found = sorted(f for f in files if is_test_file(f))
    return {"files": len(found), "examples": found[:TEST_EXAMPLES]}


def _ci(files: Iterable[str]) -> list[str]:
    return sorted(f for f in files if f in CI_FILES or _CI_DIRS.fullmatch(f))


def _docs(files: Iterable[str]) -> list[str]:
    """A docs/ or doc/ directory holding a file, its Sphinx conf.py files, MkDocs and Read the
    Docs configurations."""
    found: set[str] = set()
    for rel in files:
        parts = rel.split("/")
        if len(parts) > 1 and parts[0] in DOCS_DIRS:
            found.add(parts[0] + "/")
            if parts[-1] == "conf.py":
                found.add(rel)
        elif rel in DOCS_FILES:
            found.add(rel)
    return sorted(found)


def _images(files: Iterable[str]) -> dict[str, Any]:
    found = sorted(f for f in files if _suffix(f) in IMAGE_EXTENSIONS)
    return {"count": len(found), "examples": found[:IMAGE_EXAMPLES]}


# -- typing -----------------------------------------------------------------------------------


def is_annotated(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A return annotation and an annotation on every parameter but a leading self/cls."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    if positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    params = [*positional, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
    return node.returns is not None and all(p.annotation is not None for p in params)


def function_counts(source: bytes) -> tuple[int, int] | None:
    """(functions, fully annotated functions) in ``source``; None when it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning/DeprecationWarning of the code
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    return len(functions), sum(1 for f in functions if is_annotated(f))


def _typing(root: Path, files: Iterable[str]) -> dict[str, Any]:
    py_typed, functions, annotated = [], 0, 0
    for rel in files:
        if _name(rel) == "py.typed":
            py_typed.append(rel)
        elif rel.endswith(".py") and not is_test_file(rel):
            source = _read_whole(root, rel, MAX_PYTHON_BYTES)
            counts = function_counts(source) if source is not None else None
            if counts is not None:
                functions, annotated = functions + counts[0], annotated + counts[1]
    return {"py_typed": sorted(py_typed), "functions": functions, "annotated": annotated}


# -- all together -----------------------------------------------------------------------------


def gather(root: Path) -> dict[str, Any]:
    """Facts about the source tree at root (see module docstring)."""
    files = walk(root)
    top = [f for f in files if "/" not in f]
    return {
        "readme": _readme(root, top),
        "changelog": _changelog(files),
        "license_files": _license_files(root, top),
        "pyproject_license": _pyproject_license(root, top),
        "tests": _tests(files),
        "ci": _ci(files),
        "typing": _typing(root, files),
        "docs": _docs(files),
        "images": _images(files),
        "python_files": sum(1 for f in files if f.endswith(".py")),
    }


class QualityScanner:
    """The quality facts as a source scanner: the record's ``facts``."""

    name = "quality"

    def tools(self) -> Mapping[str, str]:
        return {}  # versioned by the record's SCANNER_VERSION

    def scan(self, tree: SealedTree, config: ScanConfig) -> RecordPart:
        return {"facts": {**gather(tree.root), "commits": {"times": list(tree.commit_times)}}}

    def unscanned(self) -> RecordPart:
        return {"facts": None}

    def items(self, part: Mapping[str, Any], manifest: Manifest, config: ScanConfig
              ) -> list[Item]:
        return []  # facts, not findings: the score weighs them

    def summary(self, part: Mapping[str, Any], items: Sequence[Item], config: ScanConfig
                ) -> dict[str, Any]:
        return {}
