"""The dashboard: one row per rep with the key figures of every report and a status."""

from __future__ import annotations

import pandas as pd

from .context import TOTAL, UNPLANNED, UNSEGMENTED, ReportContext, report_frame
from .status import OFF_TRACK, ON_TRACK, WATCH

COLUMNS = [
    "rep",
    "name",
    "team",
    "actual",
    "target",
    "attainment",
    "projection",
    "activity",
    "coverage",
    "pipeline_coverage",
    "win_rate",
    "alerts",
    "status",
]
_RANK = {"": 0, ON_TRACK: 1, WATCH: 2, OFF_TRACK: 3}
_SPECIAL = {TOTAL, UNPLANNED, UNSEGMENTED}


def _tables_key(ctx: ReportContext) -> tuple:
    return ("dashboard_tables", ctx.period, ctx.as_of, ctx.filters)


def dashboard_tables(ctx: ReportContext) -> dict:
    """The report tables the dashboard computed for this very context (workspace, period, as-of day, filters),
    by name: its charts (dashboard_views) show the same tables and need not compute them again. Copies."""
    found = ctx.frames.derived.get(_tables_key(ctx))
    if found is None or found[0] is not ctx.ws:
        return {}
    return {name: table.copy() for name, table in found[1].items()}


def _by_rep(frame: pd.DataFrame | None, value: str, status: str | None = None) -> dict[str, tuple]:
    if frame is None:
        return {}
    out = {}
    for row in frame.to_dict("records"):
        if row.get("rep") in _SPECIAL:
            continue
        out[row["rep"]] = (row.get(value), row.get(status) if status else "")
    return out


