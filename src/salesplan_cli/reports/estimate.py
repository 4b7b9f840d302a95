"""Estimates for open deals without an amount (`data.estimate`, off by default): shown in the pipeline's own
`estimated` column, never added into `value`."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from .context import ReportContext


def estimate_settings(ctx: ReportContext):
    data = ctx.ws.settings.data if ctx.ws.settings else None
    return data.estimate if data is not None else None


def deal_estimates(ctx: ReportContext, deals: pd.DataFrame) -> pd.Series:
    """Per open deal without an amount: its estimated value in cents (a Fraction), else None.

    The range's list price (data.estimate.list_prices), else, with average_won_months, the average amount of
    the range's won deals (amount known) closed in the last N months up to the as-of day (from the as-of day
    minus N months, excluded). A deal of no product range, or a range with neither, is not estimated."""
    settings = estimate_settings(ctx)
    out = pd.Series(None, index=deals.index, dtype="object")
    if settings is None or not len(deals):
        return out
    prices = {product: Fraction(amount) * 100 for product, amount in settings.list_prices.items()}
    averages: dict[str, Fraction] = {}
    opps = ctx.frames.opportunities
    if settings.average_won_months and opps is not None and len(opps):
        end = pd.Timestamp(ctx.as_of)
        start = end - pd.DateOffset(months=settings.average_won_months)
        known = opps["amount_known"].astype(bool) if "amount_known" in opps.columns else pd.Series(True, index=opps.index)
        won = opps[(opps["outcome"] == "won") & known & (opps["close_date"] > start) & (opps["close_date"] <= end) & opps["product"].notna()]
        for product, amounts in won.groupby(won["product"].astype("object"), sort=False)["amount"]:
            averages[str(product)] = Fraction(int(amounts.astype("int64").sum()), len(amounts))
    unknown = ~deals["amount_known"].astype(bool)
    for index, product in deals.loc[unknown, "product"].items():
        if product is None or pd.isna(product):
            continue
        value = prices.get(product, averages.get(product))
        if value is not None:
            out[index] = value
    return out


def estimate_note(ctx: ReportContext, deals: pd.DataFrame) -> str | None:
    """How the value-unknown deals were estimated, and how many could not be."""
    settings = estimate_settings(ctx)
    if settings is None or "estimate" not in deals.columns:
        return None
    unknown = ~deals["amount_known"].astype(bool)
    if not unknown.any():
        return None
    estimated = int(deals.loc[unknown, "estimate"].notna().sum())
    ways = []
    if settings.list_prices:
        ways.append("list prices per product range (data.estimate.list_prices)")
    if settings.average_won_months:
        ways.append(f"the average won deal of the range over the last {settings.average_won_months} months")
    left = int(unknown.sum()) - estimated
    rest = f"; {left} could not be (no product range, or no price or won deal for it)" if left else ""
    return f"pipeline: {estimated} of {int(unknown.sum())} open deals without an amount are estimated in `estimated` (not in `value`), from {' else '.join(ways)}{rest}"
