"""Accounts to segments and to portfolios: named accounts first, then criteria over attributes."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
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


class _Attributes:
    """The accounts' attribute columns, each factorised once: a criterion is judged on the distinct values
    and spread to the rows by their codes (thousands of reps share a few hundred area names)."""

    def __init__(self, accounts: pd.DataFrame):
        self.accounts = accounts
        self._codes: dict[str, tuple] = {}
        self._masks: dict[tuple, np.ndarray] = {}

    def _column(self, attribute: str):
        if attribute not in self._codes:
            column = self.accounts.get(f"attr:{attribute}")
            if column is None:
                self._codes[attribute] = None
            else:
                codes, uniques = pd.factorize(column, use_na_sentinel=False)
                self._codes[attribute] = (codes, pd.Series(uniques, dtype="object"))
        return self._codes[attribute]

    def criterion(self, attribute: str, expected: Any) -> np.ndarray:
        key = (attribute, repr(expected))
        if key not in self._masks:
            found = self._column(attribute)
            if found is None:
                self._masks[key] = np.zeros(len(self.accounts), dtype=bool)
            else:
                codes, uniques = found
                per_value = criterion_mask(uniques, expected).to_numpy(dtype=bool)
                self._masks[key] = per_value[codes]
        return self._masks[key]

    def criteria(self, criteria: dict[str, Any]) -> np.ndarray:
        mask = np.ones(len(self.accounts), dtype=bool)
        for attribute, expected in criteria.items():
            mask &= self.criterion(attribute, expected)
        return mask


def portfolio_accounts(accounts: pd.DataFrame, ws: Workspace) -> pd.DataFrame:
    """Targeted accounts of each rep: named in the portfolio, owned in the CRM, or meeting the portfolio criteria.

    Only accounts of a segment the rep has a target in count when matched by owner or criteria;
    named accounts always count. One row per (rep, account).
    """
    n = len(accounts)
    ids = accounts["id"].to_numpy(dtype=object)
    position = {account: i for i, account in enumerate(ids)}  # the first row of an id (duplicates are rejected rows)
    attributes = _Attributes(accounts)
    segments = accounts["segment"].to_numpy(dtype=object)
    by_segments: dict[frozenset, np.ndarray] = {}
    owned: dict[str, np.ndarray] = {}
    if "rep" in accounts.columns and n:
        reps = accounts["rep"].to_numpy(dtype=object)
        codes, _ = pd.factorize(reps, use_na_sentinel=False)
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        for group in np.split(order, bounds) if len(order) else []:
            value = reps[group[0]]
            if isinstance(value, str):
                owned[value] = group
    pieces = []
    for rep in ws.reps.values():
        carried = frozenset(seg for seg, value in rep.targets.items() if getattr(value, "value", value))
        if carried not in by_segments:
            by_segments[carried] = np.isin(segments, list(carried)) if carried else np.zeros(n, dtype=bool)
        in_segments = by_segments[carried]
        mask = np.zeros(n, dtype=bool)
        if rep.portfolio.criteria:
            mask |= attributes.criteria(rep.portfolio.criteria) & in_segments
        mine = owned.get(rep.id)
        if mine is not None:
            mask[mine[in_segments[mine]]] = True
        named = [position[a] for a in rep.portfolio.named if a in position]
        chosen = np.flatnonzero(mask)
        if named:
            chosen = np.union1d(chosen, np.array(named, dtype=np.int64))
        if not len(chosen):
            continue
        pieces.append(pd.DataFrame({"rep": rep.id, "id": ids[chosen], "segment": segments[chosen], "status": accounts["status"].to_numpy(dtype=object)[chosen]}))
    if not pieces:
        return pd.DataFrame(columns=["rep", "id", "segment", "status"])
    return pd.concat(pieces, ignore_index=True)
