"""Golden tests: each workspace under examples/broken/ gives exactly the findings in its expected.txt.

expected.txt holds one headline per finding, `file:line:col: severity CODE: message`, in
output order. To regenerate after an intended change, run

    SALESPLAN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_broken_examples.py

and review the diff of examples/broken/*/expected.txt before committing it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO

BROKEN = REPO / "examples" / "broken"
NAMES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
#: Judged before the first monthly review is due, so the goldens hold only the deliberate mistakes.
AS_OF = "2027-01-15"
UPDATE = os.environ.get("SALESPLAN_UPDATE_GOLDEN") == "1"
HEADLINE = re.compile(r"^\S.*?: (error|warning) SP\d{3}: ")


def headline(record: dict) -> str:
    location = record["file"]
    if record["line"] is not None:
        location += f":{record['line']}"
        if record["col"] is not None:
            location += f":{record['col']}"
    return f"{location}: {record['severity']} {record['code']}: {record['message']}"


def check_golden(name: str, actual: list[str]) -> None:
    path = BROKEN / name / "expected.txt"
    if UPDATE:
        path.write_text("".join(line + "\n" for line in actual), encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; create it with SALESPLAN_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8").splitlines()
    diff = "\n".join(difflib.unified_diff(expected, actual, "expected.txt", "actual", lineterm=""))
    assert actual == expected, f"output of examples/broken/{name} changed (SALESPLAN_UPDATE_GOLDEN=1 to accept):\n{diff}"


def test_the_three_broken_workspaces_exist():
    assert {"sums", "yaml-traps", "references"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_json_findings_match_golden(name, run_cli):
    run = run_cli("validate", "-w", BROKEN / name, "--as-of", AS_OF, "--format", "json")
    assert run.code == 1, run.err
    assert run.err == ""
    lines = [headline(record) for record in json.loads(run.out)["diagnostics"]]
    assert lines, "a broken workspace must report something"
    check_golden(name, lines)


@pytest.mark.parametrize("name", NAMES)
def test_human_headlines_match_golden(name, run_cli, monkeypatch):
    monkeypatch.chdir(BROKEN / name)  # paths are shown relative to the current folder
    run = run_cli("validate", "--as-of", AS_OF, "--format", "human")
    assert run.code == 1, run.err
    lines = [line for line in run.out.splitlines() if HEADLINE.match(line)]
    check_golden(name, lines)


@pytest.mark.parametrize("name", NAMES)
def test_every_mistake_is_commented(name):
    """The broken copy differs from examples/nordwind only on lines marked '# BROKEN:'."""
    root = BROKEN / name
    theirs = {p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*.yaml")}
    ours = {p.relative_to(root).as_posix() for p in root.rglob("*.yaml")}
    assert ours == theirs, "a broken workspace is a full copy of nordwind, file for file"
    marked = 0
    for rel in sorted(ours):
        original = (EXAMPLE / rel).read_text(encoding="utf-8").split("\n")
        broken = (root / rel).read_text(encoding="utf-8").split("\n")
        matcher = difflib.SequenceMatcher(a=original, b=broken, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            assert tag != "delete", f"{rel}: lines {i1 + 1}-{i2} of nordwind removed without a BROKEN comment"
            for line in broken[j1:j2]:
                if line.startswith("# yaml-language-server: $schema="):
                    continue  # the schema path is one folder deeper
                assert "# BROKEN:" in line, f"{rel}: changed line without a '# BROKEN:' comment: {line!r}"
                marked += 1
    assert marked >= 3, "each broken workspace holds a few deliberate mistakes"


@pytest.mark.parametrize("name", NAMES)
def test_schema_comment_points_at_the_schemas(name):
    root = BROKEN / name
    for path in root.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        target = first.partition("$schema=")[2]
        assert target and (path.parent / target).resolve() == (REPO / "schemas" / Path(target).name).resolve(), f"{path}: {first}"
