"""Largest-remainder rounding: hand-worked splits, and a property test that the sum is always exact."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan_cli.replan.rounding import NotWholeUnits, largest_remainder, round_table

F = Fraction


def test_one_left_over_goes_to_the_largest_remainder():
    # 100 x 1/6, 2/6, 3/6 = 16.67, 33.33, 50: floors 16 + 33 + 50 = 99, the one left goes to .67
    assert largest_remainder(F(100), [F(1), F(2), F(3)]) == [17, 33, 50]


def test_ties_go_to_the_earlier_part():
    # 400,000 / 3 = 133,333.33 each: 399,999 in floors, the 1 left to the first
    assert largest_remainder(F(400_000), [F(1)] * 3) == [133_334, 133_333, 133_333]


def test_whole_units_of_a_thousand():
    # 400 units of 1,000 over 3: 133.33 each -> 133, 133, 133 and one unit left -> the first
    assert largest_remainder(F(400_000), [F(1)] * 3, F(1000)) == [134_000, 133_000, 133_000]


def test_zero_weight_gets_nothing():
    assert largest_remainder(F(10), [F(0), F(1), F(1)]) == [0, 5, 5]


def test_a_total_that_is_not_whole_units_is_refused():
    with pytest.raises(NotWholeUnits):
        largest_remainder(F(1500), [F(1), F(1)], F(1000))


def test_round_table_keeps_rows_and_columns():
    exact = {"r1": {"p": F(10, 3), "q": F(20, 3)}, "r2": {"p": F(20, 3), "q": F(10, 3)}}
    out = round_table(exact, ["r1", "r2"], ["p", "q"], {"r1": F(10), "r2": F(10)}, {"p": F(10), "q": F(10)}, F(1))
    assert {k: sum(v.values()) for k, v in out.items()} == {"r1": 10, "r2": 10}
    assert out["r1"]["p"] + out["r2"]["p"] == 10 and out["r1"]["q"] + out["r2"]["q"] == 10


@settings(max_examples=200, deadline=None)
@given(
    units=st.integers(min_value=0, max_value=10**9),
    unit=st.sampled_from([1, 10, 1000, 5000]),
    weights=st.lists(st.fractions(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(lambda ws: sum(ws) > 0),
)
def test_the_sum_is_exact_and_every_part_is_whole_units(units, unit, weights):
    total = F(units * unit)
    parts = largest_remainder(total, weights, F(unit))
    assert sum(parts) == total
    assert all((p / unit).denominator == 1 and p >= 0 for p in parts)
    # no part is more than one unit away from its exact share
    weight_sum = sum(weights)
    assert all(abs(p - total * w / weight_sum) < unit for p, w in zip(parts, weights))
