"""Adversarial cases of issue 17 (volume objectives, roles, expected outputs, a period in progress) found by a
hostile pass over the CLI; each is a regression test of what was fixed."""

from __future__ import annotations

import json

from conftest import EXAMPLE


def _decisions(run_cli, as_of: str) -> list[str]:
    result = run_cli("review", "-w", EXAMPLE, "--as-of", as_of, "--rep", "rep-n1", "--period", "month", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)["decisions"]


def test_review_coverage_decision_in_a_month_just_begun_says_what_was_due_by_now(run_cli):
    # rep-n1 targets 184 accounts; on September 1 one day of September's 30 has elapsed: expected 184 x 1/30 = 6.13,
    # due = 6.13 x 60% = 3.68; 3 touched is a pace of 3 / 6.13 = 49% (off track), and the sentence says so
    # against what was due by now, not only against the aim for the whole month (60% of 184 = 110.4)
    coverage = [d for d in _decisions(run_cli, "2027-09-01") if d.startswith("Coverage:")]
    assert coverage == [
        "Coverage: 181 of 184 targeted accounts not touched (1.6% touched, aim 60% by the period's end, 3.68 due by now): "
        "choose the ones to work first, or take them out of the portfolio."
    ]


def test_review_coverage_decision_of_a_month_over_has_no_due_by_now(run_cli):
    coverage = [d for d in _decisions(run_cli, "2027-05-31") if d.startswith("Coverage:")]
    assert len(coverage) == 1 and "due by now" not in coverage[0] and "(38.0% touched, aim 60%)" in coverage[0]


def test_a_rep_whose_segments_name_no_roles_is_said_not_left_out_unsaid(run_cli, tmp_path):
    import shutil

    ws = tmp_path / "nordwind"
    shutil.copytree(EXAMPLE, ws)
    segments = ws / "segments.yaml"
    segments.write_text(segments.read_text(encoding="utf-8").replace("  contacts: [owner, IT manager]\n", ""), encoding="utf-8")
    settings = ws / "salesplan.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("      Gérant: owner\n", "").replace("      Managing Director: owner\n", ""), encoding="utf-8")
    # rep-e4 carries only segment C, which now names no contact roles: no row in the roles tables, and a note says why
    result = run_cli("report", "coverage", "-w", ws, "--as-of", "2027-06-30", "--rep", "rep-e4", "--rep", "rep-n1", "--format", "json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert {row["rep"] for row in out["tables"]["roles"]} == {"rep-n1", "<total>"}
    assert "contact roles: rep-e4 has no targeted account in a segment naming contact roles (only A, B name contacts: in segments.yaml), so no row in the roles tables" in out["notes"]
