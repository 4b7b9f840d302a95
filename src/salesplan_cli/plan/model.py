"""The plan model: one pydantic model per file kind of a workspace.

Models check each file on its own (types, ranges, required keys); everything
that needs several files at once is a check in `plan/checks/`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from ..config.data import DataConfig
from ..config.settings import ConversionSettings, Thresholds
from ..config.values import Amount, AmountOrShare, Count, CurrencyCode, Percent, PercentField, Rate, Volume, VolumeOrShare

ACCOUNT_STATUSES = ("prospect", "customer")
Status = Literal["prospect", "customer"]
Organization = Literal["territory", "specialized", "hybrid"]
Cadence = Literal["annual", "half-yearly", "quarterly", "monthly"]
CADENCE_MONTHS = {"annual": 12, "half-yearly": 6, "quarterly": 3, "monthly": 1}

Identifier = Annotated[str, Field(min_length=1, max_length=100)]


class Strict(BaseModel):
    """Base of every plan model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- salesplan.yaml -------------------------------------------------------------


class FiscalYear(Strict):
    start: dt.date = Field(description="First day of the fiscal year; the 1st of any month.")

    @field_validator("start")
    @classmethod
    def _first_of_month(cls, value: dt.date) -> dt.date:
        if not 1900 <= value.year <= 9000:
            raise PydanticCustomError("sp_value", "{year} is not a plausible fiscal year", {"year": str(value.year), "hint": "write the first day of the fiscal year being planned, e.g. 2027-01-01"})
        if value.day != 1:
            raise PydanticCustomError(
                "sp_value",
                "a fiscal year starts on the 1st of a month, not on {day}",
                {"day": value.isoformat(), "hint": f"write start: {value.replace(day=1).isoformat()} (fiscal years may start in any month)"},
            )
        return value


class Tolerance(Strict):
    amount: Amount = Field(Decimal(0), description="Largest gap, in currency, accepted between compared sums.")
    over_assignment: PercentField = Field(
        Percent(Decimal(0)), description="Over-assignment up to this share of the target is a warning, beyond it an error."
    )
    mix: PercentField = Field(
        Percent(Decimal("0.05")), description="Territory organisation: largest gap, in points, between a rep's segment share and the strategy's."
    )


class Manager(Strict):
    name: str
    email: str | None = None
    organization: Organization | None = Field(
        None, description="The team's organisation model when it differs from the strategy's (hybrid organisations)."
    )


class Settings(Strict):
    """salesplan.yaml: the company and how its plans are checked."""

    company: str = Field(min_length=1)
    fiscal_year: FiscalYear
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")
    review_cadence: Cadence = "quarterly"
    tolerance: Tolerance = Tolerance()
    managers: dict[Identifier, Manager] = Field(default_factory=dict, description="Managers by id; each leads a team.")
    data: DataConfig | None = Field(None, description="CRM exports read by salesplan report, and how to read them.")
    thresholds: Thresholds = Field(Thresholds(), description="Levels for on track / watch / off track, and the CI gates of salesplan report.")
    conversion: ConversionSettings = Field(ConversionSettings(), description="When a seller's win rate on a product range is flagged.")
    rates: dict[CurrencyCode, Rate] = Field(
        default_factory=dict,
        description="Plan exchange rates: ISO code -> workspace currency units per one unit of it (e.g. USD: 0.92); export amounts in these currencies are converted.",
    )

    @field_validator("rates")
    @classmethod
    def _own_rate(cls, value: dict, info) -> dict:
        """The workspace currency needs no rate: listed (a rate table shared by workspaces), it must be 1."""
        own = info.data.get("currency")
        if own in value and value[own] != 1:
            raise PydanticCustomError(
                "sp_value",
                "rates: {code} is the workspace currency (currency: {code}), its rate is 1, not {rate}",
                {"code": own, "rate": str(value[own]), "hint": f"remove {own} from rates: (amounts in {own} are not converted), or give it 1"},
            )
        return value


# --- strategy.yaml --------------------------------------------------------------


class StageSpec(Strict):
    name: Identifier
    probability: PercentField | None = Field(None, description="Default win probability of an open deal at this stage.")
    outcome: Literal["open", "won", "lost"] = "open"


