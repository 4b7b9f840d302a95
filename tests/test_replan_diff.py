"""salesplan diff: each kind of change in plan terms, formats, exit codes, git revisions, and a round trip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, PlanCopy, copy_workspace


@pytest.fixture
def pair(tmp_path: Path) -> tuple[PlanCopy, PlanCopy]:
    return copy_workspace(EXAMPLE, tmp_path / "old"), copy_workspace(EXAMPLE, tmp_path / "new")


def diff_json(run_cli, old: PlanCopy, new: PlanCopy, *extra) -> dict:
    result = run_cli("diff", old.root, new.root, "-w", new.root, "--format", "json", "--as-of", "2027-10-15", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def changes(data: dict) -> dict:
    return {(c["section"], c["subject"], c["what"]): c for c in data["changes"]}


def test_nothing_changed(pair, run_cli):
    old, new = pair
    result = run_cli("diff", old.root, new.root, "-w", new.root)
    assert result.code == 0 and "No change in the plan" in result.out
    assert run_cli("diff", old.root, new.root, "-w", new.root, "--exit-code").code == 0


def test_exit_code_when_something_changed(pair, run_cli):
    old, new = pair
    new.replace("reps/rep-n1.yaml", "targets: {A: 350_000,", "targets: {A: 360_000,")
    assert run_cli("diff", old.root, new.root, "-w", new.root).code == 0
    assert run_cli("diff", old.root, new.root, "-w", new.root, "--exit-code").code == 1


def test_strategy_changes(pair, run_cli):
    old, new = pair
    new.replace("strategy.yaml", "revenue_target: 12_000_000", "revenue_target: 11_400_000")
    new.replace("strategy.yaml", "  Q3: 20%\n  Q4: 50%", "  Q3: 25%\n  Q4: 45%")
    new.replace("strategy.yaml", "actions_per_year: 1100", "actions_per_year: 1000")
    new.replace("strategy.yaml", "  A: 35%\n  B: 25%\n", "  A: 30%\n  B: 30%\n")
    new.replace("strategy.yaml", "  platform: 60%\n", "  platform: 55%\n")
    new.replace("strategy.yaml", "prospect: {call: 8, meeting: 3}", "prospect: {call: 10, meeting: 3}")
    data = changes(diff_json(run_cli, old, new))
    assert (data[("strategy", "strategy", "segment A")]["old"], data[("strategy", "strategy", "segment A")]["new"]) == ("35%", "30%")
    assert data[("strategy", "strategy", "product platform")]["new"] == "55%"
    assert (data[("strategy", "strategy", "norm A prospect call")]["old"], data[("strategy", "strategy", "norm A prospect call")]["new"]) == (8, 10)
    target = data[("strategy", "strategy", "revenue_target")]
    assert (target["old"], target["new"], target["difference"], target["percent"]) == (12_000_000, 11_400_000, -600_000, -0.05)
    assert data[("strategy", "strategy", "seasonality Q4")]["old"] == "50%"
    assert data[("strategy", "strategy", "seasonality Q4")]["new"] == "45%"
    assert data[("strategy", "strategy", "capacity actions_per_year")]["new"] == 1000


def test_rep_objectives_by_segment_product_and_quarter(pair, run_cli):
    # rep-n1: A 350,000 -> 400,000 (+50,000, +14.29%); the strategy's product mix 60/40 -> platform +30,000;
    # seasonality Q4 50% -> +25,000
    old, new = pair
    new.replace("reps/rep-n1.yaml", "targets: {A: 350_000,", "targets: {A: 400_000,")
    data = diff_json(run_cli, old, new)
    rows = changes(data)
    seg = rows[("objective", "rep-n1", "segment A")]
    assert (seg["old"], seg["new"], seg["difference"], round(seg["percent"], 4)) == (350_000, 400_000, 50_000, 0.1429)
    assert rows[("objective", "rep-n1", "product platform")]["difference"] == 30_000
    assert rows[("objective", "rep-n1", "Q4")]["difference"] == 25_000
    assert rows[("objective", "rep-n1", "total")]["new"] == 1_050_000
    sums = {s["what"]: s for s in data["sums"]}
    assert sums["segment A"]["old"]["gap"] == 0 and sums["segment A"]["new"]["gap"] == 50_000
    appeared = {f["code"] for f in data["findings"]["appeared"]}
    assert "SP404" in appeared  # over-assigned by 50,000 (within the 5% allowance: a warning)


def test_reps_added_removed_moved_and_dates(pair, run_cli):
    old, new = pair
    (new.root / "reps" / "rep-s2.yaml").unlink()
    new.write("reps/rep-s4.yaml", new.text("reps/rep-n3.yaml").replace("id: rep-n3", "id: rep-s4").replace("rep-n3@", "rep-s4@"))
    new.replace("reps/rep-n2.yaml", "manager: mgr-north", "manager: mgr-south")
    new.replace("reps/rep-s3.yaml", "start: 2027-04-01", "start: 2027-05-01")
    rows = changes(diff_json(run_cli, old, new))
    assert rows[("rep", "rep-s2", "removed")]["old"] == "Julie Laurent (mgr-south)"
    assert rows[("rep", "rep-s4", "added")]["new"].endswith("(mgr-north)")
    assert (rows[("rep", "rep-n2", "manager")]["old"], rows[("rep", "rep-n2", "manager")]["new"]) == ("mgr-north", "mgr-south")
    assert rows[("rep", "rep-s3", "start")]["new"] == "2027-05-01"


def test_named_accounts_criteria_and_sign_offs(pair, run_cli):
    old, new = pair
    new.replace("reps/rep-n1.yaml", "named: [ACME-001, ACME-017]", "named: [ACME-001]")
    new.replace("reps/rep-e1.yaml", "named: [ACME-001, HELIO-204]", "named: [ACME-001, HELIO-204, ACME-017]")
    new.replace("reps/rep-n1.yaml", "criteria: {area: north-west}", "criteria: {area: [north-west, north]}")
    new.replace("reps/rep-n1.yaml", "agreed: {rep: 2026-12-08, manager: 2026-12-10}", "agreed: {rep: 2027-07-01, manager: 2027-07-02}")
    rows = changes(diff_json(run_cli, old, new))
    moved = rows[("portfolio", "ACME-017", "named account")]
    assert (moved["old"], moved["new"]) == (["rep-e2", "rep-n1"], ["rep-e1", "rep-e2"])
    assert rows[("portfolio", "rep-n1", "criteria")]["new"] == "area: ['north-west', 'north']"
    assert rows[("sign-off", "rep-n1", "agreed manager")]["new"] == "2027-07-02"


def test_markdown_for_a_pull_request(pair, run_cli):
    old, new = pair
    new.replace("reps/rep-n1.yaml", "targets: {A: 350_000,", "targets: {A: 340_000,")
    result = run_cli("diff", old.root, new.root, "-w", new.root, "--format", "markdown", "--as-of", "2027-10-15")
    assert result.code == 0
    assert "#### Objectives this fiscal year" in result.out
    assert "| rep-n1 | segment A | 350,000 | 340,000 | -10,000 | -2.9% |" in result.out
    assert "| segment A | 4,200,000 | 4,200,000 | 0 | 4,190,000 | 4,200,000 | -10,000 |" in result.out
    assert "#### Findings that appear" in result.out and "SP403" in result.out


def test_a_side_with_plan_errors_still_diffs(pair, run_cli):
    old, new = pair
    new.replace("reps/rep-n1.yaml", "manager: mgr-north", "manager: [oops")
    new.replace("strategy.yaml", "revenue_target: 12_000_000", "revenue_target: 12_500_000")
    result = run_cli("diff", old.root, new.root, "-w", new.root, "--as-of", "2027-10-15")
    assert result.code == 0, result.err
    assert "has 1 error(s) in its plan files" in result.out and "revenue_target" in result.out


def test_a_side_that_does_not_load_is_exit_2(pair, run_cli):
    old, new = pair
    new.write("strategy.yaml", "revenue_target: [\n")
    result = run_cli("diff", old.root, new.root, "-w", old.root)
    assert result.code == 2 and "does not load" in result.err and "strategy.yaml" in result.err


def test_not_a_workspace_or_revision(pair, run_cli, tmp_path):
    old, _ = pair
    (tmp_path / "empty").mkdir()
    result = run_cli("diff", tmp_path / "empty", old.root, "-w", old.root)
    assert result.code == 2 and "is not a workspace" in result.err
    result = run_cli("diff", "no-such-thing", "-w", old.root)
    assert result.code == 2 and "neither a folder nor a git revision" in result.err


# --- git revisions ----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


@pytest.fixture
def repo(tmp_path: Path) -> PlanCopy:
    """A git repository holding the example workspace in plans/nordwind, one commit tagged v1."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    ws = copy_workspace(EXAMPLE, root / "plans" / "nordwind")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "plan 2027")
    git(root, "tag", "v1")
    return ws


