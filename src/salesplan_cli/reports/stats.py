"""Significance tests for a seller's win rate against the rest of the team (standard library only).

The data is a 2x2 table [[a, b], [c, d]]: row 1 the seller, row 2 the rest of
the team; column 1 deals won, column 2 deals lost. N = a + b + c + d.

- Fisher's exact test, two-sided: with all margins fixed, the count k in the
  top-left cell follows a hypergeometric law,
  P(k) = C(a+b, k) C(c+d, a+c-k) / C(N, a+c). The p-value is the sum of P(k)
  over every k whose P(k) <= P(a) x (1 + 1e-7), the relative tolerance of R's
  fisher.test; capped at 1. Probabilities are computed in log space
  (math.lgamma) and normalised by their total.
- Two-proportion z-test, pooled: p1 = a / (a+b), p2 = c / (c+d),
  p = (a+c) / N, z = (p1 - p2) / sqrt(p (1-p) (1/(a+b) + 1/(c+d))),
  two-sided p-value = erfc(|z| / sqrt(2)). When a group is empty or p is 0 or
  1 the test is undefined and gives z = 0, p-value = 1.
- Choice of test: the expected count of a cell is its row total x its column
  total / N. Fisher's exact test is used when any expected count is below 5
  (an expected count of exactly 5 is enough for the z-test), else the z-test.
- Benjamini-Hochberg: with m p-values sorted ascending p(1) <= ... <= p(m),
  the adjusted value of p(i) is min over j >= i of p(j) m / j, capped at 1;
  a p-value is rejected (flagged) at false discovery rate q when its adjusted
  value is <= q.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

#: Relative tolerance when comparing table probabilities to the observed one (as R's fisher.test).
FISHER_RELATIVE_TOLERANCE = 1e-7
#: Fisher's exact test is used when any expected count is below this.
MIN_EXPECTED_COUNT = 5


def _counts(*values: object) -> tuple[int, ...]:
    """Check that every value is a non-negative integer (numpy integers accepted) and return them as ints."""
    counts = []
    for value in values:
        if isinstance(value, bool):
            raise TypeError(f"count must be an integer, not {value!r}")
        try:
            count = operator.index(value)
        except TypeError:
            raise TypeError(f"count must be an integer, not {value!r}") from None
        if count < 0:
            raise ValueError(f"count must be non-negative, not {count}")
        counts.append(count)
    return tuple(counts)


def fisher_exact_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on the 2x2 table [[a, b], [c, d]]."""
    a, b, c, d = _counts(a, b, c, d)
    row1, row2, col1 = a + b, c + d, a + c
    lo, hi = max(0, col1 - row2), min(row1, col1)
    # Log of P(k) up to a constant that does not depend on k (it cancels in the normalisation).
    logs = [
        -(
            math.lgamma(k + 1)
            + math.lgamma(row1 - k + 1)
            + math.lgamma(col1 - k + 1)
            + math.lgamma(row2 - col1 + k + 1)
        )
        for k in range(lo, hi + 1)
    ]
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    limit = weights[a - lo] * (1 + FISHER_RELATIVE_TOLERANCE)
    p_value = math.fsum(w for w in weights if w <= limit) / math.fsum(weights)
    return min(p_value, 1.0)


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic of x1/n1 against x2/n2 and its two-sided p-value."""
    x1, n1, x2, n2 = _counts(x1, n1, x2, n2)
    if x1 > n1 or x2 > n2:
        raise ValueError(f"successes exceed trials: {x1}/{n1}, {x2}/{n2}")
    total, successes = n1 + n2, x1 + x2
    if n1 == 0 or n2 == 0 or successes == 0 or successes == total:
        return 0.0, 1.0
    pooled = successes / total
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, math.erfc(abs(z) / math.sqrt(2))


def expected_counts(a: int, b: int, c: int, d: int) -> list[float]:
    """Expected counts [a, b, c, d] of the 2x2 table under independence (all 0 for an empty table)."""
    a, b, c, d = _counts(a, b, c, d)
    n = a + b + c + d
    if n == 0:
        return [0.0, 0.0, 0.0, 0.0]
    rows, cols = (a + b, c + d), (a + c, b + d)
    return [rows[i] * cols[j] / n for i in (0, 1) for j in (0, 1)]


@dataclass(frozen=True)
class TestResult:
    """Outcome of a seller-vs-rest test; rates are None where their group has no deals."""

    __test__ = False  # not a pytest test class, despite the name

    method: str
    p_value: float
    z: float | None
    seller_rate: float | None
    rest_rate: float | None
    difference: float | None


def seller_vs_rest_test(won_seller: int, lost_seller: int, won_rest: int, lost_rest: int) -> TestResult:
    """Test the seller's win rate against the rest: Fisher if any expected count is below 5, else the z-test."""
    a, b, c, d = _counts(won_seller, lost_seller, won_rest, lost_rest)
    n_seller, n_rest = a + b, c + d
    seller_rate = a / n_seller if n_seller else None
    rest_rate = c / n_rest if n_rest else None
    difference = seller_rate - rest_rate if seller_rate is not None and rest_rate is not None else None
    # In integers, so that an expected count of exactly 5 is never misjudged by rounding.
    n = n_seller + n_rest
    small = n == 0 or any(
        row * col < MIN_EXPECTED_COUNT * n for row in (n_seller, n_rest) for col in (a + c, b + d)
    )
    if small:
        return TestResult("fisher", fisher_exact_two_sided(a, b, c, d), None, seller_rate, rest_rate, difference)
    z, p_value = two_proportion_z_test(a, n_seller, c, n_rest)
    return TestResult("z", p_value, z, seller_rate, rest_rate, difference)


def benjamini_hochberg(p_values: list[float], q: float = 0.05) -> list[tuple[float, bool]]:
    """Benjamini-Hochberg adjusted p-values, in input order, each with whether it is rejected at level q."""
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1], not {q}")
    values = [float(p) for p in p_values]
    for p in values:
        if not 0 <= p <= 1:
            raise ValueError(f"p-value must be in [0, 1], not {p}")
    m = len(values)
    order = sorted(range(m), key=values.__getitem__)
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, values[i] * m / rank)
        adjusted[i] = running
    return [(p, p <= q) for p in adjusted]
