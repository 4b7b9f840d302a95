"""Accounts to segments and to portfolios: named accounts first, then criteria over attributes."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ..plan.model import Workspace

_COMPARISON = re.compile(r"^\s*(>=|<=|>|<|!=|==)\s*(-?\d+(?:\.\d+)?)\s*$")


def _as_float(value) -> float:
    """A criterion's number as a float; beyond a float's range it is infinite (no account has 10^309
    employees), never an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        return math.nan


def criterion_mask(column: pd.Series | None, expected: Any) -> pd.Series | None:
    """Rows whose attribute meets one criterion: a comparison ('>=1000'), a list of values, or a value."""
    if column is None:
        return None
    values = expected if isinstance(expected, list) else [expected]
    text = column.astype("str").str.strip()
    mask = pd.Series(False, index=column.index)
    for value in values:
        if isinstance(value, str) and (match := _COMPARISON.match(value)):
            op, number = match.group(1), _as_float(match.group(2))
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
            mask |= (numeric == _as_float(value)).fillna(False)
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
    attributes = _Attributes(accounts)
    for seg, spec in ordered:
        if not spec.criteria or seg not in ws.strategy.segments:
            continue
        todo = segment.isna()
        if not todo.any():
            break
        match = attributes.mask(spec.criteria)
        segment = segment.where(~(todo & match), seg)
    return segment.astype("object").where(segment.notna(), None)


def segment_table(accounts: pd.DataFrame | None, ws: Workspace):
    """Account key -> segment as two aligned arrays, account keys (Arrow text, distinct) and segments, for
    `lookup` over hundreds of thousands of accounts without a Python dict: the accounts export (its segment
    when it has one), then the named accounts of segments.yaml that the export does not hold."""
    import pyarrow as pa
    import pyarrow.compute as pc

    named = {account: seg for seg, spec in (ws.segments or {}).items() for account in spec.named}
    ids = pa.array([], type=pa.large_string())
    segments = np.array([], dtype=object)
    if accounts is not None and len(accounts):
        from .parse import _arrow_text

        known = accounts["segment"].notna().to_numpy()
        ids = pc.filter(_arrow_text(accounts["id"]).cast(pa.large_string()), pa.array(known))
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        segments = accounts["segment"].to_numpy(dtype=object)[known]
    extra = [account for account, held in zip(named, pc.is_in(pa.array(list(named), type=pa.large_string()), value_set=ids).to_pylist()) if not held]
    keys = pa.concat_arrays([ids, pa.array(extra, type=pa.large_string())])
    return keys, np.concatenate([segments, np.array([named[a] for a in extra], dtype=object)])


class _Attributes:
    """The accounts' attribute columns, each factorised once: a criterion is judged on the distinct values
    and spread to the rows by their codes (thousands of reps share a few hundred area names)."""

    def __init__(self, accounts: pd.DataFrame):
        self.accounts = accounts
        self._codes: dict[str, tuple] = {}
        self._values: dict[tuple, np.ndarray] = {}  # criterion -> codes of the distinct values meeting it
        self._order: dict[str, tuple] = {}
        self._folded: dict[str, dict[str, list[int]]] = {}  # attribute -> case-folded text -> codes  # attribute -> rows sorted by code, and where each code starts

    def _column(self, attribute: str):
        if attribute not in self._codes:
            column = self.accounts.get(f"attr:{attribute}")
            if column is None:
                self._codes[attribute] = None
            else:
                codes, uniques = pd.factorize(column, use_na_sentinel=False)
                self._codes[attribute] = (codes, pd.Series(uniques, dtype="object"))
        return self._codes[attribute]

    def mask(self, criteria: dict[str, Any]) -> np.ndarray:
        """Accounts meeting every criterion, as a mask (an attribute with no column matches nothing)."""
        out = np.ones(len(self.accounts), dtype=bool)
        for attribute, expected in criteria.items():
            column = self._column(attribute)
            if column is None:
                return np.zeros(len(self.accounts), dtype=bool)
            codes, uniques = column
            key = (attribute, repr(expected))
            if key not in self._values:
                self._values[key] = self._matching_values(attribute, uniques, expected)
            per_value = np.zeros(len(uniques), dtype=bool)
            per_value[self._values[key]] = True
            out &= per_value[codes]
        return out

    def rows(self, criteria: dict[str, Any]) -> np.ndarray:
        """Positions (sorted) of the accounts meeting every criterion, without a mask over all accounts:
        each criterion picks distinct values, whose rows come from an index built once per attribute."""
        found: np.ndarray | None = None
        for attribute, expected in criteria.items():
            column = self._column(attribute)
            if column is None:
                return np.empty(0, dtype=np.int64)
            codes, uniques = column
            key = (attribute, repr(expected))
            per_value = self._values.get(key)
            if per_value is None:
                per_value = self._values[key] = self._matching_values(attribute, uniques, expected)
            order, bounds = self._index(attribute, codes, len(uniques))
            picked = np.concatenate([order[bounds[v] : bounds[v + 1]] for v in per_value]) if len(per_value) else np.empty(0, dtype=np.int64)
            picked.sort()
            found = picked if found is None else np.intersect1d(found, picked, assume_unique=True)
            if not len(found):
                break
        return found if found is not None else np.arange(len(self.accounts))

    def _matching_values(self, attribute: str, uniques: pd.Series, expected: Any) -> np.ndarray:
        """Codes of the distinct values meeting a criterion. Plain text values (the common case: an area, a
        region) are looked up in a table of the case-folded values, built once per attribute; comparisons
        and numbers go through criterion_mask."""
        values = expected if isinstance(expected, list) else [expected]
        if not all(isinstance(v, str) and not _COMPARISON.match(v) for v in values):
            return np.flatnonzero(criterion_mask(uniques, expected).to_numpy(dtype=bool))
        table = self._folded.get(attribute)
        if table is None:
            table = {}
            folded = uniques.astype("str").str.strip().str.casefold()
            for code, text in enumerate(folded):
                table.setdefault(text, []).append(code)
            self._folded[attribute] = table
        codes = sorted({code for v in values for code in table.get(v.strip().casefold(), [])})
        return np.array(codes, dtype=np.int64)

    def _index(self, attribute: str, codes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        if attribute not in self._order:
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(count + 1))
            self._order[attribute] = (order, bounds)
        return self._order[attribute]


