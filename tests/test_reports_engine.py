"""The vectorised helpers of the report engine give what the plain forms they replace give (issue 13: an engine
change, not a semantics change)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_cli.config.values import money, round_half_away
from salesplan_cli.reports.activity import _coded as activity_coded
from salesplan_cli.reports.activity import _sizes
from salesplan_cli.reports.context import rounded
from salesplan_cli.reports.coverage import _positions
from salesplan_cli.reports.orders import _Order, key_rank
from salesplan_cli.reports.pipeline import cents_out

fractions = st.builds(Fraction, st.integers(-(10**18), 10**18), st.integers(1, 10**12))


@settings(max_examples=500, deadline=None)
@given(value=st.one_of(fractions, st.integers(-(10**15), 10**15)), digits=st.integers(0, 4))
def test_rounded_is_the_float_of_money(value, digits):
    assert repr(rounded(value, digits)) == repr(float(money(value, digits)))


@pytest.mark.parametrize("value", [Fraction(1, 200), Fraction(-1, 200), Fraction(5, 1000), Fraction(-5, 1000), Fraction(-1, 1000), 0])
def test_rounded_halves_away_from_zero_and_never_minus_zero(value):
    assert repr(rounded(value)) == repr(float(money(value)))


@settings(max_examples=300, deadline=None)
@given(cents=st.one_of(st.integers(-(10**15), 10**15), fractions))
def test_cents_out_of_whole_cents_skips_no_rounding(cents):
    assert repr(cents_out(cents)) == repr(round_half_away(Fraction(cents)) / 100)


def _coded(frame: pd.DataFrame, columns: tuple[str, ...]):
    """activity._coded for a frame of its own (the cache it keeps lives on the context's frames)."""
    return activity_coded(SimpleNamespace(frames=SimpleNamespace(derived={})), frame, columns)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["ann", "bob", None]), st.sampled_from(["call", "visit", None]), st.sampled_from(["smb", "key", None]), st.booleans()),
        max_size=40,
    ),
    categorical=st.booleans(),
)
def test_sizes_counts_what_a_group_by_counts(rows, categorical):
    frame = pd.DataFrame(rows, columns=["rep", "action", "segment", "keep"], dtype="object")
    if categorical:
        frame = frame.astype({"rep": "category", "action": "category", "segment": "category"})
    mask = frame["keep"].to_numpy(dtype=bool)
    got = {tuple("<na>" if pd.isna(v) else v for v in key): n for *key, n in _sizes(_coded(frame, ("rep", "action", "segment")), mask)}
    kept = frame[mask]
    expected = {}
    if len(kept):
        sizes = kept.groupby(["rep", "action", "segment"], dropna=False, sort=False).size()
        expected = {tuple("<na>" if pd.isna(v) else v for v in key): int(n) for key, n in sizes.items() if n}
    assert got == expected


@pytest.mark.parametrize("dtype", ["str", "object", "category"])
def test_positions_match_get_indexer(dtype):
    index = pd.Index(["a1", "b2", " c3", "d4"], dtype="str")
    values = pd.Series(["b2", "zz", None, " c3", "a1", "c3"], dtype=dtype if dtype != "category" else "object")
    assert list(_positions(index, values)) == list(index.get_indexer(values))


def test_positions_of_values_not_all_text_fall_back_to_pandas():
    index = pd.Index(["1", "2"], dtype="object")
    values = pd.Series(["2", 1, None], dtype="object")
    assert list(_positions(index, values)) == list(index.get_indexer(values))


def test_key_rank_with_positions_matches_the_list_order():
    reps = ["r3", "r1", "r2", "r1"]
    keys = [("r2",), ("zz",), ("<unplanned>",), ("r1",), ("r3",), ("aa",)]
    plain = sorted(keys, key=lambda k: key_rank(["rep"], k, {"rep": list(reps)}))
    fast = sorted(keys, key=lambda k: key_rank(["rep"], k, {"rep": _Order(reps)}))
    assert plain == fast == [("r3",), ("r1",), ("r2",), ("aa",), ("zz",), ("<unplanned>",)]
