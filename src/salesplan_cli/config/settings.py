"""The `thresholds:` and `conversion:` sections of salesplan.yaml: levels of the statuses and CI gates, and when a
seller's win rate is flagged. Read by the plan loader (plan/model.py: Settings) and by reports."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from .values import Count, Percent, PercentField
from .data import _Strict


class Thresholds(_Strict):
    """Levels that make a figure on track, to watch, or off track; and the CI gates."""

    attainment: PercentField = Field(Percent(Decimal("0.9")), description="On track at or above this share of the period target.")
    coverage: PercentField = Field(Percent(Decimal("0.6")), description="Share of targeted accounts touched in the period.")
    activity: PercentField = Field(Percent(Decimal("0.8")), description="Actions done as a share of actions planned.")
    pipeline: Count = Field(Decimal(2), description="Open pipeline expected in the rest of the period / target remaining (x times).")
    watch_band: PercentField = Field(Percent(Decimal("0.15")), description="Below a threshold by less than this (relative) is 'watch', beyond it 'off track'.")


class ConversionSettings(_Strict):
    """When a seller's win rate on a product range is flagged as different from the rest of the team."""

    min_closed: int = Field(20, ge=1, description="Closed opportunities a seller needs on a range before being tested.")
    min_difference: PercentField = Field(Percent(Decimal("0.05")), description="Smallest gap in win rate (points) worth an alert.")
    q: PercentField = Field(Percent(Decimal("0.05")), description="False discovery rate of the Benjamini-Hochberg procedure.")
