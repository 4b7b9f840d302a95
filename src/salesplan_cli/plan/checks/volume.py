"""Volume objectives (`volume:` in strategy.yaml and in rep plans): names that resolve (SP301, SP304), whole
numbers (SP407), and reps that add up to the strategy exactly, prorated for dates in post (SP408-SP410)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from ...diagnostics import Diagnostic
from ..model import VOLUME_KEYS, Workspace
from ..targets import strategy_volume, workspace_targets
from ...config.values import Percent, money
from .base import STRATEGY, CheckContext, at, fmt_pct, rep_file
from .references import _suggest

LABELS = {"new_customers": "new customers", "deals_won": "deals won", "units": "units"}


def fmt_count(value: Fraction) -> str:
    """40 -> '40', 7.5 -> '7.5', 1/3 -> '0.33' (display only; comparisons stay exact)."""
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"{money(value):,}".rstrip("0").rstrip(".")


def _what(kind: str, key: str) -> str:
    return f"{LABELS[kind]} in {'segment' if VOLUME_KEYS[kind] == 'segment' else 'product range'} {key}"


def check_volume_references(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP301/SP304: volume objectives name segments of the strategy (new_customers, deals_won) and its
    product ranges (units)."""
    out: list[Diagnostic] = []
    if ws.strategy is None:
        return out
    segments, products = set(ws.strategy.segments), set(ws.strategy.products or {})
    sources = [(STRATEGY, ws.strategy.volume)] + [(rep_file(ws, stem), rep.volume) for stem, rep in sorted(ws.reps.items())]
    for rel, volume in sources:
        if volume is None:
            continue
        for kind, keys in volume.kinds().items():
            known = segments if VOLUME_KEYS[kind] == "segment" else products
            for key in keys:
                if key in known:
                    continue
                if VOLUME_KEYS[kind] == "segment":
                    out.append(at(ws, rel, ("volume", kind, key), "SP301", f"volume.{kind}: unknown segment '{key}' ({LABELS[kind]} are set per segment)", _suggest(key, known)))
                elif not known:
                    out.append(at(ws, rel, ("volume", kind, key), "SP304", f"volume.units: '{key}' but the strategy declares no product ranges (units are set per product range)", "declare products: in strategy.yaml, or remove volume.units"))
                else:
                    out.append(at(ws, rel, ("volume", kind, key), "SP304", f"volume.units: unknown product range '{key}'", _suggest(key, known)))
    return out


