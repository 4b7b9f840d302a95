"""Sum checks, the heart of validate: the rep plans add up to the strategy, exactly."""

from __future__ import annotations

from fractions import Fraction

from ...diagnostics import Diagnostic
from ..model import Workspace
from ..targets import exact_sum, product_targets, segment_targets, workspace_targets
from ...config.values import Percent
from .base import STRATEGY, CheckContext, at, fmt_amount, fmt_pct, rep_file

ONE = Fraction(1)


def check_strategy_shares(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP401/SP402: segment shares and product shares each add up to exactly 100%."""
    out: list[Diagnostic] = []
    strategy = ws.strategy
    if strategy is None:
        return out
    for key, label, shares, code in (("segments", "segment", strategy.segments, "SP401"), ("products", "product", strategy.products, "SP402")):
        if not shares:
            continue
        total = sum((share.fraction for share in shares.values()), Fraction(0))
        if total != ONE:
            gap = ONE - total
            direction = f"{fmt_pct(gap)} missing" if gap > 0 else f"{fmt_pct(-gap)} too much"
            out.append(
                at(ws, STRATEGY, (key,), code, f"{label} shares add up to {fmt_pct(total)}, not 100% ({direction})", f"adjust the shares under {key}: so they total exactly 100%")
            )
    return out


def _compare(ws, assigned: Fraction, target: Fraction, what: str, place: tuple, contributors: dict[str, Fraction]) -> list[Diagnostic]:
    """Classify assigned vs target: clean within tolerance, else under (error) or over (warning/error)."""
    settings = ws.settings
    tolerance = Fraction(settings.tolerance.amount)
    allowance = settings.tolerance.over_assignment.fraction * target
    gap = assigned - target
    if -gap <= tolerance and gap <= tolerance:
        return []  # the common case: the texts below (every contributor's amount) are written only for a finding
    currency = settings.currency
    ratio = f" ({fmt_pct(assigned / target)} of target)" if target else ""
    carried = ", ".join(f"{stem} {fmt_amount(amount)}" for stem, amount in sorted(contributors.items(), key=lambda kv: (-kv[1], kv[0])) if amount)
    carried = carried or "no rep"
    if -gap > tolerance:
        return [
            at(
                ws,
                STRATEGY,
                place,
                "SP403",
                f"{what}: reps carry {fmt_amount(assigned, currency)} of {fmt_amount(target, currency)}{ratio}; "
                f"{fmt_amount(-gap, currency)} is not assigned",
                f"raise rep targets by {fmt_amount(-gap, currency)} (carried now by: {carried}); tolerance is {fmt_amount(tolerance, currency)}",
            )
        ]
    if gap > tolerance:
        code = "SP404" if gap <= max(allowance, tolerance) else "SP405"
        allowed = f"allowance is {settings.tolerance.over_assignment} = {fmt_amount(allowance, currency)}"
        return [
            at(
                ws,
                STRATEGY,
                place,
                code,
                f"{what}: reps carry {fmt_amount(assigned, currency)} for a target of {fmt_amount(target, currency)}{ratio}; "
                f"over-assigned by {fmt_amount(gap, currency)}",
                f"{allowed}; lower rep targets (carried by: {carried}) or raise the target",
            )
        ]
    return []


def check_assignment(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP403/SP404/SP405: per segment, per product range and in total, the reps' targets match the strategy."""
    if not ws.complete:
        return []
    strategy = ws.strategy
    reps = workspace_targets(ws)
    out: list[Diagnostic] = []
    for seg, target in segment_targets(strategy).items():
        contributors = {stem: t.effective.get(seg, Fraction(0)) for stem, t in reps.items()}
        out += _compare(ws, exact_sum(contributors.values()), target, f"segment {seg}", ("segments", seg), contributors)
    for product, target in product_targets(strategy).items():
        contributors = {stem: t.effective_products.get(product, Fraction(0)) for stem, t in reps.items()}
        out += _compare(ws, exact_sum(contributors.values()), target, f"product range {product}", ("products", product), contributors)
    totals = {stem: t.effective_total for stem, t in reps.items()}
    out += _compare(ws, exact_sum(totals.values()), Fraction(strategy.revenue_target), "revenue target", ("revenue_target",), totals)
    return out


def check_rep_products(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP406: a rep's product split totals the rep's objective (shares: 100%; amounts: the target)."""
    out: list[Diagnostic] = []
    if not ws.complete:
        return out
    tolerance = Fraction(ws.settings.tolerance.amount)
    for stem, rep in sorted(ws.reps.items()):
        if not rep.products:
            continue
        rel = rep_file(ws, stem)
        values = list(rep.products.values())
        shares = [v for v in values if isinstance(v, Percent)]
        if shares and len(shares) != len(values):
            out.append(at(ws, rel, ("products",), "SP406", "product split mixes amounts and percentages", "write all product ranges as amounts or all as percentages"))
            continue
        if shares:
            total = sum((v.fraction for v in shares), Fraction(0))
            if total != ONE:
                out.append(at(ws, rel, ("products",), "SP406", f"product shares add up to {fmt_pct(total)}, not 100%", "adjust the shares so they total exactly 100%"))
            continue
        total = sum((Fraction(v) for v in values), Fraction(0))
        target = workspace_targets(ws)[stem].full_year_total
        if abs(total - target) > tolerance:
            currency = ws.settings.currency
            out.append(
                at(
                    ws,
                    rel,
                    ("products",),
                    "SP406",
                    f"product amounts add up to {fmt_amount(total, currency)}, the targets to {fmt_amount(target, currency)} (gap {fmt_amount(total - target, currency)})",
                    "make the product split total the sum of targets:, or write it as percentages",
                )
            )
    return out
