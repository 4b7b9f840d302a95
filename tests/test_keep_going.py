"""`report --keep-going`: plan/keepgoing.py (which reps are left out, and when nothing can be kept) and the CLI."""

from __future__ import annotations

import json

from salesplan_cli.plan.keepgoing import LEFT_OUT_NAMES, keep_going
from salesplan_cli.plan.validate import validate_workspace

AS_OF = "2027-10-15"


def _broken_reps(plan):
    """The example with two broken rep files: an unknown manager (loads), a YAML syntax error (does not)."""
    plan.replace("reps/rep-n1.yaml", "manager: mgr-north", "manager: mgr-nobody")
    plan.write("reps/rep-x.yaml", "id: rep-x\nname: [unclosed\n")
    return plan


def test_reps_with_errors_are_left_out_the_others_kept(plan):
    _broken_reps(plan)
    result = validate_workspace(plan.root)
    kept = keep_going(result.workspace, result.diagnostics)
    assert kept.blocking == []
    assert [(item.rep, item.file) for item in kept.left_out] == [("rep-n1", "reps/rep-n1.yaml"), ("rep-x", "reps/rep-x.yaml")]
    assert [d.code for d in kept.left_out[0].findings] == ["SP305"]
    assert kept.left_out[1].findings[0].code == "SP101"
    assert "SP305 unknown manager 'mgr-nobody'" in kept.left_out[0].reason()
    assert sorted(r.id for r in kept.workspace.reps.values()) == sorted(
        r.id for r in result.workspace.reps.values() if r.id != "rep-n1"
    )
    assert len(kept.workspace.reps) == 10
    assert "rep-n1" not in kept.workspace.rep_files and "rep-x" not in kept.workspace.rep_files
    assert "rep-n1" in result.workspace.reps  # the loaded workspace is left as it was
    assert {"rep-n1", "Lena Vogel", "rep-x"} <= set(kept.workspace.derived[LEFT_OUT_NAMES])


def test_an_error_outside_rep_files_keeps_nothing(plan):
    _broken_reps(plan)
    plan.replace("strategy.yaml", "revenue_target:", "revenue_targett:")
    result = validate_workspace(plan.root)
    kept = keep_going(result.workspace, result.diagnostics)
    assert kept.workspace is None
    assert kept.blocking and all(d.file == "strategy.yaml" for d in kept.blocking)


def test_no_error_keeps_everything(plan):
    result = validate_workspace(plan.root)
    kept = keep_going(result.workspace, result.diagnostics)
    assert kept.left_out == [] and len(kept.workspace.reps) == 11


def test_every_rep_broken_keeps_nothing(tmp_path, run_cli):
    from conftest import EXAMPLE, copy_workspace

    plan = copy_workspace(EXAMPLE, tmp_path / "ws")
    for path in (plan.root / "reps").glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("manager: mgr-", "manager: nobody-"), encoding="utf-8")
    result = validate_workspace(plan.root)
    kept = keep_going(result.workspace, result.diagnostics)
    assert kept.workspace is None and len(kept.left_out) == 11
    out = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--keep-going")
    assert out.code == 2
    assert "every rep plan has errors" in out.err


def test_cli_keep_going_reports_the_valid_reps_and_exits_1(plan, run_cli):
    _broken_reps(plan)
    without = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert without.code == 2 and without.out == ""
    out = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--keep-going", "--format", "json")
    assert out.code == 1, out.err
    payload = json.loads(out.out)
    text = json.dumps(payload)
    assert '"rep-s1"' in text and '"rep-n2"' in text
    assert '"rep": "rep-n1"' not in text
    assert "left out (plan errors): rep-n1: reps/rep-n1.yaml:" in text
    assert "SP305" in out.err and "SP101" in out.err
    assert "2 reps left out for plan errors (--keep-going): rep-n1, rep-x" in out.err
    assert "'Lena Vogel'" not in out.err  # no owner suggestion for a rep left out


def test_cli_keep_going_on_a_report_and_before_the_report_name(plan, run_cli):
    _broken_reps(plan)
    after = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF, "--keep-going", "-f", "csv")
    before = run_cli("report", "--keep-going", "attainment", "-w", plan.root, "--as-of", AS_OF, "-f", "csv")
    assert after.code == before.code == 1
    assert after.out == before.out and "rep-s1" in after.out and "rep-n1," not in after.out


def test_cli_keep_going_stops_on_a_strategy_error(plan, run_cli):
    _broken_reps(plan)
    plan.replace("strategy.yaml", "revenue_target:", "revenue_targett:")
    out = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--keep-going")
    assert out.code == 2
    assert "--keep-going cannot help: errors outside the rep files" in out.err
    assert "Traceback" not in out.err


def test_cli_keep_going_on_a_clean_plan_is_the_plain_report(plan, run_cli):
    plain = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF, "-f", "csv")
    kept = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF, "-f", "csv", "--keep-going")
    assert plain.code == kept.code == 0
    assert plain.out == kept.out


def test_cli_rep_filter_on_a_left_out_rep(plan, run_cli):
    _broken_reps(plan)
    out = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--keep-going", "--rep", "rep-n1")
    assert out.code == 2
    assert "--rep rep-n1: this rep is left out, its plan has errors" in out.err


def test_cli_keep_going_with_a_gate_breach_says_both(plan, run_cli):
    _broken_reps(plan)
    out = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--keep-going", "--fail-under", "attainment=100%", "-f", "csv")
    assert out.code == 1
    assert "2 reps left out for plan errors (--keep-going): rep-n1, rep-x" in out.err
    assert "breach:" in out.err
