"""Pipeline: the open deals as of a day, their value, weight, age and freshness, and how well they cover what is left to sell.

Every amount is summed exactly (integer cents, or fractions of a cent for weighted
values) and rounded half away from zero to the cent only in the output.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd

from ..config.values import round_half_away
from ..intake.derived import remembered
from .context import TOTAL, UNPLANNED, UNSEGMENTED, ReportContext, report_frame
from .estimate import deal_estimates, estimate_note, estimate_settings
from .lines import by_product_line, deals_with_product, has_lines
from .orders import dim_orders, key_rank  # also imported from here by conversion and quality
from .period import Period, share_in
from .status import status_of

BY_CHOICES = ("rep", "team", "stage", "segment", "product")
#: Age buckets (days since the deal was created) and the pipeline column counting each.
AGE_BUCKETS = {"0-30": "age_0_30", "31-90": "age_31_90", "91-180": "age_91_180", ">180": "age_over_180", "unknown": "age_unknown"}
PIPELINE_COLUMNS = ["count", "value", "value_unknown", "weighted", "overdue", "no_close_date", "stale", *AGE_BUCKETS.values()]
COVERAGE_COLUMNS = ["rep", "team", "period_target", "actual", "remaining_target", "open_in_rest", "coverage", "status"]
WATCH_COLUMNS = ["rep", "id", "name", "account", "stage", "amount", "close_date", "age_days", "overdue", "no_close_date", "stale"]
#: Columns open_deals adds to the opportunities frame.
ADDED_COLUMNS = ["age_days", "age_bucket", "overdue", "no_close_date", "stale", "last_touch", "weighted_nano"]
#: How a deal without account is shown.
NO_ACCOUNT = "<no account>"
#: weighted values are kept in billionths of a cent: probabilities are exact to 9 decimals (probability_fraction)
NANO = 10**9
#: Default stale_days when the workspace has no data: section (as DataConfig).
DEFAULT_STALE_DAYS = 30


# --- exact money ---------------------------------------------------------------------------------


def cents_out(cents: int | Fraction) -> float:
    """Exact cents (possibly fractional) to currency units for output, rounded half away from zero to the cent."""
    if type(cents) is int:  # whole cents: nothing to round (called for every figure of every row)
        return cents / 100
    return round_half_away(Fraction(cents)) / 100


def units_out(amount: Fraction) -> float:
    """An exact amount in currency units to a float rounded half away from zero to the cent."""
    return cents_out(Fraction(amount) * 100)


def ratio_out(value: Fraction | None) -> float | None:
    """An exact ratio for output: the float nearest to it, unrounded (as attainment; gates compare it), None when undefined."""
    return None if value is None else float(value)


def probability_fraction(value) -> Fraction:
    """A probability read as a float (0..1) to an exact fraction: 0.35 -> 7/20, not the binary 0.3499999...

    Taken to 9 decimals, far finer than any CRM keeps; a missing probability (a stage without one) is 0.
    """
    if value is None or pd.isna(value):
        return Fraction(0)
    return Fraction(f"{float(value):.9f}")


# --- shared helpers ------------------------------------------------------------------------------


def _missing(value) -> bool:
    """None, NaN, NaT or pd.NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def day_of(value) -> dt.date | None:
    """A frame date (Timestamp, datetime64, date or NaT) as a date, None when unknown."""
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def text_of(value) -> str | None:
    """A frame text cell, None when missing (None, NaN) or blank."""
    if _missing(value):
        return None
    text = str(value)
    return text if text.strip() else None


def amount_known(frame: pd.DataFrame) -> pd.Series:
    """Which deals have a known amount (a blank amount is 0 in `amount` and False here)."""
    if "amount_known" in frame.columns:
        return frame["amount_known"].astype(bool)
    return pd.Series(True, index=frame.index)


