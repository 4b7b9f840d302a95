"""Product lines: an opportunities export with one row per product line (`line_amount` mapped) gives each deal
its lines, so product figures (by product range, --product) use each line's range and amount while every other
figure counts the deal once."""

from __future__ import annotations

import pandas as pd

from .context import ReportContext


def has_lines(ctx: ReportContext) -> bool:
    return ctx.frames is not None and getattr(ctx.frames, "opportunity_lines", None) is not None


def deals_with_product(ctx: ReportContext, ids: pd.Series, product: str) -> pd.Series:
    """Which deal ids have a line of the product range `product` (the --product filter in line mode)."""
    lines = ctx.frames.opportunity_lines
    return ids.isin(lines.loc[lines["product"] == product, "id"])


def by_product_line(ctx: ReportContext, deals: pd.DataFrame) -> pd.DataFrame:
    """Deals -> one row per deal and product range of its lines: `product` the range, `amount` the sum of its
    lines' known amounts in that range (amount_known False where every such line is blank). What the deal's
    amount holds beyond its lines (blank line amounts, an amount typed apart) is one more row of no product
    range, so the rows of a deal still add up to its amount. Without product lines: the deals as they are."""
    if not has_lines(ctx) or not len(deals):
        return deals
    lines = ctx.frames.opportunity_lines
    lines = lines[lines["id"].isin(deals["id"])]
    cents = pd.array(lines["line_amount"].to_numpy(dtype=object), dtype="Int64")
    per_range = (
        pd.DataFrame({"id": lines["id"].to_numpy(), "product": lines["product"].to_numpy(dtype=object), "cents": cents})
        .groupby(["id", "product"], sort=False, dropna=False)["cents"]
        .sum(min_count=1)
        .reset_index()
    )
    per_range["product"] = per_range["product"].astype("object").where(per_range["product"].notna(), None)
    rest = deals.drop(columns=["product", "amount", "amount_known"], errors="ignore")
    out = per_range.merge(rest, on="id", how="inner")
    out["amount_known"] = out["cents"].notna().to_numpy(dtype=bool)
    out["amount"] = out["cents"].fillna(0).astype("int64")
    covered = out.groupby("id", sort=False)["amount"].sum()
    deal_amount = deals.set_index("id")["amount"].astype("int64")
    deal_amount = deal_amount[~deal_amount.index.duplicated()]
    left = deal_amount - covered.reindex(deal_amount.index).fillna(0).astype("int64")
    left = left[left != 0]
    if len(left):
        extra = rest[rest["id"].isin(left.index)].drop_duplicates("id").assign(product=None, amount=lambda f: f["id"].map(left).astype("int64"), amount_known=True)
        out = pd.concat([out, extra], ignore_index=True)
    columns = [c for c in deals.columns if c in out.columns] + [c for c in ("amount_known",) if c not in deals.columns]
    return out[columns].reset_index(drop=True)
