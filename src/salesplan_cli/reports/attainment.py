"""Attainment: sales made against target, for the period, by rep, team, segment or product range."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import pandas as pd

from .context import TOTAL, UNPLANNED, UNSEGMENTED, ReportContext, cents_to_money, fraction_money, report_frame
from .period import shares_in
from .status import status_of
from .placement import placement
from .volume import placeable, planned_volume, volume_actuals, volume_columns, volume_kinds, volume_row

BY_CHOICES = ("rep", "team", "segment", "product")
COLUMNS = ["actual", "target", "attainment", "gap", "period_target", "projection", "annual_target", "status"]


def _key_of(by: list[str], rep_id: str | None, team: str | None, segment: str | None, product: str | None) -> tuple:
    values = {"rep": rep_id, "team": team, "segment": segment, "product": product}
    return tuple(values[d] for d in by)


def attainment(ctx: ReportContext, by: list[str] | None = None) -> pd.DataFrame:
    """One row per group of `by` (default: rep), an `<unplanned>` row for sales outside every plan, and a `<total>` row.

    actual: sales dated in the period up to the as-of date (cents summed exactly).
    target: the plan's target for the same days; attainment = actual / target; gap = actual - target.
    period_target: target of the whole period; annual_target: the fiscal year's.
    projection: annual_target x actual / target over the fiscal year to date.
    deals_won, units, new_customers: results in volume over the same days (reports/volume.py); where the
    strategy sets volume objectives, <kind>_target (to date), <kind>_attainment and <kind>_status for each kind.
    """
    by = list(by or ["rep"])
    for dim in by:
        if dim not in BY_CHOICES:
            raise ValueError(f"--by {dim}: choose among {', '.join(BY_CHOICES)}")
    if "product" in by and not ctx.ws.strategy.products:
        raise ValueError("--by product: the strategy declares no product ranges")
    months = ctx.months
    targets = ctx.targets()
    reps = ctx.reps()
    segments = ctx.segments()
    products = ctx.products() if "product" in by or ctx.filters.product else [None]
    windows = {"to_date": ctx.to_date, "period": ctx.period, "year": ctx.fiscal_year, "ytd": ctx.fiscal_year.until(ctx.as_of)}

    planned: dict[tuple, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for rep in reps:
        t = targets[rep.id]
        # target_in(t, months, span, seg) = t.full_year[seg] x the rep's share of the year in span: the share is
        # computed once per rep and window, the full-year amounts summed per group first (exact, so the same sums)
        year_shares = dict(zip(windows, shares_in(t, months, list(windows.values()))))
        amounts: dict[tuple, Fraction] = {}
        for seg in segments:
            if seg not in t.full_year:
                continue
            for prod in products:
                share = t.product_mix.get(prod, Fraction(0)) if prod is not None else Fraction(1)
                key = _key_of(by, rep.id, rep.manager, seg, prod)
                amounts[key] = amounts.get(key, Fraction(0)) + t.full_year[seg] * share
        for key, amount in amounts.items():
            sums = planned[key]
            for name, year_share in year_shares.items():
                sums[name] += amount * year_share

    actual = _actuals(ctx, by, windows)
    kinds = volume_kinds(ctx)
    volume_planned = planned_volume(ctx, by, ctx.to_date, _key_of)
    volume_actual, volume_total = volume_actuals(ctx, by, ctx.to_date)
    for key in volume_planned:
        planned.setdefault(key, defaultdict(Fraction))
    keys = list(planned)
    extra = sorted(k for k in set(actual) | set(volume_actual) if k not in planned)
    rows = []
    placed = {kind: placeable(ctx, kind, by) for kind in kinds}
    for key in keys + extra:
        row = _row(ctx, by, key, planned.get(key), actual.get(key, {}))
        is_plan_row = key in planned and key[0] != UNPLANNED
        row.update(volume_row(ctx, placed, volume_actual.get(key, {}), volume_planned.get(key) if key in planned else None, kinds, is_plan_row))
        rows.append(row)
    total_planned: dict[str, Fraction] = defaultdict(Fraction)
    for values in planned.values():
        for name, amount in values.items():
            total_planned[name] += amount
    total_actual: dict[str, int] = defaultdict(int)
    for values in actual.values():
        for name, cents in values.items():
            total_actual[name] += cents
    row = _row(ctx, by, tuple(TOTAL for _ in by), total_planned, total_actual)
    total_volume = planned_volume(ctx, [], ctx.to_date, _key_of).get((), {})
    row.update(volume_row(ctx, {kind: placeable(ctx, kind, []) for kind in kinds}, volume_total, total_volume, kinds, False))
    rows.append(row)
    nullable = ("target", "attainment", "gap", "period_target", "projection", "annual_target", "units")
    nullable += tuple(c for c in volume_columns(kinds) if c.endswith(("_target", "_attainment")))
    return report_frame(rows, [*by, *COLUMNS, *volume_columns(kinds)], nullable=nullable)


def _actuals(ctx: ReportContext, by: list[str], windows: dict) -> dict[tuple, dict[str, int]]:
    """Sales cents per group and window; sales outside every plan go to <unplanned>."""
    sales = ctx.frames.sales
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if sales is None or not len(sales):
        return out
    place = placement(ctx, by)
    for name in ("to_date", "ytd"):
        span = windows[name]
        rows = ctx.keep_rows(sales, "date", span)
        if rows is None or not len(rows):
            continue
        frame = pd.DataFrame(
            {
                "rep": rows["rep"],
                "segment": rows["segment"],
                "product": rows["product"],
                "amount": rows["amount"].astype("int64"),
            }
        )
        for (rep_id, segment, product), cents in frame.groupby(["rep", "segment", "product"], dropna=False, sort=False)["amount"].sum().items():
            out[place(rep_id, segment, product)][name] += int(cents)
    return out


def _row(ctx: ReportContext, by: list[str], key: tuple, planned: dict | None, actual: dict) -> dict:
    planned = planned or {}
    target = planned.get("to_date", Fraction(0))
    period_target = planned.get("period", Fraction(0))
    annual = planned.get("year", Fraction(0))
    ytd_target = planned.get("ytd", Fraction(0))
    cents = actual.get("to_date", 0)
    ytd_cents = actual.get("ytd", 0)
    actual_amount = Fraction(cents, 100)
    ratio = actual_amount / target if target else None
    if ytd_target and annual:
        projection = annual * Fraction(ytd_cents, 100) / ytd_target
    else:
        projection = None
    is_plan_row = bool(planned) and key and key[0] not in (UNPLANNED,)
    row = dict(zip(by, key))
    row.update(
        {
            "actual": cents_to_money(cents),
            "target": fraction_money(target) if planned else None,
            "attainment": float(ratio) if ratio is not None else None,
            "gap": fraction_money(actual_amount - target) if planned else None,
            "period_target": fraction_money(period_target) if planned else None,
            "projection": fraction_money(projection) if projection is not None else None,
            "annual_target": fraction_money(annual) if planned else None,
            "status": status_of(ratio, ctx.ws.settings.thresholds.attainment.fraction, ctx.ws.settings.thresholds.watch_band.fraction)
            if is_plan_row and ratio is not None
            else "",
        }
    )
    return row
