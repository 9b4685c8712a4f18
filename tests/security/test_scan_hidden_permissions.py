"""Attack: a plugin hides what its code does from the permission detector: in a ``tests``
package its code imports, in an imported ``*_test.py`` module, in a file over the detector's
2 MiB cap, or behind a ``# coding: utf-7`` cookie (Python decodes the file as UTF-7; a reader
that assumes UTF-8 sees a comment).

Required: each case surfaces the undeclared permission or a scan error, never "no undeclared
permission"."""

from __future__ import annotations

import pytest

from plugindex.scanners.permissions import MAX_PY_BYTES
from tests.conftest import GitRegistry
from tests.scan.test_scanner import add_source_plugin, items, scan_json

# In UTF-8 the second line is one comment; in UTF-7, '+AAo-' is a newline.
UTF7_HIDDEN = b"# coding: utf-7\nVALUE = 1  #+AAo-import subprocess+AAo-subprocess.run('id')\n"
BIG = b"import os\n\n\ndef run():\n    os.system('id')\n" + (b"#" * 80 + b"\n") * (
    3 * 1024 * 1024 // 81)  # 3 MiB

CASES = {
    "imported-tests-package": ({
        "hidden/__init__.py": b"from tests import helpers\n",
        "tests/__init__.py": b"",
        "tests/helpers.py": b"import subprocess\n\n\ndef run():\n    subprocess.run('id')\n",
        "tests/test_unimported.py": b"import ctypes\n",
    }, {("permission", "subprocess")}),
    "imported-x-test-module": ({
        "hidden/__init__.py": b"from . import x_test\n",
        "hidden/x_test.py": b"import socket\n",
    }, {("permission", "network")}),
    "file-over-the-cap": ({
        "hidden/__init__.py": b"from . import big\n",
        "hidden/big.py": BIG,
    }, {("scan-error", "permissions")}),
    "utf-7-cookie": ({
        "hidden/__init__.py": UTF7_HIDDEN,
    }, {("permission", "subprocess")}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hidden_uses_surface(git_registry: GitRegistry, capsys: pytest.CaptureFixture[str],
                             case: str) -> None:
    files, expected = CASES[case]
    assert len(BIG) > MAX_PY_BYTES
    for rel, data in files.items():
        git_registry.write(f"plugins/hidden/{rel}", data)
    add_source_plugin(git_registry, "hidden", {})
    git_registry.commit(f"hidden: {case}")
    _, report = scan_json(git_registry, capsys, "--offline")
    found = {(i["kind"], i["id"]) for i in items(report, "hidden")
             if i["kind"] in ("permission", "scan-error")}
    assert expected <= found
    assert report["versions"][0]["summary"]["permissions"]["undeclared"] or any(
        kind == "scan-error" for kind, _ in found)
    assert report["versions"][0]["verdict"] != "passed"


def test_an_unimported_test_file_stays_out(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "tidy", {
        "tidy/__init__.py": "X = 1\n", "tests/test_tidy.py": "import socket\n"})
    git_registry.commit("tidy")
    _, report = scan_json(git_registry, capsys, "--offline")
    assert [i for i in items(report, "tidy") if i["kind"] in ("permission", "scan-error")] == []
