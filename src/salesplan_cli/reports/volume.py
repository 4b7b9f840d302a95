"""Results in volume, next to value: deals won, units and new customers, and the volume objectives to date.

Definitions (docs/metrics.md, "Volume"):
- deals_won: distinct deals among the sales rows dated in the period to date whose amount is not negative: the
  won opportunity (sales standing in from opportunities) or the order/invoice id of a sales export (each row
  where the export maps no id). A credit note is no deal. A deal whose lines span product ranges counts once
  in each range's row and once in the total.
- units: the sum of the quantities of those rows (credit notes negative); None where no sales row of the data
  carries a quantity.
- new_customers: accounts whose first sale (the earliest dated sales row of the account, amount not negative,
  over all the data) falls in the period to date, counted in the group(s) of that day's rows.
- volume target to date: the rep's full-year volume objective x the same share of the year as value targets
  (seasonality or the rep's periods, days in post); volume attainment = actual / target to date, counting the
  actuals of the keys the strategy sets the objective for (its segments or product ranges).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np
import pandas as pd

from ..plan.model import VOLUME_KEYS, VOLUME_KINDS
from .context import ReportContext
from .period import Period, share_in

ACTUALS = ("deals_won", "units", "new_customers")


def volume_kinds(ctx: ReportContext) -> list[str]:
    """The kinds of volume objective the strategy sets, in a stable order."""
    volume = ctx.ws.strategy.volume
    return [kind for kind in VOLUME_KINDS if volume is not None and getattr(volume, kind) is not None]


def placeable(ctx: ReportContext, kind: str, by: list[str]) -> bool:
    """Whether objectives of `kind` can be placed in groups of `by` and the filters: new customers and deals
    are set per segment (not per product range), units per product range (not per segment)."""
    other = "product" if VOLUME_KEYS[kind] == "segment" else "segment"
    return other not in by and getattr(ctx.filters, other) is None


def planned_volume(ctx: ReportContext, by: list[str], span: Period | None, key_of) -> dict[tuple, dict[str, Fraction]]:
    """Volume objectives due in `span`, per group of `by` and kind (kinds that cannot be placed left out)."""
    out: dict[tuple, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    targets = ctx.targets()
    for rep in ctx.reps():
        t = targets[rep.id]
        share = share_in(t, ctx.months, span)
        for kind, keys in t.volume.items():
            if kind not in volume_kinds(ctx) or not placeable(ctx, kind, by):
                continue
            for key, number in keys.items():
                segment, product = (key, None) if VOLUME_KEYS[kind] == "segment" else (None, key)
                if (segment and ctx.filters.segment and segment != ctx.filters.segment) or (product and ctx.filters.product and product != ctx.filters.product):
                    continue
                out[key_of(by, rep.id, rep.manager, segment, product)][kind] += number * share
    return out


def _group_keys(ctx: ReportContext, rows: pd.DataFrame, by: list[str]) -> tuple[pd.Series, list[tuple]]:
    """Each sales row's group of `by`, as attainment places its value (sales outside every plan: <unplanned>):
    (an integer per row, the groups' keys it indexes). Placed once per distinct (rep, segment, product), spread to
    the rows by code: integers, not tuples, are what the counts group by."""
    from .placement import placement

    place = placement(ctx, by)
    codes = rows.groupby(["rep", "segment", "product"], dropna=False, sort=False).ngroup().to_numpy()
    firsts = rows.assign(_g=codes).drop_duplicates("_g")
    placed = {code: place(rep_id, segment, product) for code, rep_id, segment, product in zip(firsts["_g"], firsts["rep"], firsts["segment"], firsts["product"])}
    # codes number the combinations in order of first row, so the groups keep that order too
    groups: dict[tuple, int] = {}
    group_of = np.zeros(len(placed), dtype=np.int64)
    for code in sorted(placed):
        group_of[code] = groups.setdefault(placed[code], len(groups))
    return pd.Series(group_of[codes] if len(codes) else np.zeros(0, dtype=np.int64), index=rows.index), list(groups)


def has_quantities(ctx: ReportContext) -> bool:
    """Whether any sales row of the data carries a quantity (else units are None, not 0); computed once."""
    cached = ctx.frames.derived.get("has_quantities")
    if cached is None:
        sales = ctx.frames.sales
        cached = sales is not None and "quantity" in sales.columns and bool(sales["quantity"].notna().any())
        ctx.frames.derived["has_quantities"] = cached
    return cached


def _deal_keys(rows: pd.DataFrame) -> pd.Series:
    """A deal's identity: its id (won opportunity, order or invoice), else the row itself (file and line)."""
    if {"file", "line"} <= set(rows.columns):
        own = rows["file"].astype("str") + ":" + rows["line"].astype("str")
    else:  # a frame built without them (a caller's own): each row its own deal
        own = pd.Series([f"row:{i}" for i in range(len(rows))], index=rows.index, dtype="object")
    if "deal" not in rows.columns:
        return own
    deal = rows["deal"].astype("object")
    return deal.where(deal.notna(), own).astype("str")


def _deal_keys_fast(rows: pd.DataFrame) -> pd.Series:
    """_deal_keys, building the file:line text only when some row has no deal id (most exports give one)."""
    if "deal" in rows.columns and not rows["deal"].isna().any():
        return rows["deal"].astype("object").astype("str")
    return _deal_keys(rows)


def first_sales(ctx: ReportContext) -> pd.DataFrame:
    """The rows of each account's first sale over all the data (every row dated that day), computed once."""
    cached = ctx.frames.derived.get("first_sales")
    if cached is None:
        sales = ctx.frames.sales
        account = sales["account"]
        if isinstance(account.dtype, pd.CategoricalDtype):
            codes = np.asarray(account.cat.codes, dtype=np.int64)
        else:
            codes = pd.factorize(account, use_na_sentinel=True)[0].astype(np.int64)
        dates = pd.to_datetime(sales["date"])
        valid = ((codes >= 0) & (sales["amount"].astype("int64") >= 0).to_numpy(dtype=bool) & dates.notna().to_numpy(dtype=bool))
        # each account's earliest day on integer codes and nanoseconds (a group-by on the account text costs more)
        stamps = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
        earliest = pd.Series(stamps[valid]).groupby(codes[valid]).min()
        first = np.full(int(codes.max()) + 1 if len(codes) else 0, np.iinfo(np.int64).max, dtype=np.int64)
        first[earliest.index.to_numpy()] = earliest.to_numpy()
        keep = valid.copy()
        keep[valid] = stamps[valid] == first[codes[valid]]
        cached = sales[keep]
        ctx.frames.derived["first_sales"] = cached
    return cached


def volume_actuals(ctx: ReportContext, by: list[str], span: Period | None) -> tuple[dict[tuple, dict], dict]:
    """Per group of `by`: deals_won, units (hundredths), new_customers, and the same counting only the keys the
    strategy sets an objective for (`aimed:<kind>`); and the totals (distinct over every group)."""
    out: dict[tuple, dict] = defaultdict(dict)
    total: dict = {}
    sales = ctx.frames.sales
    if sales is None or span is None or not len(sales):
        return out, total
    aims = {kind: set(getattr(ctx.ws.strategy.volume, kind)) for kind in volume_kinds(ctx)}
    rows = ctx.keep_rows(sales, "date", span)
    if rows is not None and len(rows):
        keys, named = _group_keys(ctx, rows, by)
        # deals as integer codes: distinct (group, deal) pairs are then distinct integers, not pairs of texts
        deal_codes = pd.factorize(_deal_keys_fast(rows))[0].astype(np.int64)
        deals = pd.DataFrame({"key": keys, "deal": deal_codes, "segment": rows["segment"], "product": rows["product"]}, index=rows.index)[rows["amount"].astype("int64") >= 0]
        width = int(deal_codes.max()) + 1 if len(deal_codes) else 1
        quantity = rows["quantity"] if "quantity" in rows.columns else pd.Series(pd.NA, index=rows.index, dtype="Int64")
        units = pd.DataFrame({"key": keys, "quantity": quantity.astype("Int64"), "product": rows["product"]})
        for name, frame, aim_column in (("deals_won", deals, "segment"), ("units", units, "product")):
            aimed = frame[frame[aim_column].isin(aims.get(name, set()))] if name in aims else None
            for label, part in ((name, frame), (f"aimed:{name}", aimed)):
                if part is None:
                    continue
                if name == "deals_won":
                    group, deal = part["key"].to_numpy(dtype=np.int64), part["deal"].to_numpy(dtype=np.int64)
                    distinct = np.unique(group * width + deal)  # each (group, deal) once
                    per_group = np.bincount(distinct // width, minlength=len(named))
                    present = pd.unique(group)  # groups in order of their first row, as a group-by would list them
                    counted = pd.Series(per_group[present], index=present)
                    total[label] = len(np.unique(deal))
                else:
                    counted = part.groupby("key", sort=False)["quantity"].sum()
                    total[label] = int(part["quantity"].sum())
                for key, value in counted.items():
                    out[named[key]][label] = int(value)
    first = ctx.keep_rows(first_sales(ctx), "date", span)
    if first is not None and len(first):
        keys, named = _group_keys(ctx, first, by)
        new = pd.DataFrame({"key": keys, "account": first["account"], "segment": first["segment"]})
        parts = [("new_customers", new)]
        if "new_customers" in aims:
            parts.append(("aimed:new_customers", new[new["segment"].isin(aims["new_customers"])]))
        for label, part in parts:
            # accounts as integer codes (missing ones dropped, as nunique and a group-by drop them)
            account = part["account"]
            codes = np.asarray(account.cat.codes, dtype=np.int64) if isinstance(account.dtype, pd.CategoricalDtype) else pd.factorize(account)[0].astype(np.int64)
            group = part["key"].to_numpy(dtype=np.int64)
            known = codes >= 0
            width = int(codes.max()) + 1 if len(codes) and known.any() else 1
            distinct = np.unique(group[known] * width + codes[known])
            per_group = np.bincount(distinct // width, minlength=len(named))
            for key in pd.unique(group):
                if per_group[key]:
                    out[named[key]][label] = int(per_group[key])
            total[label] = len(np.unique(codes[known]))
    return out, total


def volume_notes(ctx: ReportContext) -> list[str]:
    """What the volume columns cannot show, in one line each."""
    sales = ctx.frames.sales
    if sales is None:
        return []
    notes = []
    if not has_quantities(ctx):
        notes.append("units: no sales row carries a quantity (map the quantity field of the sales or opportunities export): the units column is empty")
    else:
        span = ctx.to_date
        rows = ctx.keep_rows(sales, "date", span)
        missing = int(rows["quantity"].isna().sum()) if rows is not None else 0
        if missing:
            notes.append(f"units: {missing:,} sales row{'s' if missing != 1 else ''} of the period without a quantity count in value, not in units")
    if ctx.to_date is not None and len(sales) and sales["date"].notna().any():
        earliest = sales["date"].min().date()
        if earliest >= ctx.to_date.start:
            notes.append(
                f"new customers: the sales data begin on {earliest.isoformat()}, within the period: an account counted new may have bought before (export earlier sales to tell)"
            )
    return notes


def volume_row(ctx: ReportContext, by_kind: dict, actual: dict, planned: dict | None, kinds: list[str], plan_row: bool) -> dict:
    """The volume columns of one attainment row."""
    from .status import status_of

    thresholds = ctx.ws.settings.thresholds
    units = actual.get("units", 0) if has_quantities(ctx) else None
    row = {
        "deals_won": actual.get("deals_won", 0),
        "units": float(Fraction(units, 100)) if units is not None else None,
        "new_customers": actual.get("new_customers", 0),
    }
    for kind in kinds:
        target = (planned or {}).get(kind) if by_kind.get(kind) else None
        done = actual.get(f"aimed:{kind}", 0)
        if kind == "units":
            done = Fraction(done, 100) if has_quantities(ctx) else None
        ratio = Fraction(done) / target if target and done is not None else None
        row[f"{kind}_target"] = round(float(target), 2) if target is not None else None
        row[f"{kind}_attainment"] = float(ratio) if ratio is not None else None
        row[f"{kind}_status"] = status_of(ratio, thresholds.attainment.fraction, thresholds.watch_band.fraction) if plan_row and ratio is not None else ""
    return row


def volume_columns(kinds: list[str]) -> list[str]:
    return [*ACTUALS, *(f"{kind}_{suffix}" for kind in kinds for suffix in ("target", "attainment", "status"))]


def volume_figures(ctx: ReportContext, per_rep: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """The gate figures of the volume objectives the strategy sets: each rep's volume attainment to date."""
    records = [r for r in per_rep.to_dict("records") if not str(r["rep"]).startswith("<")]
    return {kind: {r["rep"]: r.get(f"{kind}_attainment") for r in records} for kind in volume_kinds(ctx)}
