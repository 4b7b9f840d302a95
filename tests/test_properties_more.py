"""More properties (issue #6, hardening), on top of tests/test_properties.py.

test_properties.py covers: random valid workspaces validate without findings; one rep target
written as an amount, moved beyond the tolerance, is caught (SP403/SP404/SP405); the plan
breakdowns add up; the YAML loader never raises. This file adds what the issue's list still lacks:

(a) a random valid workspace *with CRM exports* (any dialect) still validates clean, its exports are
    read with every row accounted for, and every report runs on them without error;
(b) any single perturbation beyond tolerance is caught, for the other things a plan writes down:
    a strategy share (segments SP401, product ranges SP402), a seasonality weight (SP602), a rep
    target written as a share of the segment (SP403/SP404/SP405), a rep's product or period split
    (SP406, SP603);
(c) in the attainment report (its JSON), the reps' figures and <unplanned> add up to each team and
    to the company total, which is every sale dated in the window;
(d) the reports never crash on an export that intake accepts (exports drawn with unreadable values,
    ragged rows, wrong dialects and dates anywhere in years 1-9999);
(e) a row is never listed both as rejected and as kept.

The workspaces come from test_properties.workspaces(); the exports, their dialects and the report
runner (with the row-accounting and attainment oracles) from fuzz/run.py, the fuzzing script.
Same hypothesis profiles as test_properties.py (SALESPLAN_HYPOTHESIS=long for more examples).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from test_properties import PROFILE, QUARTERS, amount_text, decimal_text, describe, fiscal_end, materialise, workspaces
from conftest import load_fuzz
from salesplan_cli.diagnostics import CODES, Severity
from salesplan_cli.intake.load import load_exports
from salesplan_cli.plan.validate import validate_workspace

REPO = Path(__file__).resolve().parents[1]


fuzz = load_fuzz()

KINDS = ("accounts", "opportunities", "activities", "sales", "stage_history")


# --- helpers -------------------------------------------------------------------------------------------


def data_section(sources: dict[str, dict]) -> str:
    """The data: section of salesplan.yaml declaring these exports (kind -> source settings with a path)."""
    lines = ["data:"]
    for kind, source in sources.items():
        lines.append(f"  {kind}:")
        lines += [f"    {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in source.items()]
    return "\n".join(lines) + "\n"


def with_exports(spec, root: Path, data, messy: bool, kinds=None):
    """Write the workspace `spec`, declare random exports in random dialects under data: and write them
    (well formed unless `messy`); the validation result of the workspace with its data: section."""
    spec.write(root)
    chosen = kinds or data.draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5, unique=True), label="exports")
    sources = {kind: {"path": f"data/{kind}.csv", **data.draw(fuzz.sources(kind), label=f"{kind} dialect")} for kind in chosen}
    settings_file = root / "salesplan.yaml"
    settings_file.write_text(settings_file.read_text(encoding="utf-8") + data_section(sources), encoding="utf-8")
    result = validate_workspace(root, as_of=spec.as_of)
    assert result.errors == 0, describe(result.diagnostics)
    universe = fuzz.Universe.of(result.workspace)
    (root / "data").mkdir()
    for kind, source in sources.items():
        text = data.draw(fuzz.csv_documents(kind, source, universe, max_rows=20, messy=messy), label=f"{kind} export")
        (root / source["path"]).write_bytes(text)
        note(f"--- data/{kind}.csv\n{text!r}")
    return result


def report_day(spec, data) -> dt.date:
    start, end = spec.fy_start, fiscal_end(spec.fy_start)
    return data.draw(st.one_of(st.dates(start, end), st.sampled_from([start, end, start - dt.timedelta(days=1), end + dt.timedelta(days=40)])), label="as of")


# --- (a) valid workspaces with exports validate clean and report ---------------------------------------------


@settings(PROFILE, max_examples=20)
@given(spec=workspaces(), data=st.data())
def test_random_workspace_with_exports_validates_clean_and_reports(spec, data):
    with tempfile.TemporaryDirectory() as tmp:
        result = with_exports(spec, Path(tmp), data, messy=False)
        # clean, but for SP309: with exports declared, a rep named like another rep's id or name is ambiguous
        # (the generated names and ids are short and may collide); that warning is right
        assert [d for d in result.diagnostics if d.code != "SP309"] == [], describe(result.diagnostics)
        assert not result.failed()
        ws = result.workspace
        frames, diags = load_exports(ws)
        assert diags == [] and frames is not None, [d.headline() for d in diags]
        fuzz.check_frames(ws, frames)  # every row read is used or rejected, once
        as_of = report_day(spec, data)
        period = data.draw(st.sampled_from(fuzz.PERIOD_CHOICES[:9]), label="period")
        fuzz.run_reports(ws, frames, as_of, period, data.draw(fuzz.FILTERS, label="filters"))


# --- (b) one perturbation beyond tolerance is caught ----------------------------------------------------------


def _share_lines(text: str, section: str) -> dict[str, int]:
    """Key -> index of its line, for the `  key: N%` lines of a top-level block of strategy.yaml."""
    lines = text.split("\n")
    start = lines.index(f"{section}:")
    out = {}
    for i in range(start + 1, len(lines)):
        if not lines[i].startswith("  "):
            break
        out[lines[i].split(":")[0].strip()] = i
    return out


def _moved_share(data, old: int | Fraction, label: str) -> Fraction:
    """A share (percent) other than `old`, between 0 and 100, in steps of 0.01 points."""
    old = Fraction(old)
    up = data.draw(st.booleans(), label=f"{label} up")
    room = (100 - old) if up else old
    if room < Fraction(1, 100):
        up, room = not up, (100 - old) if not up else old
    steps = data.draw(st.integers(1, int(room * 100)), label=f"{label} moved by (0.01 points)")
    return old + Fraction(steps, 100) * (1 if up else -1)


@settings(PROFILE)
@given(spec=workspaces(), data=st.data())
def test_changing_one_strategy_share_is_caught(spec, data):
    """Segment shares (SP401) and product range shares (SP402) must total exactly 100%."""
    blocks = [("segments", "SP401", spec.segments)] + ([("products", "SP402", spec.products)] if spec.products else [])
    section, code, shares = data.draw(st.sampled_from(blocks), label="block")
    key = data.draw(st.sampled_from(list(shares)), label="share")
    new = _moved_share(data, shares[key], f"{section}.{key}")
    with tempfile.TemporaryDirectory() as tmp:
        root = spec.write(Path(tmp))
        path = root / "strategy.yaml"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[_share_lines("\n".join(lines), section)[key]] = f"  {key}: {decimal_text(new)}%"
        path.write_text("\n".join(lines), encoding="utf-8")
        note(path.read_text(encoding="utf-8"))
        result = validate_workspace(root, as_of=spec.as_of)
    found = [d for d in result.diagnostics if d.code == code]
    assert len(found) == 1, describe(result.diagnostics)
    assert found[0].file == "strategy.yaml" and found[0].severity is Severity.ERROR
    assert result.failed()


@settings(PROFILE)
@given(spec=workspaces(), data=st.data())
def test_changing_one_seasonality_weight_is_caught(spec, data):
    key = data.draw(st.sampled_from(list(spec.seasonality)), label="period")
    new = _moved_share(data, spec.seasonality[key], f"seasonality.{key}")
    with tempfile.TemporaryDirectory() as tmp:
        root = spec.write(Path(tmp))
        path = root / "strategy.yaml"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[_share_lines("\n".join(lines), "seasonality")[key]] = f"  {key}: {decimal_text(new)}%"
        path.write_text("\n".join(lines), encoding="utf-8")
        result = validate_workspace(root, as_of=spec.as_of)
    found = [d for d in result.diagnostics if d.code == "SP602"]
    assert len(found) == 1, describe(result.diagnostics)
    assert found[0].file == "strategy.yaml" and found[0].path == "seasonality"
    assert found[0].severity is Severity.ERROR and result.failed()


@settings(PROFILE)
@given(spec=workspaces(), data=st.data())
def test_changing_a_target_written_as_a_share_beyond_tolerance_is_caught(spec, data):
    """A rep target written as a share of the segment's target ('12.5%'), moved by more than the
    amount tolerance: the segment is under-assigned (SP403) or over-assigned (SP404/SP405)."""
    tol = spec.tolerance
    full_year = [rep for rep in spec.reps if rep.proration == 1]
    rep = data.draw(st.sampled_from(full_year), label="rep")
    seg = data.draw(st.sampled_from(list(spec.segments)), label="segment")
    target = spec.segment_target(seg)
    old = rep.effective.get(seg, Fraction(0))
    step = target / 10_000  # 0.01 points of the segment's target
    # shares m/100 % (0 <= m <= 10,000) of the target are whole cents; those more than the tolerance away:
    # m above (old + tol) / step, or below (old - tol) / step
    up_from = math.floor((old + tol) / step) + 1
    down_to = math.ceil((old - tol) / step) - 1
    ranges = ([st.integers(up_from, 10_000)] if up_from <= 10_000 else []) + ([st.integers(0, down_to)] if down_to >= 0 else [])
    assume(ranges)  # else no share of this segment is beyond the tolerance
    m = data.draw(st.one_of(ranges), label="new share x 100")
    new = step * m
    gap = new - old
    if gap < 0:
        expected = "SP403"
    elif gap <= max(spec.over_allowance * target, tol):
        expected = "SP404"
    else:
        expected = "SP405"
    text = f"{decimal_text(Fraction(m, 100))}%"
    note(f"{rep.id}.{seg}: {old} -> {text} of {target} = {new}; expect {expected}")
    changed = replace(rep, targets={**rep.targets, seg: text})
    spec.reps = [changed if r is rep else r for r in spec.reps]
    with tempfile.TemporaryDirectory() as tmp:
        result = materialise(spec, Path(tmp))
    sums = [d for d in result.diagnostics if d.code in ("SP403", "SP404", "SP405") and d.path.startswith("segments.")]
    assert [(d.file, d.path, d.code) for d in sums] == [("strategy.yaml", f"segments.{seg}", expected)], describe(result.diagnostics)
    assert sums[0].severity is CODES[expected].severity
    assert result.failed(strict=True)


@settings(PROFILE)
@given(spec=workspaces(), data=st.data())
def test_changing_one_part_of_a_rep_split_beyond_tolerance_is_caught(spec, data):
    """A rep's product split (SP406) or period breakdown (SP603), as shares (any change) or as
    amounts (a change beyond the tolerance), no longer totals the rep's objective."""
    splits = [(rep, "products") for rep in spec.reps if rep.products] + [(rep, "periods") for rep in spec.reps if rep.periods]
    if not splits:  # give a full-year rep a valid quarterly breakdown first
        rep = data.draw(st.sampled_from([r for r in spec.reps if not (r.hired or r.left)]), label="rep given periods")
        rep.periods = {q: "25%" for q in QUARTERS}
        splits = [(rep, "periods")]
    rep, key = data.draw(st.sampled_from(splits), label="split")
    parts = dict(getattr(rep, key))
    part = data.draw(st.sampled_from(list(parts)), label="part")
    old_text = parts[part]
    if old_text.endswith("%"):
        parts[part] = f"{decimal_text(_moved_share(data, Fraction(Decimal(old_text[:-1])), part))}%"
    else:
        old = Fraction(Decimal(old_text))
        tol_cents = int(spec.tolerance * 100)
        up = old * 100 <= tol_cents or data.draw(st.booleans(), label="up")
        cents = data.draw(st.integers(tol_cents + 1, tol_cents + 10**9) if up else st.integers(tol_cents + 1, int(old * 100)), label="cents moved")
        parts[part] = amount_text(old + Fraction(cents, 100) * (1 if up else -1), underscores=False)
    note(f"{rep.id}.{key}.{part}: {old_text} -> {parts[part]}")
    changed = replace(rep, **{key: parts})
    spec.reps = [changed if r is rep else r for r in spec.reps]
    with tempfile.TemporaryDirectory() as tmp:
        result = materialise(spec, Path(tmp))
    code = "SP406" if key == "products" else "SP603"
    found = [d for d in result.diagnostics if d.code == code]
    assert [d.file for d in found] == [f"reps/{rep.id}.yaml"], describe(result.diagnostics)
    assert found[0].severity is Severity.ERROR and result.failed()


