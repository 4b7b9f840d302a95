"""The `data:` section of salesplan.yaml: which CRM exports to read and how.

The plan loader (plan/model.py: Settings.data) and intake both read it; it imports only pydantic and the
value types of config/values.py, so loading a workspace does not pay for pandas.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from .values import Amount, Percent, PercentField

Preset = Literal["salesforce", "hubspot", "pipedrive", "none"]
Encoding = Literal["utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-15"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def _one_or_many(value):
    return [value] if isinstance(value, str) else value


#: `where:` values: one accepted value, or a list of them.
WhereValues = Annotated[
    list[str],
    BeforeValidator(_one_or_many),
    Field(min_length=1),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}),
]


class Source(_Strict):
    """One export file and its dialect."""

    path: str = Field(
        min_length=1,
        description="Path of the export, relative to the workspace (.csv, .xlsx or .parquet); a glob such as exports/invoices-*.csv reads every matching file, in sorted order.",
    )
    preset: Preset = Field("none", description="Column names of a known CRM export: salesforce, hubspot, pipedrive.")
    columns: dict[str, str] = Field(
        default_factory=dict, description="Canonical field -> column header in the export; overrides the preset."
    )
    encoding: Encoding = Field("utf-8", description="Text encoding of a CSV file, decoded strictly.")
    delimiter: Literal["auto", ",", ";", "\t", "|"] = Field("auto", description="CSV field separator; auto picks ',' or ';' from the header line.")
    decimal: Literal[".", ","] = Field(".", description="Decimal separator of amounts.")
    thousands: Literal["auto", "none", ",", ".", " ", "'"] = Field(
        "auto", description="Thousands separator of amounts; auto: ',' with a '.' decimal, '.' or a space with a ',' decimal."
    )
    date_format: str = Field("%Y-%m-%d", description="strptime format of dates, e.g. %d/%m/%Y; 'excel' for serial day numbers.")
    sheet: str | None = Field(None, description="Worksheet of an XLSX file (default: the first).")
    probability: Literal["percent", "fraction"] = Field("percent", description="Probabilities written 0-100 (percent) or 0-1 (fraction).")
    def thousands_separator(self) -> str:
        """The thousands separator in force: explicit, or the usual one for the decimal separator."""
        if self.thousands == "none":
            return ""
        if self.thousands != "auto":
            return self.thousands
        return "," if self.decimal == "." else "."

    stage_dates: dict[str, str] = Field(
        default_factory=dict,
        description="Opportunities only: plan stage -> column holding the date the deal entered it (\"Date entered ...\" columns).",
    )
    values: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical field -> a constant for every row of this export, for a field it does not carry (e.g. type: meeting).",
    )
    expected: dict[str, str] = Field(
        default_factory=dict,
        description="Opportunities only: expected output of a stage (as named in the reps' methods.<stage>.expected) -> the column recording it; a non-blank value that is not a no-word (false, no, 0, ... and data.mapping.not_recorded) means the output is recorded.",
    )
    where: dict[str, WhereValues] = Field(
        default_factory=dict,
        description="Column header -> the value, or list of values, a row must hold to be read; other rows are skipped (counted, with the reason).",
    )

    @field_validator("values")
    @classmethod
    def _values(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        both = [name for name in value if name in (info.data.get("columns") or {})]
        if both:
            raise PydanticCustomError(
                "sp_value",
                "{fields} given both a column (columns:) and a constant (values:)",
                {"fields": ", ".join(both), "hint": "keep one: the column if the export carries the field, the constant if it does not"},
            )
        return value

    @field_validator("date_format")
    @classmethod
    def _format(cls, value: str) -> str:
        hint = "write a strptime format like %d/%m/%Y, %m/%d/%Y or %Y-%m-%d, or 'excel' for serial numbers"
        if value != "excel" and "%" not in value:
            raise PydanticCustomError("sp_value", "{value} is not a date format", {"value": repr(value), "hint": hint})
        if value != "excel":
            import datetime as dt

            try:  # a directive Python does not know ('%Q') only shows when a date is parsed with it
                dt.datetime.strptime(dt.datetime(2027, 12, 31, 13, 45, 30).strftime(value), value)
            except ValueError as exc:
                if "directive" in str(exc) or "stray %" in str(exc):
                    raise PydanticCustomError("sp_value", "{value} is not a date format: {reason}", {"value": repr(value), "reason": str(exc), "hint": hint}) from None
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if "\x00" in value or len(value) > 4096:
            raise PydanticCustomError(
                "sp_value",
                "{value} is not a usable path",
                {"value": repr(value[:60] + ("..." if len(value) > 60 else "")), "hint": "give the export's path relative to the workspace, e.g. data/opportunities.csv"},
            )
        return value


#: Tags of the two shapes of `data.<kind>` in pydantic's error locations; plan/load.py leaves them out of the
#: path it points at (they are no key of the YAML file).
ONE_EXPORT, SEVERAL_EXPORTS = "<one export>", "<list of exports>"


def _shape(value) -> str:
    return SEVERAL_EXPORTS if isinstance(value, list) else ONE_EXPORT


#: `data.<kind>`: one export declaration, or a list of them (one kind read from several files).
Exports = Annotated[
    Union[Annotated[Source, Tag(ONE_EXPORT)], Annotated[list[Source], Tag(SEVERAL_EXPORTS), Field(min_length=1)]],
    Discriminator(_shape),
]


class Mapping(_Strict):
    """CRM values -> plan names."""

    owners: dict[str, str] = Field(default_factory=dict, description="CRM owner name or e-mail -> rep id (rep ids, names and e-mails match by themselves).")
    stages: dict[str, str] = Field(default_factory=dict, description="CRM stage -> plan stage.")
    products: dict[str, str] = Field(default_factory=dict, description="CRM product -> product range.")
    actions: dict[str, str] = Field(default_factory=dict, description="CRM activity type -> action type.")
    statuses: dict[str, Literal["prospect", "customer"]] = Field(default_factory=dict, description="CRM account type -> prospect or customer.")
    not_recorded: list[str] = Field(
        default_factory=list,
        description="Words that mean an expected output is not recorded (data.<kind>.expected columns), on top of the built-in false, no, 0, n, non, nein, falso...; case-insensitive.",
    )
    activity_statuses: dict[str, Literal["done", "open"]] = Field(
        default_factory=dict, description="CRM task status -> done or open (adds to and overrides the preset's values)."
    )
    contact_roles: dict[str, str] = Field(
        default_factory=dict,
        description="Contact title (activities' contact_role field) -> a contact role segments.yaml names under contacts: (case-insensitive; a role's own name maps by itself).",
    )


class Estimate(_Strict):
    """How to estimate the value of open deals without an amount: shown apart (pipeline `estimated`), never in `value`."""

    list_prices: dict[str, Amount] = Field(
        default_factory=dict, description="Product range -> the value an open deal of that range without an amount is estimated at."
    )
    average_won_months: int | None = Field(
        None, ge=1, le=120, description="Else: the average amount of the range's won deals closed in this many months up to the as-of day."
    )


class DataConfig(_Strict):
    """Where the CRM exports are and how to read them."""

    opportunities: Exports | None = None
    activities: Exports | None = None
    accounts: Exports | None = None
    sales: Exports | None = Field(None, description="Orders or invoices; when absent, won opportunities stand in.")
    stage_history: Exports | None = Field(None, description="One row per opportunity x stage entered, for stage-to-stage conversion.")
    mapping: Mapping = Mapping()
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Account attribute used in segment criteria -> column header in the accounts export."
    )
    stale_days: int = Field(30, ge=1, description="An open deal with no activity or change for this many days is stale.")
    max_rejected: PercentField = Field(
        Percent(Decimal("0.1")), description="Reports fail (exit 2) when an export has more than this share of its rows rejected, or all of them."
    )
    max_record_lines: int = Field(
        20, ge=1, description="Reports fail (exit 2) when one CSV record runs over more lines than this (an unclosed quote)."
    )
    estimate: Estimate | None = Field(None, description="Estimate open deals without an amount (off by default): the pipeline's `estimated` column.")

    def sources(self, kind: str) -> list[Source]:
        """The export declarations of a kind: none, one, or the list declared."""
        declared = getattr(self, kind)
        if declared is None:
            return []
        return list(declared) if isinstance(declared, list) else [declared]
