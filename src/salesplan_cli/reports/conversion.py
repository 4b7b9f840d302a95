"""Conversion: win rates of closed deals, sellers whose win rate on a product range differs from the rest
of the team (see stats.py for the tests), and stage-to-stage conversion from the stage history."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np
import pandas as pd

from ..intake.derived import frame_flag, remembered
from .context import TOTAL, ReportContext, report_frame
from .lines import by_product_line, has_lines
from .pipeline import amount_known, text_column, cents_out, check_by, day_of, dim_orders, key_rank, label_columns, ratio_out, text_of, within_filters
from .stats import benjamini_hochberg, seller_vs_rest_test

BY_CHOICES = ("rep", "team", "segment", "product")
COLUMNS = [
    "won",
    "lost",
    "closed",
    "win_rate",
    "won_value",
    "lost_value",
    "no_value",
    "win_rate_value",
    "rest_win_rate",
    "difference",
    "method",
    "p_value",
    "adjusted_p",
    "alert",
]
STAGE_COLUMNS = ["from_stage", "to_stage", "entered", "advanced", "rate"]
NO_STAGE_HISTORY = "no stage history: stage-to-stage conversion needs data.stage_history or data.opportunities.stage_dates"


def closed_deals(ctx: ReportContext, filters: bool = True, by_line: bool = False) -> pd.DataFrame:
    """Opportunities won or lost with a close date in the period up to the as-of day.

    With filters=False only the segment filter applies (the comparison group of the seller tests is the
    whole team, whichever reps, team or product range the report shows). by_line: one row per deal and
    product range of its lines when the export has product lines (lines.by_product_line).
    """
    opps = ctx.frames.opportunities
    span = ctx.to_date
    if opps is None:
        return pd.DataFrame(columns=["id", "rep", "outcome", "amount", "close_date", "product", "segment"])
    if span is None:
        return opps.iloc[0:0]
    dates = opps["close_date"]
    mask = opps["outcome"].isin(["won", "lost"]) & (dates >= pd.Timestamp(span.start)) & (dates <= pd.Timestamp(span.end))
    rows = opps[mask]
    if by_line:
        rows = by_product_line(ctx, rows)
    return within_filters(ctx, rows) if filters else within_filters(ctx, rows, reps=False, product=False)


def seller_tests(ctx: ReportContext) -> dict[tuple[str, str], dict]:
    """(rep, product range) -> test result, for every pair with at least conversion.min_closed closed deals.

    The family is every seller x range pair of the closed deals (segment filter only), so a pair's
    adjusted p-value and alert do not depend on the rep, team or product shown. Deals of no rep and deals
    of no product range are not tested and do not count in any rest.
    """
    span = ctx.to_date
    parts = ("seller_tests", span.start if span else None, span.end if span else None, ctx.filters.segment, sorted(ctx.ws.reps))
    # the same for every rep, team and product range shown: computed once per period to date and segment
    return remembered(getattr(ctx.frames, "store", None), "seller_tests", parts, lambda: _seller_tests(ctx), _encode_tests, _decode_tests)


def _seller_tests(ctx: ReportContext) -> dict[tuple[str, str], dict]:
    settings = ctx.ws.settings.conversion
    deals = closed_deals(ctx, filters=False, by_line=True)
    pairs: dict[tuple[str, str], list[int]] = {}
    ranges: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if len(deals):
        rep_ids, products = text_column(deals["rep"]), text_column(deals["product"])
        known = rep_ids.notna() & products.notna()
        won = (deals["outcome"] == "won").astype("int64")
        counts = pd.DataFrame({"won": won, "lost": 1 - won})[known].groupby([rep_ids[known], products[known]], sort=False).sum()
        for (rep_id, product), n_won, n_lost in zip(counts.index, counts["won"], counts["lost"]):
            pairs[(str(rep_id), str(product))] = [int(n_won), int(n_lost)]
            ranges[str(product)][0] += int(n_won)
            ranges[str(product)][1] += int(n_lost)
    tested = sorted(key for key, (won, lost) in pairs.items() if won + lost >= settings.min_closed)
    results = {}
    for key in tested:
        won, lost = pairs[key]
        range_won, range_lost = ranges[key[1]]
        rest_won, rest_lost = range_won - won, range_lost - lost
        result = seller_vs_rest_test(won, lost, rest_won, rest_lost)
        rest_rate = Fraction(rest_won, rest_won + rest_lost) if rest_won + rest_lost else None
        difference = Fraction(won, won + lost) - rest_rate if rest_rate is not None else None
        results[key] = {"rest_rate": rest_rate, "difference": difference, "method": result.method, "p_value": result.p_value}
    adjusted = benjamini_hochberg([r["p_value"] for r in results.values()], float(settings.q.fraction))
    for result, (adjusted_p, rejected) in zip(results.values(), adjusted):
        result["adjusted_p"] = adjusted_p
        result["alert"] = bool(rejected and result["difference"] is not None and abs(result["difference"]) >= settings.min_difference.fraction)
    return results


def _encode_tests(results: dict) -> tuple[dict, dict]:
    def fraction(value):
        return None if value is None else [value.numerator, value.denominator]

    rows = [
        [rep, product, fraction(r["rest_rate"]), fraction(r["difference"]), r["method"], r["p_value"], r["adjusted_p"], r["alert"]]
        for (rep, product), r in results.items()
    ]
    return {}, {"tests": rows}


def _decode_tests(_columns: dict, values: dict) -> dict[tuple[str, str], dict]:
    def fraction(value):
        if value is None:
            return None
        numerator, denominator = value
        if type(numerator) is not int or type(denominator) is not int or denominator <= 0:
            raise ValueError("not a fraction")
        return Fraction(numerator, denominator)

    results = {}
    for rep, product, rest_rate, difference, method, p_value, adjusted_p, alert in values["tests"]:
        if type(rep) is not str or type(product) is not str or type(method) is not str or type(alert) is not bool:
            raise ValueError("a test of another shape")
        if type(p_value) is not float or type(adjusted_p) is not float:
            raise ValueError("a p-value that is not a number")
        results[(rep, product)] = {"rest_rate": fraction(rest_rate), "difference": fraction(difference), "method": method, "p_value": p_value, "adjusted_p": adjusted_p, "alert": alert}
    return results


def conversion(ctx: ReportContext, by: list[str] | None = None) -> pd.DataFrame:
    """Closed deals (won or lost, closed in the period up to the as-of day) by `by` (default rep, product), then <total>.

    won, lost, closed = won + lost; win_rate = won / closed; won_value, lost_value: the known amounts;
    no_value: closed deals without a value (a lost deal whose amount is blank or 0, a won deal whose amount
    is blank); win_rate_value = won_value / (won_value + lost_value), None (n/a) when no_value > 0: a lost
    deal zeroed would otherwise read as a win in value. When the rows are seller x range pairs (by rep and
    product), pairs with at least conversion.min_closed closed deals are tested against the other sellers on
    the same range: rest_win_rate, difference = win_rate - rest_win_rate, method, p_value, adjusted_p
    (Benjamini-Hochberg over every tested pair), alert = rejected at q and |difference| >= min_difference.
    """
    if by is None:
        by = ["rep", "product"] if ctx.ws.strategy.products else ["rep"]
    by = list(by)
    check_by(ctx, by, BY_CHOICES)
    # product figures use each product line's range and amount; the others count each deal once
    deals = closed_deals(ctx, by_line="product" in by or ctx.filters.product is not None)
    teams = {rep.id: rep.manager for rep in ctx.ws.reps.values()}
    tests = seller_tests(ctx) if sorted(by) == ["product", "rep"] else {}

    groups: dict[tuple, list[int]] = {}  # won, lost, won cents, lost cents, closed deals without a value
    total = [0, 0, 0, 0, 0]
    if len(deals):
        labels = label_columns(deals, by, teams)
        keys = [labels[d] for d in by]
        won = (deals["outcome"] == "won").to_numpy()
        no_value = without_value(deals)
        amounts = deals["amount"].astype("int64")
        if int(amounts.abs().max()) * len(amounts) >= 2**63:  # a sum could overflow int64: Python integers (as sum_cents)
            amounts = amounts.astype("object")
        # one group-by for every figure: counts and exact cents summed together
        counts = pd.DataFrame(
            {
                "won": won.astype("int64"),
                "lost": (~won).astype("int64"),
                "won_cents": amounts.where(won, 0),
                "lost_cents": amounts.where(~won, 0),
                "no_value": no_value.astype("int64"),
            },
            index=deals.index,
        ).groupby(keys, sort=False, dropna=False).sum()
        for key, n_won, n_lost, n_won_cents, n_lost_cents, n_no_value in zip(
            counts.index, counts["won"], counts["lost"], counts["won_cents"], counts["lost_cents"], counts["no_value"]
        ):
            acc = [int(n_won), int(n_lost), int(n_won_cents), int(n_lost_cents), int(n_no_value)]
            groups[key if isinstance(key, tuple) else (key,)] = acc
            total = [a + b for a, b in zip(total, acc)]
    if len(deals) and _may_repeat(ctx) and deals["id"].duplicated().any():
        # rows are deal x product range (product lines): the <total> counts each deal once, sums every line
        # (a deal's value is whole in its lines and their remainder: without --product, its no_value is the deal's)
        whole = closed_deals(ctx) if ctx.filters.product is None else deals.drop_duplicates("id")
        won_once = (whole["outcome"] == "won").to_numpy()
        no_value_ids = set(whole.loc[without_value(whole), "id"]) if ctx.filters.product is None else set(deals.loc[no_value, "id"])
        total[0], total[1], total[4] = int(won_once.sum()), int((~won_once).sum()), len(no_value_ids)
    orders = dim_orders(ctx)
    rows = []
    for key in sorted(groups, key=lambda k: key_rank(by, k, orders)):
        named = dict(zip(by, key))
        test = tests.get((named["rep"], named["product"])) if tests else None
        rows.append({**named, **_row(groups[key], test)})
    rows.append({**{d: TOTAL for d in by}, **_row(total, None)})
    return report_frame(rows, [*by, *COLUMNS])


def _may_repeat(ctx: ReportContext) -> bool:
    """Whether rows of closed deals can repeat an id: with product lines (a row per deal and range), or when the
    opportunities export itself repeats one (checked once per frames). Else no subset of it can."""
    if has_lines(ctx):
        return True
    opps = ctx.frames.opportunities
    return frame_flag(ctx.frames, opps, "ids_repeat", "opportunity_ids_repeat", lambda: _ids_repeat(opps))


def _ids_repeat(opportunities: pd.DataFrame) -> bool:
    return not opportunities["id"].is_unique


def without_value(deals: pd.DataFrame) -> np.ndarray:
    """Closed deals without a value: lost with a blank or 0 amount, won with a blank amount."""
    won = (deals["outcome"] == "won").to_numpy()
    known = amount_known(deals).to_numpy()
    return np.where(won, ~known, ~known | (deals["amount"].to_numpy() == 0))


def _row(counts: list[int], test: dict | None) -> dict:
    won, lost, won_cents, lost_cents, no_value = counts
    closed = won + lost
    valued = won_cents + lost_cents and not no_value
    return {
        "won": won,
        "lost": lost,
        "closed": closed,
        "win_rate": ratio_out(Fraction(won, closed) if closed else None),
        "won_value": cents_out(won_cents),
        "lost_value": cents_out(lost_cents),
        "no_value": no_value,
        "win_rate_value": ratio_out(Fraction(won_cents, won_cents + lost_cents) if valued else None),
        "rest_win_rate": ratio_out(test["rest_rate"]) if test else None,
        "difference": ratio_out(test["difference"]) if test else None,
        "method": test["method"] if test else None,
        "p_value": test["p_value"] if test else None,
        "adjusted_p": test["adjusted_p"] if test else None,
        "alert": bool(test["alert"]) if test else False,
    }


def stage_conversion(ctx: ReportContext) -> pd.DataFrame | None:
    """Stage-to-stage conversion from the stage history; None when there is none (see NO_STAGE_HISTORY).

    For each open stage in strategy order and the next one (the last open stage pairs with won):
    entered  = opportunities (within the filters) with an entry into the stage dated in the period up to
               the as-of day (an opportunity counts once, from its first entry in that span);
    advanced = of those, how many entered any later stage (a later open stage or won) on or after that
               entry and on or before the as-of day, or are won with a close date on or before the as-of day;
    rate     = advanced / entered (None when none entered).
    History rows of opportunities absent from the opportunities export are left out (their owner is unknown).
    """
    history = ctx.frames.stage_history
    if history is None:
        return None
    open_stages = [s.name for s in ctx.ws.strategy.stages if s.outcome == "open"]
    won_stages = [s.name for s in ctx.ws.strategy.stages if s.outcome == "won"]
    rank = {name: i for i, name in enumerate(open_stages)}
    won_rank = len(open_stages)
    for name in won_stages:
        rank[name] = won_rank

    opps = ctx.frames.opportunities
    known: dict[str, tuple[str, object]] = {}
    if opps is not None:
        kept = within_filters(ctx, opps)
        for opp_id, outcome, close in zip(kept["id"], kept["outcome"], kept["close_date"]):
            known[str(opp_id).strip()] = (outcome, day_of(close))

    entries: dict[str, list[tuple[int, object]]] = defaultdict(list)  # opportunity -> (stage rank, day)
    for opp_id, stage, date in zip(history["opportunity"], history["stage"], history["date"]):
        opp_id, day = text_of(opp_id), day_of(date)
        if opp_id is None or day is None or stage not in rank or day > ctx.as_of:
            continue
        opp_id = opp_id.strip()
        if opp_id in known:
            entries[opp_id].append((rank[stage], day))

    span = ctx.to_date
    rows = []
    for i, stage in enumerate(open_stages):
        to_stage = open_stages[i + 1] if i + 1 < len(open_stages) else (won_stages[0] if won_stages else "won")
        entered = advanced = 0
        if span is not None:
            for opp_id, items in entries.items():
                days = [day for r, day in items if r == i and span.start <= day <= span.end]
                if not days:
                    continue
                first = min(days)
                entered += 1
                outcome, close = known[opp_id]
                moved_on = any(r > i and day >= first for r, day in items)
                won = outcome == "won" and close is not None and close <= ctx.as_of
                if moved_on or won:
                    advanced += 1
        rows.append({"from_stage": stage, "to_stage": to_stage, "entered": entered, "advanced": advanced, "rate": ratio_out(Fraction(advanced, entered) if entered else None)})
    return report_frame(rows, STAGE_COLUMNS)


def conversion_notes(table: pd.DataFrame) -> list[str]:
    """Why a value win rate is n/a: how many closed deals had no value (taken from the <total> row)."""
    total = table[table.iloc[:, 0] == TOTAL]
    if not len(total) or not int(total["no_value"].iloc[0]):
        return []
    n = int(total["no_value"].iloc[0])
    return [
        f"conversion: {n:,} closed deal{'s' if n != 1 else ''} without a value (lost at 0 or blank, won blank): "
        "win_rate_value is n/a in the groups holding them (no_value); win_rate counts every deal"
    ]
