"""Product lines: an opportunities export with one row per product line (`line_amount` mapped) gives each deal
its lines; the won deals standing in for sales are split by line."""

from __future__ import annotations

import pandas as pd


def product_lines(rows) -> pd.DataFrame:
    """An export with one row per product line (line_amount mapped): the rows of an id are one deal.

    The deal is its first line's row (owner, stage, dates), its amount the export's deal amount, or the sum of
    its lines' amounts where that is blank, its quantity the sum of its lines' known quantities; the later lines
    are folded into it (used, not listed). Returns the lines: id, product, line_amount (cents, None where
    blank), quantity (hundredths of a unit, NA where blank), line."""
    frame, kept = rows.frame, rows.keep
    ids = frame["id"]
    line_cents = frame["line_amount"]
    sums = line_cents[kept].groupby(ids[kept].to_numpy(), sort=False).sum(min_count=1)
    blank = frame["amount"].isna() & kept
    if blank.any():
        frame.loc[blank, "amount"] = ids[blank].map(sums).astype("Int64")
    lines = pd.DataFrame({"id": ids[kept], "product": frame.loc[kept, "product"], "line_amount": line_cents[kept], "quantity": frame.loc[kept, "quantity"], "line": frame.loc[kept, "line"]})
    later = pd.Series(False, index=frame.index)
    later[kept] = ids[kept].duplicated(keep="first")
    # the deal's quantity: the sum of its lines' known quantities (None when none is known)
    quantities = frame.loc[kept, "quantity"].groupby(ids[kept].to_numpy(), sort=False).sum(min_count=1)
    frame.loc[kept, "quantity"] = ids[kept].map(quantities).astype("Int64")
    rows.fold(later)
    lines["line_amount"] = lines["line_amount"].astype("object").where(lines["line_amount"].notna(), None)
    return lines.reset_index(drop=True)


def sales_by_line(deal_sales: pd.DataFrame, deal_ids: pd.Series, lines: pd.DataFrame) -> pd.DataFrame:
    """Won deals standing in for sales, one row per product line: each line's product and amount, so product
    figures use the lines. What the deal's amount holds beyond its lines' known amounts (a blank line amount,
    a deal amount typed apart) is one more row of no product range, so every deal still counts its amount."""
    deals = deal_sales.assign(id=deal_ids.to_numpy())
    known = lines[lines["line_amount"].notna()]
    per_line = known[["id", "product", "line_amount", *(["quantity"] if "quantity" in known.columns else []), "line"]].merge(
        deals.drop(columns=["product", "amount", "line", *(["quantity"] if "quantity" in known.columns else [])]), on="id", how="inner"
    )
    per_line = per_line.rename(columns={"line_amount": "amount"})
    per_line["amount"] = per_line["amount"].astype("int64")
    covered = per_line.groupby("id", sort=False)["amount"].sum()
    rest = deals["amount"].astype("int64") - deals["id"].map(covered).fillna(0).astype("int64")
    remainder = deals[rest != 0].assign(amount=rest[rest != 0], product=None)
    if "quantity" in remainder.columns:  # the deal's quantity is its lines'; what is beyond them has none
        remainder["quantity"] = pd.array([pd.NA] * len(remainder), dtype="Int64")
    out = pd.concat([per_line[deals.columns], remainder], ignore_index=True).sort_values(["line"], kind="stable")
    if "amount_original" in out.columns:  # the deal's own-currency amount is not the line's
        out["amount_original"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.drop(columns=["id"]).reset_index(drop=True)