def test_revision_against_the_working_folder(repo, run_cli):
    repo.replace("reps/rep-n1.yaml", "targets: {A: 350_000,", "targets: {A: 360_000,")
    result = run_cli("diff", "HEAD", "-w", repo.root, "--format", "json", "--as-of", "2027-10-15")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["old"] == "HEAD" and data["new"] == "the workspace"
    assert changes(data)[("objective", "rep-n1", "segment A")]["difference"] == 10_000


def test_two_revisions_without_a_checkout(repo, run_cli):
    root = repo.root.parents[1]
    repo.replace("strategy.yaml", "revenue_target: 12_000_000", "revenue_target: 12_600_000")
    git(root, "commit", "-q", "-am", "revised")
    git(root, "tag", "v2")
    repo.replace("strategy.yaml", "revenue_target: 12_600_000", "revenue_target: 13_000_000")  # not committed
    data = json.loads(run_cli("diff", "v1", "v2", "-w", repo.root, "--format", "json").out)
    assert changes(data)[("strategy", "strategy", "revenue_target")]["new"] == 12_600_000
    assert "13_000_000" in repo.text("strategy.yaml")  # the working folder was not touched
    assert run_cli("diff", "HEAD~1", "HEAD", "-w", repo.root, "--exit-code").code == 1


