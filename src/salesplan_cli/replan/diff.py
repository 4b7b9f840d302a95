"""The change between two versions of a plan, in plan terms (not text lines).

`plan_diff(old, new)` compares two loaded workspaces (with their findings): the strategy, the managers, each
rep (added, removed, moved, dates in post, objectives by segment, product range and quarter, named accounts
and portfolio criteria, sign-offs); then the consequence: the reps' sums against the strategy on each side,
and the findings that appear or disappear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..diagnostics import Diagnostic
from ..plan.calendar import QUARTERS
from ..plan.checks.base import fmt_amount, fmt_pct
from ..plan.model import Workspace
from ..plan.targets import product_targets, segment_targets, workspace_targets
from ..config.values import Percent, money


@dataclass
class Change:
    section: str  # strategy, settings, rep, objective, portfolio, sign-off
    subject: str  # 'strategy', a rep id, a manager id
    what: str  # 'revenue_target', 'segment A', 'Q3', 'manager'
    old: Any = None  # None: absent on that side
    new: Any = None
    amount: bool = False  # old/new are exact amounts in currency

    @property
    def difference(self) -> Fraction | None:
        if not self.amount:
            return None
        return Fraction(self.new or 0) - Fraction(self.old or 0)

    @property
    def percent(self) -> Fraction | None:
        if not self.amount or not self.old:
            return None
        return self.difference / Fraction(self.old)


@dataclass
class SumRow:
    what: str  # 'revenue target', 'segment A', 'product range platform'
    old_reps: Fraction | None
    old_target: Fraction | None
    new_reps: Fraction | None
    new_target: Fraction | None

    def gap(self, side: str) -> Fraction | None:
        reps, target = (self.old_reps, self.old_target) if side == "old" else (self.new_reps, self.new_target)
        return None if reps is None or target is None else reps - target


@dataclass
class Side:
    """One side of a diff: a label (folder or revision), the loaded workspace and its findings."""

    label: str
    workspace: Workspace
    findings: list[Diagnostic]
    load_errors: int = 0  # errors in the plan files themselves (schema, YAML): what is shown may be partial


@dataclass
class PlanDiff:
    old: str
    new: str
    currency: str
    changes: list[Change]
    sums: list[SumRow]
    appeared: list[Diagnostic] = field(default_factory=list)
    disappeared: list[Diagnostic] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)  # side label -> plan errors on that side

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.appeared or self.disappeared)


# --- values shown ---------------------------------------------------------------------


def show(value: Any, amount: bool = False, currency: str = "") -> str:
    if value is None:
        return "-"
    if amount:
        return fmt_amount(Fraction(value))
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, Percent):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Fraction):
        return float(money(value))
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def to_dict(diff: PlanDiff) -> dict:
    return {
        "old": diff.old,
        "new": diff.new,
        "currency": diff.currency,
        "changed": diff.changed,
        "changes": [
            {
                "section": c.section,
                "subject": c.subject,
                "what": c.what,
                "old": _plain(Fraction(c.old)) if c.amount and c.old is not None else _plain(c.old),
                "new": _plain(Fraction(c.new)) if c.amount and c.new is not None else _plain(c.new),
                "difference": _plain(c.difference),
                "percent": round(float(c.percent), 6) if c.percent is not None else None,
            }
            for c in diff.changes
        ],
        "sums": [
            {
                "what": s.what,
                "old": {"reps": _plain(s.old_reps), "target": _plain(s.old_target), "gap": _plain(s.gap("old"))},
                "new": {"reps": _plain(s.new_reps), "target": _plain(s.new_target), "gap": _plain(s.gap("new"))},
            }
            for s in diff.sums
        ],
        "findings": {"appeared": [d.to_dict() for d in diff.appeared], "disappeared": [d.to_dict() for d in diff.disappeared]},
        "errors": diff.errors,
    }


# --- comparing -----------------------------------------------------------------------------


def _compare_maps(out: list[Change], section: str, subject: str, prefix: str, old: dict, new: dict, amount: bool = False) -> None:
    for key in list(dict.fromkeys([*old, *new])):
        a, b = old.get(key), new.get(key)
        if a != b:
            out.append(Change(section, subject, f"{prefix}{key}", a, b, amount))


def _strategy_changes(old: Workspace, new: Workspace) -> list[Change]:
    out: list[Change] = []
    a, b = old.strategy, new.strategy
    if a is None or b is None:
        return out
    if a.revenue_target != b.revenue_target:
        out.append(Change("strategy", "strategy", "revenue_target", Fraction(a.revenue_target), Fraction(b.revenue_target), True))
    if a.organization != b.organization:
        out.append(Change("strategy", "strategy", "organization", a.organization, b.organization))
    _compare_maps(out, "strategy", "strategy", "segment ", {k: str(v) for k, v in a.segments.items()}, {k: str(v) for k, v in b.segments.items()})
    _compare_maps(out, "strategy", "strategy", "product ", {k: str(v) for k, v in (a.products or {}).items()}, {k: str(v) for k, v in (b.products or {}).items()})
    _compare_maps(out, "strategy", "strategy", "seasonality ", {k: str(v) for k, v in a.seasonality.items()}, {k: str(v) for k, v in b.seasonality.items()})

    def norms(s) -> dict:
        return {f"{seg} {status} {action}": int(n) for seg, by in s.norms.items() for status, acts in by.items() for action, n in acts.items()}

    _compare_maps(out, "strategy", "strategy", "norm ", norms(a), norms(b))
    cap_a = int(a.capacity.actions_per_year) if a.capacity else None
    cap_b = int(b.capacity.actions_per_year) if b.capacity else None
    if cap_a != cap_b:
        out.append(Change("strategy", "strategy", "capacity actions_per_year", cap_a, cap_b))

    def volume(s) -> dict:
        return {f"{kind} {key}": int(n) for kind, keys in (s.volume.kinds() if s.volume else {}).items() for key, n in keys.items()}

    _compare_maps(out, "strategy", "strategy", "volume ", volume(a), volume(b))
    if a.stage_names() != b.stage_names():
        out.append(Change("strategy", "strategy", "stages", a.stage_names(), b.stage_names()))
    return out


def _settings_changes(old: Workspace, new: Workspace) -> list[Change]:
    out: list[Change] = []
    a, b = old.settings, new.settings
    if a is None or b is None:
        return out
    for what, x, y in (("currency", a.currency, b.currency), ("fiscal_year start", a.fiscal_year.start, b.fiscal_year.start)):
        if x != y:
            out.append(Change("settings", "salesplan.yaml", what, x, y))
    for mid in dict.fromkeys([*a.managers, *b.managers]):
        x, y = a.managers.get(mid), b.managers.get(mid)
        if x is None or y is None:
            out.append(Change("settings", mid, "manager", x.name if x else None, y.name if y else None))
        elif x != y:
            for key in ("name", "email", "organization"):
                if getattr(x, key) != getattr(y, key):
                    out.append(Change("settings", mid, key, getattr(x, key), getattr(y, key)))
    return out


def _objectives(ws: Workspace) -> dict[str, dict[str, Fraction]]:
    """rep id -> {'segment A': .., 'product platform': .., 'Q1': ..}: what the rep carries this fiscal year."""
    if not ws.complete:
        return {}
    out: dict[str, dict[str, Fraction]] = {}
    for stem, t in workspace_targets(ws).items():
        rep = ws.reps[stem]
        values = {f"segment {seg}": v for seg, v in t.effective.items()}
        values.update({f"product {p}": v for p, v in t.effective_products.items()})
        monthly = t.monthly_total()
        values.update({q: sum(monthly[i * 3 : i * 3 + 3], Fraction(0)) for i, q in enumerate(QUARTERS)})
        values["total"] = t.effective_total
        # volume objectives this fiscal year (counts, prorated as the checks count them)
        values.update({f"volume {kind} {key}": v for kind, keys in t.effective_volume.items() for key, v in keys.items()})
        out[rep.id] = values
    return out


def _rep_changes(old: Workspace, new: Workspace) -> list[Change]:
    out: list[Change] = []
    a = {rep.id: rep for rep in old.reps.values()}
    b = {rep.id: rep for rep in new.reps.values()}
    obj_a, obj_b = _objectives(old), _objectives(new)
    for rid in sorted(set(a) | set(b)):
        x, y = a.get(rid), b.get(rid)
        if x is None or y is None:
            kept = x or y
            label = f"{kept.name} ({kept.manager})"
            out.append(Change("rep", rid, "added" if x is None else "removed", None if x is None else label, label if x is None else None))
        else:
            for key in ("name", "manager", "territory", "start", "end"):
                if getattr(x, key) != getattr(y, key):
                    out.append(Change("rep", rid, key, getattr(x, key), getattr(y, key)))
            if x.portfolio.criteria != y.portfolio.criteria:
                out.append(Change("portfolio", rid, "criteria", _criteria(x.portfolio.criteria), _criteria(y.portfolio.criteria)))
            for key in ("rep", "manager"):
                if getattr(x.agreed, key) != getattr(y.agreed, key):
                    out.append(Change("sign-off", rid, f"agreed {key}", getattr(x.agreed, key), getattr(y.agreed, key)))
        oa, ob = obj_a.get(rid, {}), obj_b.get(rid, {})
        for key in dict.fromkeys([*oa, *ob]):
            va, vb = oa.get(key, Fraction(0) if oa else None), ob.get(key, Fraction(0) if ob else None)
            if va != vb and (va or vb):
                out.append(Change("objective", rid, key, va, vb, True))
    out += _named_moves(a, b)
    return out


def _criteria(criteria: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in criteria.items()) or "(none)"


def _named_moves(a: dict, b: dict) -> list[Change]:
    """Named accounts whose reps changed: account -> reps before and after."""
    def owners(reps: dict) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for rid, rep in sorted(reps.items()):
            for account in rep.portfolio.named:
                out.setdefault(account, []).append(rid)
        return out

    before, after = owners(a), owners(b)
    return [
        Change("portfolio", account, "named account", before.get(account), after.get(account))
        for account in sorted(set(before) | set(after))
        if before.get(account) != after.get(account)
    ]


def _sums(ws: Workspace) -> dict[str, tuple[Fraction, Fraction]]:
    if not ws.complete:
        return {}
    reps = workspace_targets(ws)
    out = {"revenue target": (sum((t.effective_total for t in reps.values()), Fraction(0)), Fraction(ws.strategy.revenue_target))}
    for seg, target in segment_targets(ws.strategy).items():
        out[f"segment {seg}"] = (sum((t.effective.get(seg, Fraction(0)) for t in reps.values()), Fraction(0)), target)
    for p, target in product_targets(ws.strategy).items():
        out[f"product range {p}"] = (sum((t.effective_products.get(p, Fraction(0)) for t in reps.values()), Fraction(0)), target)
    return out


def _finding_key(d: Diagnostic) -> tuple:
    return (d.code, d.file, d.message)


def plan_diff(old: Side, new: Side) -> PlanDiff:
    a, b = old.workspace, new.workspace
    changes = _settings_changes(a, b) + _strategy_changes(a, b) + _rep_changes(a, b)
    sa, sb = _sums(a), _sums(b)
    sums = [
        SumRow(what, *(sa.get(what) or (None, None)), *(sb.get(what) or (None, None)))
        for what in dict.fromkeys([*sa, *sb])
    ]
    keys_a = {_finding_key(d) for d in old.findings}
    keys_b = {_finding_key(d) for d in new.findings}
    currency = (b.settings or a.settings).currency if (b.settings or a.settings) else ""
    errors = {side.label: side.load_errors for side in (old, new) if side.load_errors}
    return PlanDiff(
        old=old.label,
        new=new.label,
        currency=currency,
        changes=changes,
        sums=sums,
        appeared=[d for d in new.findings if _finding_key(d) not in keys_a],
        disappeared=[d for d in old.findings if _finding_key(d) not in keys_b],
        errors=errors,
    )


def pct(value: Fraction | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + fmt_pct(value, 1)


def signed(value: Fraction | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + fmt_amount(value)