def dashboard(ctx: ReportContext, progress=None) -> tuple[pd.DataFrame, list[str]]:
    """Key figures per rep (attainment, projection, activity, coverage, pipeline coverage, win rate,
    conversion alerts) and a status: the worst of the attainment, activity, coverage and pipeline statuses.
    Where the strategy sets volume objectives: a column per kind (new_customers, deals_won, units) holding the
    rep's volume attainment to date, whose status counts in the rep's status too.

    Returns the table and notes on the figures that could not be computed (an export missing).
    `progress(figure)`, when given, is called before each figure is computed.
    """
    step = progress or (lambda _figure: None)
    from .activity import activity
    from .attainment import attainment
    from .conversion import conversion, conversion_notes
    from .coverage import coverage, coverage_by_rep, elapsed_share
    from .gaps import attainment_notes, coverage_notes, opportunity_notes
    from .pipeline import pipeline_coverage, pipeline_notes

    from .volume import volume_kinds, volume_notes

    notes: list[str] = []
    att = table = None
    attained: dict = {}
    kinds = volume_kinds(ctx) if ctx.frames.sales is not None else []
    if ctx.frames.sales is not None:
        step("attainment")
        att = attainment(ctx, ["rep"])
        attained = {r["rep"]: r for r in att.to_dict("records") if r["rep"] not in _SPECIAL}
        notes += attainment_notes(ctx) + [note for note in volume_notes(ctx) if kinds]
    else:
        notes.append("attainment: needs a sales or an opportunities export (data.sales, or data.opportunities whose won deals stand in)")

    acts = None
    if ctx.frames.activities is not None:
        from .activity import activity_notes

        step("activity")
        acts = activity(ctx, ["rep"])
        notes += activity_notes(ctx)
        notes += _open_tasks_note(ctx, acts)
    else:
        notes.append("activity: no activities export (data.activities)")

    cov = {}
    cov_status: dict[str, str] = {}
    if ctx.frames.accounts is not None and ctx.frames.activities is not None:
        step("coverage")
        table = coverage(ctx)
        in_post = {rep.id: elapsed_share(ctx, rep) > 0 for rep in ctx.reps()}
        for rep_id, (share, _pace, status) in coverage_by_rep(ctx, table).items():
            # judged against the share of the period elapsed (too early: no status); no day in post yet: no figure
            cov[rep_id] = share if in_post.get(rep_id) else None
            cov_status[rep_id] = status
        notes += coverage_notes(ctx)
    else:
        notes.append("coverage: needs accounts and activities exports (data.accounts, data.activities)")

    pipe = None
    conv = None
    if ctx.frames.opportunities is not None:
        step("pipeline")
        pipe = pipeline_coverage(ctx)
        step("conversion")
        conv = conversion(ctx)
        notes += opportunity_notes(ctx) + pipeline_notes(ctx) + conversion_notes(conv)
    else:
        notes.append("pipeline and conversion: no opportunities export (data.opportunities)")

    activity_of = _by_rep(acts, "ratio", "status")
    pipeline_of = _by_rep(pipe, "coverage", "status")
    win_rates: dict[str, float | None] = {}
    alerts: dict[str, int] = {}
    if conv is not None:
        plain = conv[~conv["rep"].isin(list(_SPECIAL))]
        for rep_id, group in plain.groupby("rep"):
            alerts[rep_id] = int(group["alert"].fillna(False).astype(bool).sum())
        # the win rate counts each deal once: a deal with product lines in two ranges is in two rows of `conv`
        per_rep = conversion(ctx, ["rep"])
        for row in per_rep[~per_rep["rep"].isin(list(_SPECIAL))].to_dict("records"):
            closed = int(row["closed"])
            win_rates[row["rep"]] = int(row["won"]) / closed if closed else None

    computed = {"attainment": att, "coverage": table, "pipeline_coverage": pipe}
    if conv is not None:  # conversion(ctx): by rep and product range where the strategy declares ranges
        computed["conversion:" + ",".join(c for c in ("rep", "product") if c in conv.columns)] = conv
    ctx.frames.derived[_tables_key(ctx)] = (ctx.ws, {name: frame.copy() for name, frame in computed.items() if frame is not None})
    rows = []
    for rep in ctx.reps():
        att_row = attained.get(rep.id, {})
        coverage_value = cov.get(rep.id)
        statuses = [
            att_row.get("status") or "",
            *(att_row.get(f"{kind}_status") or "" for kind in kinds),
            activity_of.get(rep.id, (None, ""))[1] or "",
            cov_status.get(rep.id, "") if coverage_value is not None else "",
            pipeline_of.get(rep.id, (None, ""))[1] or "",
        ]
        rows.append(
            {
                "rep": rep.id,
                "name": rep.name,
                "team": rep.manager,
                "actual": att_row.get("actual"),
                "target": att_row.get("target"),
                "attainment": att_row.get("attainment"),
                "projection": att_row.get("projection"),
                **{kind: att_row.get(f"{kind}_attainment") for kind in kinds},
                "activity": activity_of.get(rep.id, (None, ""))[0],
                "coverage": coverage_value,
                "pipeline_coverage": pipeline_of.get(rep.id, (None, ""))[0],
                "win_rate": win_rates.get(rep.id),
                "alerts": alerts.get(rep.id, 0),
                "status": max(statuses, key=_RANK.__getitem__),
            }
        )
    columns = COLUMNS[: COLUMNS.index("projection") + 1] + kinds + COLUMNS[COLUMNS.index("projection") + 1 :]
    return report_frame(rows, columns, nullable=tuple(kinds)), notes


def _open_tasks_note(ctx, acts) -> list[str]:
    """The reps' overdue and scheduled activities (the activity report's columns), in one line when there are any."""
    from .done import scheduled_horizon

    reps = acts[~acts["rep"].isin(list(_SPECIAL))]
    overdue, scheduled = int(reps["overdue"].sum()), int(reps["scheduled"].sum())
    if not overdue and not scheduled:
        return []
    parts = []
    if overdue:
        parts.append(f"{overdue:,} open tasks dated up to {ctx.as_of} are overdue (not counted as done)")
    horizon = scheduled_horizon(ctx.period, ctx.as_of, ctx.months)
    if scheduled and horizon is not None:
        parts.append(f"{scheduled:,} activities are scheduled from {horizon[0]} to {horizon[1]}")
    return [f"activity: {'; '.join(parts)} (by rep and type: salesplan report activity)"]
