"""Activity: actions done against actions planned, for the period to date, by rep, team, action type or segment."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np
import pandas as pd

from ..intake.derived import remembered
from ..plan.checks.capacity import rep_norms
from ..plan.model import RepPlan
from .context import TOTAL, UNPLANNED, UNSEGMENTED, ReportContext, report_frame, rounded
from .period import Period
from .status import status_of

BY_CHOICES = ("rep", "team", "action", "segment")
DEFAULT_BY = ("rep", "action", "segment")
COLUMNS = ["done", "planned", "ratio", "gap", "done_other", "overdue", "scheduled", "status"]

#: The order rows are sorted in, whatever the order of the `by` columns.
_SORT_PRIORITY = ("rep", "team", "action", "segment")


def exact_round(value: Fraction | int, digits: int) -> float:
    """An exact figure to a float rounded to `digits` decimals, half away from zero (for output only)."""
    return rounded(value, digits)


def days_in_post(rep: RepPlan, span: Period | None, fiscal_year: Period) -> int:
    """Days of `span` within the fiscal year on which the rep is in post (start and end days included)."""
    if span is None:
        return 0
    lo = max(span.start, fiscal_year.start, rep.start or dt.date.min)
    hi = min(span.end, fiscal_year.end, rep.end or dt.date.max)
    return max((hi - lo).days + 1, 0)


def activity(ctx: ReportContext, by: list[str] | None = None) -> pd.DataFrame:
    """One row per group of `by` (default: rep, action, segment) with actions done or planned, then a `<total>` row.

    done: activities not open (done, or of no status) dated in the period up to the as-of date, within the
    filters, of the types the plan sets a norm for (the rep has a norm for that action type in the activity's
    segment, on accounts of the portfolio); done_other: the other activities done (types without a norm, no
    segment, owners matching no rep), never in the ratio.
    planned: norm x accounts declared in the rep's portfolio, summed over account statuses,
    x days of that span in post / days in the fiscal year (exact until output).
    ratio = done / planned (None when nothing is planned); gap = done - planned.
    overdue: open activities dated in the period up to the as-of date; scheduled: activities dated after the
    as-of date within the scheduled horizon (done.scheduled_horizon), whatever their status.
    Activities whose owner matches no rep are `<unplanned>`; those on an account of no segment `<unsegmented>`.
    """
    by = list(by or DEFAULT_BY)
    for dim in by:
        if dim not in BY_CHOICES:
            raise ValueError(f"--by {dim}: choose among {', '.join(BY_CHOICES)}")
    if len(set(by)) != len(by):
        raise ValueError(f"--by {','.join(by)}: a column appears twice")
    if ctx.frames is None or ctx.frames.activities is None:
        raise ValueError("activity needs an activities export (data.activities)")

    planned = planned_actions_by_group(ctx, by)
    counts = _counts(ctx, by)
    # only groups with something planned, done, overdue or scheduled: the dicts leave out zeros
    keys = sorted(set(planned).union(*counts.values()), key=_sort_key(ctx, by))
    thresholds = ctx.ws.settings.thresholds
    limits = (thresholds.activity.fraction, thresholds.watch_band.fraction)  # once, not per row
    rows = [_row(by, key, planned.get(key, Fraction(0)), {name: c.get(key, 0) for name, c in counts.items()}, limits) for key in keys]
    total_planned = sum(planned.values(), Fraction(0))
    totals = {name: sum(c.values()) for name, c in counts.items()}
    rows.append(_row(by, tuple(TOTAL for _ in by), total_planned, totals, limits))
    return report_frame(rows, [*by, *COLUMNS], nullable=("ratio",))


def activity_notes(ctx: ReportContext) -> list[str]:
    """How the activity figures were counted, in one line each (no status field; blank statuses)."""
    from ..intake.activity_status import status_notes

    return status_notes(ctx.frames.activities if ctx.frames is not None else None)


def planned_actions_by_group(ctx: ReportContext, by: list[str]) -> dict[tuple, Fraction]:
    """Exact planned actions per group of `by`, for the period to date (groups with nothing planned left out)."""
    strategy = ctx.ws.strategy
    fiscal_year = ctx.fiscal_year
    year_days = fiscal_year.days()
    span = ctx.to_date
    segments = ctx.segments()
    planned: dict[tuple, Fraction] = defaultdict(Fraction)
    for rep in ctx.reps():
        share = Fraction(days_in_post(rep, span, fiscal_year), year_days)
        if not share:
            continue
        norms = norms_of(ctx, rep)
        # norm x accounts summed per group first, then x the rep's share once per group (exact: the same sums);
        # whole numbers (the usual norms and account counts) multiplied as integers, not as fractions
        yearly: dict[tuple, Fraction | int] = {}
        for seg in segments:
            for status, accounts in rep.portfolio.accounts.get(seg, {}).items():
                count = _exact(accounts)
                for action, per_account in norms.get(seg, {}).get(status, {}).items():
                    amount = (per_account.numerator if per_account.denominator == 1 else per_account) * count
                    if amount:
                        key = _key(by, rep.id, rep.manager, action, seg)
                        yearly[key] = yearly.get(key, 0) + amount
        for key, amount in yearly.items():
            planned[key] += amount * share
    return dict(planned)


def _exact(number) -> Fraction | int:
    """A declared count (Decimal) as an int when whole, else an exact Fraction."""
    value = Fraction(number)
    return value.numerator if value.denominator == 1 else value


def norms_of(ctx: ReportContext, rep: RepPlan) -> dict[str, dict[str, dict[str, Fraction]]]:
    """rep_norms(rep, strategy), computed once per rep of the loaded workspace (several reports ask); read only."""
    store = ctx.ws.derived.setdefault("report_rep_norms", {})
    hit = store.get(rep.id)
    strategy = ctx.ws.strategy
    if hit is None or hit[0] is not rep or hit[1] is not strategy:
        if not rep.activities:
            # rep_norms without overrides: the strategy's norms, converted to fractions once for every such rep
            shared = store.get(None)
            if shared is None or shared[1] is not strategy:
                shared = (None, strategy, rep_norms(rep, strategy))
                store[None] = shared
            hit = (rep, strategy, shared[2])
        else:
            hit = (rep, strategy, rep_norms(rep, strategy))
        store[rep.id] = hit
    return hit[2]


def _key(by: list[str], rep_id: str, team: str, action: str, segment: str) -> tuple:
    values = {"rep": rep_id, "team": team, "action": action, "segment": segment}
    return tuple(values[d] for d in by)


def normed_actions(ctx: ReportContext) -> set[tuple[str, str, str]]:
    """(rep id, segment, action type) the plan asks for: a norm above zero on accounts of the rep's portfolio
    (any account status). Done actions of these count in the ratio; the others are `done_other`."""
    out: set[tuple[str, str, str]] = set()
    for rep in ctx.ws.reps.values():
        norms = norms_of(ctx, rep)
        for seg, by_status in rep.portfolio.accounts.items():
            for status, accounts in by_status.items():
                if not accounts:
                    continue
                for action, per_account in norms.get(seg, {}).get(status, {}).items():
                    if per_account:
                        out.add((rep.id, seg, action))
    return out


def _counts(ctx: ReportContext, by: list[str]) -> dict[str, Counter]:
    """Per group of `by`: done (types with a norm), done_other, overdue and scheduled activities."""
    from .done import open_mask, scheduled_horizon

    acts = ctx.frames.activities
    out = {"done": Counter(), "done_other": Counter(), "overdue": Counter(), "scheduled": Counter()}
    # counted on the columns' codes under row masks: no copy of the export per count
    coded = _coded(ctx, acts, ("rep", "action", "segment"))
    to_date = ctx.keep_mask(acts, "date", ctx.to_date).to_numpy(dtype=bool)
    if to_date.any():
        is_open = open_mask(acts).to_numpy(dtype=bool)
        normed = normed_actions(ctx)
        for key, count, in_plan in _grouped(ctx, by, _sizes(coded, to_date & ~is_open), normed):
            out["done" if in_plan else "done_other"][key] += count
        for key, count, _ in _grouped(ctx, by, _sizes(coded, to_date & is_open), normed):
            out["overdue"][key] += count
    horizon = scheduled_horizon(ctx.period, ctx.as_of, ctx.months)
    if horizon is not None:
        ahead = ctx.keep_mask(acts, "date", Period(horizon[0], horizon[1], "scheduled")).to_numpy(dtype=bool)
        if ahead.any():
            for key, count, _ in _grouped(ctx, by, _sizes(coded, ahead), set()):
                out["scheduled"][key] += count
    return out


def _grouped(ctx: ReportContext, by: list[str], groups, normed: set):
    """(group key, activities, whether the plan asks for them) per rep x action x segment of `groups`
    ((rep, action, segment, rows) as _sizes gives them)."""
    teams = {rep.id: rep.manager for rep in ctx.ws.reps.values()}
    apart = "rep" not in by and "team" not in by  # unplanned activities must not add to a planned group
    for rep_id, action, segment, count in groups:
        rep_id = None if pd.isna(rep_id) else rep_id
        segment = UNSEGMENTED if pd.isna(segment) else segment
        if rep_id is None or rep_id not in teams:
            if apart:
                key = tuple(UNPLANNED for _ in by)
            else:
                key = _key(by, UNPLANNED, UNPLANNED, action, segment)
            yield key, int(count), False
        else:
            key = _key(by, rep_id, teams[rep_id], action, segment)
            yield key, int(count), (rep_id, segment, action) in normed


def _coded(ctx: ReportContext, rows: pd.DataFrame, columns: tuple[str, ...]) -> tuple[list[list], np.ndarray]:
    """(values of each column, missing first; one integer per row combining the columns' codes + 1), computed
    once per frame: the combination of codes is what _sizes counts."""
    key = ("coded", columns)
    found = ctx.frames.derived.get(key)
    if found is not None and found[0] is rows:
        return found[1]
    values, codes = [], []
    for column in columns:
        series = rows[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            code, uniques = (lambda s=series: s.cat.codes), series.cat.categories
        else:
            found_codes, uniques = pd.factorize(series, use_na_sentinel=True)
            code = lambda c=found_codes: c  # noqa: E731
        values.append([np.nan, *pd.Index(uniques).tolist()])  # code + 1 indexes this list: 0 is missing
        codes.append(code)
    size = int(np.prod([len(names) for names in values], dtype=object))
    dtype = np.int32 if size < 2**31 else np.int64  # half the memory to write and read when the groups are few

    def compute():
        return _combined(len(rows), [len(names) for names in values], codes, dtype)

    def decode(columns_, _values):
        combined = columns_["combined"]
        if combined.dtype != dtype or len(combined) != len(rows):
            raise ValueError("stored for other rows")
        if len(combined) and (combined.min() < 0 or combined.max() >= size):
            raise ValueError("codes that no combination of the columns gives")
        return combined

    if rows is getattr(ctx.frames, "activities", None):  # the whole export: the codes are kept beside the frames in the cache
        combined = remembered(getattr(ctx.frames, "store", None), "coded", ("coded", columns, dtype.__name__), compute, lambda c: ({"combined": c}, {}), decode)
    else:
        combined = compute()
    result = (values, combined)
    ctx.frames.derived[key] = (rows, result)
    return result


def _combined(length: int, sizes: list[int], codes: list, dtype) -> np.ndarray:
    """One integer per row from the codes of several columns (`codes[i]()`: -1 where missing; `sizes[i]`: the
    column's distinct values + 1), computed in place: no temporary of the length of the frame per step."""
    combined = np.zeros(length, dtype=dtype)
    for size, code in zip(sizes, codes):
        combined *= size
        combined += np.asarray(code(), dtype=dtype)
        combined += 1
    return combined


def _sizes(coded: tuple[list[list], np.ndarray], mask: np.ndarray):
    """(value of each column..., rows) per distinct combination among the rows in `mask`, missing values as
    NaN: a group-by with dropna=False, counted by one bincount over the code combinations when they are few
    (as reps x action types x segments are), else one sort."""
    values, combined = coded
    chosen = combined[mask]
    size = 1
    for names in values:
        size *= len(names)
    if size <= 4 * len(chosen) + 1_000_000:
        counts = np.bincount(chosen, minlength=size)
        present = np.flatnonzero(counts)
        counts = counts[present]
    else:
        present, counts = np.unique(chosen, return_counts=True)
    parts = []
    for names in reversed(values):
        parts.append(present % len(names))
        present = present // len(names)
    parts.reverse()
    for *index, count in zip(*(p.tolist() for p in parts), counts.tolist()):
        yield (*(names[i] for names, i in zip(values, index)), count)


def _sort_key(ctx: ReportContext, by: list[str]):
    """Reps in the order of ctx.reps(), teams in the order of their first rep, actions and segments as in the strategy."""
    reps = [rep.id for rep in ctx.reps()]
    teams: list[str] = []
    for rep in ctx.reps():
        if rep.manager not in teams:
            teams.append(rep.manager)
    ranks = {
        "rep": {value: i for i, value in enumerate(reps)},
        "team": {value: i for i, value in enumerate(teams)},
        "action": {value: i for i, value in enumerate(ctx.ws.strategy.actions)},
        "segment": {value: i for i, value in enumerate(ctx.ws.strategy.segments)},
    }
    dims = [d for d in _SORT_PRIORITY if d in by]
    positions = [by.index(d) for d in dims]
    seen: dict[tuple, tuple] = {}  # (dim, value) -> rank: thousands of keys, few values per dimension

    def rank(dim: str, value) -> tuple:
        memo = (dim, value)
        if memo not in seen:
            seen[memo] = _rank(dim, value)
        return seen[memo]

    def _rank(dim: str, value) -> tuple:
        if value == UNPLANNED:
            return (3, 0, "")
        if value == UNSEGMENTED:
            return (2, 0, "")
        if value in ranks[dim]:
            return (0, ranks[dim][value], "")
        return (1, 0, str(value))

    return lambda key: tuple(rank(d, key[i]) for d, i in zip(dims, positions))


def _row(by: list[str], key: tuple, planned: Fraction, counts: dict[str, int], limits: tuple[Fraction, Fraction]) -> dict:
    done = counts.get("done", 0)
    ratio = Fraction(done) / planned if planned else None
    is_plan_row = not any(value in (UNPLANNED, UNSEGMENTED) for value in key)
    row = dict(zip(by, key))
    row.update(
        {
            "done": int(done),
            "planned": exact_round(planned, 2),
            "ratio": float(ratio) if ratio is not None else None,  # unrounded, as attainment: gates compare it
            "gap": exact_round(done - planned, 2),
            "done_other": int(counts.get("done_other", 0)),
            "overdue": int(counts.get("overdue", 0)),
            "scheduled": int(counts.get("scheduled", 0)),
            "status": status_of(ratio, *limits) if is_plan_row else "",
        }
    )
    return row
