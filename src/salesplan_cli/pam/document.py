"""One rep's monthly action plan, assembled from the plan and (when there is one) the CRM data.

The document is a plain value (dicts, lists, numbers, text): the Markdown, XLSX, JSON and YAML files
are renderings of it, so they always say the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..plan.calendar import FiscalMonth, fiscal_months
from ..plan.checks.capacity import rep_norms
from ..plan.model import RepPlan, Workspace
from ..plan.targets import workspace_targets
from ..config.values import money
from .accounts import Target, due_accounts, roles_to_meet
from .actions import action_objectives, days_in_post_in
from .deals import deals_to_push
from .objectives import catch_up, cumulative_round, month_objectives, month_volume

#: Version of the document's layout (JSON/YAML readers can check it).
LAYOUT = 1


class MonthError(ValueError):
    """A --month that names no month of the fiscal year."""


def resolve_month(spec: str | None, start: dt.date, as_of: dt.date) -> int:
    """The fiscal month index (0..11) of --month YYYY-MM; by default the month holding the as-of day."""
    months = fiscal_months(start)
    first, last = months[0], months[-1]
    if spec is None:
        for m in months:
            if m.first_day <= as_of <= m.last_day:
                return m.index
        raise MonthError(
            f"the as-of day {as_of} is outside the fiscal year {first.label}..{last.label}; give the month with --month YYYY-MM"
        )
    text = spec.strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise MonthError(f"{spec!r} is not a month; write YYYY-MM, e.g. {first.label}")
    year, month = int(match.group(1)), int(match.group(2))
    for m in months:
        if (m.year, m.month) == (year, month):
            return m.index
    raise MonthError(f"{text} is outside the fiscal year {first.label}..{last.label}")


def in_post(rep: RepPlan, month: FiscalMonth) -> bool:
    return days_in_post_in(rep, month.first_day, month.last_day) > 0


def _amount(value: Decimal | Fraction | None) -> float | None:
    if value is None:
        return None
    return float(value if isinstance(value, Decimal) else money(value))


@dataclass
class PamInputs:
    """What every PAM of a run shares."""

    ws: Workspace
    frames: object | None  # intake Frames, None for a plan-only PAM
    as_of: dt.date
    mode: str = "plan"
    top: int = 30


def build_pam(inputs: PamInputs, rep: RepPlan, month_index: int) -> dict:
    """The PAM of `rep` for fiscal month `month_index`, as a JSON-ready dict (see the README for its layout)."""
    ws, frames, as_of = inputs.ws, inputs.frames, inputs.as_of
    settings, strategy = ws.settings, ws.strategy
    months = fiscal_months(settings.fiscal_year.start)
    month = months[month_index]
    year_days = (months[-1].last_day - months[0].first_day).days + 1
    targets = {t.rep_id: t for t in workspace_targets(ws).values()}[rep.id]
    ctx = _context(inputs, rep) if frames is not None else None
    notes: list[str] = []
    before_end = min(month.first_day - dt.timedelta(days=1), as_of)
    if frames is not None and as_of < month.first_day - dt.timedelta(days=1) and month_index > 0:
        notes.append(
            f"made as of {as_of}, before the month begins: sales and actions from then to {month.first_day - dt.timedelta(days=1)} "
            "are not known yet and count as not done"
        )

    # --- revenue ------------------------------------------------------------------------------------------
    sales, outside = _rep_sales(frames, rep, months[0].first_day, before_end)
    if outside:
        notes.append(
            f"{money(Fraction(outside, 100)):,} {settings.currency} of the rep's sales before the month are on accounts of segments "
            "the rep has no target in: they count in no objective (as in the attainment report)"
        )
    catch = None
    if inputs.mode == "catch-up":
        actual_before = Fraction(sum(sales.values()), 100) if sales is not None else Fraction(0)
        catch = catch_up(targets, month_index, actual_before)
        if month_index > 0 and not actual_before and catch.target_before:
            notes.append("no sale of the rep is dated before the month: the catch-up spreads the whole objective of the months before")
    gaps = None
    if catch is not None and sales is not None:
        gaps = {
            seg: sum(targets.monthly(seg)[:month_index], Fraction(0)) - Fraction(sales.get(seg, 0), 100) for seg in targets.full_year
        }
    objectives = month_objectives(targets, month_index, catch, gaps)
    segment_rows = []
    names = {seg: spec.name for seg, spec in (ws.segments or {}).items()}
    for seg in targets.full_year:
        ytd_target = sum(targets.monthly(seg)[:month_index], Fraction(0))
        row = {
            "segment": seg,
            "name": names.get(seg),
            "annual": _amount(objectives.annual[seg]),
            "plan": _amount(objectives.segments[seg]),
        }
        if catch is not None:
            row["catch_up"] = _amount(objectives.catch_up_segments[seg])
        row["ytd_target"] = _amount(ytd_target)
        row["ytd_actual"] = _amount(Fraction(sales.get(seg, 0), 100)) if sales is not None else None
        segment_rows.append(row)
    product_rows = []
    for product, plan in objectives.products.items():
        row = {"product": product, "plan": _amount(plan)}
        if catch is not None:
            row["catch_up"] = _amount(objectives.catch_up_products[product])
        product_rows.append(row)
    revenue = {
        "plan": _amount(objectives.total),
        "annual": _amount(sum(objectives.annual.values(), Decimal("0.00"))),
        "segments": segment_rows,
        "products": product_rows,
    }
    if catch is not None:
        revenue["catch_up"] = _amount(objectives.catch_up_total)
        revenue["target_before"] = _amount(catch.target_before)
        revenue["actual_before"] = _amount(catch.actual_before)
        revenue["missing"] = _amount(catch.missing)
        revenue["remaining_target"] = _amount(sum(objectives.catch_up_schedule, Decimal("0.00")))  # the path's sum
        revenue["catch_up_path"] = [
            {"month": m.label, "plan": _amount(p), "catch_up": _amount(c)}
            for m, p, c in zip(months[month_index:], _plan_path(targets, month_index), objectives.catch_up_schedule)
        ]

    volume = month_volume(targets, month_index)  # the volume objectives, where the plan sets them

    # --- activity -------------------------------------------------------------------------------------------
    done_before = _done_before(frames, rep, months[0].first_day, before_end)
    activity = [a.to_dict() for a in action_objectives(rep, strategy, months, month_index, done_before)]
    booked = _booked(frames, rep, month, as_of)
    if booked is not None:
        add_booked(activity, booked, _done_before(frames, rep, month.first_day, min(as_of, month.last_day)) or {})

    # --- accounts -------------------------------------------------------------------------------------------
    accounts, accounts_total, never, targeted = _accounts(inputs, ctx, rep, month, year_days, notes)
    planned_accounts = sum(int(n) for by_status in rep.portfolio.accounts.values() for n in by_status.values())
    # --- deals ----------------------------------------------------------------------------------------------
    deals, deals_total, closing_value = _deals(inputs, ctx, rep, month, notes)
    # --- last month ------------------------------------------------------------------------------------------
    last_month = _last_month(inputs, rep, months, month_index, targets)
    # --- methods --------------------------------------------------------------------------------------------
    methods = []
    for stage in strategy.stage_names():
        method = rep.methods.get(stage)
        if method is None:
            continue
        methods.append({"stage": stage, "pitch": method.pitch, "questions": list(method.questions), "expected": list(method.expected), "notes": method.notes})
    for stage in sorted(set(rep.methods) - set(strategy.stage_names())):
        notes.append(f"the method for stage '{stage}' is not shown: the strategy has no such stage")

    talking = list(last_month.pop("talking_points"))
    if catch is not None and catch.missing:
        talking.insert(
            0,
            f"Year to date before {month.label}: {money(catch.actual_before, 0):,} of {money(catch.target_before, 0):,} "
            f"{settings.currency} planned; the month's objective rises from {money(objectives.total, 0):,} to "
            f"{money(objectives.catch_up_total, 0):,} {settings.currency} to catch up by the year end.",
        )
    if accounts_total and frames is not None:
        untouched = f" ({never} never touched)" if never is not None else ""
        talking.append(f"{accounts_total} targeted account{'s' if accounts_total != 1 else ''} due for an action this month{untouched}.")
    if frames is not None and frames.accounts is not None and targeted != planned_accounts:
        talking.append(
            f"The CRM holds {targeted} targeted account{'s' if targeted != 1 else ''} for the rep; the plan's portfolio.accounts counts "
            f"{planned_accounts}, and the planned actions follow the plan: agree which accounts are worked."
        )
    last_month["talking_points"] = talking

    manager = settings.managers.get(rep.manager)
    actions_planned = sum(a["planned"] for a in activity)
    actions_objective = sum(a["objective"] for a in activity)
    booked_headline = (
        {
            "actions_done_in_month": sum(a["done_in_month"] for a in activity),
            "actions_booked": sum(a["booked"] for a in activity),
            "actions_to_book": sum(a["to_book"] for a in activity),
        }
        if booked is not None
        else {}
    )
    return {
        "layout": LAYOUT,
        "rep": rep.id,
        "name": rep.name,
        "team": rep.manager,
        "manager": manager.name if manager else None,
        "territory": rep.territory,
        "company": settings.company,
        "month": month.label,
        "fiscal_month": month_index + 1,
        "days_in_post": days_in_post_in(rep, month.first_day, month.last_day),
        "as_of": as_of.isoformat(),
        "mode": inputs.mode,
        "currency": settings.currency,
        "crm_data": frames is not None,
        "headline": {
            "revenue_plan": revenue["plan"],
            "revenue_catch_up": revenue.get("catch_up"),
            "actions_planned": actions_planned,
            "actions_objective": actions_objective,
            **booked_headline,
            "accounts_due": accounts_total,
            "accounts_never_touched": never,
            "accounts_targeted": targeted,
            "accounts_planned": planned_accounts,
            "deals_to_push": deals_total,
            "closing_this_month": closing_value,
            "last_month_attainment": last_month.get("attainment"),
        },
        "revenue": revenue,
        **({"volume": volume} if volume else {}),
        "activity": activity,
        "accounts": accounts,
        "accounts_not_listed": max(accounts_total - len(accounts), 0),
        "deals": deals,
        "deals_not_listed": max(deals_total - len(deals), 0),
        "last_month": last_month,
        "methods": methods,
        "notes": notes,
    }


def _plan_path(targets, month_index: int) -> list[Decimal]:
    return cumulative_round(targets.monthly_total())[month_index:]


def _context(inputs: PamInputs, rep: RepPlan, period=None):
    from ..reports.context import Filters, ReportContext
    from ..reports.period import Period

    months = fiscal_months(inputs.ws.settings.fiscal_year.start)
    period = period or Period(months[0].first_day, months[-1].last_day, "fiscal year")
    return ReportContext(ws=inputs.ws, frames=inputs.frames, period=period, as_of=inputs.as_of, filters=Filters(reps=(rep.id,)))


def _carried(rep: RepPlan) -> set[str]:
    return {seg for seg, value in rep.targets.items() if getattr(value, "value", value)}


def _rep_sales(frames, rep: RepPlan, first: dt.date, last: dt.date) -> tuple[dict[str | None, int] | None, int]:
    """The rep's sales (cents) from `first` to `last` by segment (None: no segment), as the attainment report
    counts them, and the cents left out: sales in a segment the rep has no target in are not the rep's plan.
    None without sales data."""
    sales = frames.sales if frames is not None else None
    if sales is None:
        return None, 0
    import pandas as pd

    out: dict[str | None, int] = {}
    outside = 0
    if last < first or not len(sales):
        return out, 0
    days = pd.to_datetime(sales["date"]).dt.normalize()
    mine = sales[(sales["rep"] == rep.id) & (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))]
    carried = _carried(rep)
    for seg, cents in zip(mine["segment"], mine["amount"]):
        seg = None if pd.isna(seg) else seg
        if seg is not None and seg not in carried:
            outside += int(cents)
            continue
        out[seg] = out.get(seg, 0) + int(cents)
    return out, outside


def _done_before(frames, rep: RepPlan, first: dt.date, last: dt.date) -> dict[tuple[str, str], int] | None:
    from ..reports.done import not_open

    acts = not_open(frames.activities) if frames is not None else None
    if acts is None:
        return None
    import pandas as pd

    out: dict[tuple[str, str], int] = {}
    if last < first or not len(acts):
        return out
    days = pd.to_datetime(acts["date"]).dt.normalize()
    mine = acts[(acts["rep"] == rep.id) & (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last)) & acts["segment"].notna()]
    for (seg, action), n in mine.groupby(["segment", "action"], sort=True).size().items():
        out[(seg, action)] = int(n)
    return out


def _booked(frames, rep: RepPlan, month: FiscalMonth, as_of: dt.date) -> dict[tuple[str, str], int] | None:
    """(segment, action) -> the rep's activities already in the calendar for the month: dated after the as-of
    day and within the month, whatever their status. None without a status field (an export without one is
    a log of what was done: nothing is shown as booked)."""
    from ..reports.done import has_status

    acts = frames.activities if frames is not None else None
    if not has_status(acts):
        return None
    import pandas as pd

    first = max(month.first_day, as_of + dt.timedelta(days=1))
    out: dict[tuple[str, str], int] = {}
    if month.last_day < first or not len(acts):
        return out
    days = pd.to_datetime(acts["date"]).dt.normalize()
    mine = acts[(acts["rep"] == rep.id) & (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(month.last_day)) & acts["segment"].notna()]
    for (seg, action), n in mine.groupby(["segment", "action"], sort=True).size().items():
        out[(seg, action)] = int(n)
    return out


def add_booked(activity: list[dict], booked: dict[tuple[str, str], int], done_in_month: dict[tuple[str, str], int]) -> None:
    """done_in_month: actions of the row's segment and type done in the month up to the as-of day (0 for a
    month planned ahead); booked: those already in the calendar for the rest of the month;
    to_book = max(0, objective - done_in_month - booked): what the rep still has to put in the calendar."""
    for a in activity:
        key = (a["segment"], a["action"])
        a["done_in_month"] = done_in_month.get(key, 0)
        a["booked"] = booked.get(key, 0)
        a["to_book"] = max(a["objective"] - a["done_in_month"] - a["booked"], 0)


def _accounts(inputs: PamInputs, ctx, rep: RepPlan, month: FiscalMonth, year_days: int, notes: list[str]) -> tuple[list[dict], int, int, int]:
    """The due accounts (at most `top`), how many are due in all, how many of them were never touched,
    how many accounts are targeted."""
    ws, frames = inputs.ws, inputs.frames
    segments = ws.segments or {}
    named_segment = {account: seg for seg, spec in segments.items() for account in spec.named}
    if frames is not None and frames.accounts is not None:
        import pandas as pd

        from ..reports.coverage import targeted_accounts

        pairs = targeted_accounts(ctx)
        pairs = pairs[pairs["rep"] == rep.id]
        targets = [
            Target(str(a), None if pd.isna(n) else str(n), None if s == "<unsegmented>" else s, st)
            for a, n, s, st in zip(pairs["id"], pairs["name"], pairs["segment"], pairs["status"])
        ]
    else:
        bought: set = set()
        if ctx is not None:
            from ..reports.coverage import bought_accounts

            bought = bought_accounts(ctx)
        named = list(dict.fromkeys([*rep.portfolio.named, *rep.portfolio.shared]))
        status = (lambda a: "customer" if a in bought else "prospect") if ctx is not None else (lambda a: None)
        targets = [Target(a, None, named_segment.get(a), status(a)) for a in named]
        if named:
            notes.append("accounts: no accounts export, so only the plan's named accounts are listed")
    from ..reports.done import not_open

    last_actions: dict[tuple[str, str], dt.date] = {}
    acts = not_open(frames.activities) if frames is not None else None
    if acts is not None and len(acts):
        import pandas as pd

        days = pd.to_datetime(acts["date"]).dt.normalize()
        mine = acts[(acts["rep"] == rep.id) & (days <= pd.Timestamp(inputs.as_of)) & acts["account"].notna()]
        stamps = pd.to_datetime(mine["date"]).dt.normalize()
        latest = pd.DataFrame({"account": mine["account"].astype(str), "action": mine["action"], "day": stamps})
        for (account, action), day in latest.groupby(["account", "action"], sort=True)["day"].max().items():
            last_actions[(account, action)] = day.date()
    elif targets and frames is not None:
        notes.append("accounts: no activities export, so every account shows as never touched")
    priorities = {seg: spec.priority for seg, spec in segments.items()}
    due = due_accounts(targets, last_actions, rep_norms(rep, ws.strategy), list(ws.strategy.actions), month.last_day, inputs.as_of, year_days, priorities)
    known = frames is not None and frames.activities is not None
    never = sum(1 for a in due if a.never_touched) if known else None
    met = _roles_met(inputs, rep, due[: inputs.top], notes)
    listed = []
    for a in due[: inputs.top]:
        row = a.to_dict()
        if not known:  # no activity data: when the account was last worked is unknown, not 'never'
            row["never_touched"] = None
        contacts = segments[a.segment].contacts if a.segment in segments else []
        row["roles_to_meet"] = roles_to_meet(contacts, met.get((rep.id, a.account), set())) if met is not None else None
        listed.append(row)
    return listed, len(due), never, len({t.account for t in targets})


def _roles_met(inputs: PamInputs, rep: RepPlan, due, notes: list[str]) -> dict | None:
    """(rep, account) -> the contact roles the rep reached by a done action from the fiscal year's first day to the
    as-of day; None when the activities export has no contact role column (a note says so where it matters)."""
    from ..intake.contact_roles import has_roles
    from ..reports.roles import met_roles

    frames, segments = inputs.frames, inputs.ws.segments or {}
    if frames is None or frames.activities is None:
        return None
    if not has_roles(frames):
        if any(a.segment in segments and segments[a.segment].contacts for a in due):
            notes.append("accounts: the activities export has no contact role column, so the contact roles not yet met are not shown (map contact_role under data.activities.columns)")
        return None
    start = fiscal_months(inputs.ws.settings.fiscal_year.start)[0].first_day
    return met_roles(frames.activities, start, inputs.as_of)


def _deals(inputs: PamInputs, ctx, rep: RepPlan, month: FiscalMonth, notes: list[str]) -> tuple[list[dict], int, float | None]:
    frames = inputs.frames
    if frames is None or frames.opportunities is None:
        if frames is not None:
            notes.append("deals: no opportunities export (data.opportunities)")
        return [], 0, None
    from ..reports.pipeline import NANO, day_of, open_deals, text_of

    from ..reports.quality import deal_missing

    rows = []
    for deal in open_deals(ctx).to_dict("records"):
        rows.append(
            {
                "id": deal["id"],
                "name": text_of(deal.get("name")),
                "account": text_of(deal.get("account")),
                "stage": deal["stage"],
                "amount": int(deal["amount"]) if deal.get("amount_known", True) else None,  # None: value unknown
                "weighted": Fraction(int(deal["weighted_nano"]), NANO),
                "close_date": day_of(deal.get("close_date")),
                "age_days": deal.get("age_days"),
                "overdue": deal["overdue"],
                "stale": deal["stale"],
                "missing": deal_missing(ctx, rep, deal),
            }
        )
    methods = {stage: list(m.expected) for stage, m in rep.methods.items()}
    chosen = deals_to_push(rows, month.first_day, month.last_day, methods)
    closing = sum((d.amount_cents for d in chosen if d.closing and d.amount_cents is not None), 0)
    return [d.to_dict() for d in chosen[: inputs.top]], len(chosen), float(money(Fraction(closing, 100)))


def _last_month(inputs: PamInputs, rep: RepPlan, months: list[FiscalMonth], month_index: int, targets) -> dict:
    """The previous fiscal month: objectives against what was done, and the talking points of the meeting."""
    from ..reports.period import Period, target_in

    if month_index == 0:
        return {"month": None, "summary": [], "attainment": None, "talking_points": [], "note": "the first month of the fiscal year: no earlier month to review"}
    previous = months[month_index - 1]
    period = Period(previous.first_day, previous.last_day, previous.label)
    if inputs.frames is None:
        target = target_in(targets, months, period)
        return {
            "month": previous.label,
            "summary": [{"metric": "revenue", "actual": None, "plan": _amount(target), "ratio": None, "gap": None, "benchmark": None, "status": ""}],
            "attainment": None,
            "talking_points": [f"No CRM data: bring {previous.label}'s sales, actions and deals to the meeting."],
            "note": "plan only: no CRM data",
        }
    if inputs.as_of < previous.first_day:
        return {"month": previous.label, "summary": [], "attainment": None, "talking_points": [], "note": f"made as of {inputs.as_of}, before {previous.label} began: nothing to review yet"}
    from ..reports.review import review

    sheet = review(_context(inputs, rep, period), rep.id, top=inputs.top)
    summary = [_plain_row(row) for row in sheet.tables["summary"].to_dict("records")]
    revenue = sheet.summary.get("revenue")
    note = f"up to {inputs.as_of}" if inputs.as_of < previous.last_day else None
    return {
        "month": previous.label,
        "summary": summary,
        "attainment": revenue["ratio"] if revenue else None,
        "talking_points": list(sheet.decisions),
        "note": note,
    }


def _plain_row(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and value != value:
            value = None
        out[key] = value
    return out
