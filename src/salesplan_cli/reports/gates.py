"""CI gates: figures per rep below a threshold are breaches (exit 1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

GATE_METRICS = ("attainment", "coverage", "activity", "pipeline", "new_customers", "deals_won", "units")


class GateError(ValueError):
    """A --fail-under value that cannot be read."""


@dataclass(frozen=True)
class Breach:
    metric: str
    entity: str
    value: float | None
    threshold: float

    def to_dict(self) -> dict:
        return {"metric": self.metric, "entity": self.entity, "value": self.value, "threshold": self.threshold}

    def describe(self) -> str:
        if self.metric == "pipeline":
            shown, limit = f"{self.value:.2f}x", f"{self.threshold:.2f}x"
        else:
            shown, limit = f"{self.value:.1%}", f"{self.threshold:.1%}"
        return f"{self.metric} of {self.entity} is {shown}, under {limit}"


def parse_fail_under(values: list[str]) -> dict[str, Fraction]:
    """'attainment=80%', 'pipeline=2' -> {metric: threshold}."""
    out: dict[str, Fraction] = {}
    for item in values:
        match = re.fullmatch(r"\s*([a-z_]+)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*", item)
        if not match:
            raise GateError(f"{item!r}: write METRIC=VALUE, e.g. attainment=80% or pipeline=2")
        metric, number, percent = match.groups()
        if metric not in GATE_METRICS:
            raise GateError(f"{metric!r} is not a gate; choose among {', '.join(GATE_METRICS)}")
        value = Fraction(number)
        if metric == "pipeline":
            if percent:
                raise GateError("pipeline is a multiple of the remaining target: write pipeline=2, not a percentage")
        else:
            if not percent:
                raise GateError(f"{metric} is a percentage: write {metric}={number}%")
            value /= 100
        out[metric] = value
    return out


def breaches(figures: dict[str, dict[str, float | None]], gates: dict[str, Fraction]) -> list[Breach]:
    """Figures per metric and entity (rep) below their gate; missing figures (no target) are no breach.
    new_customers, deals_won and units are volume attainments: actual / volume target to date."""
    out = []
    for metric, threshold in gates.items():
        for entity, value in figures.get(metric, {}).items():
            # ratios travel as the float nearest the exact value: the same float as the threshold when equal
            if value is not None and value < float(threshold):
                out.append(Breach(metric, entity, value, float(threshold)))
    return out


def check_gates(thresholds, volume: list[str]) -> dict[str, Fraction]:
    """The gates of --check: the workspace's thresholds (attainment, coverage, activity, pipeline), and for each
    volume objective the plan sets (`volume`, e.g. ['new_customers']) the attainment threshold."""
    gates = {
        "attainment": thresholds.attainment.fraction,
        "coverage": thresholds.coverage.fraction,
        "activity": thresholds.activity.fraction,
        "pipeline": thresholds.pipeline,
    }
    gates.update({kind: thresholds.attainment.fraction for kind in volume})
    return {metric: Fraction(value) for metric, value in gates.items()}


def requested_gates(thresholds, volume: list[str], check: bool, fail_under: list[str]) -> dict[str, Fraction]:
    """Every gate a report command applies: --check's (when asked), then each --fail-under, which overrides the
    threshold of its metric (the metric keeps its place). Raises GateError on an unreadable --fail-under."""
    gates = check_gates(thresholds, volume) if check else {}
    gates.update(parse_fail_under(fail_under))
    return {metric: Fraction(value) for metric, value in gates.items()}


def rep_figures(records: list[dict], column: str, rep: str = "rep") -> dict[str, float | None]:
    """One gate figure per rep out of a report's rows; the rows of no planned rep ('<unplanned>', '<team>') are none."""
    return {r[rep]: r[column] for r in records if not str(r[rep]).startswith("<")}


DASHBOARD_COLUMNS = {"attainment": "attainment", "activity": "activity", "coverage": "coverage", "pipeline": "pipeline_coverage"}


def figures_available(frames) -> dict[str, bool]:
    """Which dashboard figures the exports read can give: a figure whose export is missing is no gate figure
    (the gate then says it is not checked), not a zero."""
    return {
        "attainment": frames.sales is not None,
        "activity": frames.activities is not None,
        "coverage": frames.accounts is not None and frames.activities is not None,
        "pipeline": frames.opportunities is not None,
    }


def dashboard_figures(records: list[dict], frames, volume: list[str]) -> dict[str, dict[str, float | None]]:
    """The dashboard's gate figures: a column per metric whose exports are there (`figures_available`), and each
    rep's volume attainment of the volume objectives the plan sets (`volume`; needs the sales export)."""
    available = figures_available(frames)
    figures = {metric: {r["rep"]: r[column] for r in records} for metric, column in DASHBOARD_COLUMNS.items() if available[metric]}
    if frames.sales is not None:
        figures.update({kind: {r["rep"]: r.get(kind) for r in records} for kind in volume})
    return figures


def unchecked_notes(gates: dict[str, Fraction], figures: dict[str, dict], report: str, volume: list[str]) -> list[str]:
    """Why a gate asked for has no figure in this report (so it is not checked), one note per such gate."""
    from ..plan.model import VOLUME_KINDS

    notes = []
    for metric in gates:
        if metric in figures:
            continue
        if metric in VOLUME_KINDS and metric not in volume:
            notes.append(f"note: the plan sets no {metric} objective (volume: in strategy.yaml); that gate is not checked")
        elif report == "dashboard":
            notes.append(f"note: the workspace has no export for the {metric} figure; that gate is not checked")
        else:
            notes.append(f"note: this report has no {metric} figure; that gate is not checked here (the dashboard has them all)")
    return notes