# --- (c) per-rep figures add up to the teams and the company -------------------------------------------------------


def _cents(value) -> int:
    """An amount of the JSON (a float of currency units, rounded to the cent) in cents, exactly."""
    exact = Decimal(repr(value)) * 100
    assert exact == exact.to_integral_value(), value
    return int(exact)


@settings(PROFILE, max_examples=25)
@given(spec=workspaces(), data=st.data())
def test_attainment_reps_add_up_to_teams_and_company_total(spec, data):
    from salesplan_cli.cli.render import render
    from salesplan_cli.cli.formats import Options, Rendered, ReportFormat
    from salesplan_cli.reports.attainment import attainment
    from salesplan_cli.reports.context import TOTAL, UNPLANNED, ReportContext
    from salesplan_cli.reports.period import resolve_period

    with tempfile.TemporaryDirectory() as tmp:
        kinds = data.draw(st.sampled_from([("sales",), ("opportunities",), ("accounts", "sales")]), label="exports")
        result = with_exports(spec, Path(tmp), data, messy=False, kinds=list(kinds))
        ws = result.workspace
        frames, diags = load_exports(ws)
        assert frames is not None, [d.headline() for d in diags]
        as_of = report_day(spec, data)
        ctx = ReportContext(ws=ws, frames=frames, period=resolve_period(None, ws.settings, as_of), as_of=as_of)

        def rows(by: list[str]) -> list[dict]:
            opts = Options(workspace=None, as_of=None, period=None, reps=[], team=None, segment=None, product=None, format=ReportFormat.json, output=None)
            text = render(ctx, opts, Rendered("attainment", {"attainment": attainment(ctx, by)}, {"attainment": "a"}), [], to_terminal=False)
            return json.loads(text)["tables"]["attainment"]

        by_rep, by_team, by_segment = rows(["rep"]), rows(["team"]), rows(["segment"])
        total = _cents(by_rep[-1]["actual"])
        assert by_rep[-1]["rep"] == TOTAL
        # every sale dated from the start of the fiscal year to the as-of date (none when it has not begun)
        window = ctx.to_date
        sales = frames.sales
        expected = 0
        if window is not None and sales is not None and len(sales):
            inside = (sales["date"].dt.date >= window.start) & (sales["date"].dt.date <= window.end)
            expected = int(sales.loc[inside, "amount"].astype("int64").sum())
        assert total == expected
        assert sum(_cents(r["actual"]) for r in by_rep[:-1]) == total
        assert sum(_cents(r["actual"]) for r in by_team[:-1]) == total == _cents(by_team[-1]["actual"])
        assert sum(_cents(r["actual"]) for r in by_segment[:-1]) == total == _cents(by_segment[-1]["actual"])
        team_of = {rep.id: rep.manager for rep in ws.reps.values()}
        teams: dict[str, int] = {}
        for r in by_rep[:-1]:  # the reps (and <unplanned>) grouped by team...
            key = team_of.get(r["rep"], UNPLANNED)
            teams[key] = teams.get(key, 0) + _cents(r["actual"])
        team_rows = {r["team"]: _cents(r["actual"]) for r in by_team[:-1]}  # ...are the team rows
        for team in set(teams) | set(team_rows):
            assert teams.get(team, 0) == team_rows.get(team, 0), team
        # targets: each row rounded to the cent, the total exact then rounded
        assert abs(sum(_cents(r["target"]) for r in by_rep[:-1] if r["target"] is not None) - _cents(by_rep[-1]["target"])) <= len(by_rep)


