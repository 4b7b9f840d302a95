"""The follow-up meeting sheet: one rep's plan against actual for a period, the gaps that need a decision,
and the accounts and deals to discuss. Built from the other reports, filtered to the rep."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from ..config.values import money
from .context import TOTAL, UNPLANNED, ReportContext, report_frame
from .status import OFF_TRACK, WATCH, status_of

SUMMARY_COLUMNS = ["metric", "actual", "plan", "ratio", "gap", "benchmark", "status"]
#: The conversion report's columns the sheet keeps (one rep: the rest of the team is the comparison).
CONVERSION_COLUMNS = ["product", "won", "lost", "closed", "win_rate", "rest_win_rate", "difference", "adjusted_p", "alert"]
ALERT = "alert"


@dataclass
class Review:
    """A review sheet: titled tables (the first is the summary), the decisions to take, notes on what is missing."""

    rep: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    decisions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, dict] = field(default_factory=dict)  # metric -> summary row


def _amount(value: float | None, currency: str) -> str:
    if value is None:
        return "-"
    return f"{money(Fraction(str(value)), 0):,} {currency}"


def _pct(value: float | None) -> str:
    """A ratio in a sentence, to one decimal (89.9% must not read as the 90% aim)."""
    if value is None:
        return "-"
    whole = abs(value * 100 - round(value * 100)) < 1e-9
    return f"{value:.0%}" if whole else f"{value:.1%}"


def _deals_value(deals: list[dict], currency: str) -> str:
    """The known value of open deals (open_deals rows), and how many have none: '12,500 EUR, 2 of unknown value'."""
    value = sum((Fraction(int(d["amount"]), 100) for d in deals if d.get("amount_known", True)), Fraction(0))
    unknown = sum(1 for d in deals if not d.get("amount_known", True))
    return f"{money(value, 0):,} {currency}" + (f", {unknown} of unknown value" if unknown else "")


def _rows(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None else frame.to_dict("records")


def review(ctx: ReportContext, rep_id: str, top: int = 10) -> Review:
    """The sheet for rep `rep_id` over ctx.period up to ctx.as_of (ctx must be filtered to that rep).

    summary rows (metric, actual, plan, ratio, gap, benchmark, status):
      revenue    sales to date / target of the same days (attainment), status by thresholds.attainment;
      actions    actions done / planned (activity), status by thresholds.activity;
      coverage   targeted accounts touched / targeted (coverage), status by thresholds.coverage against the
                 share of the period elapsed (coverage.judge_coverage);
      pipeline   open deals closing in the rest of the horizon / target still to reach (pipeline coverage),
                 status by thresholds.pipeline;
      win rate   deals won / closed in the period; benchmark: the win rate of the other reps of the same
                 team; status 'alert' when the conversion report flags one of the rep's product ranges.
    decisions: one sentence per figure off track or on watch, overdue and stale deals, conversion alerts.
    """
    from .activity import activity
    from .attainment import attainment
    from .conversion import closed_deals, conversion
    from .coverage import coverage, elapsed_share, judge_coverage, untouched_accounts
    from .pipeline import deals_to_watch, open_deals, pipeline, pipeline_coverage, stale_days

    rep = next(r for r in ctx.ws.reps.values() if r.id == rep_id)
    settings = ctx.ws.settings
    thresholds = settings.thresholds
    currency = settings.currency
    band = thresholds.watch_band.fraction
    out = Review(rep=rep_id)
    summary: list[dict] = []
    frames = ctx.frames

    by_segment = None
    if frames.sales is not None:
        by_segment = attainment(ctx, ["segment"])
        per_rep = attainment(ctx, ["rep"])
        mine = next((r for r in _rows(per_rep) if r["rep"] == rep_id), None)
        if mine is not None:
            summary.append(_summary("revenue", mine["actual"], mine["target"], mine["attainment"], mine["gap"], None, mine["status"]))
    else:
        out.notes.append("revenue: no sales export and no opportunities (data.sales, data.opportunities)")

    actions = None
    if frames.activities is not None:
        from .activity import activity_notes

        actions = activity(ctx, ["action"])
        out.notes += activity_notes(ctx)
        total = next(r for r in _rows(actions) if r["action"] == TOTAL)
        ratio = total["ratio"]
        status = status_of(Fraction(ratio), thresholds.activity.fraction, band) if ratio is not None else ""
        summary.append(_summary("actions", total["done"], total["planned"], ratio, total["gap"], None, status))
    else:
        out.notes.append("actions: no activities export (data.activities)")

    cover = untouched = None
    if frames.accounts is not None and frames.activities is not None:
        cover = coverage(ctx)
        untouched = untouched_accounts(ctx, top=top)
        rows = [r for r in _rows(cover) if r["rep"] == rep_id]
        targeted = sum(r["targeted"] for r in rows)
        touched = sum(r["touched"] for r in rows)
        judged = any(r["status"] for r in rows)
        share = Fraction(touched, targeted) if targeted else None
        # judged against the share of the period elapsed, as the coverage table's rows (judge_coverage)
        status = judge_coverage(touched, targeted * elapsed_share(ctx, rep), ctx) if judged and share is not None else ""
        summary.append(_summary("coverage", touched, targeted, float(share) if share is not None else None, touched - targeted, None, status))
    else:
        out.notes.append("coverage: needs the accounts and activities exports (data.accounts, data.activities)")

    pipe = pipe_cover = watch = conv = opened = None
    if frames.opportunities is not None:
        opened = open_deals(ctx)
        pipe = pipeline(ctx, ["stage"])
        pipe_cover = pipeline_coverage(ctx)
        watch = deals_to_watch(ctx, top=top)
        row = next(r for r in _rows(pipe_cover) if r["rep"] == rep_id)
        summary.append(_summary("pipeline", row["open_in_rest"], row["remaining_target"], row["coverage"], None, None, row["status"]))
        by = ["rep", "product"] if ctx.ws.strategy.products else ["rep"]
        conv = conversion(ctx, by)
        conv = conv[conv["rep"] == rep_id].reset_index(drop=True)
        conv = conv[[c for c in CONVERSION_COLUMNS if c in conv.columns]]
        # each deal once: a deal with product lines in two ranges is in two rows of the table above
        mine = conversion(ctx, ["rep"])
        mine = mine[mine["rep"] == rep_id]
        won = int(mine["won"].sum()) if len(mine) else 0
        closed = int(mine["closed"].sum()) if len(mine) else 0
        alerted = bool(conv["alert"].fillna(False).astype(bool).any()) if "alert" in conv.columns and len(conv) else False
        peers = {r.id for r in ctx.ws.reps.values() if r.manager == rep.manager and r.id != rep_id}
        others = closed_deals(ctx, filters=False)
        others = others[others["rep"].isin(peers)]
        peer_rate = float((others["outcome"] == "won").sum() / len(others)) if len(others) else None
        summary.append(_summary("win rate", won, closed, won / closed if closed else None, None, peer_rate, ALERT if alerted else ""))
    else:
        out.notes.append("pipeline and conversion: no opportunities export (data.opportunities)")

    out.tables["summary"] = report_frame(summary, SUMMARY_COLUMNS, nullable=("actual", "plan", "ratio", "gap", "benchmark"))
    up_to = f" up to {ctx.as_of}" if ctx.period.end > ctx.as_of else ""
    out.titles["summary"] = f"{rep.name} ({rep_id}): plan vs actual, {ctx.period.label}{up_to}"
    out.summary = {row["metric"]: row for row in summary}
    for name, frame, title in (
        ("revenue", by_segment, "Revenue by segment"),
        ("actions", actions, "Actions by type"),
        ("coverage", cover, "Targeted accounts touched"),
        ("pipeline", pipe, f"Open pipeline as of {ctx.as_of}"),
        ("pipeline_coverage", pipe_cover, "Pipeline coverage of the target still to reach"),
        ("conversion", conv, "Win rates against the rest of the team"),
        ("accounts", untouched, f"Accounts to discuss: targeted, not touched (top {top})"),
        ("deals", watch, f"Deals to discuss: overdue or stale (top {top})"),
    ):
        if frame is not None:
            out.tables[name] = frame
            out.titles[name] = title

    out.decisions = decisions(ctx, out, by_segment, actions, opened, conv, stale_days(ctx), currency)
    return out


def _summary(metric: str, actual, plan, ratio, gap, benchmark, status: str) -> dict:
    return {"metric": metric, "actual": actual, "plan": plan, "ratio": ratio, "gap": gap, "benchmark": benchmark, "status": status or ""}


def decisions(ctx: ReportContext, sheet: Review, by_segment, actions, opened, conv, stale_limit: int, currency: str) -> list[str]:
    """The gaps that need a decision, as sentences, in a fixed order: revenue, segments, actions, coverage,
    pipeline, overdue deals, stale deals, conversion alerts."""
    t = ctx.ws.settings.thresholds
    out: list[str] = []
    behind = (OFF_TRACK, WATCH)
    s = sheet.summary
    revenue = s.get("revenue")
    if revenue and revenue["status"] in behind:
        out.append(
            f"Revenue: {_amount(revenue['actual'], currency)} of {_amount(revenue['plan'], currency)} planned to date "
            f"({_pct(revenue['ratio'])}, aim {_pct(float(t.attainment.fraction))}): agree how the "
            f"{_amount(-revenue['gap'] if revenue['gap'] is not None else None, currency)} gap is closed."
        )
    for row in _rows(by_segment):
        if row["segment"] in (TOTAL, UNPLANNED) or row["status"] not in behind:
            continue
        out.append(f"Segment {row['segment']}: {_amount(row['actual'], currency)} of {_amount(row['target'], currency)} ({_pct(row['attainment'])}).")
    for row in _rows(actions):
        if row["action"] in (TOTAL, UNPLANNED) or row["status"] not in behind:
            continue
        planned = Fraction(str(row["planned"]))
        shown = f"{money(planned, 0):,}" if planned.denominator == 1 else f"{money(planned, 1):,}"
        overdue = row.get("overdue") or 0
        late = f", {overdue} overdue (open, dated by the as-of day)" if overdue else ""
        out.append(f"Actions, {row['action']}: {row['done']} done of {shown} planned ({_pct(row['ratio'])}){late}.")
    cover = s.get("coverage")
    if cover and cover["status"] in behind:
        from .coverage import elapsed_share

        missing = cover["plan"] - cover["actual"]
        rep = next((r for r in ctx.ws.reps.values() if r.id == sheet.rep), None)
        elapsed = elapsed_share(ctx, rep) if rep is not None else Fraction(1)
        # a period in progress is judged on the share elapsed: say what was due by now, not only the aim for the whole period
        due = f" by the period's end, {money(cover['plan'] * elapsed * t.coverage.fraction, 2):,} due by now" if elapsed < 1 else ""
        out.append(
            f"Coverage: {missing} of {cover['plan']} targeted accounts not touched ({_pct(cover['ratio'])} touched, aim "
            f"{_pct(float(t.coverage.fraction))}{due}): choose the ones to work first, or take them out of the portfolio."
        )
    pipe = s.get("pipeline")
    if pipe and pipe["status"] in behind:
        out.append(
            f"Pipeline: open deals cover {pipe['ratio']:.2f}x the {_amount(pipe['plan'], currency)} still to sell "
            f"(aim {float(t.pipeline):.2f}x): where will the missing deals come from?"
        )
    deals = _rows(opened)
    overdue = [d for d in deals if d["overdue"]]
    if overdue:
        out.append(
            f"{len(overdue)} deal{'s' if len(overdue) != 1 else ''} past {'their' if len(overdue) != 1 else 'its'} close date "
            f"({_deals_value(overdue, currency)}): set a new date or close as lost."
        )
    stale = [d for d in deals if d["stale"] and not d["overdue"]]
    if stale:
        out.append(
            f"{len(stale)} open deal{'s' if len(stale) != 1 else ''} without activity for over {stale_limit} days "
            f"({_deals_value(stale, currency)}): agree the next step."
        )
    undated = [d for d in deals if d.get("no_close_date")]
    if undated:
        out.append(f"{len(undated)} open deal{'s' if len(undated) != 1 else ''} without a close date ({_deals_value(undated, currency)}): agree when {'they' if len(undated) != 1 else 'it'} should close.")
    for row in _rows(conv):
        if not row.get("alert"):
            continue
        where = f" on {row['product']}" if "product" in row else ""
        out.append(
            f"Win rate{where}: {_pct(row['win_rate'])} against {_pct(row['rest_win_rate'])} for the other sellers{' of that range' if where else ''} "
            f"({row['won']} won of {row['closed']}): compare how these deals are run."
        )
    return out
