"""Accounts to segments and to portfolios: named accounts first, then criteria over attributes."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..plan.model import Workspace

_COMPARISON = re.compile(r"^\s*(>=|<=|>|<|!=|==)\s*(-?\d+(?:\.\d+)?)\s*$")


def criterion_mask(column: pd.Series | None, expected: Any) -> pd.Series | None:
    """Rows whose attribute meets one criterion: a comparison ('>=1000'), a list of values, or a value."""
    if column is None:
        return None
    values = expected if isinstance(expected, list) else [expected]
    text = column.astype("str").str.strip()
    mask = pd.Series(False, index=column.index)
    for value in values:
        if isinstance(value, str) and (match := _COMPARISON.match(value)):
            op, number = match.group(1), float(match.group(2))
            numeric = pd.to_numeric(text.str.replace(r"[\s\u00a0,]", "", regex=True), errors="coerce")
            compare = {
                ">=": numeric >= number,
                "<=": numeric <= number,
                ">": numeric > number,
                "<": numeric < number,
                "!=": numeric != number,
                "==": numeric == number,
            }[op]
            mask |= compare.fillna(False)
        elif isinstance(value, str):
            mask |= text.str.casefold() == value.strip().casefold()
        else:
            numeric = pd.to_numeric(text, errors="coerce")
            mask |= (numeric == float(value)).fillna(False)
    return mask


def criteria_mask(accounts: pd.DataFrame, criteria: dict[str, Any]) -> pd.Series:
    """Accounts meeting every criterion (an attribute with no column matches nothing)."""
    mask = pd.Series(True, index=accounts.index)
    for attribute, expected in criteria.items():
        column = accounts.get(f"attr:{attribute}")
        one = criterion_mask(column, expected)
        if one is None:
            return pd.Series(False, index=accounts.index)
        mask &= one
    return mask


def assign_segments(accounts: pd.DataFrame, ws: Workspace, attributes: dict[str, str]) -> pd.Series:
    """Segment of each account: the export's segment column, else named accounts, else criteria by priority."""
    segment = pd.Series([None] * len(accounts), index=accounts.index, dtype="object")
    known = {s.casefold(): s for s in ws.strategy.segments}
    if "segment" in accounts.columns:
        explicit = accounts["segment"].astype("str").str.strip().str.casefold().map(known)
        segment = explicit.astype("object").where(explicit.notna(), None)
    named = {account: seg for seg, spec in (ws.segments or {}).items() for account in spec.named}
    by_name = accounts["id"].map(named)
    segment = segment.where(segment.notna(), by_name)
    ordered = sorted((ws.segments or {}).items(), key=lambda kv: (kv[1].priority, list(ws.segments).index(kv[0])))
    for seg, spec in ordered:
        if not spec.criteria or seg not in ws.strategy.segments:
            continue
        todo = segment.isna()
        if not todo.any():
            break
        match = criteria_mask(accounts, spec.criteria)
        segment = segment.where(~(todo & match), seg)
    return segment.astype("object").where(segment.notna(), None)


def segment_of_accounts(accounts: pd.DataFrame | None, ws: Workspace) -> dict[str, str]:
    """Account key -> segment: the accounts export where there is one, and the named accounts of segments.yaml."""
    lookup = {account: seg for seg, spec in (ws.segments or {}).items() for account in spec.named}
    if accounts is not None and len(accounts):
        known = accounts[accounts["segment"].notna()]
        lookup.update(dict(zip(known["id"], known["segment"])))
    return lookup


def portfolio_accounts(accounts: pd.DataFrame, ws: Workspace) -> pd.DataFrame:
    """Targeted accounts of each rep: named in the portfolio, owned in the CRM, or meeting the portfolio criteria.

    Only accounts of a segment the rep has a target in count when matched by owner or criteria;
    named accounts always count. One row per (rep, account).
    """
    pieces = []
    for rep in ws.reps.values():
        carried = {seg for seg, value in rep.targets.items() if getattr(value, "value", value)}
        in_segments = accounts["segment"].isin(carried)
        mask = accounts["id"].isin(rep.portfolio.named)
        if rep.portfolio.criteria:
            mask |= criteria_mask(accounts, rep.portfolio.criteria) & in_segments
        if "rep" in accounts.columns:
            mask |= (accounts["rep"] == rep.id) & in_segments
        chosen = accounts.loc[mask, ["id", "segment", "status"]].copy()
        chosen.insert(0, "rep", rep.id)
        pieces.append(chosen)
    if not pieces:
        return pd.DataFrame(columns=["rep", "id", "segment", "status"])
    return pd.concat(pieces, ignore_index=True)