def test_unknown_revision_and_revision_without_the_workspace(repo, run_cli):
    result = run_cli("diff", "v9", "-w", repo.root)
    assert result.code == 2 and "neither a folder nor a known git revision" in result.err
    root = repo.root.parents[1]
    git(root, "mv", "plans/nordwind", "plans/nord")
    git(root, "commit", "-q", "-m", "moved")
    moved = PlanCopy(root / "plans" / "nord")
    result = run_cli("diff", "v1", "-w", moved.root)
    assert result.code == 2 and "has no workspace at plans/nord" in result.err


def test_round_trip_allocate_diff_validate(repo, run_cli):
    """The leaver case: set an end date, allocate --from, diff against the commit, validate clean."""
    repo.replace("reps/rep-n2.yaml", "territory: north-east\n", "territory: north-east\nend: 2027-06-30\n")
    result = run_cli("allocate", "-w", repo.root, "--from", "2027-07-01", "--by", "accounts", "--team", "mgr-north")
    assert result.code == 0, result.err
    data = json.loads(run_cli("diff", "HEAD", "-w", repo.root, "--format", "json", "--as-of", "2027-10-15").out)
    rows = changes(data)
    assert rows[("rep", "rep-n2", "end")]["new"] == "2027-06-30"
    # rep-n2 leaves 700,000 of its year (Q3 + Q4 = 70%); n1 and n3 have the same accounts: 350,000 each
    assert rows[("objective", "rep-n1", "total")]["difference"] == 350_000
    assert rows[("objective", "rep-n2", "total")]["difference"] == -700_000
    assert {s["what"]: s["new"]["gap"] for s in data["sums"]}["revenue target"] == 0
    # the sums close; the leaver's volume objectives (SP408) are not re-allocated by allocate
    assert not [f for f in data["findings"]["appeared"] if f["code"] in ("SP403", "SP404", "SP405", "SP603", "SP605")]
    check = run_cli("validate", "-w", repo.root, "--as-of", "2027-10-15")
    assert "SP403" not in check.out and "SP603" not in check.out and "SP605" not in check.out


def test_diff_and_allocate_do_not_import_pandas(pair):
    old, new = pair
    code = (
        "import sys; from salesplan_cli.cli.app import main; "
        f"main(['diff', {str(old.root)!r}, {str(new.root)!r}, '-w', {str(new.root)!r}]); "
        f"main(['allocate', '-w', {str(new.root)!r}, '--dry-run']); "
        "heavy = [m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_demo_allocate_dry_run_and_diff_against_a_modified_copy(plan, tmp_path, run_cli):
    """What `make demo` runs (allocate --dry-run on the example), and a diff of the example against a changed copy."""
    before = {p.name: p.read_bytes() for p in (plan.root / "reps").iterdir()}
    result = run_cli("allocate", "--workspace", plan.root, "--by", "accounts", "--dry-run")
    assert result.code == 0, result.err
    assert "dry run: 11 file(s) would be rewritten; nothing written" in result.out
    assert "The reps' sum against the strategy" in result.out
    assert {p.name: p.read_bytes() for p in (plan.root / "reps").iterdir()} == before
    changed = copy_workspace(EXAMPLE, tmp_path / "changed")
    changed.replace("reps/rep-n2.yaml", "territory: north-east\n", "territory: north-east\nend: 2027-06-30\n")
    result = run_cli("diff", EXAMPLE, changed.root, "-w", plan.root, "--as-of", "2027-10-15")
    assert result.code == 0, result.err
    assert "rep-n2" in result.out and "2027-06-30" in result.out
    assert "Findings that appear" in result.out and "SP403" in result.out


def test_two_folders_need_no_current_workspace(pair, run_cli, tmp_path, monkeypatch):
    old, new = pair
    monkeypatch.chdir(tmp_path)  # not a workspace
    result = run_cli("diff", old.root, new.root)
    assert result.code == 0 and "No change" in result.out
    result = run_cli("diff", "HEAD")
    assert result.code == 2 and "salesplan.yaml" in result.err
