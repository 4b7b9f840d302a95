"""Coverage: how many of each rep's targeted accounts were worked in the period to date, and which were not."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd

from ..intake.parse import is_in
from ..intake.derived import frame_flag, remembered
from ..intake.segments import portfolio_frame, portfolio_rows
from ..plan.model import ACCOUNT_STATUSES
from .activity import days_in_post, norms_of
from .context import TOTAL, UNSEGMENTED, ReportContext, report_frame
from .status import ON_TRACK, status_of

#: `account_status` is the prospect/customer dimension; `status` the on track / watch / off track verdict,
#: as in the other reports (a DataFrame cannot hold two columns named `status`).
COLUMNS = ["rep", "segment", "account_status", "targeted", "touched", "coverage", "due", "actions", "pressure", "status"]
UNTOUCHED_COLUMNS = ["rep", "account", "name", "segment", "status", "priority", "last_action", "days_since"]

NO_ACCOUNTS = "coverage needs an accounts export (data.accounts)"
NO_ACTIVITIES = "coverage needs an activities export (data.activities)"


def cutoff(ctx: ReportContext) -> dt.date:
    """The last day the coverage looks at: the end of the period to date (the as-of date before the period begins)."""
    span = ctx.to_date
    return span.end if span is not None else ctx.as_of


def account_statuses(ctx: ReportContext) -> pd.Series:
    """Status of every account (index: account id): the export's status where set, else customer when the
    account has a sale or a won opportunity dated on or before the end of the period to date, else prospect."""
    accounts = ctx.frames.accounts if ctx.frames is not None else None
    if accounts is None:
        raise ValueError(NO_ACCOUNTS)
    ids = accounts["id"]
    declared = accounts["status"] if "status" in accounts.columns else pd.Series(None, index=accounts.index, dtype="object")
    derived = pd.Series(np.where(_bought_mask(ctx, ids), "customer", "prospect"), index=accounts.index, dtype="object")
    values = declared.astype("object").where(declared.isin(ACCOUNT_STATUSES), derived)
    return pd.Series(values.to_numpy(dtype=object), index=pd.Index(ids.to_numpy(dtype=object), name="account"), name="status", dtype="object")


def _bought_windows(ctx: ReportContext) -> list[tuple[pd.Series, np.ndarray]]:
    """(account column, rows that count) of the sales and won opportunities dated on or before the end of the
    period to date (at any time of day: before the midnight after it)."""
    before = pd.Timestamp(cutoff(ctx)) + pd.Timedelta(days=1)
    out = []
    sales = ctx.frames.sales if ctx.frames is not None else None
    if sales is not None and len(sales):
        out.append((sales["account"], (pd.to_datetime(sales["date"]) < before).to_numpy(dtype=bool)))
    opportunities = ctx.frames.opportunities if ctx.frames is not None else None
    if opportunities is not None and len(opportunities):
        won = (opportunities["outcome"] == "won") & (pd.to_datetime(opportunities["close_date"]) < before)
        out.append((opportunities["account"], won.to_numpy(dtype=bool)))
    return out


def bought_accounts(ctx: ReportContext) -> set:
    """Accounts with a sale or a won opportunity dated on or before the end of the period to date."""
    bought: set = set()
    for column, rows in _bought_windows(ctx):
        bought |= set(column[rows].to_numpy(dtype=object))
    return bought


def _bought_mask(ctx: ReportContext, ids: pd.Series) -> np.ndarray:
    """is_in(ids, bought_accounts(ctx)), on category codes where the account columns are categoricals: which
    categories were bought, then each id's category (no set of strings built from the rows)."""
    out = np.zeros(len(ids), dtype=bool)
    missing_ids = ids.isna().to_numpy(dtype=bool)
    for column, rows in _bought_windows(ctx):
        if not isinstance(column.dtype, pd.CategoricalDtype):
            out |= is_in(ids, set(column[rows]))
            continue
        codes = np.asarray(column.cat.codes)[rows]
        bought = np.zeros(len(column.cat.categories) + 1, dtype=bool)  # the last slot: ids of no category
        bought[codes[codes >= 0]] = True
        at = _positions(column.cat.categories, ids)
        out |= bought[np.where(at >= 0, at, len(bought) - 1)]
        if missing_ids.any() and (codes < 0).any():  # a missing id matches a missing account (as is_in does)
            out |= missing_ids
    return out