def within_filters(ctx: ReportContext, frame: pd.DataFrame, reps: bool = True, segment: bool = True, product: bool = True, deals: bool = False) -> pd.DataFrame:
    """Rows of a frame inside the filters (rep/team, segment, product), whatever their dates.

    deals: the rows are whole deals; with product lines, --product keeps the deals having a line of that range."""
    mask = pd.Series(True, index=frame.index)
    if reps and (ctx.filters.reps or ctx.filters.team):
        allowed = {rep.id for rep in ctx.reps()}
        mask &= frame["rep"].isin(allowed)
    if segment and ctx.filters.segment:
        mask &= frame["segment"] == ctx.filters.segment
    if product and ctx.filters.product:
        if deals and has_lines(ctx):
            mask &= deals_with_product(ctx, frame["id"], ctx.filters.product)
        else:
            mask &= frame["product"] == ctx.filters.product
    return frame[mask]


def stale_days(ctx: ReportContext) -> int:
    data = ctx.ws.settings.data if ctx.ws.settings else None
    return data.stale_days if data is not None else DEFAULT_STALE_DAYS


def age_bucket(age_days: int | None) -> str:
    if age_days is None:
        return "unknown"
    if age_days <= 30:
        return "0-30"
    if age_days <= 90:
        return "31-90"
    if age_days <= 180:
        return "91-180"
    return ">180"


def label(dim: str, value, teams: dict[str, str] | None = None, rep_id: str | None = None) -> str:
    """The group label of one dimension: None becomes <unplanned> (rep, team, product) or <unsegmented> (segment)."""
    if dim == "team":
        team = (teams or {}).get(rep_id) if rep_id is not None else None
        return team if team is not None else UNPLANNED
    if value is None:
        return UNSEGMENTED if dim == "segment" else UNPLANNED
    return value


