"""The order report rows are listed in: each dimension's declared values in order, then any other value by
name, then <unplanned>/<unsegmented> (shared by the pipeline and conversion reports)."""

from __future__ import annotations

from .context import UNPLANNED, UNSEGMENTED, ReportContext


def dim_orders(ctx: ReportContext) -> dict[str, list[str]]:
    """The order of each dimension's values in reports: reps (team, id), teams, stages, segments, products as declared."""
    reps = [rep.id for rep in sorted(ctx.ws.reps.values(), key=lambda r: (r.manager, r.id))]
    teams = list(dict.fromkeys(rep.manager for rep in sorted(ctx.ws.reps.values(), key=lambda r: (r.manager, r.id))))
    return {
        "rep": _Order(reps),
        "team": _Order(teams),
        "stage": _Order(s.name for s in ctx.ws.strategy.stages),
        "segment": _Order(ctx.ws.strategy.segments),
        "product": _Order(ctx.ws.strategy.products or {}),
    }


class _Order(list):
    """A dimension's values in order, with each value's position looked up in a dict (key_rank sorts thousands
    of groups against a thousand reps: list.index would scan the list for each)."""

    def __init__(self, values=()):
        super().__init__(values)
        self.position = {}
        for i, value in enumerate(self):
            self.position.setdefault(value, i)  # the first, as list.index finds it


def key_rank(by: list[str], key: tuple, orders: dict[str, list[str]]) -> tuple:
    """Sort key of a group: declared values in their order, then any other value by name, then <unplanned>/<unsegmented>."""
    ranks = []
    for dim, value in zip(by, key):
        order = orders[dim]
        position = order.position.get(value) if isinstance(order, _Order) else (order.index(value) if value in order else None)
        if position is not None:
            ranks.append((0, position, ""))
        elif value in (UNPLANNED, UNSEGMENTED):
            ranks.append((2, 0, ""))
        else:
            ranks.append((1, 0, str(value)))
    return tuple(ranks)