def targeted_accounts(ctx: ReportContext) -> pd.DataFrame:
    """(rep, account) pairs of the reps and segments the filters keep: rep, id, name, segment, status."""
    accounts = ctx.frames.accounts if ctx.frames is not None else None
    if accounts is None:
        raise ValueError(NO_ACCOUNTS)
    # the dashboard, its views and the single reports ask for the same pairs: computed once per workspace,
    # cut-off day and filters (callers get a shallow copy, so none changes what the next one sees)
    final_key = ("targeted_accounts", cutoff(ctx), tuple(rep.id for rep in ctx.reps()), ctx.filters.segment)
    final = ctx.frames.derived.get(final_key)
    if final is not None and final[0] is ctx.ws and final[1] is accounts:
        return final[2].copy(deep=False)
    key = ("portfolio_accounts", cutoff(ctx))
    cached = ctx.frames.derived.get(key)
    if cached is not None and cached[0] is ctx.ws:  # computed for this very workspace
        figure = cached[1]
    else:
        figure = _portfolio_pairs(ctx, accounts)
        ctx.frames.derived[key] = (ctx.ws, figure)
    reps = {rep.id for rep in ctx.reps()}
    selected = _of_reps(figure, reps)
    pairs = portfolio_frame(accounts, *selected)
    source = accounts["name"] if "name" in accounts.columns else accounts["id"]
    if len(pairs) and _ids_unique(ctx, accounts):  # each pair's name at its account's row (an id names one row)
        named = pd.Series(source.take(selected[2]).to_numpy(dtype=object), index=pairs.index, dtype="object")
    else:
        names = pd.Series(source.to_numpy(dtype=object), index=accounts["id"].to_numpy(dtype=object))
        named = pairs["id"].map(names[~names.index.duplicated(keep="first")])
    keep = pairs["rep"].isin(reps)
    if ctx.filters.segment:
        keep &= pairs["segment"] == ctx.filters.segment
    pairs, named = pairs[keep], named[keep]
    pairs = pairs.assign(name=named, segment=pairs["segment"].astype("object").where(pairs["segment"].notna(), UNSEGMENTED))
    pairs = pairs.reset_index(drop=True)
    ctx.frames.derived[final_key] = (ctx.ws, accounts, pairs)
    return pairs.copy(deep=False)


def _ids_unique(ctx: ReportContext, accounts: pd.DataFrame) -> bool:
    """Whether no account id repeats (the intake keeps an id's first row): once per frames, kept in the cache."""
    return frame_flag(ctx.frames, accounts, "ids_unique", "account_ids_unique", lambda: _ids_unique_of(accounts))


def _ids_unique_of(accounts: pd.DataFrame) -> bool:
    return bool(accounts["id"].is_unique)


def _of_reps(figure: tuple, reps: set[str]) -> tuple:
    """The (rep ids, counts, rows, statuses) of a portfolio figure for the reps in `reps` only, so that a team's
    or a rep's pairs are made without the other reps' accounts. When no rep of the figure is kept, the whole
    figure: its frame filtered to no rep is the empty frame it always was."""
    rep_ids, counts, rows, statuses = figure
    kept = [i for i, rep_id in enumerate(rep_ids) if rep_id in reps]
    if len(kept) == len(rep_ids) or not kept:
        return figure
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    picked = np.concatenate([np.arange(starts[i], starts[i] + counts[i]) for i in kept])
    return [rep_ids[i] for i in kept], [counts[i] for i in kept], rows[picked], statuses[picked]