def check_volume_whole(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP407: a volume objective is a whole number (a rep's share of the strategy's objective too)."""
    out: list[Diagnostic] = []
    if ws.strategy is not None and ws.strategy.volume is not None:
        for kind, keys in ws.strategy.volume.kinds().items():
            for key, number in keys.items():
                if Fraction(number).denominator != 1:
                    out.append(_not_whole(ws, STRATEGY, kind, key, f"{fmt_count(Fraction(number))}"))
    planned = strategy_volume(ws.strategy) if ws.strategy is not None else {}
    for stem, rep in sorted(ws.reps.items()):
        if rep.volume is None:
            continue
        for kind, keys in rep.volume.kinds().items():
            for key, value in keys.items():
                if isinstance(value, Percent):
                    if ws.strategy is None:
                        continue
                    base = planned.get(kind, {}).get(key, Fraction(0))
                    number = base * value.fraction
                    shown = f"{value} of the strategy's {fmt_count(base)} = {fmt_count(number)}"
                else:
                    number = Fraction(value)
                    shown = fmt_count(number)
                if number.denominator != 1:
                    out.append(_not_whole(ws, rep_file(ws, stem), kind, key, shown))
    return out


def _not_whole(ws: Workspace, rel: str, kind: str, key: str, shown: str) -> Diagnostic:
    return at(
        ws,
        rel,
        ("volume", kind, key),
        "SP407",
        f"volume.{kind}.{key} is {shown}: {LABELS[kind]} are counted in whole numbers",
        "write a whole number (a share of the strategy's objective must come out whole: write the number instead)",
        prefer_key=False,
    )


def check_volume_assignment(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP408/SP409/SP410: per kind and key, the reps' volume objectives (prorated for dates in post) add up to
    the strategy's exactly; over-assignment follows tolerance.over_assignment as for value targets."""
    out: list[Diagnostic] = []
    if not ws.complete:
        return out
    planned = strategy_volume(ws.strategy)
    reps = workspace_targets(ws)
    for kind, keys in planned.items():
        for key, target in keys.items():
            carried = {stem: t.effective_volume.get(kind, {}).get(key, Fraction(0)) for stem, t in reps.items()}
            found = _compare(ws, kind, key, sum(carried.values(), Fraction(0)), target, carried)
            partial = {stem: t.proration for stem, t in reps.items() if carried[stem].denominator != 1}
            if found and partial:
                found = [replace(found[0], hint=f"{found[0].hint}; {_part_year(partial)}")]
            out += found
    for stem, rep in sorted(ws.reps.items()):  # what a rep carries where the strategy sets nothing
        for kind, keys in (rep.volume.kinds() if rep.volume else {}).items():
            for key, value in keys.items():
                if key in planned.get(kind, {}) or not (isinstance(value, Percent) or value):
                    continue
                what = f"{value} of it" if isinstance(value, Percent) else f"{fmt_count(Fraction(value))} {LABELS[kind]}"
                out.append(
                    at(
                        ws,
                        rep_file(ws, stem),
                        ("volume", kind, key),
                        "SP410",
                        f"volume.{kind}.{key}: the rep carries {what} but the strategy sets no such objective",
                        f"add {key}: under volume.{kind} in strategy.yaml, or remove it here",
                    )
                )
    return out


def _part_year(partial: dict[str, Fraction]) -> str:
    """Why a gap is not whole: reps in post part of the year carry their number x their share of the year, and
    only a multiple of that share's denominator comes out whole."""
    parts = ", ".join(f"{stem} is in post {fmt_pct(p)} of the year (a multiple of {p.denominator} comes out whole: {p.denominator} x {fmt_pct(p)} = {fmt_count(p.denominator * p)})" for stem, p in sorted(partial.items()))
    return f"the reps' numbers are prorated: {parts}"


def _compare(ws: Workspace, kind: str, key: str, assigned: Fraction, target: Fraction, carried: dict[str, Fraction]) -> list[Diagnostic]:
    gap = assigned - target
    if not gap:
        return []
    allowance = ws.settings.tolerance.over_assignment.fraction * target
    ratio = f" ({fmt_pct(assigned / target)} of the objective)" if target else ""
    who = ", ".join(f"{stem} {fmt_count(n)}" for stem, n in sorted(carried.items(), key=lambda kv: (-kv[1], kv[0])) if n) or "no rep"
    place = ("volume", kind, key)
    if gap < 0:
        return [
            at(
                ws,
                STRATEGY,
                place,
                "SP408",
                f"{_what(kind, key)}: reps carry {fmt_count(assigned)} of {fmt_count(target)}{ratio}; {fmt_count(-gap)} not assigned",
                f"raise the reps' volume.{kind}.{key} by {fmt_count(-gap)} (carried now by: {who}; prorated for dates in post)",
            )
        ]
    code = "SP409" if gap <= allowance else "SP410"
    return [
        at(
            ws,
            STRATEGY,
            place,
            code,
            f"{_what(kind, key)}: reps carry {fmt_count(assigned)} for an objective of {fmt_count(target)}{ratio}; over-assigned by {fmt_count(gap)}",
            f"allowance is {ws.settings.tolerance.over_assignment} = {fmt_count(allowance)}; lower the reps' volume.{kind}.{key} (carried by: {who}) or raise the objective",
        )
    ]
