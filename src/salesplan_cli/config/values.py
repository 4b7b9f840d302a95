"""Exact value types of plan files: money amounts, percentages, counts; `money` and `round_half_away` for output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_PERCENT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%\s*$")


@dataclass(frozen=True)
class Percent:
    """A percentage as written ("35%"), held exactly as a fraction of one."""

    value: Decimal  # 0.35 for "35%"

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.value)

    def __str__(self) -> str:
        return f"{(self.value * 100).normalize():f}%"


def parse_percent(raw: Any) -> Percent:
    if isinstance(raw, Percent):
        return raw
    if isinstance(raw, bool):
        raise PydanticCustomError("sp_percent", "expected a percentage like 35%, got a yes/no value")
    if isinstance(raw, (int, Decimal, float)):
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        meant = number * 100 if 0 < number < 1 else number
        raise PydanticCustomError(
            "sp_percent",
            "{value} is not a percentage: percentages carry a percent sign",
            {"value": str(raw), "hint": f"write {meant.normalize():f}%"},
        )
    if not isinstance(raw, str):
        raise PydanticCustomError("sp_percent", "expected a percentage like 35%")
    match = _PERCENT.match(raw)
    if not match:
        raise PydanticCustomError("sp_percent", "{value} is not a percentage like 35% or 12.5%", {"value": repr(raw)})
    number = Decimal(match.group(1))
    if number < 0 or number > 100:
        raise PydanticCustomError("sp_percent", "{value} is outside 0% to 100%", {"value": raw.strip()})
    return Percent(number / 100)


def parse_amount(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise PydanticCustomError("sp_amount", "expected an amount, got a yes/no value")
    if isinstance(raw, float):  # only reached from Python callers; YAML numbers arrive as Decimal
        raw = Decimal(repr(raw))
    if isinstance(raw, int):
        raw = Decimal(raw)
    if isinstance(raw, str):
        stripped = raw.strip()
        if _PERCENT.match(stripped):
            raise PydanticCustomError("sp_amount", "expected an amount here, not a percentage ({value})", {"value": stripped})
        try:
            raw = Decimal(stripped.replace("_", ""))
        except InvalidOperation:
            raise PydanticCustomError(
                "sp_amount",
                "{value} is not a number: write amounts as plain numbers (1470000 or 1_470_000)",
                {"value": repr(raw)},
            ) from None
    if not isinstance(raw, Decimal):
        raise PydanticCustomError("sp_amount", "expected an amount (a number)")
    if not raw.is_finite():
        raise PydanticCustomError("sp_amount", "amount must be a finite number, not {value}", {"value": str(raw)})
    if raw < 0:
        raise PydanticCustomError("sp_amount", "amount must not be negative ({value})", {"value": str(raw)})
    return raw


def parse_amount_or_share(raw: Any) -> Decimal | Percent:
    if isinstance(raw, str) and "%" in raw:
        return parse_percent(raw)
    return parse_amount(raw)


def _amount_as(raw: Any, noun: str, example: str, hint: str) -> Decimal:
    """parse_amount, its messages speaking of `noun` (a volume, a count) instead of an amount."""
    try:
        return parse_amount(raw)
    except PydanticCustomError as exc:
        message = exc.message().replace("an amount", f"a {noun}").replace("amounts", f"{noun}s").replace("amount", noun)
        raise PydanticCustomError("sp_amount", message.replace("1470000 or 1_470_000", example), {"hint": hint}) from None


def parse_volume(raw: Any) -> Decimal:
    """A volume objective: a non-negative number of customers, deals or units (whole: checked by SP407 with its line)."""
    return _amount_as(raw, "volume", "40 or 1_200", "write a whole number of new customers, deals won or units, e.g. 40")


def parse_volume_or_share(raw: Any) -> Decimal | Percent:
    if isinstance(raw, str) and "%" in raw:
        return parse_percent(raw)
    return parse_volume(raw)


def parse_count(raw: Any) -> Decimal:
    """A non-negative number of actions or accounts (fractions allowed: 0.5 = every other year)."""
    return _amount_as(raw, "count", "8 or 0.5", "write a non-negative number of actions or accounts, e.g. 8 (0.5 = every other year)")


_RATE = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_CODE = re.compile(r"^[A-Z]{3}$")


def parse_rate(raw: Any) -> Decimal:
    """An exchange rate of the plan: workspace currency units per one unit of a foreign currency, exact.

    A YAML number (read as an exact decimal) or a quoted decimal ("0.92"); positive and finite."""
    hint = "write the workspace currency units one unit of this currency is worth, e.g. USD: 0.92 (a number, or quoted: \"0.92\")"
    if isinstance(raw, bool):
        raise PydanticCustomError("sp_value", "expected a rate (a number), got a yes/no value", {"hint": hint})
    if isinstance(raw, float):  # only reached from Python callers; YAML numbers arrive as Decimal
        raw = Decimal(repr(raw))
    if isinstance(raw, int):
        raw = Decimal(raw)
    if isinstance(raw, str):
        if not _RATE.match(raw):
            raise PydanticCustomError("sp_value", "{value} is not a rate: write a plain decimal number like 0.92", {"value": repr(raw), "hint": hint})
        raw = Decimal(raw.strip())
    if not isinstance(raw, Decimal):
        raise PydanticCustomError("sp_value", "expected a rate (a number)", {"hint": hint})
    if not raw.is_finite() or raw <= 0:
        raise PydanticCustomError("sp_value", "a rate must be a positive number, not {value}", {"value": str(raw), "hint": hint})
    return raw


def parse_currency_code(raw: Any) -> str:
    """An ISO 4217 currency code: three upper-case letters."""
    if not isinstance(raw, str) or not _CODE.match(raw):
        shown = raw.strip().upper() if isinstance(raw, str) else ""
        hint = f"write {shown}" if _CODE.match(shown) else "write the ISO 4217 code, three upper-case letters such as USD or GBP"
        raise PydanticCustomError("sp_value", "{value} is not an ISO 4217 currency code", {"value": repr(raw), "hint": hint})
    return raw


def _serialize_percent(value: Percent) -> str:
    return str(value)


def _serialize_amount(value: Decimal | Percent) -> Any:
    if isinstance(value, Percent):
        return str(value)
    return int(value) if value == value.to_integral_value() else float(value)


_PERCENT_SCHEMA = {"type": "string", "pattern": r"^\s*\+?(\d+(\.\d*)?|\.\d+)\s*%\s*$", "description": "a percentage, e.g. 35%"}
# YAML 1.2 editors read 1_470_000 as text: accept that spelling too.
_UNDERSCORED = {"type": "string", "pattern": r"^[0-9][0-9_]*(\.[0-9_]*)?$"}
_AMOUNT_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0}, _UNDERSCORED], "description": "an amount in the workspace currency"}
_COUNT_SCHEMA = {"anyOf": [{"type": "number", "minimum": 0}, _UNDERSCORED]}

PercentField = Annotated[
    Percent,
    BeforeValidator(parse_percent),
    PlainSerializer(_serialize_percent),
    WithJsonSchema(_PERCENT_SCHEMA),
]
Amount = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    PlainSerializer(_serialize_amount),
    WithJsonSchema(_AMOUNT_SCHEMA),
]
AmountOrShare = Annotated[
    Any,
    BeforeValidator(parse_amount_or_share),
    PlainSerializer(_serialize_amount),
    WithJsonSchema({"anyOf": [*_AMOUNT_SCHEMA["anyOf"], _PERCENT_SCHEMA], "description": "an amount, or a percentage like 35%"}),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(parse_rate),
    PlainSerializer(_serialize_amount),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*$"}], "description": "workspace currency units per one unit of this currency"}),
]
CurrencyCode = Annotated[
    str,
    BeforeValidator(parse_currency_code),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Z]{3}$", "description": "ISO 4217 code, e.g. USD"}),
]
Volume = Annotated[
    Decimal,
    BeforeValidator(parse_volume),
    PlainSerializer(_serialize_amount),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, _UNDERSCORED], "description": "a whole number of customers, deals or units"}),
]
VolumeOrShare = Annotated[
    Any,
    BeforeValidator(parse_volume_or_share),
    PlainSerializer(_serialize_amount),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, _UNDERSCORED, _PERCENT_SCHEMA], "description": "a whole number, or a percentage of the strategy's objective like 25%"}),
]
Count = Annotated[
    Decimal,
    BeforeValidator(parse_count),
    PlainSerializer(_serialize_amount),
    WithJsonSchema(_COUNT_SCHEMA),
]


def round_half_away(value: Fraction | Decimal | int) -> int:
    """An exact number to the nearest integer, halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    value = Fraction(value)
    magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def money(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Round an exact amount for display, half away from zero, with integer arithmetic only."""
    return Decimal(round_half_away(Fraction(value) * 10**places)).scaleb(-places)
