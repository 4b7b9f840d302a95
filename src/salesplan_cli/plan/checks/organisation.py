"""Organisation model checks: territory reps mirror the mix, specialists carry one segment."""

from __future__ import annotations

from fractions import Fraction

from ...diagnostics import Diagnostic
from ..model import RepPlan, Workspace
from ..targets import workspace_targets
from .base import STRATEGY, CheckContext, at, fmt_pct, rep_file


def organisation_of(ws: Workspace, rep: RepPlan) -> str:
    """The rep's organisation model: the team's when its manager declares one, else the strategy's."""
    manager = ws.settings.managers.get(rep.manager) if ws.settings else None
    if manager is not None and manager.organization is not None:
        return manager.organization
    return ws.strategy.organization


def check_territory_mix(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP501: under a territory organisation, each rep's segment mix mirrors the strategy's."""
    out: list[Diagnostic] = []
    if not ws.complete:
        return out
    tolerance = ws.settings.tolerance.mix.fraction
    mix = [(seg, share, share.fraction) for seg, share in ws.strategy.segments.items()]  # once, not per rep
    for stem, rep in sorted(ws.reps.items()):
        if organisation_of(ws, rep) != "territory":
            continue
        targets = workspace_targets(ws)[stem]
        total = targets.full_year_total
        if not total:
            continue
        for seg, share, fraction in mix:
            amount = targets.full_year.get(seg, Fraction(0))
            if _off_mix(amount, total, fraction, tolerance):
                rep_share = amount / total
                path = ("targets", seg) if seg in rep.targets else ("targets",)
                out.append(
                    at(
                        ws,
                        rep_file(ws, stem),
                        path,
                        "SP501",
                        f"segment {seg} is {fmt_pct(rep_share)} of this territory rep's target, the strategy says {share}",
                        f"territory reps carry every segment in the strategy's mix (within {ws.settings.tolerance.mix}); "
                        "rebalance the targets, or declare the team 'organization: specialized' or the strategy 'hybrid'",
                    )
                )
    return out


def _off_mix(amount: Fraction, total: Fraction, share: Fraction, tolerance: Fraction) -> bool:
    """abs(amount / total - share) > tolerance, exactly; whole amounts (the usual case) compare as ints:
    |amount x q - p x total| x t > r x total x q for share p/q, tolerance r/t and total > 0."""
    if total > 0 and amount.denominator == 1 and total.denominator == 1:
        p, q, r, t = share.numerator, share.denominator, tolerance.numerator, tolerance.denominator
        return abs(amount.numerator * q - p * total.numerator) * t > r * total.numerator * q
    return abs(amount / total - share) > tolerance


def check_specialists(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP502: under a specialized organisation, each rep carries exactly one segment."""
    out: list[Diagnostic] = []
    if not ws.complete:
        return out
    for stem, rep in sorted(ws.reps.items()):
        if organisation_of(ws, rep) != "specialized":
            continue
        carried = [seg for seg, value in rep.targets.items() if _nonzero(value)]
        if len(carried) != 1:
            what = "no segment" if not carried else f"{len(carried)} segments ({', '.join(carried)})"
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    ("targets",),
                    "SP502",
                    f"specialized rep carries {what}; a specialist carries exactly one",
                    "keep one segment in targets:, or make the team 'organization: territory'",
                )
            )
    return out


def check_segment_coverage(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP503: every segment with a strategy share is carried by at least one rep."""
    out: list[Diagnostic] = []
    if not ws.complete or not ws.reps:
        return out
    for seg, share in ws.strategy.segments.items():
        if not share.value:
            continue
        if not any(_nonzero(rep.targets.get(seg)) for rep in ws.reps.values()):
            out.append(
                at(ws, STRATEGY, ("segments", seg), "SP503", f"segment {seg} ({share} of turnover) is carried by no rep", f"give segment {seg} a target in at least one rep plan")
            )
    return out


def _nonzero(value) -> bool:
    if value is None:
        return False
    return bool(value.value) if hasattr(value, "fraction") else bool(value)