def portfolio_accounts(accounts: pd.DataFrame, ws: Workspace) -> pd.DataFrame:
    """Targeted accounts of each rep: named in the portfolio, owned in the CRM, or meeting the portfolio criteria.

    Only accounts of a segment the rep has a target in count when matched by owner or criteria;
    named accounts always count. One row per (rep, account): rep, id, segment, status.
    """
    rep_ids, rows = portfolio_rows(accounts, ws)
    return portfolio_frame(accounts, rep_ids, [len(chosen) for chosen in rows], np.concatenate(rows) if rows else np.empty(0, dtype=np.int64))


def portfolio_frame(accounts: pd.DataFrame, rep_ids: list[str], counts: list[int], rows: np.ndarray, statuses: np.ndarray | None = None) -> pd.DataFrame:
    """The frame of portfolio_accounts from its rows: `counts[i]` rows of `rows` (positions in `accounts`) for
    `rep_ids[i]`; `statuses`: the status of each row of `rows` (else the accounts' own column)."""
    if not len(rows):
        return pd.DataFrame(columns=["rep", "id", "segment", "status"])
    ids = accounts["id"].to_numpy(dtype=object)
    segments = accounts["segment"].to_numpy(dtype=object)
    owners = np.repeat(np.array(rep_ids, dtype=object), counts)
    if statuses is None:
        statuses = accounts["status"].to_numpy(dtype=object)[rows]
    return pd.DataFrame({"rep": owners, "id": ids[rows], "segment": segments[rows], "status": statuses})


def portfolio_rows(accounts: pd.DataFrame, ws: Workspace) -> tuple[list[str], list[np.ndarray]]:
    """The reps with a targeted account (in the order of ws.reps) and, for each, the positions of its targeted
    accounts in `accounts` (sorted, at least one): what portfolio_accounts is made of."""
    n = len(accounts)
    ids = accounts["id"].to_numpy(dtype=object)
    position: dict[str, int] | None = None  # account -> row, built when a portfolio names accounts
    attributes = _Attributes(accounts)
    # a segment compared as an integer code, not as text, for each set of segments a rep carries
    segment_codes, segment_names = pd.factorize(accounts["segment"], use_na_sentinel=True)
    segment_code = {name: code for code, name in enumerate(segment_names)}
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
                owned[value] = np.sort(group)
    rep_ids: list[str] = []
    chosen_rows: list[np.ndarray] = []
    for rep in ws.reps.values():
        carried = frozenset(seg for seg, value in rep.targets.items() if getattr(value, "value", value))
        if carried not in by_segments:
            wanted = [segment_code[seg] for seg in carried if seg in segment_code]
            by_segments[carried] = np.isin(segment_codes, wanted) if wanted else np.zeros(n, dtype=bool)
        in_segments = by_segments[carried]
        parts = []
        if rep.portfolio.criteria:
            matched = attributes.rows(rep.portfolio.criteria)
            parts.append(matched[in_segments[matched]])
        mine = owned.get(rep.id)
        if mine is not None:
            parts.append(mine[in_segments[mine]])
        if rep.portfolio.named and position is None:
            position = {account: i for i, account in enumerate(ids)}  # ids are distinct: duplicates are rejected rows
        named = [position[a] for a in rep.portfolio.named if a in position] if rep.portfolio.named else []
        if named:
            parts.append(np.array(named, dtype=np.int64))
        chosen = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        if not len(chosen):
            continue
        rep_ids.append(rep.id)
        chosen_rows.append(chosen)
    return rep_ids, chosen_rows