def _stage_entry(raw: Any) -> Any:
    """A bare stage name stands for {name: ...}; stages named 'won' and 'lost' close the deal unless told otherwise."""
    if isinstance(raw, str):
        raw = {"name": raw}
    if isinstance(raw, dict) and "outcome" not in raw and raw.get("name") in ("won", "lost"):
        raw = {**raw, "outcome": raw["name"]}
    return raw


#: Volume objectives: what each kind counts, and what it is set per (a segment, or a product range).
VOLUME_KINDS = ("new_customers", "deals_won", "units")
VOLUME_KEYS = {"new_customers": "segment", "deals_won": "segment", "units": "product"}


class StrategyVolume(Strict):
    """Volume objectives of the fiscal year, next to the revenue target: whole numbers."""

    new_customers: dict[Identifier, Volume] | None = Field(None, description="Accounts to win for the first time, per segment.")
    deals_won: dict[Identifier, Volume] | None = Field(None, description="Deals (orders, invoices) to win, per segment.")
    units: dict[Identifier, Volume] | None = Field(None, description="Units to sell, per product range.")

    def kinds(self) -> dict[str, dict]:
        """The objectives set: kind -> {segment or product range: number}."""
        return {kind: getattr(self, kind) for kind in VOLUME_KINDS if getattr(self, kind) is not None}


class RepVolume(Strict):
    """A rep's volume objectives: whole numbers, or shares of the strategy's objective for the same key."""

    new_customers: dict[Identifier, VolumeOrShare] | None = Field(None, description="New customers per segment: a number, or a share of the strategy's.")
    deals_won: dict[Identifier, VolumeOrShare] | None = Field(None, description="Deals won per segment: a number, or a share of the strategy's.")
    units: dict[Identifier, VolumeOrShare] | None = Field(None, description="Units per product range: a number, or a share of the strategy's.")

    def kinds(self) -> dict[str, dict]:
        return {kind: getattr(self, kind) for kind in VOLUME_KINDS if getattr(self, kind) is not None}


class Capacity(Strict):
    actions_per_year: Count = Field(description="Actions one rep can carry out in a full fiscal year.")


class Strategy(Strict):
    """strategy.yaml: the yearly commercial strategy."""

    revenue_target: Amount
    organization: Organization
    segments: dict[Identifier, PercentField] = Field(min_length=1, description="Share of turnover per customer segment.")
    products: dict[Identifier, PercentField] | None = Field(None, description="Optional share of turnover per product range.")
    seasonality: dict[str, PercentField] = Field(description="Weight of each fiscal quarter (Q1..Q4) or month (jan..dec).")
    stages: list[Annotated[StageSpec, BeforeValidator(_stage_entry)]] = Field(
        min_length=2, description="Sales stages in order: names, or {name, probability, outcome}."
    )
    actions: list[Identifier] = Field(min_length=1)
    norms: dict[Identifier, dict[Status, dict[Identifier, Count]]] = Field(
        default_factory=dict, description="Actions per account per year, by segment and account status."
    )
    capacity: Capacity | None = None
    volume: StrategyVolume | None = Field(
        None, description="Optional volume objectives: new_customers and deals_won per segment, units per product range."
    )

    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]


# --- segments.yaml --------------------------------------------------------------

_COMPARISON = re.compile(r"^\s*(>=|<=|>|<|!=|==)\s*-?\d+(\.\d+)?\s*$")

def _criterion(raw: Any) -> Any:
    """A criterion is a value, a comparison like '>=1000', or a list of accepted values."""
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise PydanticCustomError("sp_value", "an empty list of values matches no account")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise PydanticCustomError("sp_value", "a criterion is a value, a comparison like '>=1000' or a list of values")
        if isinstance(value, str) and value.strip()[:1] in ("<", ">", "!", "=") and not _COMPARISON.match(value):
            raise PydanticCustomError("sp_value", "{value} is not a comparison like '>=1000'", {"value": repr(value)})
    return raw


CriterionValue = Annotated[
    Any,
    BeforeValidator(_criterion),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "array", "items": {"type": ["string", "number"]}}]}),
]


