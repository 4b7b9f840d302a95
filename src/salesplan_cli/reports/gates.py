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
