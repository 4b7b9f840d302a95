"""One vocabulary of format names (markdown, md accepted everywhere) and pam's one-screen summary."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from salesplan_cli.pam.summary import summary_lines

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "nordwind"
AS_OF = "2027-10-15"


def test_report_takes_md_for_markdown(run_cli):
    long = run_cli("report", "attainment", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "markdown")
    short = run_cli("report", "attainment", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "md")
    before = run_cli("report", "-f", "md", "attainment", "-w", EXAMPLE, "--as-of", AS_OF)
    assert long.code == short.code == before.code == 0
    assert short.out == long.out == before.out
    assert short.out.startswith("## salesplan report attainment")


def test_plan_takes_md_for_markdown(run_cli):
    long = run_cli("plan", "-w", EXAMPLE, "--format", "markdown")
    short = run_cli("plan", "-w", EXAMPLE, "-f", "md")
    assert long.code == short.code == 0 and short.out == long.out and short.out.startswith("### Plan")


def test_pam_takes_markdown_for_md(run_cli, tmp_path):
    md = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--rep", "rep-n1", "--format", "md", "--out", tmp_path / "a")
    markdown = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--rep", "rep-n1", "--format", "markdown", "--format", "md", "--out", tmp_path / "b")
    assert md.code == markdown.code == 0, markdown.err
    assert sorted(p.name for p in (tmp_path / "b" / "2027-10").iterdir() if not p.name.startswith(".")) == ["rep-n1.md"]
    assert (tmp_path / "a" / "2027-10" / "rep-n1.md").read_bytes() == (tmp_path / "b" / "2027-10" / "rep-n1.md").read_bytes()


def _doc(rep: str, name: str, team: str, plan: float, catch_up=None) -> dict:
    head = {"revenue_plan": plan, "revenue_catch_up": catch_up, "actions_objective": 42, "accounts_due": 7, "deals_to_push": 3}
    return {"rep": rep, "name": name, "team": team, "headline": head}


def test_summary_lines_one_per_rep():
    docs = [("rep-a", _doc("rep-a", "Ann", "mgr-1", 1234.5)), ("rep-bb", _doc("rep-bb", "Bob Long", "mgr-2", 99.4, catch_up=150.0))]
    files = {
        "rep-a": [SimpleNamespace(name="rep-a.md", action="new", skipped=False), SimpleNamespace(name="rep-a.json", action="unchanged", skipped=False)],
        "rep-bb": [SimpleNamespace(name="rep-bb.md", action="edited", skipped=True)],
    }
    lines = summary_lines(docs, files, "pam/2027-10", "EUR")
    assert lines == [
        "PAMs in pam/2027-10/ (one line per rep); revenue in EUR:",
        "  rep-a   Ann       team mgr-1: revenue 1,234, 42 actions, 7 accounts due, 3 deals to push; rep-a.md, rep-a.json written",
        "  rep-bb  Bob Long  team mgr-2: revenue 150, 42 actions, 7 accounts due, 3 deals to push; rep-bb.md skipped",
    ]
    assert summary_lines([], {}, "x", "EUR") == []


def test_pam_prints_the_summary(run_cli, tmp_path):
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--team", "mgr-north", "--out", tmp_path)
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("  rep-")]
    assert [line.split()[0] for line in lines] == ["rep-n1", "rep-n2", "rep-n3"]
    assert all(line.endswith(".md written") for line in lines)
    again = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--team", "mgr-north", "--out", tmp_path)
    assert all(line.endswith(".md unchanged") for line in again.err.splitlines() if line.startswith("  rep-"))