def _portfolio_pairs(ctx: ReportContext, accounts: pd.DataFrame) -> tuple:
    """The figure of portfolio_accounts (rep ids, accounts per rep, account positions, statuses) with each
    account's status as of the cut-off day; kept in the cache entry of the frames (for these reps and this
    cut-off day) as positions of accounts, not as text."""

    def compute():
        with_status = accounts.copy()
        with_status["status"] = list(account_statuses(ctx))
        rep_ids, rows = portfolio_rows(with_status, ctx.ws)
        flat = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        statuses = with_status["status"].to_numpy(dtype=object)[flat]
        return rep_ids, [len(chosen) for chosen in rows], flat, statuses

    def encode(figure):
        rep_ids, counts, rows, statuses = figure
        return {"row": rows.astype(np.int64), "status": statuses}, {"reps": rep_ids, "counts": counts, "accounts": len(accounts)}

    def decode(columns, values):
        rows = columns["row"]
        if values["accounts"] != len(accounts) or sum(values["counts"]) != len(rows) or len(values["reps"]) != len(values["counts"]):
            raise ValueError("stored for other accounts")
        if len(rows) and (rows.dtype.kind != "i" or rows.min() < 0 or rows.max() >= len(accounts)):
            raise ValueError("positions out of the accounts")
        if any(not isinstance(n, int) or n < 1 for n in values["counts"]) or not set(columns["status"]) <= set(ACCOUNT_STATUSES):
            raise ValueError("counts or statuses that no portfolio gives")
        return list(values["reps"]), list(values["counts"]), columns["row"], columns["status"]

    parts = ("portfolio_accounts", cutoff(ctx), sorted(ctx.ws.reps))
    return remembered(getattr(ctx.frames, "store", None), "portfolios", parts, compute, encode, decode)


