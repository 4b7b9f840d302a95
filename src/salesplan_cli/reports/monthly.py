"""Attainment month by month (or quarter by quarter): each month's actual against the month's seasonal target,
and the cumulative figures, per rep or per team. Feeds `report attainment --by month` and the HTML line chart."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np
import pandas as pd

from .context import TOTAL, UNPLANNED, ReportContext, cents_to_money, fraction_money, report_frame
from .period import Period, share_in, shares_in
from .status import status_of

STEPS = ("month", "quarter")
GROUPS = ("rep", "team")
COLUMNS = [
    "period", "start", "end", "actual", "target", "target_to_date", "attainment",
    "cumulative_actual", "cumulative_target", "cumulative_target_to_date", "cumulative_attainment", "status", "note",
]
#: The note of a month that has not begun as of the day judged (no actual, no attainment).
NOT_BEGUN = "not begun"
#: The note of the month holding the as-of date: its actual and attainment are to date.
IN_PROGRESS = "to date"
#: The note of a row of a group that carries no target in the month (a rep not yet in post).
NO_TARGET = "no target"


def spans(ctx: ReportContext, step: str = "month") -> list[Period]:
    """The fiscal months (or quarters) overlapping the report's period, each cut to the period."""
    if step not in STEPS:
        raise ValueError(f"step {step}: choose among {', '.join(STEPS)}")
    out: list[Period] = []
    months = ctx.months
    groups: dict[str, list] = {}
    for month in months:
        key = month.key if step == "month" else month.quarter
        groups.setdefault(key, []).append(month)
    for key, members in groups.items():
        start, end = max(members[0].first_day, ctx.period.start), min(members[-1].last_day, ctx.period.end)
        if start <= end:
            label = f"{members[0].first_day:%Y-%m}" if step == "month" else key
            out.append(Period(start, end, label))
    return out


