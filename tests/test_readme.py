"""The front door works as written: the commands of README.md's tour (and the tutorial's) run on the example,
and "Your own workspace in 4 steps" (init, declare a HubSpot export with its preset, validate, report) gives
a workspace that validates clean and reports, with the README's own data: block."""

from __future__ import annotations

import re
import shlex
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TUTORIAL = ROOT / "docs" / "getting-started" / "tutorial.md"


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def _blocks(section: str, language: str) -> list[str]:
    return [textwrap.dedent(block) for block in re.findall(rf"^ *```{language}\n(.*?)^ *```", section, flags=re.M | re.S)]


def _tour_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path, heading in ((README, "A five-minute tour"), (TUTORIAL, "The tour, one command at a time")):
        for block in _blocks(_section(path.read_text(encoding="utf-8"), heading), "sh"):
            for line in block.splitlines():
                line = line.split("#", 1)[0].strip()
                if line.startswith("salesplan "):
                    found.append((f"{path.name}: {line}", shlex.split(line)[1:]))
    assert found, "no salesplan command found in the tours"
    return found


@pytest.mark.parametrize("label, args", _tour_commands(), ids=[label for label, _ in _tour_commands()])
def test_tour_commands_run_on_the_example(run_cli, label, args):
    args = [str(EXAMPLE) if arg == "examples/nordwind" else arg for arg in args]
    result = run_cli(*args)
    assert result.code == 0, f"{label}: exit {result.code}\n{result.err}"
    assert result.out.strip(), f"{label}: printed nothing"
    assert "Traceback" not in result.err


DEALS = """Record ID,Deal Name,Deal owner,Associated Company,Deal Stage,Amount,Close Date,Create Date
101,Platform rollout,Rep 1,Acme,Closed Won,120000,2027-02-20,2027-01-05
102,Services,Rep 2,Globex,Closed Lost,30000,2027-02-25,2027-01-10
103,Expansion,Rep 1,Initech,Qualified To Buy,80000,2027-04-30,2027-02-15
104,Renewal,Rep 2,Hooli,Contract Sent,45000,2027-03-31,2027-02-01
"""


def test_your_own_workspace_in_4_steps(run_cli, tmp_path):
    steps = _section(README.read_text(encoding="utf-8"), "Your own workspace in 4 steps")
    (data_block,) = _blocks(steps, "yaml")
    root = tmp_path / "my-plans"
    # 1. init
    assert run_cli("init", root).code == 0
    # 2. the export, declared with the README's block
    path = re.search(r"path: (\S+)", data_block).group(1)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(DEALS, encoding="utf-8")
    salesplan = root / "salesplan.yaml"
    salesplan.write_text(salesplan.read_text(encoding="utf-8") + data_block, encoding="utf-8")
    # 3. validate: clean
    result = run_cli("validate", "-w", root, "--as-of", "2027-03-15")
    assert result.code == 0, result.out + result.err
    # 4. report: the dashboard, every deal used
    result = run_cli("report", "-w", root, "--as-of", "2027-03-15")
    assert result.code == 0, result.err
    assert "rep-1" in result.out and "rep-2" in result.out
    assert "used 4 of 4 rows" in result.err, result.err


@pytest.mark.parametrize("page", ["salesforce", "hubspot", "pipedrive", "any-crm", "european-csv"])
def test_howto_data_sections_validate(run_cli, tmp_path, page):
    """Each `data:` block of a CRM how-to, added to the workspace `salesplan init` writes, validates clean
    (the export files are not there: validate checks their headers only when they exist)."""
    text = (ROOT / "docs" / "howto" / f"{page}.md").read_text(encoding="utf-8")
    blocks = [block for block in _blocks(text, "yaml") if block.startswith("data:")]
    assert blocks, f"docs/howto/{page}.md has no data: block"
    for index, block in enumerate(blocks):
        root = tmp_path / f"ws{index}"
        assert run_cli("init", root).code == 0
        salesplan = root / "salesplan.yaml"
        salesplan.write_text(salesplan.read_text(encoding="utf-8") + block, encoding="utf-8")
        result = run_cli("validate", "-w", root, "--as-of", "2027-03-15")
        assert result.code == 0, f"docs/howto/{page}.md, data: block {index + 1}:\n{result.out}{result.err}"
