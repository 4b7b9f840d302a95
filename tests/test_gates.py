"""reports/gates.py: the CI gates' thresholds and figures, on numbers worked out by hand (no CLI, no data)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from salesplan_cli.config.settings import Thresholds
from salesplan_cli.config.values import Percent
from salesplan_cli.reports.gates import (
    Breach,
    GateError,
    breaches,
    check_gates,
    dashboard_figures,
    figures_available,
    parse_fail_under,
    rep_figures,
    requested_gates,
    unchecked_notes,
)

# attainment 90%, coverage 60%, activity 80%, pipeline 2x (the defaults), watch band 15%
DEFAULTS = Thresholds()


def test_check_gates_are_the_thresholds_and_volume_objectives_take_the_attainment_threshold():
    assert check_gates(DEFAULTS, []) == {"attainment": Fraction(9, 10), "coverage": Fraction(3, 5), "activity": Fraction(4, 5), "pipeline": Fraction(2)}
    gates = check_gates(DEFAULTS, ["new_customers", "units"])
    assert list(gates) == ["attainment", "coverage", "activity", "pipeline", "new_customers", "units"]
    assert gates["new_customers"] == gates["units"] == Fraction(9, 10)


def test_check_gates_are_exact():
    thresholds = Thresholds(attainment=Percent(Decimal("0.333")), pipeline=Decimal("1.5"))
    gates = check_gates(thresholds, [])
    assert gates["attainment"] == Fraction(333, 1000)
    assert gates["pipeline"] == Fraction(3, 2)


def test_fail_under_overrides_check_and_keeps_its_place():
    gates = requested_gates(DEFAULTS, [], check=True, fail_under=["coverage=75%", "deals_won=50%"])
    assert list(gates) == ["attainment", "coverage", "activity", "pipeline", "deals_won"]
    assert gates["coverage"] == Fraction(3, 4)
    assert gates["deals_won"] == Fraction(1, 2)


def test_without_check_only_fail_under():
    assert requested_gates(DEFAULTS, ["units"], check=False, fail_under=[]) == {}
    assert requested_gates(DEFAULTS, [], check=False, fail_under=["pipeline=2.5"]) == {"pipeline": Fraction(5, 2)}


@pytest.mark.parametrize(
    "value, message",
    [("attainment=80", "is a percentage"), ("pipeline=200%", "multiple"), ("speed=3", "is not a gate"), ("attainment", "METRIC=VALUE")],
)
def test_unreadable_fail_under(value, message):
    with pytest.raises(GateError, match=message):
        requested_gates(DEFAULTS, [], check=False, fail_under=[value])


def test_parse_fail_under_percent_is_a_fraction():
    assert parse_fail_under(["attainment=87.5%"]) == {"attainment": Fraction(7, 8)}


def test_rep_figures_leave_out_rows_of_no_planned_rep():
    records = [{"rep": "rep-a", "ratio": 0.5}, {"rep": "<unplanned>", "ratio": 2.0}, {"rep": "rep-b", "ratio": None}]
    assert rep_figures(records, "ratio") == {"rep-a": 0.5, "rep-b": None}


def test_breaches_below_the_threshold_only():
    # rep-a: 0.85 < 0.9 breach; rep-b: 0.9 is the threshold itself, no breach; rep-c: no figure (no target), no breach
    figures = {"attainment": {"rep-a": 0.85, "rep-b": 0.9, "rep-c": None}, "pipeline": {"rep-a": 1.5}}
    found = breaches(figures, {"attainment": Fraction(9, 10), "pipeline": Fraction(2)})
    assert found == [Breach("attainment", "rep-a", 0.85, 0.9), Breach("pipeline", "rep-a", 1.5, 2.0)]
    assert found[0].describe() == "attainment of rep-a is 85.0%, under 90.0%"
    assert found[1].describe() == "pipeline of rep-a is 1.50x, under 2.00x"


def _frames(**present):
    kinds = ("accounts", "opportunities", "activities", "sales")
    return SimpleNamespace(**{kind: (object() if present.get(kind) else None) for kind in kinds})


def test_figures_available_follow_the_exports_read():
    assert figures_available(_frames(sales=True, opportunities=True)) == {"attainment": True, "activity": False, "coverage": False, "pipeline": True}
    assert figures_available(_frames(accounts=True)) == {"attainment": False, "activity": False, "coverage": False, "pipeline": False}
    assert figures_available(_frames(accounts=True, activities=True))["coverage"] is True


def test_dashboard_figures_follow_the_exports_there():
    records = [{"rep": "rep-a", "attainment": 0.5, "activity": 0.7, "coverage": 0.4, "pipeline_coverage": 3.0, "units": 0.25}]
    assert dashboard_figures(records, _frames(sales=True, opportunities=True), ["units"]) == {
        "attainment": {"rep-a": 0.5},
        "pipeline": {"rep-a": 3.0},
        "units": {"rep-a": 0.25},
    }
    # no sales export: no attainment, and no volume attainment either
    assert dashboard_figures(records, _frames(opportunities=True, accounts=True, activities=True), ["units", "deals_won"]) == {
        "activity": {"rep-a": 0.7},
        "coverage": {"rep-a": 0.4},
        "pipeline": {"rep-a": 3.0},
    }


def test_unchecked_notes_say_why_a_gate_has_no_figure():
    gates = {"attainment": Fraction(9, 10), "pipeline": Fraction(2), "units": Fraction(9, 10)}
    figures = {"attainment": {"rep-a": 1.0}}
    assert unchecked_notes(gates, figures, "attainment", []) == [
        "note: this report has no pipeline figure; that gate is not checked here (the dashboard has them all)",
        "note: the plan sets no units objective (volume: in strategy.yaml); that gate is not checked",
    ]
    assert unchecked_notes(gates, figures, "dashboard", ["units"]) == [
        "note: the workspace has no export for the pipeline figure; that gate is not checked",
        "note: the workspace has no export for the units figure; that gate is not checked",
    ]
    assert unchecked_notes({"attainment": Fraction(1)}, figures, "attainment", []) == []
