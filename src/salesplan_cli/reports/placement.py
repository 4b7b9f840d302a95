"""Where a sale counts: the group of a report's `by` a sale of (rep, segment, product) is placed in, shared by
the attainment in amounts (attainment.py) and in volume (volume.py)."""

from __future__ import annotations

import pandas as pd

from .context import UNPLANNED, UNSEGMENTED, ReportContext


def placement(ctx: ReportContext, by: list[str]):
    """The group of `by` a sale of (rep, segment, product) counts in: a rep's sale in a segment the rep carries
    no target in, and a sale of no rep, go to <unplanned>; a sale of no segment to <unsegmented>."""
    teams = {rep.id: rep.manager for rep in ctx.ws.reps.values()}
    carried = {rep.id: {seg for seg, value in rep.targets.items() if getattr(value, "value", value)} for rep in ctx.ws.reps.values()}

    def place(rep_id, segment, product) -> tuple:
        rep_id = None if pd.isna(rep_id) else rep_id
        segment = None if pd.isna(segment) else segment
        product = None if pd.isna(product) else product
        in_plan = rep_id is not None and (segment is None or segment in carried.get(rep_id, ()))
        values = {
            "rep": rep_id if in_plan else UNPLANNED,
            "team": teams.get(rep_id) if in_plan else UNPLANNED,
            "segment": (segment or UNSEGMENTED) if in_plan else UNPLANNED,
            "product": product if (in_plan and product is not None) else UNPLANNED,
        }
        return tuple(values[d] for d in by)

    return place
