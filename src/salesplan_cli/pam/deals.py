"""The opportunities to push in a month: open deals due to close by its end or overdue, and stale deals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from ..config.values import money


@dataclass
class DealToPush:
    id: str
    name: str | None
    account: str | None
    stage: str
    amount_cents: int | None  # None: the CRM holds no amount (value unknown)
    weighted_cents: Fraction
    close_date: dt.date | None
    age_days: int | None
    overdue: bool  # close date before the as-of day
    closing: bool  # close date from the as-of day to the month's end
    stale: bool  # no sign of life for more than stale_days
    undated: bool = False  # no close date in the CRM: to agree when it closes
    expected: list[str] = field(default_factory=list)  # what the deal's stage must produce (the rep's method)
    #: outputs expected at the stages the deal has passed that its export does not record (None: not measured)
    missing: list[str] | None = None

    @property
    def reasons(self) -> list[str]:
        return [label for flag, label in ((self.overdue, "overdue"), (self.closing, "closing this month"), (self.undated, "no close date"), (self.stale, "stale")) if flag]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "account": self.account,
            "stage": self.stage,
            "amount": float(money(Fraction(self.amount_cents, 100))) if self.amount_cents is not None else None,
            "weighted": float(money(self.weighted_cents / 100)),
            "close_date": self.close_date.isoformat() if self.close_date else None,
            "age_days": self.age_days,
            "why": self.reasons,
            "expected": list(self.expected),
            "missing": list(self.missing) if self.missing is not None else None,
        }


def deals_to_push(open_deals: list[dict], month_start: dt.date, month_end: dt.date, methods: dict[str, list[str]]) -> list[DealToPush]:
    """Open deals that are overdue, due to close in the month, without a close date, or stale; soonest close
    date first.

    `open_deals`: the rep's open deals as of the as-of day (pipeline.open_deals rows as dicts, with
    overdue (close date before the as-of day) and stale already judged). Closing this month: a close
    date in the month, not overdue; a deal due to close between the as-of day and the month's start
    (a month planned ahead) is not the month's unless it is stale. Order: close date (overdue first,
    unknown last), then the largest amount (unknown amounts last), then the id. `methods`: stage -> the outputs the rep's
    plan expects at that stage; a deal's `missing` (when given): the outputs of the stages it has passed that
    its export does not record (reports.quality).
    """
    out = []
    for deal in open_deals:
        close = deal.get("close_date")
        overdue = bool(deal.get("overdue"))
        closing = close is not None and not overdue and month_start <= close <= month_end
        stale = bool(deal.get("stale"))
        undated = close is None
        if not (overdue or closing or stale or undated):
            continue
        out.append(
            DealToPush(
                id=str(deal["id"]),
                name=deal.get("name"),
                account=deal.get("account"),
                stage=str(deal["stage"]),
                amount_cents=int(deal["amount"]) if deal.get("amount") is not None else None,
                weighted_cents=Fraction(deal.get("weighted") or 0),
                close_date=close,
                age_days=deal.get("age_days"),
                overdue=overdue,
                closing=closing,
                stale=stale,
                undated=undated,
                expected=list(methods.get(str(deal["stage"]), [])),
                missing=deal.get("missing"),
            )
        )
    out.sort(key=lambda d: (d.close_date is None, d.close_date or dt.date.max, d.amount_cents is None, -(d.amount_cents or 0), d.id))
    return out