# --- (d) reports never crash on an export intake accepts -------------------------------------------------------------


@settings(PROFILE, max_examples=40)
@given(spec=workspaces(), data=st.data())
def test_reports_never_crash_on_an_export_intake_accepts(spec, data):
    with tempfile.TemporaryDirectory() as tmp:
        result = with_exports(spec, Path(tmp), data, messy=True)
        ws = result.workspace
        frames, diags = load_exports(ws)  # must not raise: a bad file is a diagnostic, a bad row is listed
        if frames is None:
            assert diags and all(d.code.startswith("SP9") for d in diags)
            return
        fuzz.check_frames(ws, frames)
        fuzz.run_reports(ws, frames, report_day(spec, data), data.draw(st.sampled_from(fuzz.PERIOD_CHOICES), label="period"), data.draw(fuzz.FILTERS, label="filters"))


# --- (e) found along the way -------------------------------------------------------------------------------------------


def test_a_rejected_row_is_not_also_listed_as_kept(tmp_path):
    ws = fuzz.example_workspace()
    source = {k: v for k, v in ws.settings.data.model_dump()["opportunities"].items() if k not in ("path", "sheet", "expected")}
    export = (
        b'"Opportunity ID","Opportunity Owner","Account Name","Stage","Amount","Close Date","Created Date"\n'
        b'"A1","Lena Vogel","ACME-001","Nonsense","1,000.00","01/11/2027","garbage"\n'
        b'"A2","Lena Vogel","ACME-001","Closed Won","1,000.00","01/11/2027","01/01/2027"\n'
    )
    frames, diags = load_exports(fuzz.workspace_with_exports(ws, tmp_path, {"opportunities": (source, export)}))
    (report,) = frames.reports
    assert (report.rows_read, report.rows_used, [i.line for i in report.rejected]) == (2, 1, [2])
    assert [i for i in report.issues if i.line == 2 and "kept" in i.reason] == []