def text_column(column: pd.Series) -> pd.Series:
    """text_of over a column: None where missing or blank, else the text."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # decided once per category, then spread by code (a key column has few categories and many rows)
        categories = column.cat.categories.astype("object")
        blank_category = np.asarray(categories.isna() | (categories.astype("str").str.strip() == ""), dtype=bool)
        codes = np.asarray(column.cat.codes)
        keep = codes >= 0
        keep[keep] = ~blank_category[codes[keep]]
        values = np.full(len(column), None, dtype=object)
        values[keep] = categories.to_numpy(dtype=object)[codes[keep]]
        return pd.Series(values, index=column.index, dtype="object", name=column.name)
    values = column.astype("object")
    blank = values.isna() | (values.astype("str").str.strip() == "")
    return values.where(~blank, None)


def label_columns(frame: pd.DataFrame, by: list[str], teams: dict[str, str]) -> pd.DataFrame:
    """label() over whole columns: the group label of each row for each dimension of `by`."""
    out = {}
    rep = text_column(frame["rep"]) if "rep" in frame.columns else pd.Series(None, index=frame.index, dtype="object")
    for dim in by:
        if dim == "team":
            team = rep.map(teams)
            out[dim] = team.where(team.notna() & rep.notna(), UNPLANNED).astype("object")
        elif dim == "stage":
            out[dim] = frame["stage"].astype("object")
        elif dim == "rep":
            out[dim] = rep.where(rep.notna(), UNPLANNED)
        else:
            value = text_column(frame[dim])
            out[dim] = value.where(value.notna(), UNSEGMENTED if dim == "segment" else UNPLANNED)
    return pd.DataFrame(out, index=frame.index)


def _label_keys(frame: pd.DataFrame, by: list[str], teams: dict[str, str]) -> list[pd.Series]:
    """The group-by keys of `by`: label_columns computed once (not once per dimension)."""
    labels = label_columns(frame, by, teams)
    return [labels[d] for d in by]


def sum_cents(amounts: pd.Series, keys) -> pd.Series:
    """Sum of integer cents per group, exact: int64 when no sum can overflow, else Python integers."""
    amounts = amounts.astype("int64")
    if len(amounts) and int(amounts.abs().max()) * len(amounts) >= 2**63:
        amounts = amounts.astype("object")
    return amounts.groupby(keys, sort=False, dropna=False).sum()


def check_by(ctx: ReportContext, by: list[str], choices: tuple[str, ...]) -> None:
    for dim in by:
        if dim not in choices:
            raise ValueError(f"--by {dim}: choose among {', '.join(choices)}")
    if "product" in by and not ctx.ws.strategy.products:
        raise ValueError("--by product: the strategy declares no product ranges")


# --- open deals ----------------------------------------------------------------------------------


def _last_activity_per_deal(ctx: ReportContext) -> pd.Series:
    """Deal id (stripped) -> the day of the latest activity done on it (not open), dated on or before the as-of day."""
    acts = ctx.frames.activities
    # not_open's rows as a mask: no copy of the whole export
    done = (acts["status"] != "open").to_numpy(dtype=bool) if acts is not None and "status" in acts.columns else None
    if acts is None or not len(acts) or (done is not None and not done.any()) or "opportunity" not in acts.columns:
        return pd.Series([], dtype="datetime64[ns]")
    key = ("last_activity_per_deal", ctx.as_of)  # activities of every rep: the same whatever the filters
    cached = ctx.frames.derived.get(key)
    if cached is not None:
        return cached

    def encode(series):
        return {"deal": series.index.to_numpy(dtype=object), "day": series.to_numpy(dtype="datetime64[ns]")}, {}

    def decode(columns, _values):
        days = columns["day"]
        if days.dtype != np.dtype("datetime64[ns]") or len(days) != len(columns["deal"]):
            raise ValueError("not a list of days")
        return pd.Series(days, index=pd.Index(columns["deal"], dtype="object"), name="date")

    result = remembered(getattr(ctx.frames, "store", None), "last_activity", ("last_activity_per_deal", ctx.as_of), lambda: _latest_days(acts, done, ctx.as_of), encode, decode)
    ctx.frames.derived[key] = result
    return result


def _latest_days(acts: pd.DataFrame, done: np.ndarray | None, as_of) -> pd.Series:
    """_last_activity_per_deal computed from the activities (`done`: the rows not open, None: all)."""
    # the cheap tests first (a deal named, dated by the as-of day), so only those rows are stripped and normalized
    dates = pd.to_datetime(acts["date"], errors="coerce")
    early = (acts["opportunity"].notna() & (dates < pd.Timestamp(as_of) + pd.Timedelta(days=1))).to_numpy(dtype=bool)
    if done is not None:
        early = early & done
    stripped = acts["opportunity"][early].astype("str").str.strip()
    named = (stripped != "").to_numpy(dtype=bool)
    # the latest time per deal code, made a day afterwards (the latest day is the day of the latest time)
    codes, deals = pd.factorize(stripped[named])
    stamps = dates[early].to_numpy(dtype="datetime64[ns]")[named]
    latest = pd.Series(stamps).groupby(codes, sort=True).max()  # codes count in order of first row
    days = pd.DatetimeIndex(latest.to_numpy()).normalize().astype("datetime64[ns]")
    return pd.Series(days, index=pd.Index(np.asarray(deals, dtype=object)[latest.index.to_numpy()], dtype="object"), name="date")


def open_deals(ctx: ReportContext) -> pd.DataFrame:
    """Opportunities open as of ctx.as_of, within the filters (rep, team, segment, product; not the period).

    Open: outcome 'open' and created on or before the as-of day (or creation date unknown).
    Added columns:
      age_days   = as_of - created_date in days (None when unknown);
      age_bucket = '0-30', '31-90', '91-180', '>180' (days, both ends included) or 'unknown';
      overdue    = close_date < as_of (a deal due on the as-of day itself is not overdue);
      no_close_date = the close date is blank (the deal closes in no period: out of pipeline coverage);
      last_touch = the latest sign of life on or before as_of: last_activity and the latest activity of
                   the activities export whose `opportunity` is the deal id; when neither exists, created_date;
      stale      = as_of - last_touch > stale_days (False when no date at all is known);
      weighted_nano = amount x probability in billionths of a cent, an exact integer (the probability is
                   taken to 9 decimals; a missing probability counts 0; a blank amount, 0: value unknown).
    """
    opps = ctx.frames.opportunities
    if opps is None:
        return pd.DataFrame(columns=["id", "owner", "rep", "account", "stage", "outcome", "amount", "amount_known", "probability", "close_date", "created_date", "last_activity", "product", "segment", "line", *ADDED_COLUMNS])
    # the dashboard asks three times (pipeline, pipeline coverage, deals to watch): computed once per
    # workspace, day and filters; callers get a copy, so none can change what the next one sees
    key = ("open_deals", ctx.as_of, ctx.filters, stale_days(ctx))
    cached = ctx.frames.derived.get(key)
    if cached is None or cached[0] is not ctx.ws:
        cached = (ctx.ws, _open_deals(ctx, opps))
        ctx.frames.derived[key] = cached
    return cached[1].copy(deep=False)


def _open_deals(ctx: ReportContext, opps: pd.DataFrame) -> pd.DataFrame:
    as_of = pd.Timestamp(ctx.as_of)
    created = opps["created_date"]
    mask = (opps["outcome"] == "open") & (created.isna() | (created <= as_of))
    deals = within_filters(ctx, opps[mask], deals=True).copy()
    limit = stale_days(ctx)
    logged = _last_activity_per_deal(ctx)
    day = pd.Timestamp(ctx.as_of)
    created = pd.to_datetime(deals["created_date"], errors="coerce").dt.normalize()
    age = (day - created).dt.days
    known_age = age.notna().to_numpy()
    ages = np.where(known_age, age.fillna(0).astype("int64").to_numpy().astype(object), None)
    days_old = age.fillna(0).to_numpy()
    # age_bucket() by column
    buckets = np.select([~known_age, days_old <= 30, days_old <= 90, days_old <= 180], ["unknown", "0-30", "31-90", "91-180"], ">180").astype(object)
    close = pd.to_datetime(deals["close_date"], errors="coerce").dt.normalize()
    overdue = (close < day).fillna(False).astype(bool).tolist()
    undated = close.isna().to_numpy()
    # the last sign of life: the deal's own last_activity and the activities logged on it, up to the as-of day
    touch = pd.Series(pd.NaT, index=deals.index, dtype="datetime64[ns]")
    if "last_activity" in deals.columns:
        own = pd.to_datetime(deals["last_activity"], errors="coerce").dt.normalize().astype("datetime64[ns]")
        touch = own.where(own <= day)
    if len(logged):
        from_log = deals["id"].astype("str").str.strip().map(logged).astype("datetime64[ns]")
        touch = pd.concat([touch, from_log], axis=1).max(axis=1)
    touch = touch.fillna(created.astype("datetime64[ns]"))
    touches = np.where(touch.notna().to_numpy(), touch.dt.date.to_numpy(dtype=object), None)
    stale = (touch.notna() & ((day - touch).dt.days > limit)).astype(bool).tolist()
    nano = {p: int(probability_fraction(p) * NANO) for p in pd.unique(deals["probability"])}
    amounts = deals["amount"].astype("int64")
    per_deal = deals["probability"].map(nano).fillna(0).astype("int64")
    if len(amounts) and int(amounts.abs().max()) * NANO >= 2**63:
        weighted = amounts.astype("object") * per_deal.astype("object")
    else:
        weighted = amounts * per_deal
    deals["age_days"] = pd.Series(ages, index=deals.index, dtype="object")
    deals["age_bucket"] = pd.Series(buckets, index=deals.index, dtype="object")
    deals["overdue"] = pd.Series(overdue, index=deals.index, dtype="bool")
    deals["no_close_date"] = pd.Series(undated, index=deals.index, dtype="bool")
    deals["amount_known"] = amount_known(deals)
    deals["stale"] = pd.Series(stale, index=deals.index, dtype="bool")
    deals["last_touch"] = pd.Series(touches, index=deals.index, dtype="object")
    deals["weighted_nano"] = weighted
    if estimate_settings(ctx) is not None:
        deals["estimate"] = deal_estimates(ctx, deals)
    return deals.reset_index(drop=True)


# --- pipeline by group ---------------------------------------------------------------------------


def _empty_counts() -> dict:
    return {"count": 0, "value": 0, "value_unknown": 0, "estimated": Fraction(0), "weighted": Fraction(0), "overdue": 0, "no_close_date": 0, "stale": 0, **{c: 0 for c in AGE_BUCKETS.values()}}


def _out(acc: dict) -> dict:
    row = dict(acc)
    row["value"] = cents_out(acc["value"])
    row["weighted"] = cents_out(acc["weighted"])
    row["estimated"] = cents_out(acc["estimated"])
    return row


def pipeline(ctx: ReportContext, by: list[str] | None = None) -> pd.DataFrame:
    """Open deals as of ctx.as_of grouped by `by` (default rep, stage), then a <total> row.

    count: open deals; value: sum of the known amounts; value_unknown: open deals without an amount (in
    every count, in no value); weighted: sum of amount x probability over the known amounts;
    overdue, no_close_date, stale: how many of the deals are; age_*: how many fall in each age bucket.
    A deal whose owner matches no rep is under <unplanned> for rep and team; a missing product is
    <unplanned>, a missing segment <unsegmented>. Only groups holding at least one deal are listed,
    in the declared order of reps (team, id), stages, segments and products.
    """
    by = list(by or ["rep", "stage"])
    check_by(ctx, by, BY_CHOICES)
    deals = open_deals(ctx)
    teams = {rep.id: rep.manager for rep in ctx.ws.reps.values()}
    total = _empty_counts()
    if not len(deals):
        groups: dict[tuple, dict] = {}
    elif has_lines(ctx) and ("product" in by or ctx.filters.product):
        # product figures from the product lines: a deal counts once in each range it has a line of, with
        # those lines' amount; the <total> counts each deal once and sums the lines shown
        lines = by_product_line(ctx, deals)
        if "estimate" in lines.columns:  # a deal's estimate is not split by range: only in the <total>
            lines = lines.assign(estimate=None)
        if ctx.filters.product:
            lines = lines[lines["product"] == ctx.filters.product]
        nano = {p: int(probability_fraction(p) * NANO) for p in pd.unique(lines["probability"])}
        lines = lines.assign(weighted_nano=lines["amount"].astype("object") * lines["probability"].map(nano).fillna(0).astype("int64").astype("object"))
        groups = _accumulate(lines, _label_keys(lines, by, teams))
        total = next(iter(_accumulate(deals, [pd.Series(TOTAL, index=deals.index)]).values()))
        total["value"] = sum(acc["value"] for acc in groups.values())
        total["weighted"] = sum((acc["weighted"] for acc in groups.values()), Fraction(0))
        if ctx.filters.product:
            total["estimated"] = Fraction(0)
    else:
        groups = _accumulate(deals, _label_keys(deals, by, teams))
        for acc in groups.values():
            for name in total:
                total[name] += acc[name]
    orders = dim_orders(ctx)
    rows = [{**dict(zip(by, key)), **_out(groups[key])} for key in sorted(groups, key=lambda k: key_rank(by, k, orders))]
    rows.append({**{d: TOTAL for d in by}, **_out(total)})
    columns = list(PIPELINE_COLUMNS)
    if estimate_settings(ctx) is not None:  # its own column, only when the workspace asks for estimates
        columns.insert(columns.index("value_unknown") + 1, "estimated")
    return report_frame(rows, [*by, *columns])


def _accumulate(deals: pd.DataFrame, keys: list[pd.Series]) -> dict[tuple, dict]:
    """The pipeline figures of open deals (open_deals rows) per group of `keys`."""
    grouped = pd.DataFrame(
        {
            "count": 1,
            "value_unknown": (~deals["amount_known"].astype(bool)).astype("int64"),
            "overdue": deals["overdue"].astype("int64"),
            "no_close_date": deals["no_close_date"].astype("int64"),
            "stale": deals["stale"].astype("int64"),
            **{column: (deals["age_bucket"] == bucket).astype("int64") for bucket, column in AGE_BUCKETS.items()},
        },
        index=deals.index,
    ).groupby(keys, sort=False, dropna=False).sum()
    values = sum_cents(deals["amount"], keys).to_dict()
    estimates = deals["estimate"].map(lambda v: Fraction(0) if v is None else v).groupby(keys, sort=False, dropna=False).sum().to_dict() if "estimate" in deals.columns else {}
    weights = deals["weighted_nano"].astype("object").groupby(keys, sort=False, dropna=False).sum().to_dict()
    groups = {}
    for index_key, row in zip(grouped.index, grouped.to_dict("records")):
        key = index_key if isinstance(index_key, tuple) else (index_key,)
        acc = {"count": int(row["count"]), "value": int(values[index_key]), "estimated": Fraction(estimates.get(index_key, 0)), "weighted": Fraction(int(weights[index_key]), NANO)}
        acc.update({c: int(row[c]) for c in ("value_unknown", "overdue", "no_close_date", "stale", *AGE_BUCKETS.values())})
        groups[key] = acc
    return groups


# --- pipeline coverage ---------------------------------------------------------------------------


def coverage_horizon(ctx: ReportContext) -> Period:
    """The period pipeline coverage looks at: the report's period, or the fiscal year when the period
    has nothing left after the as-of day (year to date, a past month)."""
    if ctx.period.end > ctx.as_of:
        return ctx.period
    return ctx.fiscal_year


def pipeline_coverage(ctx: ReportContext) -> pd.DataFrame:
    """Per rep: open pipeline due in the rest of the period against the target still to reach, and a <total> row.

    The period is coverage_horizon(ctx): the fiscal year when the report's period ends by the as-of day.

    period_target    = the rep's target for the whole period (target_in: month targets over the days in post in it);
    actual           = the rep's sales dated in the period up to the as-of day;
    remaining_target = max(0, period_target - actual);
    open_in_rest     = known amount of the rep's open deals with a close date in the period after the as-of day
                       (deals without a close date or an amount add nothing: pipeline_notes says how many);
    coverage         = open_in_rest / remaining_target (None when nothing remains, or no day of the period is left);
    status           = on track at or above thresholds.pipeline, watch within the watch band below it.
    The <total> row sums the reps' figures (remaining_target is the sum of each rep's remainder, so one rep
    ahead of target does not hide another's gap). Segment and product filters restrict deals, sales and targets.
    """
    months = ctx.months
    targets = ctx.targets()
    segments = ctx.segments()
    product = ctx.filters.product
    horizon = coverage_horizon(ctx)
    rest = horizon.after(ctx.as_of)
    so_far = horizon.until(ctx.as_of)

    open_rest: dict[str, int] = {}
    if rest is not None:
        deals = open_deals(ctx)
        if len(deals):
            close = pd.to_datetime(deals["close_date"], errors="coerce").dt.normalize()
            inside = deals[deals["rep"].notna() & (close >= pd.Timestamp(rest.start)) & (close <= pd.Timestamp(rest.end))]
            if product and has_lines(ctx):  # only the lines of that range count
                inside = by_product_line(ctx, inside)
                inside = inside[inside["product"] == product]
            open_rest = _cents_by_rep(inside)

    sold: dict[str, int] = {}
    sales = ctx.frames.sales
    if sales is not None and so_far is not None:
        kept = ctx.keep_rows(sales, "date", so_far)
        sold = _cents_by_rep(kept[kept["rep"].notna()])

    thresholds = ctx.ws.settings.thresholds
    threshold, band = Fraction(thresholds.pipeline), thresholds.watch_band.fraction
    rows = []
    sums = {"period_target": Fraction(0), "actual": 0, "remaining_target": Fraction(0), "open_in_rest": 0}
    for rep in ctx.reps():
        t = targets.get(rep.id)
        period_target = Fraction(0)
        if t is not None:
            # the sum over segments of target_in(t, months, horizon, seg): the rep's share of the year computed once
            period_target = sum((t.full_year[seg] for seg in segments if seg in t.full_year), Fraction(0)) * share_in(t, months, horizon)
            if product:
                period_target *= t.product_mix.get(product, Fraction(0))
        actual = sold.get(rep.id, 0)
        remaining = max(Fraction(0), period_target - Fraction(actual, 100))
        pipe = open_rest.get(rep.id, 0)
        sums["period_target"] += period_target
        sums["actual"] += actual
        sums["remaining_target"] += remaining
        sums["open_in_rest"] += pipe
        rows.append(_coverage_row(rep.id, rep.manager, period_target, actual, remaining, pipe, threshold, band, rest is not None))
    rows.append(_coverage_row(TOTAL, TOTAL, sums["period_target"], sums["actual"], sums["remaining_target"], sums["open_in_rest"], threshold, band, rest is not None))
    return report_frame(rows, COVERAGE_COLUMNS)


def _cents_by_rep(rows: pd.DataFrame) -> dict[str, int]:
    """Sum of `amount` (integer cents) per rep id, exact: in int64 when no sum can overflow, else in Python integers."""
    rows = rows[rows["rep"].notna()]
    if not len(rows):
        return {}
    amounts = rows["amount"].astype("int64")
    if int(amounts.abs().max()) * len(amounts) >= 2**63:
        amounts = amounts.astype("object")
    return {str(k): int(v) for k, v in amounts.groupby(rows["rep"].astype("object").to_numpy(), sort=False).sum().items()}


def _coverage_row(rep: str, team: str, period_target: Fraction, actual: int, remaining: Fraction, pipe: int, threshold: Fraction, band: Fraction, open_days: bool = True) -> dict:
    # with no day of the horizon left (an as-of day after the fiscal year) there is nothing to cover: no ratio
    ratio = Fraction(pipe, 100) / remaining if remaining and open_days else None
    return {
        "rep": rep,
        "team": team,
        "period_target": units_out(period_target),
        "actual": cents_out(actual),
        "remaining_target": units_out(remaining),
        "open_in_rest": cents_out(pipe),
        "coverage": ratio_out(ratio),
        "status": status_of(ratio, threshold, band),
    }


# --- deals to watch ------------------------------------------------------------------------------


def deals_to_watch(ctx: ReportContext, top: int = 10) -> pd.DataFrame:
    """Open deals that are overdue, stale or without a close date: the `top` largest per rep (<unplanned> for
    deals of no rep), listed by amount (largest first; value unknown after every valued deal), then id."""
    deals = open_deals(ctx)
    chosen = deals[deals["overdue"] | deals["stale"] | deals["no_close_date"]] if len(deals) else deals
    if not len(chosen):
        return report_frame([], WATCH_COLUMNS)
    # largest first, then id; the first `top` of each rep in that order (one sort, not one pass per deal)
    ranked = chosen.assign(
        watch_rep=label_columns(chosen, ["rep"], {})["rep"],
        watch_cents=chosen["amount"].astype("int64"),
        watch_known=chosen["amount_known"].astype(bool),
        watch_id=chosen["id"].astype("str"),
    )
    ranked = ranked.sort_values(["watch_known", "watch_cents", "watch_id"], ascending=[False, False, True], kind="stable")
    ranked = ranked.groupby("watch_rep", sort=False).head(top)
    has_name = "name" in ranked.columns
    rows = []
    for deal in ranked.itertuples(index=False):
        rows.append(
            {
                "rep": deal.watch_rep,
                "id": deal.watch_id,
                "name": text_of(getattr(deal, "name", None)) if has_name else None,
                "account": text_of(deal.account) or NO_ACCOUNT,
                "stage": deal.stage,
                "close_date": day_of(deal.close_date),
                "age_days": deal.age_days,
                "overdue": bool(deal.overdue),
                "no_close_date": bool(deal.no_close_date),
                "stale": bool(deal.stale),
                "amount": cents_out(int(deal.watch_cents)) if deal.watch_known else None,
            }
        )
    return report_frame(rows, WATCH_COLUMNS)


# --- what could not be valued --------------------------------------------------------------------


def pipeline_notes(ctx: ReportContext) -> list[str]:
    """One line per gap in the open deals: without amount (value unknown), without close date, without account."""
    deals = open_deals(ctx)
    if not len(deals):
        return []
    notes = []
    unknown = int((~deals["amount_known"].astype(bool)).sum())
    estimated = estimate_note(ctx, deals)
    if unknown:
        notes.append(
            f"pipeline: {_deals(unknown)} without an amount: counted in every count (value_unknown), in no value, weighted value or coverage"
        )
        if estimated:
            notes.append(estimated)
    undated = int(deals["no_close_date"].sum())
    if undated:
        notes.append(f"pipeline: {_deals(undated)} without a close date (no_close_date): out of pipeline coverage, listed among the deals to watch")
    report = next((r for r in ctx.frames.reports if r.kind == "opportunities"), None)
    absent = report is not None and "account" in report.absent  # said once, by gaps.opportunity_notes
    no_account = int(deals["account"].isna().sum()) if "account" in deals.columns and not absent else 0
    if no_account:
        notes.append(f"pipeline: {_deals(no_account)} without an account, shown as {NO_ACCOUNT}: they count for their rep, not for any account")
    return notes


def _deals(n: int) -> str:
    return f"{n:,} open deal{'s' if n != 1 else ''}"
