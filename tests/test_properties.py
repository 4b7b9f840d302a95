"""Property-based tests: random valid workspaces, perturbed targets, breakdown sums, loader robustness.

A strategy builds random *valid* workspaces as YAML files: any fiscal-year start month,
1-5 segments with whole-percent shares, optional product ranges, seasonality by quarters
or by months, and 1-8 reps in territory, specialized and hybrid teams. Targets are
amounts or percentage shares that add up *exactly* to the segment targets, including
mid-year hires and leavers, whose full-year figure is chosen so that
full-year x prorated seasonality is a whole number of cents.

The expected figures are computed here with our own calendar arithmetic (fractions),
not with salesplan's, so the properties compare two independent computations.

Run more examples locally with SALESPLAN_HYPOTHESIS=long (or =noshrink to skip shrinking).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from salesplan_cli.diagnostics import CODES, Diagnostic, Severity
from salesplan_cli.plan.breakdown import BY_CHOICES, plan_breakdown
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.plan.yamlsource import SourceDoc, parse_yaml

settings.register_profile(
    "salesplan-ci",
    max_examples=60,
    deadline=None,
    derandomize=True,  # same examples on every run and every machine
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "salesplan-long",
    max_examples=1000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "salesplan-noshrink",  # report failures at once, unshrunk (debugging)
    parent=settings.get_profile("salesplan-ci"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
PROFILE = settings.get_profile("salesplan-" + os.environ.get("SALESPLAN_HYPOTHESIS", "ci"))

HUNDRED = Fraction(100)
CENT = Fraction(1, 100)

# --- our own calendar arithmetic ----------------------------------------------------------------

MONTH_KEYS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]


def fiscal_months(start: dt.date) -> list[tuple[int, int]]:
    out = []
    for i in range(12):
        month0 = start.month - 1 + i
        out.append((start.year + month0 // 12, month0 % 12 + 1))
    return out


def fiscal_end(start: dt.date) -> dt.date:
    year, month = fiscal_months(start)[-1]
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def season_weights(start: dt.date, seasonality: dict[str, int]) -> list[Fraction]:
    """Weight of each fiscal month: a quarter spreads evenly over its three months."""
    months = fiscal_months(start)
    if set(seasonality) == set(QUARTERS):
        return [Fraction(seasonality[QUARTERS[i // 3]], 300) for i in range(12)]
    return [Fraction(seasonality[MONTH_KEYS[month - 1]], 100) for _, month in months]


def employment(start: dt.date, hired: dt.date | None, left: dt.date | None) -> list[Fraction]:
    out = []
    for year, month in fiscal_months(start):
        days = calendar.monthrange(year, month)[1]
        first, last = dt.date(year, month, 1), dt.date(year, month, days)
        lo = max(first, hired) if hired else first
        hi = min(last, left) if left else last
        out.append(Fraction(max((hi - lo).days + 1, 0), days))
    return out


def decimal_text(value: Fraction) -> str | None:
    """The exact decimal spelling of a fraction, None when it has none (1/3)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    places = max(twos, fives)
    scaled = value * 10**places
    assert scaled.denominator == 1
    text = format(Decimal(scaled.numerator).scaleb(-places), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def amount_text(value: Fraction, underscores: bool) -> str:
    text = decimal_text(value)
    assert text is not None, value
    whole, dot, frac = text.partition(".")
    if underscores and len(whole) > 3:
        whole = f"{int(whole):_}"
    return whole + dot + frac


def money_text(value: Fraction) -> str:
    """How a check message shows an amount: 1,234.5 -> '1,234.50', 1,234 -> '1,234'."""
    cents = round(value * 100)
    text = f"{Decimal(cents).scaleb(-2):,.2f}"
    return text[:-3] if text.endswith(".00") else text


# --- the workspace model of the tests ---------------------------------------------------------------


@dataclass
class RepSpec:
    id: str
    name: str
    kind: str  # territory | specialized | hybrid
    manager: str
    hired: dt.date | None
    left: dt.date | None
    proration: Fraction
    targets: dict[str, str]  # segment -> YAML text as written
    effective: dict[str, Fraction]  # segment -> objective this fiscal year (what the sums compare)
    written: dict[str, Fraction]  # segment -> full-year figure
    products: dict[str, str] | None = None
    periods: dict[str, str] | None = None
    flow: bool = False

    @property
    def written_total(self) -> Fraction:
        return sum(self.written.values(), Fraction(0))


@dataclass
class WorkspaceSpec:
    fy_start: dt.date
    company: str
    cadence: str
    tolerance: Fraction  # currency
    over_allowance: Fraction  # share of the target
    organization: str
    managers: dict[str, str | None]
    revenue: int
    segments: dict[str, int]  # id -> whole percent
    products: dict[str, int] | None
    seasonality: dict[str, int]
    reps: list[RepSpec]
    segment_lines: dict[str, int] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return self.fy_start - dt.timedelta(days=1)

    def segment_target(self, seg: str) -> Fraction:
        return Fraction(self.revenue * self.segments[seg], 100)

    def has_prorated_or_own_periods(self) -> bool:
        return any(rep.proration != 1 or rep.periods for rep in self.reps)

    # rendering ---------------------------------------------------------------------------------

    def files(self) -> dict[str, str]:
        files = {"salesplan.yaml": self._settings(), "strategy.yaml": self._strategy(), "segments.yaml": self._segments()}
        for rep in self.reps:
            files[f"reps/{rep.id}.yaml"] = self._rep(rep)
        return files

    def write(self, root: Path) -> Path:
        (root / "reps").mkdir(parents=True, exist_ok=True)
        for rel, text in self.files().items():
            (root / rel).write_text(text, encoding="utf-8")
        return root

    def _settings(self) -> str:
        lines = [
            f"company: {json.dumps(self.company, ensure_ascii=False)}",
            f"fiscal_year: {{start: {self.fy_start.isoformat()}}}",
            "currency: EUR",
            f"review_cadence: {self.cadence}",
            "tolerance:",
            f"  amount: {amount_text(self.tolerance, underscores=True)}",
            f"  over_assignment: {decimal_text(self.over_allowance * 100)}%",
            "managers:",
        ]
        for mid, org in self.managers.items():
            lines.append(f"  {mid}:")
            lines.append(f"    name: {json.dumps('Manager ' + mid)}")
            if org:
                lines.append(f"    organization: {org}")
        return "\n".join(lines) + "\n"

    def _strategy(self) -> str:
        lines = [
            "# generated by tests/test_properties.py",
            f"revenue_target: {amount_text(Fraction(self.revenue), underscores=True)}",
            f"organization: {self.organization}",
            "segments:",
        ]
        for seg, share in self.segments.items():
            lines.append(f"  {seg}: {share}%")
            self.segment_lines[seg] = len(lines)
        if self.products is not None:
            lines.append("products:")
            lines += [f"  {p}: {share}%" for p, share in self.products.items()]
        lines.append("seasonality:")
        lines += [f"  {k}: {w}%" for k, w in self.seasonality.items()]
        lines += ["stages: [lead, qualified, proposal, won, lost]", "actions: [call, meeting]"]
        return "\n".join(lines) + "\n"

    def _segments(self) -> str:
        lines = []
        for i, seg in enumerate(self.segments):
            lines += [f"{seg}:", f"  name: {json.dumps('Segment ' + seg)}", f"  priority: {i + 1}"]
        return "\n".join(lines) + "\n"

    def _rep(self, rep: RepSpec) -> str:
        lines = [f"id: {rep.id}", f"name: {json.dumps(rep.name, ensure_ascii=False)}", f"manager: {rep.manager}"]
        if rep.hired:
            lines.append(f"start: {rep.hired.isoformat()}")
        if rep.left:
            lines.append(f"end: {rep.left.isoformat()}")
        lines += _mapping("targets", rep.targets, rep.flow)
        if rep.products is not None:
            lines += _mapping("products", rep.products, not rep.flow)
        if rep.periods is not None:
            lines += _mapping("periods", rep.periods, rep.flow)
        signed = self.fy_start - dt.timedelta(days=20)
        lines.append(f"agreed: {{rep: {signed.isoformat()}, manager: {(signed + dt.timedelta(days=2)).isoformat()}}}")
        return "\n".join(lines) + "\n"


def _mapping(key: str, values: dict[str, str], flow: bool) -> list[str]:
    if flow or not values:
        return [f"{key}: {{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"]
    return [f"{key}:"] + [f"  {k}: {v}" for k, v in values.items()]


# --- strategies ---------------------------------------------------------------------------------

_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _not_yaml_word(text: str) -> bool:
    return text.lower() not in _YAML_WORDS


SEGMENT_IDS = st.from_regex(r"[A-Z][A-Za-z0-9]{0,5}(-[a-z0-9]{1,3})?", fullmatch=True).filter(_not_yaml_word)
PRODUCT_IDS = st.from_regex(r"[a-z][a-z0-9]{1,7}(_[a-z]{1,3})?", fullmatch=True).filter(_not_yaml_word)
REP_IDS = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3})?", fullmatch=True).filter(_not_yaml_word)
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ÄÖÜäöüéèçßñ-'.", min_size=1, max_size=20).map(lambda s: s.strip() or "X")


