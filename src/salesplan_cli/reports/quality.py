"""Pipeline quality by the book: open deals that carry every output their rep's method expects of the stages
they have passed, and the deals that moved on without them.

The outputs are those of the rep plans' `methods.<stage>.expected`; an output is measured where the
opportunities export links it to a column (`data.opportunities.expected`, read into `output:<key>` columns
by intake.frames: True recorded, False not, None not linked by the deal's export). Definitions:
docs/metrics.md, pipeline, "Qualified by the book".
"""

from __future__ import annotations

import pandas as pd

from ..intake.outputs import output_key
from ..plan.model import RepPlan
from .context import TOTAL, ReportContext, report_frame
from .pipeline import NO_ACCOUNT, cents_out, dim_orders, open_deals, text_of

QUALIFICATION_COLUMNS = ["rep", "stage", "deals", "required", "qualified", "missing", "share"]
MISSING_COLUMNS = ["rep", "id", "name", "account", "stage", "amount", "missing"]


def linked_outputs(ctx: ReportContext) -> set[str]:
    """Keys (output_key) of the outputs some opportunities export links to a column."""
    opps = ctx.frames.opportunities if ctx.frames is not None else None
    if opps is None:
        return set()
    return {str(c)[len("output:") :] for c in opps.columns if str(c).startswith("output:")}


def required_outputs(ctx: ReportContext, rep: RepPlan, stage: str) -> list[str]:
    """The outputs rep's method expects at the stages before `stage` in the strategy's order (the stages the
    deal has passed; the current stage's own outputs are the work in progress), in that order, once each,
    as the rep's plan writes them."""
    names = ctx.ws.strategy.stage_names()
    if stage not in names:
        return []
    out: dict[str, str] = {}
    for passed in names[: names.index(stage)]:
        method = rep.methods.get(passed)
        for name in method.expected if method is not None else []:
            out.setdefault(output_key(name), name)
    return list(out.values())


def flag(deal: dict, name: str) -> bool | None:
    """Whether the deal records output `name`: True, False, or None when its export does not link it."""
    value = deal.get(f"output:{output_key(name)}")
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return bool(value)


def missing_of(deal: dict, required: list[str]) -> list[str] | None:
    """The required outputs the deal does not record (None when its export links none of them: not measured)."""
    measured = [name for name in required if flag(deal, name) is not None]
    if not measured:
        return None
    return [name for name in measured if not flag(deal, name)]


def _judged(ctx: ReportContext) -> list[tuple[RepPlan, dict, list[str], list[str] | None]]:
    """(rep, deal, required outputs, missing outputs or None) for every open deal of a rep the filters keep."""
    deals = open_deals(ctx)
    if not len(deals) or not linked_outputs(ctx):
        return []
    reps = {rep.id: rep for rep in ctx.reps()}
    out = []
    for deal in deals[deals["rep"].isin(list(reps))].to_dict("records"):
        rep = reps[deal["rep"]]
        required = required_outputs(ctx, rep, str(deal["stage"]))
        out.append((rep, deal, required, missing_of(deal, required)))
    return out


def qualification(ctx: ReportContext) -> pd.DataFrame:
    """One row per rep and stage holding open deals of that rep, in the strategy's stage order, then `<total>`.

    deals: open deals; required: the outputs of the passed stages measured on those deals (linked to a
    column); qualified: deals recording every one of them; missing = deals measured - qualified;
    share = qualified / deals measured (None when nothing is required or measured at that stage).
    """
    groups: dict[tuple[str, str], dict] = {}
    for rep, deal, required, missing in _judged(ctx):
        group = groups.setdefault((rep.id, str(deal["stage"])), {"deals": 0, "measured": 0, "qualified": 0, "required": {}})
        group["deals"] += 1
        if missing is None:
            continue
        group["measured"] += 1
        group["qualified"] += not missing
        for name in required:
            if flag(deal, name) is not None:
                group["required"].setdefault(output_key(name), name)
    orders = dim_orders(ctx)
    rows = []
    totals = {"deals": 0, "measured": 0, "qualified": 0}
    for (rep_id, stage), g in sorted(groups.items(), key=lambda item: (orders["rep"].index(item[0][0]), _rank(orders["stage"], item[0][1]))):
        rows.append(_row(rep_id, stage, g["deals"], ", ".join(g["required"].values()), g["measured"], g["qualified"]))
        for key in totals:
            totals[key] += g[key]
    if rows:
        rows.append(_row(TOTAL, TOTAL, totals["deals"], "", totals["measured"], totals["qualified"]))
    return report_frame(rows, QUALIFICATION_COLUMNS, nullable=("share",))


