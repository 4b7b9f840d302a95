"""The accounts to work in a month: targeted accounts whose norm says an action is due, or never touched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

#: The action named when an account with no norm has never been touched.
FIRST_CONTACT = "first contact"


@dataclass(frozen=True)
class Target:
    """A targeted account of the rep: id, display name, segment (None: no segment) and status."""

    account: str
    name: str | None
    segment: str | None
    status: str | None  # prospect | customer; None when unknown


@dataclass
class DueAccount:
    account: str
    name: str | None
    segment: str | None
    status: str | None
    priority: int | None
    last_action: dt.date | None  # the rep's latest action on the account, any type, up to the as-of day
    days_since: int | None  # from last_action to the as-of day
    due: list[str] = field(default_factory=list)  # action types due this month, in the strategy's order

    @property
    def never_touched(self) -> bool:
        return self.last_action is None

    def to_dict(self) -> dict:
        return {
            "account": self.account,
            "name": self.name,
            "segment": self.segment,
            "status": self.status,
            "priority": self.priority,
            "last_action": self.last_action.isoformat() if self.last_action else None,
            "days_since": self.days_since,
            "never_touched": self.never_touched,
            "due": list(self.due),
        }


def due_accounts(
    targets: list[Target],
    last_actions: dict[tuple[str, str], dt.date],
    norms: dict[str, dict[str, dict[str, Fraction]]],
    actions: list[str],
    month_end: dt.date,
    as_of: dt.date,
    year_days: int,
    priorities: dict[str, int],
) -> list[DueAccount]:
    """The targeted accounts due for an action by the end of the month, most urgent first.

    For each action type with a norm of n actions per account per year (segment and status of the
    account), the interval is year_days / n days. The action is due when the rep has never done it on
    the account, or when its last one is at least one interval before the month's last day. An account
    the rep has never touched is always due: its norm's actions, or 'first contact' when it has no norm.
    `last_actions`: (account, action) -> the rep's latest such action up to the as-of day.

    Order: the segment's priority (lower first, no segment last), never touched first, then the
    longest time since the rep's last action, then the account id.
    """
    latest_any: dict[str, dt.date] = {}
    for (account, _action), day in last_actions.items():
        if account not in latest_any or day > latest_any[account]:
            latest_any[account] = day
    out = []
    seen = set()
    for target in targets:
        if target.account in seen:
            continue
        seen.add(target.account)
        per_year = norms.get(target.segment or "", {}).get(target.status or "", {})
        last = latest_any.get(target.account)
        due = []
        for action in actions:
            n = per_year.get(action, Fraction(0))
            if not n:
                continue
            done = last_actions.get((target.account, action))
            if done is None or Fraction((month_end - done).days) >= Fraction(year_days) / n:
                due.append(action)
        if last is None and not due:
            due.append(FIRST_CONTACT)
        if not due:
            continue
        out.append(
            DueAccount(
                account=target.account,
                name=target.name,
                segment=target.segment,
                status=target.status,
                priority=priorities.get(target.segment) if target.segment else None,
                last_action=last,
                days_since=(as_of - last).days if last is not None else None,
                due=due,
            )
        )
    out.sort(
        key=lambda a: (
            a.priority is None,
            a.priority if a.priority is not None else 0,
            a.segment or "",
            a.last_action is not None,
            a.last_action or dt.date.min,
            a.account,
        )
    )
    return out


def roles_to_meet(contacts: list[str], met: set[str]) -> list[str]:
    """The contact roles the account's segment targets (segments.yaml contacts:, in its order) that the rep has not
    reached by a done action this fiscal year up to the as-of day."""
    return [role for role in dict.fromkeys(contacts) if role not in met]
