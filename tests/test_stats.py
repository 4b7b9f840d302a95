"""The seller-vs-rest statistics (reports/stats.py) against reference values from scipy and statsmodels.

The reference numbers below were computed once, outside the project, in a
throwaway venv with scipy 1.17.1, statsmodels 0.15.0 and numpy 2.4.6 (Python 3.11):
- Fisher: scipy.stats.fisher_exact([[a, b], [c, d]], alternative='two-sided').pvalue;
  each also agreed to within 4e-16 (relative) with an exact rational computation
  (math.comb and fractions.Fraction);
- z-test: by hand in numpy float64, z = (x1/n1 - x2/n2) / sqrt(p (1-p) (1/n1 + 1/n2))
  with p = (x1+x2)/(n1+n2), and p-value = 2 * scipy.stats.norm.sf(|z|);
- Benjamini-Hochberg: statsmodels.stats.multitest.multipletests(p, alpha=0.05,
  method='fdr_bh'), its pvals_corrected and reject.
They are hard-coded at full repr precision: neither scipy nor statsmodels is a
dependency of the project or of its tests.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from salesplan_cli.reports.stats import (
    TestResult,
    benjamini_hochberg,
    expected_counts,
    fisher_exact_two_sided,
    seller_vs_rest_test,
    two_proportion_z_test,
)

REL = 1e-9

# ((a, b, c, d), scipy.stats.fisher_exact(...).pvalue)
FISHER = [
    ((1, 0, 0, 1), 1.0),  # tiny
    ((8, 2, 1, 5), 0.034965034965034975),  # scipy's docstring example
    ((3, 1, 1, 3), 0.48571428571428565),  # the lady tasting tea
    ((0, 5, 5, 0), 0.007936507936507938),  # zero cells
    ((0, 0, 3, 4), 1.0),  # empty row (seller without deals)
    ((7, 12, 0, 0), 1.0),  # empty row (no rest)
    ((0, 1, 0, 0), 1.0),  # a single deal
    ((3, 3, 3, 3), 1.0),  # symmetric, no difference
    ((3, 5, 5, 3), 0.6192696192696193),  # symmetric margins: tables with exactly equal probabilities
    ((2, 7, 8, 2), 0.02301413756522116),
    ((0, 10, 12, 5), 0.00036378571847679405),  # zero cell
    ((1, 2, 400, 300), 0.5799295746739248),  # tiny seller, large rest
    ((5, 5, 1000, 1000), 1.0),
    ((120, 80, 900, 1100), 5.551316601187559e-05),  # large
    ((50, 0, 0, 50), 1.9823306042836675e-29),  # p < 1e-20
    ((10, 40, 45, 5), 7.275083988752144e-13),
    ((1500, 500, 2000, 2000), 3.283875704630077e-79),  # p < 1e-20, thousands of deals
    ((3000, 2000, 2500, 2500), 1.0273763733004242e-23),  # p < 1e-20, 10,000 deals
    ((3, 7, 46, 44), 0.31891957656402015),  # an expected count of 4.9
    ((3, 7, 496, 494), 0.3412866239812144),  # an expected count of 4.99
    ((0, 30, 400, 200), 2.076542220823057e-14),
]

# ((x1, n1, x2, n2), (z, two-sided p-value))
Z_TESTS = [
    ((30, 100, 20, 100), (1.6329931618554518, 0.10247043485974941)),
    ((45, 50, 30, 50), (3.4641016151377553, 0.0005320055051392477)),
    ((1, 10, 9, 10), (-3.577708763999664, 0.0003466193511346662)),
    ((120, 200, 900, 2000), (4.055939848645748, 4.993310967833545e-05)),
    ((500, 1000, 500, 1000), (0.0, 1.0)),
    ((3, 10, 40, 60), (-2.205362399524331, 0.02742867433943546)),
    ((2000, 5000, 1000, 5000), (21.82178902359924, 1.4411007940002782e-105)),
    ((0, 20, 5, 20), (-2.390457218668787, 0.01682740948275685)),
    ((20, 20, 15, 20), (2.390457218668787, 0.01682740948275685)),
    ((7, 13, 70, 90), (-1.8567424911015287, 0.06334779910205841)),
    ((3, 10, 497, 990), (-1.2712834523274565, 0.2036278270936056)),  # expected counts exactly 5
    ((30, 40, 10, 40), (4.47213595499958, 7.74421643104407e-06)),
]

# (p-values, statsmodels pvals_corrected, statsmodels reject at alpha=0.05)
BH = [
    (
        [0.01, 0.04, 0.03, 0.005, 0.2, 1.0],
        [0.030000000000000002, 0.060000000000000005, 0.06, 0.030000000000000002, 0.24, 1.0],
        [True, False, False, True, False, False],
    ),
    (  # ties and p = 1
        [0.02, 0.02, 0.02, 0.5, 0.001, 1.0, 1.0, 0.04],
        [0.04, 0.04, 0.04, 0.6666666666666666, 0.008, 1.0, 1.0, 0.064],
        [True, True, True, False, True, False, False, False],
    ),
    (  # the 15 p-values of Benjamini & Hochberg (1995)
        [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0],
        [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.06385714285714286, 0.06385714285714286, 0.0645,
         0.07650000000000001, 0.48600000000000004, 0.5811818181818182, 0.7148749999999999, 0.7532307692307693,
         0.8132142857142857, 1.0],
        [True, True, True, True, False, False, False, False, False, False, False, False, False, False, False],
    ),
    ([0.5], [0.5], [False]),
    ([1.0, 1.0], [1.0, 1.0], [False, False]),
]


def exact_fisher(a: int, b: int, c: int, d: int) -> float:
    """Fisher's two-sided p-value in exact rational arithmetic, with the same 1e-7 relative tolerance."""
    row1, row2, col1 = a + b, c + d, a + c
    weights = [math.comb(row1, x) * math.comb(row2, col1 - x) for x in range(max(0, col1 - row2), min(row1, col1) + 1)]
    observed = math.comb(row1, a) * math.comb(row2, c)
    limit = observed * (1 + Fraction(1, 10**7))
    return float(Fraction(sum(w for w in weights if w <= limit), sum(weights)))