def _rank(order: list[str], value: str) -> tuple:
    return (0, order.index(value)) if value in order else (1, 0)


def _row(rep: str, stage: str, deals: int, required: str, measured: int, qualified: int) -> dict:
    return {
        "rep": rep,
        "stage": stage,
        "deals": deals,
        "required": required,
        "qualified": qualified,
        "missing": measured - qualified,
        "share": qualified / measured if measured else None,
    }


def missing_outputs(ctx: ReportContext, top: int | None = 10) -> pd.DataFrame:
    """The open deals that moved on without an output their stages required, with what is missing: per rep
    (in the reps' order), the `top` largest (value unknown after every valued deal), then by id."""
    rows = []
    for rep, deal, _required, missing in _judged(ctx):
        if not missing:
            continue
        known = bool(deal.get("amount_known", True))
        rows.append(
            {
                "rep": rep.id,
                "id": str(deal["id"]),
                "name": text_of(deal.get("name")),
                "account": text_of(deal.get("account")) or NO_ACCOUNT,
                "stage": deal["stage"],
                "amount": cents_out(int(deal["amount"])) if known else None,
                "missing": ", ".join(missing),
                "_sort": (not known, -int(deal["amount"]) if known else 0, str(deal["id"])),
            }
        )
    orders = dim_orders(ctx)["rep"]
    rows.sort(key=lambda r: (orders.index(r["rep"]), r["_sort"]))
    kept, seen = [], {}
    for row in rows:
        seen[row["rep"]] = seen.get(row["rep"], 0) + 1
        if top is None or seen[row["rep"]] <= top:
            kept.append({k: v for k, v in row.items() if k != "_sort"})
    if not kept:
        return pd.DataFrame({column: pd.Series([], dtype="object") for column in MISSING_COLUMNS})
    return report_frame(kept, MISSING_COLUMNS, nullable=("name", "amount"))


def deal_missing(ctx: ReportContext, rep: RepPlan, deal: dict) -> list[str] | None:
    """What one open deal (an open_deals row) lacks of the outputs its passed stages required (None: not measured)."""
    if not linked_outputs(ctx):
        return None
    return missing_of(deal, required_outputs(ctx, rep, str(deal["stage"])))


def quality_notes(ctx: ReportContext) -> list[str]:
    """Why qualification by the book is not measured, or what of it is not: outputs the reps expect that no
    export column records; deals of no rep."""
    if ctx.frames is None or ctx.frames.opportunities is None:
        return []
    linked = linked_outputs(ctx)
    if not linked:
        expects = any(m.expected for rep in ctx.reps() for m in rep.methods.values())
        if not expects:
            return []
        return ["pipeline: qualification by the book not measured: no expected output is linked to an export column (data.opportunities.expected)"]
    unlinked: dict[str, str] = {}
    for rep in ctx.reps():
        for method in rep.methods.values():
            for name in method.expected:
                if output_key(name) not in linked:
                    unlinked.setdefault(output_key(name), name)
    notes = []
    if unlinked:
        notes.append(
            "pipeline: expected outputs no export column records, not measured: " + ", ".join(unlinked.values()) + " (link them under data.opportunities.expected)"
        )
    deals = open_deals(ctx)
    stray = int(deals["rep"].isna().sum()) if len(deals) else 0
    if stray:
        notes.append(f"pipeline: {stray:,} open deal{'s' if stray != 1 else ''} of no rep: no method says what they need, left out of the qualification")
    return notes
