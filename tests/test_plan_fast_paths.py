"""The fast paths of plan loading and checking give exactly what the plain computation gives.

yamlsource reads plain scalars through a cache by text and handles the common events inline; the checks share
the figures common to all reps and add exact fractions by denominator. Each shortcut is compared here with the
straightforward form it replaces.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
import yaml

from salesplan_cli.plan import yamlsource
from salesplan_cli.plan.checks.capacity import _planned_total, norm_fractions, planned_actions
from salesplan_cli.plan.checks.organisation import _off_mix
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.plan.targets import exact_sum, exact_sum_of_products, rep_targets, workspace_targets
from salesplan_cli.plan.yamlsource import Mark, parse_yaml

from conftest import EXAMPLE


def _random_fractions(rng: random.Random, n: int) -> list[Fraction]:
    return [Fraction(rng.randint(-(10**9), 10**9), rng.choice([1, 1, 1, 2, 3, 12, 60, 365, 7919])) for _ in range(n)]


def test_exact_sums_equal_plain_sums():
    rng = random.Random(13)
    for _ in range(500):
        values = _random_fractions(rng, rng.randint(0, 40)) + [rng.randint(-9, 9) for _ in range(rng.randint(0, 3))]
        fast, plain = exact_sum(values), sum(values, Fraction(0))
        assert fast == plain and type(fast) is Fraction and str(fast) == str(plain)
        pairs = list(zip(_random_fractions(rng, 8), _random_fractions(rng, 8)))
        assert exact_sum_of_products(pairs) == sum((a * b for a, b in pairs), Fraction(0))
    assert exact_sum([]) == 0 and type(exact_sum([])) is Fraction
    assert exact_sum([Fraction(1, 2), 0.25]) == 0.75  # another kind of number: as sum() does


def test_territory_mix_comparison_in_ints_equals_fractions():
    rng = random.Random(5)
    for _ in range(5000):
        amount = Fraction(rng.randint(0, 10**7), rng.choice([1, 1, 1, 3]))
        total = Fraction(rng.choice([-1, 1, 1]) * rng.randint(1, 10**7), rng.choice([1, 1, 1, 7]))
        share, tolerance = Fraction(rng.randint(0, 100), 100), Fraction(rng.randint(0, 10), 100)
        assert _off_mix(amount, total, share, tolerance) == (abs(amount / total - share) > tolerance)


def test_plain_values_cached_by_text_keep_their_findings():
    """A text read once without a finding is reused; a trap (a YAML 1.1 boolean, an octal) is flagged every time."""
    for _ in range(2):
        doc, diags = parse_yaml("a: 1.50\nb: on\nc: 0123\nd: 2027-02-30\ne: [1,100]\n", "x.yaml")
        assert doc.data["a"] == Decimal("1.50") and str(doc.data["a"]) == "1.50"
        assert [(d.code, d.line) for d in diags] == [("SP103", 2), ("SP104", 3), ("SP203", 4), ("SP204", 5)]
    doc, diags = parse_yaml("on: 1\n", "y.yaml")  # the same text as a key: its own finding, with 'key'
    assert [d.code for d in diags] == ["SP103"] and "unquoted key 'on'" in diags[0].message


def test_source_map_of_nested_blocks_and_flows():
    text = "a:\n  - {x: 1, w: [2, 3]}\n  - z\nb: {c: {d: 4}}\n"
    doc, diags = parse_yaml(text, "x.yaml")
    assert not diags and doc.data == {"a": [{"x": 1, "w": [2, 3]}, "z"], "b": {"c": {"d": 4}}}
    assert list(doc.key_marks.items()) == list({  # in the order the builder records them
        ("a", 0, "x"): Mark(2, 6),
        ("a", 0, "w"): Mark(2, 12),
        ("a",): Mark(1, 1),
        ("b", "c", "d"): Mark(4, 9),
        ("b", "c"): Mark(4, 5),
        ("b",): Mark(4, 1),
    }.items())
    assert list(doc.value_marks.items()) == list({
        (): Mark(1, 1),
        ("a",): Mark(2, 3),
        ("a", 0): Mark(2, 5),
        ("a", 0, "x"): Mark(2, 9),
        ("a", 0, "w"): Mark(2, 15),
        ("a", 0, "w", 0): Mark(2, 16),
        ("a", 0, "w", 1): Mark(2, 19),
        ("a", 1): Mark(3, 5),
        ("b",): Mark(4, 4),
        ("b", "c"): Mark(4, 8),
        ("b", "c", "d"): Mark(4, 12),
    }.items())


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_libyaml_parser_is_used():
    from yaml.cyaml import CParser

    assert yamlsource._Parser is CParser


def test_shared_figures_give_each_rep_its_own_targets():
    """Reps with their own periods, dates in post, products and norms: the figures shared by all reps change nothing."""
    ws, _ = load_workspace(EXAMPLE)
    assert any(rep.periods for rep in ws.reps.values()) and any(rep.start for rep in ws.reps.values())
    shared = workspace_targets(ws)
    strategy_norms = norm_fractions(ws.strategy.norms)
    totals: dict = {}
    for stem, rep in ws.reps.items():
        alone = rep_targets(rep, ws.strategy, ws.settings)
        together = shared[stem]
        assert repr(alone) == repr(together)
        for name in ("proration", "effective", "effective_total", "effective_products", "effective_volume", "full_year_total"):
            assert getattr(alone, name) == getattr(together, name)
        assert alone.monthly_total() == together.monthly_total()
        plain = sum(planned_actions(rep, ws.strategy).values(), Fraction(0))
        assert _planned_total(rep, ws.strategy, strategy_norms, totals, {}) == plain
    assert any(rep.activities for rep in ws.reps.values())  # a rep with its own norms was compared too


def test_employment_shared_by_dates_is_one_list_per_rep():
    ws, _ = load_workspace(EXAMPLE)
    lists = [t.employment for t in workspace_targets(ws).values()] + [t.month_weights for t in workspace_targets(ws).values()]
    assert len({id(x) for x in lists}) == len(lists)  # nobody can change another rep's figures through a shared list
