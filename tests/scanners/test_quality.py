"""The source facts of a plugin's tree: each rule on its own, and the facts' determinism."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from plugindex.scanners import quality as sourcefacts
from plugindex.scanners.quality import detect_licenses, gather
from tests.conftest import DATA

LICENSES = DATA / "sourcefacts" / "licenses"

EMPTY: dict[str, Any] = {
    "readme": None,
    "changelog": None,
    "license_files": [],
    "pyproject_license": None,
    "tests": {"files": 0, "examples": []},
    "ci": [],
    "typing": {"py_typed": [], "functions": 0, "annotated": 0},
    "docs": [],
    "images": {"count": 0, "examples": []},
    "python_files": 0,
}


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def facts(root: Path, files: dict[str, str | bytes]) -> dict[str, Any]:
    return gather(make(root, files))


def readme(root: Path, text: str, name: str = "README.md") -> dict[str, Any]:
    found: dict[str, Any] | None = facts(root, {name: text})["readme"]
    assert found is not None
    return found


def license_text(spdx: str) -> str:
    return (LICENSES / f"{spdx}.txt").read_text(encoding="utf-8")


# -- the whole shape -----------------------------------------------------------------------------

def test_an_empty_tree_has_every_key(tmp_path: Path) -> None:
    assert gather(tmp_path) == EMPTY


def test_a_full_tree(tmp_path: Path) -> None:
    got = facts(tmp_path, {
        "README.md": "# Demo\n\n## Installation\n\npip install demo\n\n![shot](docs/shot.png)\n",
        "CHANGELOG.md": "# 1.0\n",
        "LICENSE": license_text("MIT"),
        "pyproject.toml": '[project]\nname = "demo"\nlicense = "MIT"\n',
        "src/demo/__init__.py": "def f(x: int) -> int:\n    return x\n",
        "src/demo/py.typed": "",
        "tests/test_demo.py": "def test_f():\n    pass\n",
        ".github/workflows/ci.yml": "on: push\n",
        "docs/shot.png": b"\x89PNG",
    })
    assert got == {
        "readme": {"file": "README.md", "bytes": 66, "words": 8,
                   "headings": ["demo", "installation"],
                   "sections": {"usage": False, "configuration": False, "installation": True,
                                "changelog": False},
                   "images": 1},
        "changelog": "CHANGELOG.md",
        "license_files": [{"file": "LICENSE", "detected": ["MIT"]}],
        "pyproject_license": "MIT",
        "tests": {"files": 1, "examples": ["tests/test_demo.py"]},
        "ci": [".github/workflows/ci.yml"],
        "typing": {"py_typed": ["src/demo/py.typed"], "functions": 1, "annotated": 1},
        "docs": ["docs/"],
        "images": {"count": 1, "examples": ["docs/shot.png"]},
        "python_files": 2,
    }


def test_gathering_is_deterministic_and_json(tmp_path: Path) -> None:
    make(tmp_path, {f"pkg/m{i}.py": f"def f{i}(a, b: int) -> None: ...\n" for i in range(30)})
    make(tmp_path, {f"img/{c}.png": b"" for c in "zyxwvutsrqponm"})
    make(tmp_path, {"README.rst": "Title\n=====\n\nUsage\n-----\n", "COPYING": "GPL?",
                    "tests/b_test.py": "", "tests/a_test.py": ""})
    first, second = gather(tmp_path), gather(tmp_path)
    assert first == second
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert json.loads(json.dumps(first)) == first
    assert str(tmp_path) not in json.dumps(first)
    assert first["images"]["examples"] == sorted(first["images"]["examples"])
    assert first["images"]["count"] == 14
    assert len(first["images"]["examples"]) == 10


# -- README ----------------------------------------------------------------------------------------

def test_markdown_headings(tmp_path: Path) -> None:
    text = (
        "#   My   Plugin  \n"
        "Intro text.\n\n"
        "Setext One\n==========\n\n"
        "Setext  Two\n---\n\n"
        "## Closed ##\n"
        "#NoSpace is not a heading\n"
        "####### seven is not a heading\n"
        "    # indented code, not a heading\n\n"
        "```python\n# a comment in code\nTitle in code\n=====\n```\n"
        "~~~~\n## tilde fenced\n~~~\n## still fenced\n~~~~\n"
        "<!--\n# commented out\n-->\n"
        "- list item\n---\n\n"
        "###### Six ######\n"
    )
    assert readme(tmp_path, text)["headings"] == [
        "my plugin", "setext one", "setext two", "closed", "six"]


def test_markdown_does_not_read_rst_underlines(tmp_path: Path) -> None:
    text = "Example:\n~~~~~~~~\ncode\n~~~~~~~~\n\n## After\n"
    assert readme(tmp_path, text)["headings"] == ["after"]


def test_rst_headings(tmp_path: Path) -> None:
    text = (
        "=========\n My Title\n=========\n\n"
        "Installation\n------------\n\n"
        "Configuring things\n~~~~~~~~~~~~~~~~~~~~\n\n"
        "Too long for its underline\n----\n\n"
        "::\n\n    Indented\n    ========\n\n"
        "----------\n\n"
        ".. code-block:: python\n\n    x = 1\n\n"
        "Usage\n*****\n"
    )
    got = readme(tmp_path, text, "README.rst")
    assert got["headings"] == ["my title", "installation", "configuring things", "usage"]
    assert got["sections"] == {"usage": True, "configuration": True, "installation": True,
                               "changelog": False}


def test_plain_readme_takes_markdown_and_rst_headings(tmp_path: Path) -> None:
    text = "# Markdown\n\nSection\n~~~~~~~\n\nSetext\n======\n\n```\n# fenced\n```\n"
    got = readme(tmp_path, text, "README")
    assert got["file"] == "README"
    assert got["headings"] == ["markdown", "section", "setext"]


def test_heading_limits(tmp_path: Path) -> None:
    text = "\n".join(f"# Heading {i}" for i in range(150)) + "\n# " + "Word " * 60 + "\n"
    text += "## Usage\n"
    got = readme(tmp_path, text)
    assert len(got["headings"]) == 100
    assert got["headings"][:2] == ["heading 0", "heading 1"]
    got = readme(tmp_path, "# " + "Ab\t" * 100 + "\n")
    assert got["headings"] == [("ab " * 40)[:120].rstrip()]
    # the flags come from every heading, not only the first 100 recorded
    text = "\n".join(f"# Heading {i}" for i in range(150)) + "\n## Usage\n"
    assert readme(tmp_path, text)["sections"]["usage"]


@pytest.mark.parametrize(("heading", "section"), [
    ("Usage", "usage"), ("Getting Started", "usage"), ("Quick start", "usage"),
    ("Quickstart", "usage"), ("Example", "usage"), ("More examples", "usage"),
    ("How to use", "usage"), ("Tutorial", "usage"),
    ("Configuration", "configuration"), ("Configuring the plugin", "configuration"),
    ("Config", "configuration"), ("Settings", "configuration"), ("Options", "configuration"),
    ("Environment variables", "configuration"),
    ("Install", "installation"), ("Installation", "installation"),
    ("Installing", "installation"), ("Setup", "installation"),
    ("Changelog", "changelog"), ("Change log", "changelog"), ("Changes", "changelog"),
    ("Release notes", "changelog"), ("History", "changelog"), ("What's new", "changelog"),
    ("What\u2019s new", "changelog"),
])
def test_section_flags(tmp_path: Path, heading: str, section: str) -> None:
    got = readme(tmp_path, f"# Demo\n\n## {heading}\n\ntext\n")
    assert got["sections"] == {key: key == section for key in got["sections"]}


@pytest.mark.parametrize("heading", ["Usages", "Reconfiguration", "Installer", "Exchanges",
                                     "Historyless", "Sample", "Prehistory"])
def test_section_flags_need_whole_words(tmp_path: Path, heading: str) -> None:
    got = readme(tmp_path, f"## {heading}\n")
    assert not any(got["sections"].values())


def test_section_flags_come_from_headings_only(tmp_path: Path) -> None:
    got = readme(tmp_path, "# Demo\n\nUsage: run it. Install it. Configuration is easy.\n")
    assert not any(got["sections"].values())


def test_readme_size_words_and_comments(tmp_path: Path) -> None:
    text = "# Héllo world\n\n<!-- these five words skipped -->one two\n```\nco de\n```\n"
    got = readme(tmp_path, text)
    assert got["bytes"] == len(text.encode("utf-8"))
    assert got["words"] == 9  # '#', 'Héllo', 'world', 'one', 'two', '```', 'co', 'de', '```'
    assert readme(tmp_path, "a b <!-- never closed\nc d e")["words"] == 2


def test_readme_images(tmp_path: Path) -> None:
    text = (
        "[![build](https://ci/badge.svg)](https://ci)\n"
        "![screenshot](docs/shot.png)\n"
        "![reference][logo]\n"
        '<p><img src="a.png"/> <IMG SRC="b.png"></p>\n'
        "<!-- ![hidden](x.png) -->\n"
        "[not an image](x.png)\n"
    )
    assert readme(tmp_path, text)["images"] == 5
    rst = (".. image:: shot.png\n   :alt: shot\n\n.. figure:: fig.png\n\n"
           ".. |badge| image:: https://ci/badge.svg\n\n.. note:: not an image\n")
    assert readme(tmp_path / "rst", rst, "README.rst")["images"] == 3


@pytest.mark.parametrize(("names", "chosen"), [
    (["README.txt", "README.rst", "README.md"], "README.md"),
    (["README", "README.rst", "readme.txt"], "README.rst"),
    (["README.txt", "README"], "README"),
    (["readme.markdown"], "readme.markdown"),
    (["Readme.MD", "README.txt"], "Readme.MD"),
    (["README.md", "readme.md"], "README.md"),
])
def test_which_readme(tmp_path: Path, names: list[str], chosen: str) -> None:
    make(tmp_path, dict.fromkeys(names, "# x\n"))
    if len({n.lower() for n in names}) < len(names) and len(os.listdir(tmp_path)) < len(names):
        pytest.skip("case-insensitive file system")
    assert gather(tmp_path)["readme"]["file"] == chosen


@pytest.mark.parametrize("files", [
    {}, {"docs/README.md": "# x"}, {"README.html": "<h1>x</h1>"}, {"READ_ME.md": "# x"},
    {"README.md/inner.txt": "a directory"},
])
def test_no_readme(tmp_path: Path, files: dict[str, str | bytes]) -> None:
    assert facts(tmp_path, files)["readme"] is None


def test_undecodable_readme(tmp_path: Path) -> None:
    got = readme(tmp_path, "", "README.md")
    assert got["words"] == 0
    assert got["headings"] == []
    (tmp_path / "README.md").write_bytes(b"# caf\xe9\n")
    assert gather(tmp_path)["readme"]["headings"] == ["caf\ufffd"]


# -- changelog ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("files", "found"), [
    (["CHANGELOG.md"], "CHANGELOG.md"),
    (["changes.rst"], "changes.rst"),
    (["HISTORY"], "HISTORY"),
    (["NEWS.txt"], "NEWS.txt"),
    (["RELEASE-NOTES.md"], "RELEASE-NOTES.md"),
    (["release_notes.md"], "release_notes.md"),
    (["Releases.md"], "Releases.md"),
    (["NEWS", "CHANGES.md", "HISTORY.rst"], "CHANGES.md"),
    (["docs/changelog.md"], "docs/changelog.md"),
    (["docs/CHANGES.rst"], "docs/CHANGES.rst"),
    (["docs/history.txt", "docs/changes.md"], "docs/changes.md"),
    (["docs/changelog.md", "NEWS.md"], "NEWS.md"),
    (["docs/news.md"], None),
    (["docs/sub/changelog.md"], None),
    (["src/CHANGELOG.md"], None),
    (["CHANGELOGS.md"], None),
    (["THE_CHANGELOG.md"], None),
])
def test_changelog(tmp_path: Path, files: list[str], found: str | None) -> None:
    assert facts(tmp_path, dict.fromkeys(files, "1.0"))["changelog"] == found


# -- licenses -------------------------------------------------------------------------------------

# Each fixture is the real text (or its opening sections and notice header); the GNU ones are
# verbatim openings, with their terms and conditions, so both -only and -or-later match.
FIXTURES = {
    "MIT": ["MIT"],
    "MIT-0": ["MIT-0"],
    "BSD-2-Clause": ["BSD-2-Clause"],
    "BSD-3-Clause": ["BSD-3-Clause"],
    "BSD-4-Clause": ["BSD-4-Clause"],
    "ISC": ["ISC"],
    "0BSD": ["0BSD"],
    "Unlicense": ["Unlicense"],
    "Apache-2.0": ["Apache-2.0"],
    "MPL-2.0": ["MPL-2.0"],  # its definition of Secondary License names the GNU licenses
    "PSF-2.0": ["PSF-2.0"],
    "GPL-3.0-or-later": ["GPL-3.0-only", "GPL-3.0-or-later"],
    "LGPL-3.0-or-later": ["LGPL-3.0-only", "LGPL-3.0-or-later"],  # names the GPL too
    "AGPL-3.0-or-later": ["AGPL-3.0-only", "AGPL-3.0-or-later"],  # names the GPL too
}


def test_every_fixture_is_tested() -> None:
    assert sorted(p.stem for p in LICENSES.glob("*.txt")) == sorted(FIXTURES)


@pytest.mark.parametrize(("spdx", "expected"), FIXTURES.items())
def test_detect_license_texts(spdx: str, expected: list[str]) -> None:
    assert detect_licenses(license_text(spdx)) == expected


@pytest.mark.parametrize("spdx", sorted(FIXTURES))
def test_detection_ignores_comment_markers_and_wrapping(spdx: str) -> None:
    text = license_text(spdx)
    commented = "\n".join(f" * {line}" for line in text.replace(". ", ".\n# ").splitlines())
    assert detect_licenses(f"/*\n{commented}\n */") == FIXTURES[spdx]
    assert detect_licenses(text.upper()) == FIXTURES[spdx]
    assert detect_licenses(" ".join(text.split())) == FIXTURES[spdx]


GPL_NOTICE = (
    "This program is free software: you can redistribute it and/or modify it under the terms "
    "of the GNU {title} as published by the Free Software Foundation, {version}.\n\n"
    "This program is distributed in the hope that it will be useful, but WITHOUT ANY "
    "WARRANTY. See the GNU {title} for more details.\n\nYou should have received a copy of "
    "the GNU {title} along with this program. If not, see <https://www.gnu.org/licenses/>.\n"
)


@pytest.mark.parametrize(("title", "base"), [
    ("General Public License", "GPL-3.0"), ("Lesser General Public License", "LGPL-3.0"),
    ("Affero General Public License", "AGPL-3.0"),
])
def test_gnu_notices(title: str, base: str) -> None:
    later = "either version 3 of the License, or (at your option) any later version"
    assert detect_licenses(GPL_NOTICE.format(title=title, version=later)) == [
        f"{base}-or-later"]
    assert detect_licenses(GPL_NOTICE.format(title=title, version="version 3 of the License")
                           ) == [f"{base}-only"]
    assert detect_licenses(f"Licensed under version 3 of the GNU {title}.") == [f"{base}-only"]
    assert detect_licenses(f"Licensed under the GNU {title} v3.0 or any later version.") == [
        f"{base}-or-later"]


@pytest.mark.parametrize("text", [
    GPL_NOTICE.format(title="General Public License",
                      version="either version 2 of the License, or (at your option) any "
                              "later version"),
    "GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991\n",
    "Secondary License means either the GNU General Public License, Version 2.0, the GNU "
    "Lesser General Public License, Version 2.1, the GNU Affero General Public License, "
    "Version 3.0, or any later versions of those licenses.",
])
def test_gnu_mentions_that_are_not_a_v3_license(text: str) -> None:
    assert detect_licenses(text) == []


def test_gpl_full_text_is_both() -> None:
    text = ("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\n"
            "TERMS AND CONDITIONS\n\n0. Definitions.\n")
    assert detect_licenses(text) == ["GPL-3.0-only", "GPL-3.0-or-later"]
    assert detect_licenses(text.replace("TERMS AND CONDITIONS", "")) == ["GPL-3.0-only"]


@pytest.mark.parametrize("text", [
    "",
    "All rights reserved. You may not copy this software.",
    "This software is made available under the terms of *either* of the licenses found in "
    "LICENSE.APACHE or LICENSE.BSD.",
    "This software is provided 'as-is', without any express or implied warranty. Permission "
    "is granted to anyone to use this software for any purpose, including commercial "
    "applications, and to alter it and redistribute it freely.",  # zlib, not recognised
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    "software, to deal with the Software, subject to the following conditions: "
    "Redistributions of source code must retain the above copyright notice.",  # NCSA-like
    "The MIT license applies.",
])
def test_unrecognised_texts(text: str) -> None:
    assert detect_licenses(text) == []


def test_several_licenses_in_one_text() -> None:
    text = license_text("Apache-2.0") + "\n\n---\n\n" + license_text("MIT")
    assert detect_licenses(text) == ["Apache-2.0", "MIT"]


@pytest.mark.parametrize(("text", "ids"), [
    ("# SPDX-License-Identifier: MIT\n", ["MIT"]),
    ("// SPDX-License-Identifier: apache-2.0\n", ["Apache-2.0"]),
    ("/* SPDX-License-Identifier: MIT OR Apache-2.0 */", ["Apache-2.0", "MIT"]),
    ("SPDX-License-Identifier: (MIT AND BSD-3-Clause) or GPL-3.0-or-later",
     ["BSD-3-Clause", "GPL-3.0-or-later", "MIT"]),
    ("SPDX-License-Identifier: GPL-2.0-or-later WITH Classpath-exception-2.0",
     ["GPL-2.0-or-later"]),
    ("<!-- SPDX-License-Identifier: LicenseRef-Proprietary -->", ["LicenseRef-Proprietary"]),
    ("spdx-license-identifier: GPL-2.0+", ["GPL-2.0+"]),
    ("SPDX-License-Identifier: MIT see the LICENSE file", ["MIT"]),
    ("SPDX-License-Identifier:\nMIT", []),
    ("a\nSPDX-License-Identifier: ISC\nb\nSPDX-License-Identifier: 0BSD\n", ["0BSD", "ISC"]),
])
def test_spdx_identifier_lines(text: str, ids: list[str]) -> None:
    assert detect_licenses(text) == ids


def test_spdx_identifiers_join_the_recognised_text() -> None:
    assert detect_licenses("SPDX-License-Identifier: MIT\n\n" + license_text("ISC")) == [
        "ISC", "MIT"]


def test_license_files(tmp_path: Path) -> None:
    got = facts(tmp_path, {
        "LICENSE": license_text("MIT"),
        "LICENSE-APACHE.txt": license_text("Apache-2.0"),
        "licence.md": "All rights reserved.",
        "COPYING.LESSER": license_text("LGPL-3.0-or-later"),
        "UNLICENSE": license_text("Unlicense"),
        "LICENSES/MIT.txt": license_text("MIT"),
        "src/LICENSE": license_text("MIT"),
        "license_check.py": "print('not a license')\n",
        "NOTICE": "Apache notice",
        "THE_LICENSE": license_text("MIT"),
    })
    assert got["license_files"] == [
        {"file": "COPYING.LESSER", "detected": ["LGPL-3.0-only", "LGPL-3.0-or-later"]},
        {"file": "LICENSE", "detected": ["MIT"]},
        {"file": "LICENSE-APACHE.txt", "detected": ["Apache-2.0"]},
        {"file": "UNLICENSE", "detected": ["Unlicense"]},
        {"file": "licence.md", "detected": []},
    ]


def test_license_file_reading_is_bounded(tmp_path: Path) -> None:
    padding = "x " * (sourcefacts.MAX_LICENSE_BYTES // 2)
    got = facts(tmp_path, {"LICENSE": padding + license_text("MIT"),
                           "LICENSE.bin": b"\xff\xfe" + license_text("ISC").encode()})
    assert got["license_files"] == [{"file": "LICENSE", "detected": []},
                                    {"file": "LICENSE.bin", "detected": ["ISC"]}]


# -- pyproject.toml --------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "license"), [
    ('[project]\nlicense = "Apache-2.0 OR MIT"\n', "Apache-2.0 OR MIT"),
    ('[project]\nlicense = {text = "BSD 3-Clause"}\n', "BSD 3-Clause"),
    ('[project]\nlicense = {file = "LICENSE"}\n', None),
    ('[project]\nname = "x"\n', None),
    ('[tool.poetry]\nlicense = "MIT"\n', None),
    ('project = "x"\n', None),
    ("[project]\nlicense = 3\n", None),
    ('[project]\nlicense = {text = 3}\n', None),
    ('[project\nlicense = "MIT"\n', None),
    (b'[project]\nlicense = "caf\xe9"\n', None),
])
def test_pyproject_license(tmp_path: Path, content: str | bytes, license: str | None) -> None:
    assert facts(tmp_path, {"pyproject.toml": content})["pyproject_license"] == license


def test_only_the_root_pyproject_counts(tmp_path: Path) -> None:
    got = facts(tmp_path, {"sub/pyproject.toml": '[project]\nlicense = "MIT"\n'})
    assert got["pyproject_license"] is None


# -- tests, CI, docs, images, python files ---------------------------------------------------------

def test_test_files(tmp_path: Path) -> None:
    counted = [
        "tests/helpers.py", "src/pkg/test/util.py", "web/__tests__/app.jsx", "spec/a.ts",
        "test_top.py", "pkg/module_test.py", "conftest.py", "web/app.test.js", "web/x.spec.tsx",
        "web/y.test.mjs", "web/z.spec.cjs", "tests/deep/er/case.py",
    ]
    ignored = [
        "tests/data.json", "tests/fixture.txt", "testing/util.py", "pkg/tester.py",
        "pkg/test.py", "pkg/my_tests.py", "web/app.test.css", "node_modules/x/test_a.py",
        "build/tests/test_b.py", "dist/c_test.py", ".venv/lib/test_d.py", "venv/test_e.py",
        ".git/tests/f.py", "pkg/contest.py",
    ]
    got = facts(tmp_path, dict.fromkeys(counted + ignored, ""))["tests"]
    assert got == {"files": len(counted), "examples": sorted(counted)[:5]}


def test_ci_files(tmp_path: Path) -> None:
    found = [
        ".github/workflows/ci.yml", ".github/workflows/release.yaml", ".gitlab-ci.yml",
        ".circleci/config.yml", "azure-pipelines.yml", ".travis.yml", "Jenkinsfile",
        "bitbucket-pipelines.yml", ".drone.yml", ".woodpecker.yml", ".woodpecker/test.yml",
        "appveyor.yml", ".appveyor.yml",
    ]
    not_ci = [
        "noxfile.py", "tox.ini", ".github/dependabot.yml", ".github/workflows/README.md",
        ".github/workflows/sub/x.yml", "sub/.travis.yml", "sub/.github/workflows/ci.yml",
        ".circleci/other.yml", "jenkinsfile.txt",
    ]
    assert facts(tmp_path, dict.fromkeys(found + not_ci, "x"))["ci"] == sorted(found)


def test_docs(tmp_path: Path) -> None:
    got = facts(tmp_path, dict.fromkeys([
        "docs/index.md", "docs/conf.py", "doc/source/conf.py", "mkdocs.yml", "mkdocs.yaml",
        ".readthedocs.yaml", ".readthedocs.yml", "src/docs/conf.py", "conf.py",
        "documentation/index.md",
    ], "x"))["docs"]
    assert got == [".readthedocs.yaml", ".readthedocs.yml", "doc/", "doc/source/conf.py",
                   "docs/", "docs/conf.py", "mkdocs.yaml", "mkdocs.yml"]


def test_an_empty_docs_directory_is_not_documentation(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "build").mkdir()
    make(tmp_path, {"docs/build/index.html": "built"})
    assert gather(tmp_path)["docs"] == []


def test_images(tmp_path: Path) -> None:
    images = [f"assets/{i:02}.png" for i in range(12)] + [
        "a.JPG", "b.jpeg", "c.gif", "d.WebP", "e.svg"]
    others = ["f.bmp", "g.ico", "png", "node_modules/x.png", "dist/y.svg", "build/z.gif"]
    got = facts(tmp_path, dict.fromkeys(images + others, "x"))["images"]
    assert got == {"count": len(images), "examples": sorted(images)[:10]}


def test_python_files(tmp_path: Path) -> None:
    counted = ["a.py", "pkg/__init__.py", "tests/test_a.py", "docs/conf.py"]
    ignored = ["b.pyi", "c.pyc", "d.py.txt", "node_modules/e.py", ".venv/f.py", "build/g.py"]
    assert facts(tmp_path, dict.fromkeys(counted + ignored, ""))["python_files"] == 4


# -- typing ----------------------------------------------------------------------------------------

TYPED = '''\
import re


def full(a: int, b: str = "", *args: int, key: bool, **kwargs: str) -> None: ...
def no_return(a: int): ...
def bare(): ...
def empty() -> None: ...
def partly(a: int, b) -> int: ...
def unannotated_args(*args, **kwargs) -> None: ...
def posonly(a: int, /, b: int) -> int: ...
def posonly_missing(a, /) -> int: ...
def kwonly_missing(*, key) -> None: ...
async def coroutine(x: float) -> float: ...
PATTERN = re.compile("\\d+")  # an invalid escape in a plain string warns when compiled


class C:
    def method(self, x: int) -> int:
        def inner(y) -> int:
            return y
        return x

    @classmethod
    def make(cls) -> "C": ...

    @staticmethod
    def static(self) -> None: ...

    def untyped_self(self, x) -> None: ...

    def missing_return(self): ...


lambda_is_not_counted = lambda x: x  # noqa: E731
'''


def test_function_counts() -> None:
    # full, empty, posonly, coroutine, method, make, static
    assert sourcefacts.function_counts(TYPED.encode()) == (16, 7)


def test_typing(tmp_path: Path) -> None:
    got = facts(tmp_path, {
        "pkg/a.py": TYPED,
        "pkg/b.py": "def f(x: int) -> int:\n    return x\n",
        "pkg/py.typed": "",
        "other/py.typed": "partial\n",
        "pkg/broken.py": "def f(:\n",
        "pkg/nul.py": b"def f() -> None: ...\x00\n",
        "pkg/latin.py": b"# -*- coding: latin-1 -*-\ndef caf\xe9() -> None: ...\n",
        "tests/test_a.py": "def test_x(): ...\n",
        "pkg/a_test.py": "def helper(): ...\n",
        "node_modules/x/y.py": "def f(): ...\n",
        "pkg/stub.pyi": "def g(x): ...\n",
    })["typing"]
    assert got == {"py_typed": ["other/py.typed", "pkg/py.typed"], "functions": 16 + 1 + 1,
                   "annotated": 7 + 1 + 1}


def test_large_and_deep_python_files_are_skipped(tmp_path: Path) -> None:
    big = "def f(): ...\n" + "#" * sourcefacts.MAX_PYTHON_BYTES
    deep = "x = " + "(" * 100_000 + ")" * 100_000 + "\n"
    got = facts(tmp_path, {"big.py": big, "deep.py": deep, "ok.py": "def g() -> None: ...\n"})
    assert got["typing"] == {"py_typed": [], "functions": 1, "annotated": 1}
    assert got["python_files"] == 3


# -- the walk --------------------------------------------------------------------------------------

def test_symlinks_are_skipped(tmp_path: Path) -> None:
    outside = make(tmp_path / "outside", {"README.md": "# Outside\n", "LICENSE": "MIT",
                                          "docs/index.md": "x", "test_x.py": ""})
    root = make(tmp_path / "root", {"src/a.py": ""})
    try:
        (root / "README.md").symlink_to(outside / "README.md")
        (root / "LICENSE").symlink_to(outside / "LICENSE")
        (root / "docs").symlink_to(outside / "docs", target_is_directory=True)
        (root / "tests").symlink_to(outside, target_is_directory=True)
        (root / "src" / "dangling.py").symlink_to(tmp_path / "missing.py")
    except OSError:
        pytest.skip("symbolic links are not supported here")
    assert gather(root) == {**EMPTY, "python_files": 1}


def test_walk_order_and_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, {"a/deep/x.py": "", "a/y.py": "", "README.md": "# R\n", "b.py": "",
                    "z/LICENSE": "", "node_modules/n.py": ""})
    assert sourcefacts.walk(tmp_path) == ["README.md", "b.py", "a/y.py", "a/deep/x.py",
                                          "z/LICENSE"]
    monkeypatch.setattr(sourcefacts, "MAX_FILES", 3)
    assert sourcefacts.walk(tmp_path) == ["README.md", "b.py", "a/y.py"]
    got = gather(tmp_path)
    assert got["readme"] is not None
    assert got["python_files"] == 2
    assert set(got) == set(EMPTY)