# --- Fisher's exact test ---------------------------------------------------


@pytest.mark.parametrize(("table", "expected"), FISHER, ids=[str(t) for t, _ in FISHER])
def test_fisher_matches_scipy(table, expected):
    assert fisher_exact_two_sided(*table) == pytest.approx(expected, rel=REL, abs=0)


@pytest.mark.parametrize(("table", "expected"), FISHER, ids=[str(t) for t, _ in FISHER])
def test_fisher_is_symmetric(table, expected):
    a, b, c, d = table
    for same in [(c, d, a, b), (b, a, d, c), (a, c, b, d), (d, c, b, a)]:
        assert fisher_exact_two_sided(*same) == pytest.approx(expected, rel=REL, abs=0)


def test_fisher_matches_exact_arithmetic_on_every_small_table():
    tables = [t for t in itertools.product(range(9), repeat=4) if sum(t) <= 16]
    for table in tables:
        assert fisher_exact_two_sided(*table) == pytest.approx(exact_fisher(*table), rel=REL, abs=0), table


def test_fisher_p_value_is_a_probability():
    for table in [(0, 0, 0, 0), (1, 1, 1, 1), (2, 2, 2, 2), (10, 10, 10, 10), (500, 500, 500, 500)]:
        assert fisher_exact_two_sided(*table) == 1.0


def test_fisher_is_fast_on_thousands_of_deals():
    start = time.perf_counter()
    p = fisher_exact_two_sided(4000, 3500, 3800, 4200)
    assert time.perf_counter() - start < 2.0
    assert 0 < p < 1e-10


def test_fisher_accepts_numpy_like_integers_but_not_floats_or_negatives():
    class Index:
        def __init__(self, value):
            self.value = value

        def __index__(self):
            return self.value

    assert fisher_exact_two_sided(Index(8), Index(2), Index(1), Index(5)) == pytest.approx(0.034965034965034975)
    with pytest.raises(TypeError):
        fisher_exact_two_sided(8.0, 2, 1, 5)
    with pytest.raises(TypeError):
        fisher_exact_two_sided(True, 2, 1, 5)
    with pytest.raises(ValueError):
        fisher_exact_two_sided(-1, 2, 1, 5)


# --- two-proportion z-test --------------------------------------------------


@pytest.mark.parametrize(("counts", "expected"), Z_TESTS, ids=[str(c) for c, _ in Z_TESTS])
def test_z_test_matches_scipy(counts, expected):
    z, p = two_proportion_z_test(*counts)
    assert z == pytest.approx(expected[0], rel=REL, abs=1e-12)
    assert p == pytest.approx(expected[1], rel=REL, abs=0)


@pytest.mark.parametrize(("counts", "expected"), Z_TESTS, ids=[str(c) for c, _ in Z_TESTS])
def test_z_test_swapping_the_groups_negates_z(counts, expected):
    x1, n1, x2, n2 = counts
    z, p = two_proportion_z_test(x2, n2, x1, n1)
    assert z == pytest.approx(-expected[0], rel=REL, abs=1e-12)
    assert p == pytest.approx(expected[1], rel=REL, abs=0)


@pytest.mark.parametrize(
    "counts",
    [
        (10, 10, 20, 20),  # all won
        (0, 10, 0, 20),  # all lost
        (0, 0, 5, 10),  # first group empty
        (5, 10, 0, 0),  # second group empty
        (0, 0, 0, 0),  # nothing at all
    ],
)
def test_z_test_degenerate_cases(counts):
    assert two_proportion_z_test(*counts) == (0.0, 1.0)


def test_z_test_rejects_more_successes_than_trials():
    with pytest.raises(ValueError):
        two_proportion_z_test(11, 10, 1, 5)
    with pytest.raises(ValueError):
        two_proportion_z_test(1, 10, -1, 5)


# --- expected counts and the choice of test --------------------------------


