"""BAD_INPUTS.md end to end: every bad manifest in one registry, through the real commands.

Each case must make the command exit 1 with a 'path:line: field: message [RULE] (hint)' line
naming its rule, every file of the run must be reported (not only the first), no traceback,
and the previously built index must stay byte-for-byte unchanged.
"""

from __future__ import annotations

import re
import sys

import pytest

from plugindex.cli import main
from tests.conftest import GitRegistry
from tests.validate.test_validator import FIXTURES, GENERATED, read_fixture

LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>[1-9]\d*): (?P<field>.+?): (?P<message>.+) "
    r"\[(?P<rule>PI\d{3})\] \((?P<hint>.+)\)$"
)


# The fixtures' plugin name, where it stands alone (not inside example.com or example-x).
PLUGIN_NAME = re.compile(rb"(?<![\w.-])example(?![\w.-])")


def bad_cases() -> list[tuple[str, bytes]]:
    """(expected rule, bytes) for every invalid fixture file and every generated case."""
    cases = [
        (f.rel.split("/")[1], f.text)
        for f in map(read_fixture, sorted((FIXTURES / "invalid").rglob("*.yaml")))
    ]
    cases += [(param.values[0], param.values[2]) for param in GENERATED]
    return cases


def test_every_bad_input_is_reported_and_the_index_is_kept(
    git_registry: GitRegistry, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    reg = git_registry
    reg.add_plugin("good", "1.0.0")
    reg.commit("a good plugin")
    assert main(["build", "--root", str(reg.root)]) == 0
    index_before = reg.index_bytes()
    assert index_before

    expected: dict[str, str] = {}
    for i, (rule, data) in enumerate(bad_cases()):
        name = f"bad-{i:03d}"
        path = f"submissions/{name}/1.0.0.yaml"
        reg.write(f"plugins/{name}/README.md", "# bad\n")
        reg.write(path, PLUGIN_NAME.sub(name.encode(), data))
        expected[path] = rule
    reg.commit("bad inputs")
    capsys.readouterr()

    for command in (["build"], ["validate"]):
        code = main([*command, "--root", str(reg.root)])
        out, err = capsys.readouterr()
        assert code == 1, command
        assert "Traceback" not in out + err
        reported: dict[str, set[str]] = {}
        for line in out.splitlines():
            match = LINE.match(line)
            assert match, f"{command}: malformed report line: {line[:200]!r}"
            reported.setdefault(match["file"], set()).add(match["rule"])
        missing = {p: r for p, r in expected.items() if r not in reported.get(p, set())}
        assert not missing, f"{command}: not reported: {sorted(missing.items())[:5]}"
        assert "submissions/good/1.0.0.yaml" not in reported
        assert reg.index_bytes() == index_before


def test_bad_inputs_do_not_reach_the_recursion_limit() -> None:
    """The deep-nesting cases are refused by the cap, not by Python's recursion limit."""
    assert sys.getrecursionlimit() < 25_000
    assert any(rule == "PI008" for rule, _ in bad_cases())