def _action_counts(ctx: ReportContext) -> pd.DataFrame:
    """rep, account, n: activities done (not open) by that rep on that account dated in the period to date (any
    segment, any filter)."""
    reps, accounts, keys, counts = _action_codes(ctx)
    width = max(len(accounts), 1)
    return pd.DataFrame(
        {
            "rep": pd.Series(np.asarray(reps, dtype=object)[keys // width], dtype="object"),
            "account": pd.Series(np.asarray(accounts, dtype=object)[keys % width], dtype="object"),
            "n": pd.Series(counts, dtype="int64"),
        }
    )


def _codes(column: pd.Series) -> tuple[pd.Index, np.ndarray]:
    """(categories, integer codes; -1 where missing) of a key column: a categorical's own, else factorized."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories, np.asarray(column.cat.codes, dtype=np.int64)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return pd.Index(uniques), np.asarray(codes, dtype=np.int64)


def _positions(index: pd.Index, values: pd.Series) -> np.ndarray:
    """index.get_indexer(values) (-1 where absent or missing) for an index of unique keys; for text, by Arrow's
    hash lookup (several times faster than pandas' on 250,000 account ids)."""
    if pd.api.types.is_string_dtype(index.dtype) and pd.api.types.is_string_dtype(values.dtype) and len(values):
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            found = pc.index_in(pa.array(values.array, type=pa.large_string()), value_set=pa.array(index.array, type=pa.large_string()))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # values that are not all text: pandas' lookup
            return index.get_indexer(values)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return index.get_indexer(values)


def _action_codes(ctx: ReportContext) -> tuple[pd.Index, pd.Index, np.ndarray, np.ndarray]:
    """The counts of _action_counts on integer codes, computed once per frames and period to date:
    (rep categories, account categories, sorted keys rep code x len(accounts) + account code, activities per key).
    A (rep, account) pair counted on codes instead of a group-by on two text columns: one sort of integers."""
    span = ctx.to_date
    cache_key = ("action_codes", span.start if span else None, span.end if span else None)
    cached = ctx.frames.derived.get(cache_key)
    if cached is not None and cached[0] is ctx.frames.activities:
        return cached[1]
    activities = ctx.frames.activities
    if isinstance(activities["rep"].dtype, pd.CategoricalDtype) and isinstance(activities["account"].dtype, pd.CategoricalDtype):
        # the vocabularies now, the 5,000,000 codes only if the counts are not in the cache
        reps, accounts = activities["rep"].cat.categories, activities["account"].cat.categories
    else:
        reps, accounts = _codes(activities["rep"])[0], _codes(activities["account"])[0]

    def compute():
        return _pair_keys(activities, span, _codes(activities["rep"])[1], _codes(activities["account"])[1], len(accounts))

    def encode(figure):
        return {"key": figure[0], "n": figure[1]}, {"reps": len(reps), "accounts": len(accounts), "rows": len(activities)}

    def decode(columns, values):
        if (values["reps"], values["accounts"], values["rows"]) != (len(reps), len(accounts), len(activities)):
            raise ValueError("stored for other activities")
        keys, counts = columns["key"], columns["n"]
        if keys.dtype.kind != "i" or counts.dtype.kind != "i" or len(keys) != len(counts):
            raise ValueError("not integer keys and counts")
        if len(keys) and (keys[0] < 0 or keys[-1] >= len(reps) * max(len(accounts), 1) or (np.diff(keys) <= 0).any() or counts.min() < 1):
            raise ValueError("keys that no pair of rep and account gives")  # np.unique: sorted, distinct
        return keys.astype(np.int64), counts.astype(np.int64)

    parts = ("action_codes", span.start if span else None, span.end if span else None)
    keys, counts = remembered(getattr(ctx.frames, "store", None), "actions", parts, compute, encode, decode)
    result = (reps, accounts, keys, counts)
    ctx.frames.derived[cache_key] = (ctx.frames.activities, result)
    return result


def _pair_keys(activities: pd.DataFrame, span, rep_codes: np.ndarray, account_codes: np.ndarray, accounts: int) -> tuple[np.ndarray, np.ndarray]:
    """(sorted keys rep code x accounts + account code, activities per key) of the activities done in `span`."""
    # not_open's rows as a mask: no copy of the whole export
    done = (activities["status"] != "open").to_numpy(dtype=bool) if "status" in activities.columns else np.ones(len(activities), dtype=bool)
    keys = counts = np.empty(0, dtype=np.int64)
    if span is not None and len(activities):
        dates = activities["date"]
        if not isinstance(dates.dtype, np.dtype) or dates.dtype.kind != "M":
            dates = pd.to_datetime(dates)
        # a day's activities at any time of day: on or after the first midnight, before the midnight after the end
        inside = (dates >= pd.Timestamp(span.start)) & (dates < pd.Timestamp(span.end) + pd.Timedelta(days=1))
        inside = inside.to_numpy(dtype=bool) & done & (rep_codes >= 0) & (account_codes >= 0)
        combined = rep_codes[inside] * max(accounts, 1) + account_codes[inside]
        keys, counts = np.unique(combined, return_counts=True)
    return keys, counts.astype(np.int64)


def _pair_counts(ctx: ReportContext, rep_ids: pd.Series, account_ids: pd.Series) -> np.ndarray:
    """Activities done in the period to date by each (rep, account) of two aligned columns (0 where none)."""
    reps, accounts, keys, counts = _action_codes(ctx)
    out = np.zeros(len(rep_ids), dtype=np.int64)
    if not len(keys) or not len(rep_ids):
        return out
    rep_codes = _positions(reps, rep_ids)
    account_codes = _positions(accounts, account_ids)
    known = (rep_codes >= 0) & (account_codes >= 0)
    wanted = rep_codes[known].astype(np.int64) * max(len(accounts), 1) + account_codes[known]
    at = np.searchsorted(keys, wanted).clip(0, len(keys) - 1)
    out[known] = np.where(keys[at] == wanted, counts[at], 0)
    return out


def _actions_by_rep(ctx: ReportContext) -> dict:
    """(rep, account) -> activities by that rep on that account dated in the period to date."""
    counts = _action_counts(ctx)
    return dict(zip(zip(counts["rep"], counts["account"]), counts["n"].astype(int)))


def elapsed_share(ctx: ReportContext, rep) -> Fraction:
    """The share of the period elapsed for a rep: its days in post in the period to date / its days in post in
    the whole period (1 once the period is over; 0 before it begins or before the rep's first day)."""
    fiscal_year = ctx.fiscal_year
    whole = days_in_post(rep, ctx.period, fiscal_year)
    return Fraction(days_in_post(rep, ctx.to_date, fiscal_year), whole) if whole else Fraction(0)


def judge_coverage(touched: int, expected: Fraction, ctx: ReportContext) -> str:
    """Coverage to date judged against the share of the period elapsed.

    expected = targeted x elapsed share (summed over reps for a total): the accounts an even pace over the
    period would have touched by now; pace = touched / expected, against thresholds.coverage and watch_band.
    While the period is in progress, not judged ("") as long as fewer than one whole account is due
    (expected x threshold < 1) and the rep is not on track already: a period that has just begun says
    nothing yet."""
    thresholds = ctx.ws.settings.thresholds
    threshold = thresholds.coverage.fraction
    if expected <= 0:
        return ""
    status = status_of(Fraction(touched) / expected, threshold, thresholds.watch_band.fraction)
    if status != ON_TRACK and expected * threshold < 1 and in_progress(ctx):
        return ""
    return status


def coverage_by_rep(ctx: ReportContext, table: pd.DataFrame) -> dict[str, tuple[float | None, float | None, str]]:
    """Rep id -> (coverage, pace, status) over all the rep's rows of a coverage table: coverage = touched /
    targeted; pace = touched / (targeted x elapsed share), the figure the coverage gate compares (None while
    the rep's coverage is not judged); status = judge_coverage on the sums."""
    out = {}
    reps = {rep.id: rep for rep in ctx.reps()}
    plain = table[table["rep"].isin(list(reps))]
    sums = plain.groupby("rep", sort=False)[["targeted", "touched"]].sum()  # one group-by, not a frame per rep
    for rep_id, targeted, touched in zip(sums.index, sums["targeted"], sums["touched"]):
        targeted, touched = int(targeted), int(touched)
        if not targeted:
            out[rep_id] = (None, None, "")
            continue
        expected = targeted * elapsed_share(ctx, reps[rep_id])
        status = judge_coverage(touched, expected, ctx)
        pace = float(Fraction(touched) / expected) if status and expected else None
        out[rep_id] = (touched / targeted, pace, status)
    return out


def in_progress(ctx: ReportContext) -> bool:
    """The period has days after the as-of date."""
    return ctx.as_of < ctx.period.end


def due_of(expected: Fraction, ctx: ReportContext) -> float:
    """Accounts due to date (expected x thresholds.coverage), exact until output, rounded half away from zero
    to 2 decimals."""
    from ..config.values import round_half_away

    return round_half_away(expected * ctx.ws.settings.thresholds.coverage.fraction * 100) / 100


def _segment_rank(ctx: ReportContext, segment: str) -> tuple:
    segments = list(ctx.ws.strategy.segments)
    if segment in segments:
        return (0, segments.index(segment), "")
    if segment == UNSEGMENTED:
        return (2, 0, "")
    return (1, 0, str(segment))


def coverage(ctx: ReportContext) -> pd.DataFrame:
    """One row per rep x segment x account status of the rep's targeted accounts, then a `<total>` row.

    targeted: accounts of the rep's portfolio; touched: those with at least one activity by the rep
    in the period to date; coverage = touched / targeted; due = targeted x thresholds.coverage x the share
    of the period elapsed (elapsed_share); status: judge_coverage; actions: the rep's activities on them;
    pressure = actions per targeted account / the norm's actions per account for the same days in post.
    """
    pairs = targeted_accounts(ctx)
    if ctx.frames.activities is None:
        raise ValueError(NO_ACTIVITIES)
    worked = pairs[["rep", "id", "segment", "status"]].copy()
    worked["n"] = _pair_counts(ctx, worked["rep"], worked["id"])
    worked["touched"] = (worked["n"] > 0).astype("int64")
    groups = worked.groupby(["rep", "segment", "status"], sort=False, dropna=False).agg(targeted=("id", "size"), touched=("touched", "sum"), done=("n", "sum"))
    by_rep: dict[str, list] = {}
    for (rep_id, seg, status), targeted, touched, done in zip(groups.index, groups["targeted"], groups["touched"], groups["done"]):
        by_rep.setdefault(rep_id, []).append((seg, status, int(targeted), int(touched), int(done)))
    thresholds = ctx.ws.settings.thresholds
    fiscal_year = ctx.fiscal_year
    span = ctx.to_date
    rows = []
    expected_total = Fraction(0)
    touched_judged = 0  # touched by reps with a day in post to date: the total is judged on them
    # due and status depend only on (targeted, touched, elapsed share, in post): thousands of rows, few distinct
    # answers, so each is computed once (exact) and reused
    judged: dict[tuple, tuple[float, str]] = {}
    for rep in ctx.reps():
        mine = by_rep.get(rep.id)
        if not mine:
            continue
        norms = norms_of(ctx, rep)
        days = days_in_post(rep, span, fiscal_year)
        elapsed = elapsed_share(ctx, rep)
        mine.sort(key=lambda g: (_segment_rank(ctx, g[0]), ACCOUNT_STATUSES.index(g[1]) if g[1] in ACCOUNT_STATUSES else len(ACCOUNT_STATUSES)))
        expected_total += elapsed * sum(group[2] for group in mine)  # the sum of targeted x elapsed over the rows
        for seg, status, targeted, touched, done in mine:
            norm = sum(norms.get(seg, {}).get(status, {}).values(), Fraction(0))
            expected = norm * Fraction(days, fiscal_year.days())
            pressure = Fraction(done, targeted) / expected if expected else None
            share = Fraction(touched, targeted)
            memo = (targeted, touched, elapsed.numerator, elapsed.denominator, bool(days))
            if memo not in judged:
                expected_touched = targeted * elapsed
                judged[memo] = (due_of(expected_touched, ctx), judge_coverage(touched, expected_touched, ctx) if days else "")
            due, verdict = judged[memo]
            touched_judged += touched if days else 0
            rows.append(
                {
                    "rep": rep.id,
                    "segment": seg,
                    "account_status": status,
                    "targeted": targeted,
                    "touched": touched,
                    "coverage": float(share),
                    "due": due,
                    "actions": done,
                    "pressure": float(pressure) if pressure is not None else None,
                    "status": verdict,
                }
            )
    targeted = sum(row["targeted"] for row in rows)
    touched = sum(row["touched"] for row in rows)
    share = Fraction(touched, targeted) if targeted else None
    total_status = judge_coverage(touched_judged, expected_total, ctx)
    rows.append(
        {
            "rep": TOTAL,
            "segment": TOTAL,
            "account_status": TOTAL,
            "targeted": targeted,
            "touched": touched,
            "coverage": float(share) if share is not None else None,
            "due": due_of(expected_total, ctx),
            "actions": sum(row["actions"] for row in rows),
            "pressure": None,
            "status": total_status,
        }
    )
    return report_frame(rows, COLUMNS, nullable=("coverage", "pressure"))


def _last_action(ctx: ReportContext, end: dt.date) -> pd.Series:
    """Account -> the day of its latest activity not open (an open to-do is no action on the account yet), by
    anyone, on or before `end`. The latest time is taken per account code, then made a day (the latest day is
    the day of the latest time)."""
    activities = ctx.frames.activities
    if not len(activities):
        return pd.Series(dtype="datetime64[ns]", index=pd.Index([], dtype="object"))
    accounts, codes = _codes(activities["account"])
    dates = pd.to_datetime(activities["date"])
    rows = (dates < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy(dtype=bool) & (codes >= 0)
    if "status" in activities.columns:
        rows &= (activities["status"] != "open").to_numpy(dtype=bool)
    stamps = dates.to_numpy(dtype="datetime64[ns]")[rows]
    latest = pd.Series(stamps).groupby(codes[rows], sort=False).max()
    days = pd.DatetimeIndex(latest.to_numpy()).normalize().astype("datetime64[ns]")
    return pd.Series(days, index=pd.Index(accounts.take(latest.index.to_numpy()).to_numpy(dtype=object), dtype="object"), name="day")


def untouched_accounts(ctx: ReportContext, top: int | None = 10) -> pd.DataFrame:
    """Per rep, the targeted accounts the rep has not touched in the period to date, most urgent first.

    Ordered per rep by the segment's priority (segments.yaml; lower first, no segment last), then accounts
    never worked first, then the oldest last action, then the account id; at most `top` rows per rep
    (None: all). last_action: the latest activity on the account by anyone, on or before the end of the
    period to date; days_since: days from it to that end.
    """
    if top is not None and top < 0:
        raise ValueError(f"--top {top}: give 0 or more accounts per rep")
    pairs = targeted_accounts(ctx)
    if ctx.frames.activities is None:
        raise ValueError(NO_ACTIVITIES)
    end = cutoff(ctx)
    last_action = _last_action(ctx, end)
    priorities = {seg: spec.priority for seg, spec in (ctx.ws.segments or {}).items()}
    order = {rep.id: i for i, rep in enumerate(ctx.reps())}
    # the pairs each rep has not touched: a (rep, account) with an action done in the period to date is out
    mine = pairs[pairs["rep"].isin(list(order))]
    mine = mine[_pair_counts(ctx, mine["rep"], mine["id"]) == 0]
    priority = mine["segment"].map(priorities)
    # reindex, not map: an empty Series of dates as the mapping is cast to floats by pandas (and fails)
    last = pd.Series(last_action.reindex(mine["id"].astype("object")).to_numpy(), index=mine.index, dtype="datetime64[ns]")
    ranked = pd.DataFrame(
        {
            "rank": mine["rep"].map(order),
            "no_priority": priority.isna(),
            "priority": priority.fillna(0),
            "worked": last.notna(),
            "last": last.fillna(pd.Timestamp("1900-01-01")).astype("datetime64[ns]"),
            "account": mine["id"].astype("str"),
        },
        index=mine.index,
    )
    # per rep: by segment priority (none last), never worked first, the oldest last action, the account id
    ranked = ranked.sort_values(["rank", "no_priority", "priority", "worked", "last", "account"], kind="stable")
    if top is not None:
        ranked = ranked.groupby("rank", sort=False).head(top)
    rows = []
    for index in ranked.index:
        account, seg, stamp, level = mine.at[index, "id"], mine.at[index, "segment"], last.at[index], priority.at[index]
        day = stamp.date() if not pd.isna(stamp) else None
        rows.append(
            {
                "rep": mine.at[index, "rep"],
                "account": account,
                "name": mine.at[index, "name"],
                "segment": seg,
                "status": mine.at[index, "status"],
                "priority": None if pd.isna(level) else priorities.get(seg),
                "last_action": day,
                "days_since": (end - day).days if day is not None else None,
            }
        )
    if not rows:
        return pd.DataFrame({column: pd.Series([], dtype="object") for column in UNTOUCHED_COLUMNS})
    return report_frame(rows, UNTOUCHED_COLUMNS, nullable=("priority", "last_action", "days_since"))