def test_expected_counts():
    assert expected_counts(3, 7, 497, 493) == [5.0, 5.0, 495.0, 495.0]
    assert expected_counts(3, 7, 496, 494) == pytest.approx([4.99, 5.01, 494.01, 495.99], rel=1e-12)
    assert expected_counts(8, 2, 1, 5) == pytest.approx([5.625, 4.375, 3.375, 2.625], rel=1e-12)
    assert expected_counts(0, 0, 0, 0) == [0.0, 0.0, 0.0, 0.0]


def test_expected_count_just_below_5_uses_fisher():
    result = seller_vs_rest_test(3, 7, 496, 494)  # smallest expected count 4.99
    assert result.method == "fisher"
    assert result.z is None
    assert result.p_value == pytest.approx(0.3412866239812144, rel=REL, abs=0)


def test_expected_count_of_exactly_5_uses_the_z_test():
    result = seller_vs_rest_test(3, 7, 497, 493)  # smallest expected count exactly 5
    assert result.method == "z"
    assert result.z == pytest.approx(-1.2712834523274565, rel=REL)
    assert result.p_value == pytest.approx(0.2036278270936056, rel=REL, abs=0)


def test_expected_count_of_4_9_uses_fisher():
    result = seller_vs_rest_test(3, 7, 46, 44)
    assert result.method == "fisher"
    assert result.p_value == pytest.approx(0.31891957656402015, rel=REL, abs=0)


def test_large_table_uses_the_z_test_with_rates_and_difference():
    result = seller_vs_rest_test(120, 80, 900, 1100)
    assert result.method == "z"
    assert result.z == pytest.approx(4.055939848645748, rel=REL)
    assert result.p_value == pytest.approx(4.993310967833545e-05, rel=REL, abs=0)
    assert result.seller_rate == pytest.approx(0.6)
    assert result.rest_rate == pytest.approx(0.45)
    assert result.difference == pytest.approx(0.15)


def test_small_seller_uses_fisher_with_a_negative_difference():
    result = seller_vs_rest_test(2, 7, 8, 2)
    assert result == TestResult(
        method="fisher",
        p_value=pytest.approx(0.02301413756522116, rel=REL, abs=0),
        z=None,
        seller_rate=pytest.approx(2 / 9),
        rest_rate=pytest.approx(0.8),
        difference=pytest.approx(2 / 9 - 0.8),
    )
    assert result.difference < 0


@pytest.mark.parametrize(
    ("counts", "rates"),
    [
        ((40, 0, 300, 0), (1.0, 1.0, 0.0)),  # all won
        ((0, 40, 0, 300), (0.0, 0.0, 0.0)),  # all lost
        ((0, 0, 30, 20), (None, 0.6, None)),  # seller without deals
        ((5, 5, 0, 0), (0.5, None, None)),  # no rest of the team
        ((0, 0, 0, 0), (None, None, None)),  # nothing at all
    ],
)
def test_degenerate_tables_are_not_significant(counts, rates):
    result = seller_vs_rest_test(*counts)
    assert result.method == "fisher"  # some expected count is 0
    assert result.p_value == 1.0
    assert result.z is None
    assert (result.seller_rate, result.rest_rate, result.difference) == rates


def test_test_result_is_frozen():
    result = seller_vs_rest_test(1, 2, 3, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.p_value = 0.0  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(TestResult)] == [
        "method",
        "p_value",
        "z",
        "seller_rate",
        "rest_rate",
        "difference",
    ]


# --- Benjamini-Hochberg -----------------------------------------------------


@pytest.mark.parametrize(("p_values", "adjusted", "rejected"), BH)
def test_benjamini_hochberg_matches_statsmodels(p_values, adjusted, rejected):
    result = benjamini_hochberg(p_values, q=0.05)
    assert [a for a, _ in result] == pytest.approx(adjusted, rel=REL, abs=1e-15)
    assert [r for _, r in result] == rejected


def test_benjamini_hochberg_keeps_the_input_order_and_is_monotone():
    p_values = BH[2][0][::-1]
    result = benjamini_hochberg(p_values)
    assert [a for a, _ in result] == pytest.approx(BH[2][1][::-1], rel=REL, abs=1e-15)
    by_p = [a for _, a in sorted(zip(p_values, (a for a, _ in result)))]
    assert by_p == sorted(by_p)
    assert all(a >= p for p, (a, _) in zip(p_values, result))


def test_benjamini_hochberg_level_q():
    p_values = BH[2][0]
    assert sum(r for _, r in benjamini_hochberg(p_values, q=0.05)) == 4
    assert sum(r for _, r in benjamini_hochberg(p_values, q=0.1)) == 9
    assert sum(r for _, r in benjamini_hochberg(p_values, q=1.0)) == 15


def test_benjamini_hochberg_edges():
    assert benjamini_hochberg([]) == []
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5, 1.5])
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5, math.nan])
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5], q=0)


# --- dependencies -------------------------------------------------------------


def test_importing_stats_loads_no_numeric_library():
    code = (
        "import sys, salesplan_cli.reports.stats\n"
        "heavy = sorted(m for m in ('numpy', 'scipy', 'pandas', 'statsmodels') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