class Segment(Strict):
    name: str
    priority: int = Field(100, ge=0, description="Lower comes first when accounts are ranked.")
    description: str | None = None
    criteria: dict[Identifier, CriterionValue] = Field(default_factory=dict, description="Account attributes that put an account in this segment.")
    named: list[Identifier] = Field(default_factory=list, description="Accounts in this segment by name, whatever their attributes.")
    contacts: list[str] = Field(default_factory=list, description="Contact roles targeted in this segment's accounts.")


class SegmentsFile(RootModel[dict[Identifier, Segment]]):
    """segments.yaml: the customer segments by id."""

    model_config = ConfigDict(frozen=True)


# --- reps/<id>.yaml --------------------------------------------------------------


class Portfolio(Strict):
    named: list[Identifier] = Field(default_factory=list, description="Named accounts the rep is responsible for.")
    shared: dict[Identifier, list[Identifier]] = Field(
        default_factory=dict, description="Named accounts worked together with other reps: account -> rep ids."
    )
    criteria: dict[Identifier, CriterionValue] = Field(default_factory=dict, description="Account attributes of the rep's patch.")
    accounts: dict[Identifier, dict[Status, Count]] = Field(
        default_factory=dict, description="Accounts the rep will work, by segment and status (drives planned actions)."
    )


class Method(Strict):
    pitch: str | None = None
    questions: list[str] = Field(default_factory=list)
    expected: list[str] = Field(default_factory=list, description="What this stage must produce before the deal moves on.")
    notes: str | None = None


def _one_or_many(raw: Any) -> Any:
    """A single value stands for a list of one."""
    return raw if isinstance(raw, list) else [raw]


class Agreement(Strict):
    rep: dt.date | None = Field(None, description="Date the rep signed off the plan.")
    manager: dt.date | None = Field(None, description="Date the manager signed off the plan.")


class RepPlan(Strict):
    """reps/<id>.yaml: one salesperson's individual plan."""

    id: Identifier
    name: str
    manager: Identifier
    email: str | None = None
    territory: str | None = None
    start: dt.date | None = Field(None, description="First day in post when after the fiscal year's start (prorated plan).")
    end: dt.date | None = Field(None, description="Last day in post when before the fiscal year's end (prorated plan).")
    targets: dict[Identifier, AmountOrShare] = Field(
        description="Full-year objective per segment: an amount, or a share of the segment's strategy target."
    )
    products: dict[Identifier, AmountOrShare] | None = Field(
        None, description="Split of the rep's objective by product range: amounts or shares of the rep's total."
    )
    periods: dict[str, AmountOrShare] | None = Field(
        None, description="Breakdown of the objective by quarter or month; defaults to the strategy's seasonality."
    )
    volume: RepVolume | None = Field(
        None, description="The rep's volume objectives (full year): new_customers, deals_won per segment, units per product range."
    )
    portfolio: Portfolio = Portfolio()
    activities: dict[Identifier, dict[Status, dict[Identifier, Count]]] = Field(
        default_factory=dict, description="Overrides of the strategy norms for this rep."
    )
    capacity: Capacity | None = None
    methods: dict[Identifier, Method] = Field(default_factory=dict, description="How to sell at each stage.")
    agreed: Agreement = Agreement()
    reviewed: Annotated[
        list[dt.date],
        BeforeValidator(_one_or_many),
        WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"type": "array", "items": {"type": "string", "format": "date"}}]}),
    ] = Field(
        default_factory=list, description="Dates of the plan reviews held with the manager (a date or a list of dates)."
    )



# --- the workspace ------------------------------------------------------------------


@dataclass
class Workspace:
    """A loaded workspace: the validated models (None where a file failed) and their sources."""

    root: Any  # pathlib.Path
    settings: Settings | None = None
    strategy: Strategy | None = None
    segments: dict[str, Segment] | None = None
    reps: dict[str, RepPlan] = field(default_factory=dict)  # by file stem
    rep_files: dict[str, str] = field(default_factory=dict)  # stem -> relative path
    sources: dict[str, Any] = field(default_factory=dict)  # relative path -> SourceDoc
    derived: dict[str, Any] = field(default_factory=dict)  # figures computed once from the models

    @property
    def complete(self) -> bool:
        return self.settings is not None and self.strategy is not None and self.segments is not None


#: The file kinds of a workspace and their models, in loading order.
FILE_MODELS = {"salesplan": Settings, "strategy": Strategy, "segments": SegmentsFile, "rep": RepPlan}