def attainment_by_period(ctx: ReportContext, group: str = "rep", step: str = "month") -> pd.DataFrame:
    """One row per rep (or team) and fiscal month (or quarter) of the period, then the `<total>` rows
    (and `<unplanned>` rows where sales fall outside every plan, as in the attainment report).

    actual: sales dated in the month up to the as-of date (None for a month not begun);
    target: the month's seasonal target (the plan's objective for all its days);
    target_to_date: its part up to the as-of date; attainment = actual / target_to_date;
    cumulative_*: the same summed from the first month of the period; status: of the cumulative attainment.
    """
    if group not in GROUPS:
        raise ValueError(f"--by {group},month: group by rep or team")
    periods = spans(ctx, step)
    targets = ctx.targets()
    reps = ctx.reps()
    segments = ctx.segments()
    products = [ctx.filters.product] if ctx.filters.product else [None]
    as_of = ctx.as_of
    months = ctx.months

    planned: dict[str, list[list[Fraction]]] = {}  # group -> per span [full, to_date]
    order: list[str] = []
    for rep in reps:
        key = rep.id if group == "rep" else rep.manager
        if key not in planned:
            planned[key] = [[Fraction(0), Fraction(0)] for _ in periods]
            order.append(key)
        t = targets[rep.id]
        # target_in(t, span, seg) = full_year[seg] x share_in(t, span): the share is computed once per month
        amount = sum((t.full_year[seg] for seg in segments if seg in t.full_year), Fraction(0))
        amount *= sum((t.product_mix.get(prod, Fraction(0)) if prod is not None else Fraction(1) for prod in products), Fraction(0))
        if not amount:
            continue
        fulls = shares_in(t, months, periods)
        for i, span in enumerate(periods):
            full = fulls[i]
            if span.end <= as_of:
                to_date = full
            elif span.start > as_of:
                to_date = Fraction(0)
            else:
                to_date = share_in(t, months, span.until(as_of))
            planned[key][i][0] += amount * full
            planned[key][i][1] += amount * to_date

    actual = _actuals(ctx, group, periods)
    rows: list[dict] = []
    thresholds = ctx.ws.settings.thresholds
    limit, band = thresholds.attainment.fraction, thresholds.watch_band.fraction

    def emit(key: str, plan: list[list[Fraction]] | None, cents: list[int]) -> None:
        cum_cents, cum_full, cum_to_date = 0, Fraction(0), Fraction(0)
        for i, span in enumerate(periods):
            begun = span.start <= as_of
            full, to_date = plan[i] if plan is not None else (None, None)
            cum_cents += cents[i]
            if plan is not None:
                cum_full += full
                cum_to_date += to_date
            ratio = Fraction(cents[i], 100) / to_date if begun and plan is not None and to_date else None
            cum_ratio = Fraction(cum_cents, 100) / cum_to_date if begun and plan is not None and cum_to_date else None
            note = ""
            if not begun:
                note = NOT_BEGUN
            elif plan is not None and not to_date:
                note = NO_TARGET
            elif span.end > as_of:
                note = IN_PROGRESS
            rows.append(
                {
                    group: key,
                    "period": span.label,
                    "start": span.start.isoformat(),
                    "end": span.end.isoformat(),
                    "actual": cents_to_money(cents[i]) if begun else None,
                    "target": fraction_money(full) if plan is not None else None,
                    "target_to_date": fraction_money(to_date) if plan is not None else None,
                    "attainment": float(ratio) if ratio is not None else None,
                    "cumulative_actual": cents_to_money(cum_cents) if begun else None,
                    "cumulative_target": fraction_money(cum_full) if plan is not None else None,
                    "cumulative_target_to_date": fraction_money(cum_to_date) if plan is not None else None,
                    "cumulative_attainment": float(cum_ratio) if cum_ratio is not None else None,
                    "status": status_of(cum_ratio, limit, band) if cum_ratio is not None and key not in (UNPLANNED, TOTAL) else "",
                    "note": note,
                }
            )

    zero = [0] * len(periods)
    for key in order:
        emit(key, planned[key], actual.get(key, zero))
    if UNPLANNED in actual:
        emit(UNPLANNED, None, actual[UNPLANNED])
    total_plan = [[sum((planned[k][i][j] for k in order), Fraction(0)) for j in (0, 1)] for i in range(len(periods))]
    total_cents = [sum(values[i] for values in actual.values()) for i in range(len(periods))]
    emit(TOTAL, total_plan, total_cents)
    return report_frame(rows, [group, *COLUMNS], nullable=("actual", "target", "target_to_date", "attainment", "cumulative_actual", "cumulative_target", "cumulative_target_to_date", "cumulative_attainment"))


def _actuals(ctx: ReportContext, group: str, periods: list[Period]) -> dict[str, list[int]]:
    """Sales cents per group and span, up to the as-of date; placed as in the attainment report."""
    from .volume import _group_keys

    out: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    sales = ctx.frames.sales
    if sales is None or not len(sales) or not periods:
        return out
    window = Period(periods[0].start, min(periods[-1].end, ctx.as_of), "to date")
    if window.end < window.start:
        return out
    rows = ctx.keep_rows(sales, "date", window)
    if rows is None or not len(rows):
        return out
    starts = pd.DatetimeIndex([pd.Timestamp(p.start) for p in periods])
    index = starts.searchsorted(pd.DatetimeIndex(rows["date"]).normalize(), side="right") - 1
    # placed once per distinct (rep, segment, product), not once per group and month: the rows carry the
    # integer of their placed group, and cents are summed per (placed group, month) on integers
    groups, named = _group_keys(ctx, rows, [group])
    amounts = rows["amount"].astype("int64").to_numpy()
    if len(amounts) and int(np.abs(amounts).max()) * len(amounts) >= 2**63:  # a sum could overflow: Python integers
        amounts = amounts.astype(object)
    frame = pd.DataFrame({"group": groups.to_numpy(), "span": index, "amount": amounts})
    for (code, span), cents in frame.groupby(["group", "span"], sort=False)["amount"].sum().items():
        if 0 <= span < len(periods):
            out[named[code][0]][int(span)] += int(cents)
    return out
