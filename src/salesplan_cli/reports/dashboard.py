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


def _by_rep(frame: pd.DataFrame | None, value: str, status: str | None = None) -> dict[str, tuple]:
    if frame is None:
        return {}
    out = {}
    for row in frame.to_dict("records"):
        if row.get("rep") in _SPECIAL:
            continue
        out[row["rep"]] = (row.get(value), row.get(status) if status else "")
    return out


def dashboard(ctx: ReportContext) -> tuple[pd.DataFrame, list[str]]:
    """Key figures per rep (attainment, projection, activity, coverage, pipeline coverage, win rate,
    conversion alerts) and a status: the worst of the attainment, activity, coverage and pipeline statuses.
    Where the strategy sets volume objectives: a column per kind (new_customers, deals_won, units) holding the
    rep's volume attainment to date, whose status counts in the rep's status too.

    Returns the table and notes on the figures that could not be computed (an export missing).
    """
    from .activity import activity
    from .attainment import attainment
    from .conversion import conversion, conversion_notes
    from .coverage import coverage
    from .gaps import attainment_notes, coverage_notes, opportunity_notes
    from .pipeline import pipeline_coverage, pipeline_notes

    from .volume import volume_kinds, volume_notes

    notes: list[str] = []
    attained: dict = {}
    kinds = volume_kinds(ctx) if ctx.frames.sales is not None else []
    if ctx.frames.sales is not None:
        att = attainment(ctx, ["rep"])
        attained = {r["rep"]: r for r in att.to_dict("records") if r["rep"] not in _SPECIAL}
        notes += attainment_notes(ctx) + [note for note in volume_notes(ctx) if kinds]
    else:
        notes.append("attainment: needs a sales or an opportunities export (data.sales, or data.opportunities whose won deals stand in)")

    acts = None
    if ctx.frames.activities is not None:
        from .activity import activity_notes

        acts = activity(ctx, ["rep"])
        notes += activity_notes(ctx)
    else:
        notes.append("activity: no activities export (data.activities)")

    cov = {}
    if ctx.frames.accounts is not None and ctx.frames.activities is not None:
        table = coverage(ctx)
        for rep_id, group in table[~table["rep"].isin(list(_SPECIAL))].groupby("rep"):
            if (group["status"].fillna("") == "").all():
                cov[rep_id] = None  # no day in post yet: nothing could be touched
                continue
            targeted = int(group["targeted"].sum())
            touched = int(group["touched"].sum())
            cov[rep_id] = touched / targeted if targeted else None
        notes += coverage_notes(ctx)
    else:
        notes.append("coverage: needs accounts and activities exports (data.accounts, data.activities)")

    pipe = None
    conv = None
    if ctx.frames.opportunities is not None:
        pipe = pipeline_coverage(ctx)
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
            closed = int(group["closed"].sum())
            win_rates[rep_id] = int(group["won"].sum()) / closed if closed else None
            alerts[rep_id] = int(group["alert"].fillna(False).astype(bool).sum())

    thresholds = ctx.ws.settings.thresholds
    from fractions import Fraction

    from .status import status_of

    rows = []
    for rep in ctx.reps():
        att_row = attained.get(rep.id, {})
        coverage_value = cov.get(rep.id)
        statuses = [
            att_row.get("status") or "",
            *(att_row.get(f"{kind}_status") or "" for kind in kinds),
            activity_of.get(rep.id, (None, ""))[1] or "",
            status_of(Fraction(coverage_value), thresholds.coverage.fraction, thresholds.watch_band.fraction) if coverage_value is not None else "",
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