def partition(draw, total: int, parts: int, minimum: int = 0) -> list[int]:
    """`parts` whole numbers >= minimum adding up to `total`."""
    rest = total - parts * minimum
    assert rest >= 0
    cuts = sorted(draw(st.lists(st.integers(0, rest), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, rest]
    return [bounds[i + 1] - bounds[i] + minimum for i in range(parts)]


def _written_form(draw, value: Fraction, segment_target: Fraction) -> str:
    """An amount or, when it is exact and at most 100%, a share of the segment's target."""
    if draw(st.booleans()) and segment_target:
        share = value / segment_target * 100
        text = decimal_text(share)
        if text is not None and share <= 100:
            return f"{text}%"
    return amount_text(value, underscores=draw(st.booleans()))


@st.composite
def workspaces(draw) -> WorkspaceSpec:
    fy_start = dt.date(draw(st.integers(2020, 2035)), draw(st.integers(1, 12)), 1)
    fy_end = fiscal_end(fy_start)
    fy_days = (fy_end - fy_start).days + 1

    n_segments = draw(st.sampled_from(range(1, 6)))
    seg_ids = draw(st.lists(SEGMENT_IDS, min_size=n_segments, max_size=n_segments, unique=True))
    segments = dict(zip(seg_ids, partition(draw, 100, n_segments, minimum=1)))

    products = None
    if draw(st.booleans()):
        n_products = draw(st.integers(1, 4))
        prod_ids = draw(st.lists(PRODUCT_IDS, min_size=n_products, max_size=n_products, unique=True))
        products = dict(zip(prod_ids, partition(draw, 100, n_products)))

    if draw(st.booleans()):
        seasonality = dict(zip(QUARTERS, partition(draw, 100, 4)))
    else:
        weights = partition(draw, 100, 12)
        seasonality = {MONTH_KEYS[month - 1]: w for (_, month), w in zip(fiscal_months(fy_start), weights)}
    month_w = season_weights(fy_start, seasonality)

    revenue = 10_000 * draw(st.integers(10, 100_000))  # every territory part is a whole number of cents
    tolerance = Fraction(draw(st.one_of(st.just(0), st.integers(1, 99), st.integers(100, 5_000_000))), 100)
    over_allowance = Fraction(draw(st.one_of(st.just(0), st.integers(0, 200))), 1000)  # 0% .. 20%, tenths allowed

    n_reps = draw(st.sampled_from([4, 1, 8, 2, 6, 3, 7, 5]))  # not mostly the simplest: one rep
    rep_ids = draw(st.lists(REP_IDS, min_size=n_reps, max_size=n_reps, unique=True))
    kinds = draw(st.lists(st.sampled_from(["territory", "specialized", "hybrid"]), min_size=n_reps, max_size=n_reps))
    if any(k != "territory" for k in kinds) and "hybrid" not in kinds:
        kinds[next(i for i, k in enumerate(kinds) if k != "territory")] = "hybrid"  # someone takes the remainders
    absorber = kinds.index("hybrid") if "hybrid" in kinds else None

    organization = kinds[0] if len(set(kinds)) == 1 and draw(st.booleans()) else "hybrid"
    manager_of = {"territory": "mgr-terr", "specialized": "mgr-spec", "hybrid": "mgr-hyb"}
    managers: dict[str, str | None] = {}
    for kind in dict.fromkeys(kinds):
        declared = kind if (kind != organization or draw(st.booleans())) else None
        managers[manager_of[kind]] = declared

    # mid-year hires and leavers: any rep but territory reps and the remainder-taker
    dates: list[tuple[dt.date | None, dt.date | None]] = []
    prorations: list[Fraction] = []
    for i, kind in enumerate(kinds):
        hired = left = None
        if kind != "territory" and i != absorber:
            mode = draw(st.sampled_from(["none", "none", "hired", "left", "both"]))
            if mode in ("hired", "both"):
                hired = fy_start + dt.timedelta(days=draw(st.integers(1, fy_days - 1)))
            if mode in ("left", "both"):
                lo = (hired - fy_start).days if hired else 0
                left = fy_start + dt.timedelta(days=draw(st.integers(lo, fy_days - 1)))
        p = sum((w * e for w, e in zip(month_w, employment(fy_start, hired, left))), Fraction(0))
        if p == 0:
            hired = left = None
            p = Fraction(1)
        dates.append((hired, left))
        prorations.append(p)

    # territory reps carry the same share (in basis points) of every segment
    territory = [i for i, k in enumerate(kinds) if k == "territory"]
    if territory and absorber is None:
        bps = partition(draw, 10_000, len(territory), minimum=1)
    else:
        bps = [draw(st.integers(1, 9_000 // len(territory))) for _ in territory] if territory else []
    specialty = {i: draw(st.sampled_from(seg_ids)) for i, k in enumerate(kinds) if k == "specialized"}

    effective_cents: list[dict[str, int]] = [{} for _ in kinds]
    for seg in seg_ids:
        target_cents = revenue * segments[seg]
        remaining = target_cents
        for i, bp in zip(territory, bps):
            part = target_cents * bp // 10_000
            assert part * 10_000 == target_cents * bp
            effective_cents[i][seg] = part
            remaining -= part
        specialists = [i for i, s in specialty.items() if s == seg]
        for n, i in enumerate(specialists):
            room = remaining // (len(specialists) - n + 1)
            unit = prorations[i].numerator  # effective cents per step; the full-year figure is then exact
            if room // unit < 1:
                dates[i], prorations[i], unit = (None, None), Fraction(1), 1
            part = unit * draw(st.integers(1, room // unit))
            effective_cents[i][seg] = part
            remaining -= part
        for i, kind in enumerate(kinds):
            if kind == "hybrid" and i != absorber and draw(st.booleans()):
                unit = prorations[i].numerator
                effective_cents[i][seg] = unit * draw(st.integers(0, remaining // unit))
                remaining -= effective_cents[i][seg]
        if absorber is not None:
            effective_cents[absorber][seg] = remaining
            remaining = 0
        assert remaining == 0

    reps: list[RepSpec] = []
    for i, kind in enumerate(kinds):
        p = prorations[i]
        targets, effective, written = {}, {}, {}
        for seg, cents in effective_cents[i].items():
            full_year = Fraction(cents, 100) / p
            assert decimal_text(full_year) is not None
            if cents == 0 and kind != "hybrid":
                continue
            if cents == 0 and draw(st.booleans()):
                continue  # a hybrid rep may leave a segment out or write 0
            targets[seg] = _written_form(draw, full_year, Fraction(revenue * segments[seg], 100))
            effective[seg] = Fraction(cents, 100)
            written[seg] = full_year
        rep = RepSpec(
            id=rep_ids[i],
            name=draw(NAMES),
            kind=kind,
            manager=manager_of[kind],
            hired=dates[i][0],
            left=dates[i][1],
            proration=p,
            targets=targets,
            effective=effective,
            written=written,
            flow=draw(st.booleans()),
        )
        total = rep.written_total
        if products and draw(st.booleans()):
            if draw(st.booleans()):
                rep.products = {prod: f"{share}%" for prod, share in products.items()}
            else:
                rep.products = {prod: amount_text(total * share / 100, False) for prod, share in products.items()}
        if not (rep.hired or rep.left) and draw(st.integers(0, 3)) == 0:  # own periods change a hire's proration
            if draw(st.booleans()):
                keys = QUARTERS if draw(st.booleans()) else MONTH_KEYS
                rep.periods = {k: f"{w}%" for k, w in zip(keys, partition(draw, 100, len(keys)))}
            else:
                total_cents = total * 100
                if total_cents.denominator == 1:
                    parts = partition(draw, int(total_cents), 4)
                    rep.periods = {q: amount_text(Fraction(c, 100), False) for q, c in zip(QUARTERS, parts)}
        reps.append(rep)

    return WorkspaceSpec(
        fy_start=fy_start,
        company=draw(NAMES),
        cadence=draw(st.sampled_from(["annual", "half-yearly", "quarterly", "monthly"])),
        tolerance=tolerance,
        over_allowance=over_allowance,
        organization=organization,
        managers=managers,
        revenue=revenue,
        segments=segments,
        products=products,
        seasonality=seasonality,
        reps=reps,
    )


def materialise(spec: WorkspaceSpec, root: Path, inside_hypothesis: bool = True):
    spec.write(root)
    if inside_hypothesis:
        for rel, text in spec.files().items():
            note(f"--- {rel}\n{text}")
    return validate_workspace(root, as_of=spec.as_of)


def describe(diags: list[Diagnostic]) -> list[str]:
    return [f"{d.file}:{d.line}:{d.col} {d.code} [{d.path}] {d.message}" for d in diags]


# --- (a) generated workspaces are valid ------------------------------------------------------------


@settings(PROFILE)
@given(spec=workspaces())
def test_generated_workspace_validates_without_findings(spec):
    with tempfile.TemporaryDirectory() as tmp:
        result = materialise(spec, Path(tmp))
        assert result.errors == 0, describe(result.diagnostics)
        assert result.diagnostics == [], describe(result.diagnostics)
        assert result.skipped == []
        assert result.files_checked == 3 + len(spec.reps)
        assert not result.failed(strict=True)


# --- (b) one target off by more than the tolerance is caught ------------------------------------------


@settings(PROFILE)
@given(spec=workspaces(), data=st.data())
def test_changing_one_target_beyond_tolerance_is_caught(spec, data):
    tol_cents = int(spec.tolerance * 100)
    full_year_reps = [rep for rep in spec.reps if rep.proration == 1]
    assert full_year_reps  # territory reps and the remainder-taker never are prorated
    lowerable = [(rep, seg) for rep in full_year_reps for seg, value in rep.effective.items() if value * 100 > tol_cents]
    direction = data.draw(st.sampled_from(["down", "up"] if lowerable else ["up"]), label="direction")

    if direction == "down":
        rep, seg = data.draw(st.sampled_from(lowerable), label="rep, segment")
        old = rep.effective[seg]
        delta = Fraction(data.draw(st.integers(tol_cents + 1, int(old * 100)), label="cents down"), 100)
        new = old - delta
    else:
        rep = data.draw(st.sampled_from(full_year_reps), label="rep")
        seg = data.draw(st.sampled_from(list(spec.segments)), label="segment")
        old = rep.effective.get(seg, Fraction(0))
        allowance_cents = spec.over_allowance * spec.segment_target(seg) * 100
        floor_allowance = allowance_cents.numerator // allowance_cents.denominator
        if floor_allowance > tol_cents and data.draw(st.booleans(), label="within allowance"):
            cents = data.draw(st.integers(tol_cents + 1, floor_allowance), label="cents up (warning)")
        else:
            lowest = max(tol_cents, floor_allowance) + 1
            cents = data.draw(st.integers(lowest, lowest + 10**9), label="cents up (error)")
        delta = Fraction(cents, 100)
        new = old + delta
    gap = new - old  # what the segment's sum moves by
    target = spec.segment_target(seg)
    if gap < 0:
        expected = "SP403"
    elif gap <= max(spec.over_allowance * target, spec.tolerance):
        expected = "SP404"
    else:
        expected = "SP405"
    note(f"{rep.id}.{seg}: {old} -> {new} ({direction}); expect {expected}")

    changed = replace(rep, targets={**rep.targets, seg: amount_text(new, underscores=False)})
    spec.reps = [changed if r is rep else r for r in spec.reps]
    with tempfile.TemporaryDirectory() as tmp:
        result = materialise(spec, Path(tmp))
    on_segment = [d for d in result.diagnostics if d.file == "strategy.yaml" and d.path == f"segments.{seg}"]
    assert [d.code for d in on_segment] == [expected], describe(result.diagnostics)
    (found,) = on_segment
    assert found.severity is CODES[expected].severity
    assert found.line == spec.segment_lines[seg]
    assert found.col == 3
    if expected == "SP403":
        assert f"{money_text(-gap)} EUR is not assigned" in found.message
    else:
        assert f"over-assigned by {money_text(gap)} EUR" in found.message
    # the other segments still add up
    others = [d for d in result.diagnostics if d.path.startswith("segments.") and d.path != f"segments.{seg}"]
    assert others == [], describe(others)
    assert result.failed(strict=True)
    assert result.failed() == (expected != "SP404" or any(d.is_error for d in result.diagnostics))


# --- (c) the breakdown adds up ---------------------------------------------------------------------


def _close(a: float, b: float, cents: int) -> bool:
    """Equal up to `cents` roundings of half a cent (plus float noise)."""
    return abs(a - b) <= 0.005 * cents + 1e-9 * max(1.0, abs(a), abs(b))


@settings(PROFILE)
@given(spec=workspaces(), by=st.sampled_from(BY_CHOICES), perturb=st.booleans(), data=st.data())
def test_plan_breakdown_rep_rows_sum_to_total(spec, by, perturb, data):
    if perturb:  # a workspace whose sums are off still breaks down consistently
        rep = data.draw(st.sampled_from(spec.reps), label="perturbed rep")
        seg = data.draw(st.sampled_from(list(spec.segments)), label="perturbed segment")
        bump = Fraction(data.draw(st.integers(1, 10**9), label="cents added"), 100)
        changed = replace(rep, targets={**rep.targets, seg: amount_text(rep.written.get(seg, Fraction(0)) + bump, False)})
        spec.reps = [changed if r is rep else r for r in spec.reps]
    with tempfile.TemporaryDirectory() as tmp:
        result = materialise(spec, Path(tmp))
    assert result.skipped == [], describe(result.diagnostics)
    valid = result.errors == 0
    if not perturb:
        assert valid, describe(result.diagnostics)
    table = plan_breakdown(result.workspace, by=by)
    rep_rows = [row for row in table.rows if row["row"] == "rep"]
    (total,) = [row for row in table.rows if row["row"] == "total"]
    (strategy,) = [row for row in table.rows if row["row"] == "strategy"]
    (gap,) = [row for row in table.rows if row["row"] == "gap"]
    assert len(rep_rows) == len(spec.reps)
    assert sorted(row["rep"] for row in rep_rows) == sorted(rep.id for rep in spec.reps)

    for c in [*table.columns, "total"]:
        assert _close(sum(row[c] for row in rep_rows), total[c], len(rep_rows)), c
        assert _close(total[c] - strategy[c], gap[c], 2), c
    for row in table.rows:
        assert _close(sum(row[c] for c in table.columns), row["total"], len(table.columns)), row

    expected_total = spec.revenue if table.columns else 0  # by product without product ranges: nothing
    assert strategy["total"] == pytest.approx(expected_total, abs=0.005)
    if not result.diagnostics:  # not even an over-assignment warning: within the tolerance everywhere
        slack = float(spec.tolerance) + 0.01
        assert abs(total["total"] - strategy["total"]) <= slack
        if by in ("segment", "product"):
            for c in table.columns:
                assert abs(total[c] - strategy[c]) <= slack, c
    if not perturb:  # exactly, to the cent
        assert total["total"] == strategy["total"]
        assert gap["total"] == 0
        if by in ("segment", "product") or not spec.has_prorated_or_own_periods():
            for c in table.columns:
                assert total[c] == strategy[c], c
                assert gap[c] == 0, c
    if by == "segment":
        assert table.columns == list(spec.segments)
        for c in table.columns:
            assert strategy[c] == float(spec.segment_target(c))
        if not perturb:
            reps = {rep.id: rep for rep in spec.reps}
            for row in rep_rows:
                rep = reps[row["rep"]]
                assert row["prorated"] == pytest.approx(float(rep.proration), abs=5e-5)
                for c in table.columns:
                    assert row[c] == pytest.approx(float(rep.effective.get(c, 0)), abs=0.005), (row["rep"], c)


@settings(PROFILE)
@given(spec=workspaces())
def test_team_breakdown_matches_the_team_rows_of_the_whole_plan(spec):
    with tempfile.TemporaryDirectory() as tmp:
        result = materialise(spec, Path(tmp))
    whole = plan_breakdown(result.workspace, by="segment")
    for manager in spec.managers:
        team = plan_breakdown(result.workspace, by="segment", team=manager)
        assert [r["row"] for r in team.rows][-1] == "total"
        assert not any(r["row"] in ("strategy", "gap") for r in team.rows)
        expected_rows = [r for r in whole.rows if r["row"] == "rep" and r["manager"] == manager]
        assert [r for r in team.rows if r["row"] == "rep"] == expected_rows
        team_total = team.rows[-1]
        for c in [*team.columns, "total"]:
            assert _close(sum(r[c] for r in expected_rows), team_total[c], len(expected_rows))


def test_breakdown_columns_named_like_fixed_columns_keep_their_values(tmp_path):
    """A segment or product range may be called 'total' or 'name': its figures must not be overwritten."""
    spec = WorkspaceSpec(
        fy_start=dt.date(2027, 1, 1),
        company="Clash",
        cadence="quarterly",
        tolerance=Fraction(0),
        over_allowance=Fraction(0),
        organization="hybrid",
        managers={"mgr-hyb": None},
        revenue=1_000_000,
        segments={"total": 60, "name": 40},
        products=None,
        seasonality={"Q1": 25, "Q2": 25, "Q3": 25, "Q4": 25},
        reps=[
            RepSpec(
                id="rep-1",
                name="One",
                kind="hybrid",
                manager="mgr-hyb",
                hired=None,
                left=None,
                proration=Fraction(1),
                targets={"total": "600_000", "name": "400_000"},
                effective={"total": Fraction(600_000), "name": Fraction(400_000)},
                written={"total": Fraction(600_000), "name": Fraction(400_000)},
            )
        ],
    )
    result = materialise(spec, tmp_path, inside_hypothesis=False)
    assert result.diagnostics == [], describe(result.diagnostics)
    table = plan_breakdown(result.workspace, by="segment")
    assert len(set(table.all_columns)) == len(table.all_columns), table.all_columns
    values = list(table.rows[0].values())
    for kept in ("One", "rep-1", 600_000.0, 400_000.0, 1_000_000.0):
        assert kept in values, (kept, table.rows[0])


# --- (d) the YAML loader never raises --------------------------------------------------------------

YAML_TOKENS = [
    "a", "b", "key", "- ", "-", ": ", ":", "\n", "\n  ", "\n    ", "  ", "\t", "[", "]", "{", "}", ", ", ",",
    "&x ", "*x", "&y ", "*y", "<<: ", "<<", "? ", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ",
    "!!seq ", "!!binary ", "!tag ", "!", "#c", "'", '"', "|", ">", "---\n", "...\n", "%YAML 1.2\n", "%TAG ! x\n",
    "~", "null", "yes", "NO", "on", "true", "0", "01", "012", "0x1F", "0o17", "1:30", "1_000", "1.5", ".5", "1e3",
    ".inf", "-.inf", ".nan", "2027-02-30", "2027-01-01", "35%", "é", "€", "😀", "\u2028", "\x85", "\ufeff", "\x00", "\x07",
    "1,100,000", "1,100", ",000", "000", "12,5", "[1,100,000]", "{a: 1,100}", "# 1,000\n",
]


def _check_parse(text: str) -> None:
    doc, diags = parse_yaml(text, "fuzz.yaml")
    assert isinstance(doc, SourceDoc)
    assert isinstance(diags, list)
    lines = max(len(text.splitlines()), 1)
    for d in diags:
        assert isinstance(d, Diagnostic)
        assert d.code in CODES
        assert d.file == "fuzz.yaml"
        assert isinstance(d.severity, Severity)
        assert d.message
        assert d.line is None or 1 <= d.line <= lines + 1, (d, lines)
        assert d.col is None or d.col >= 1
    for mark in [*doc.key_marks.values(), *doc.value_marks.values()]:
        assert mark.line >= 1 and mark.col >= 1


@settings(PROFILE, max_examples=300)
@given(text=st.text())
def test_parse_yaml_never_raises_on_any_text(text):
    _check_parse(text)


@settings(PROFILE, max_examples=300)
@given(text=st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join))
@example(text="\u2028[1,100,000]")  # found by this test: a line break YAML knows but str.split("\n") does not
@example(text="id: x\rtargets: {A: 350,000}\r")
@example(text="x: 1\x85y: [1,100,000]")
def test_parse_yaml_never_raises_on_yaml_like_text(text):
    _check_parse(text)


@settings(PROFILE, max_examples=200)
@given(raw=st.binary(max_size=400), encoding=st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16"]))
def test_parse_yaml_never_raises_on_bytes_decoded_leniently(raw, encoding):
    _check_parse(raw.decode(encoding, errors="replace"))


@settings(PROFILE, max_examples=100)
@given(raw=st.binary(max_size=200))
def test_parse_yaml_never_raises_on_surrogate_escaped_bytes(raw):
    """bytes.decode(errors='surrogateescape') leaves lone surrogates in the text."""
    _check_parse(raw.decode("utf-8", errors="surrogateescape"))
