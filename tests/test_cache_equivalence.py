"""A report from the caches (parsed exports, plan check) is the cold report, byte for byte in JSON, after each
kind of change: nothing, one export touched, one plan file touched, a cache file truncated."""

from __future__ import annotations

import os

import pytest

from salesplan_cli.intake import cache
from salesplan_cli.plan import checked

AS_OF = "2027-10-15"
REPORTS = [(), ("attainment", "--by", "product"), ("pipeline",), ("coverage",)]


def _out(run_cli, root, report) -> tuple[str, str]:
    run = run_cli("report", *report, "-w", root, "--as-of", AS_OF, "--format", "json")
    assert run.code in (0, 1), run.err
    return run.out, run.err


def _cold(run_cli, root, monkeypatch, report=()) -> str:
    with monkeypatch.context() as m:
        m.setenv(cache.ENV_DISABLE, "1")
        return _out(run_cli, root, report)[0]


def _warm(run_cli, root, monkeypatch, report=()) -> str:
    """The report drawn from both caches: reading the exports or checking the plan fails the test."""
    from salesplan_cli.intake import load
    from salesplan_cli.plan import checked as checked_module

    def forbidden(*_args, **_kwargs):
        raise AssertionError("the cache was not used")

    with monkeypatch.context() as m:
        m.setattr(load, "load_exports", forbidden)
        m.setattr(checked_module, "check_workspace", forbidden)
        return _out(run_cli, root, report)[0]


def _same_after(run_cli, plan, monkeypatch) -> None:
    for report in REPORTS:
        _out(run_cli, plan.root, report)  # fills (or refreshes) the caches
        assert _warm(run_cli, plan.root, monkeypatch, report) == _cold(run_cli, plan.root, monkeypatch, report), report


def test_unchanged(plan, run_cli, cached, monkeypatch):
    _same_after(run_cli, plan, monkeypatch)


def test_one_export_touched(plan, run_cli, cached, monkeypatch):
    _same_after(run_cli, plan, monkeypatch)
    before = _cold(run_cli, plan.root, monkeypatch)
    invoices = plan.root / "data/invoices.csv"  # cp1252, one invoice of 4 550,00 becomes 5 550,00
    raw = invoices.read_bytes()
    invoices.write_bytes(raw.replace(b"FA27-000002;rep-e5@nordwind.example;CORVU-040;4 550,00", b"FA27-000002;rep-e5@nordwind.example;CORVU-040;5 550,00", 1))
    assert invoices.read_bytes() != raw
    _same_after(run_cli, plan, monkeypatch)
    assert _cold(run_cli, plan.root, monkeypatch) != before


def test_one_plan_file_touched(plan, run_cli, cached, monkeypatch):
    _same_after(run_cli, plan, monkeypatch)
    before = _cold(run_cli, plan.root, monkeypatch)
    plan.replace("reps/rep-e1.yaml", "name: Henrik Dahl", "name: Henrik Dahl-Berg")
    _same_after(run_cli, plan, monkeypatch)
    after = _cold(run_cli, plan.root, monkeypatch)
    assert "Henrik Dahl-Berg" in after and "Henrik Dahl-Berg" not in before


@pytest.mark.parametrize(
    "old, new",
    [
        ("targets: {A: 1_100_000}", "targets: {A: 1_200_000}"),
        ("criteria: {industry: [banking, insurance]}", "criteria: {industry: [banking]}"),
        ("territory: national", "territory: nationwide"),
        ("agreed: {rep: 2026-12-14, manager: 2026-12-15}", "agreed: {rep: 2026-12-14}"),
    ],
)
def test_a_plan_change_the_exports_do_not_depend_on_keeps_the_frames(plan, run_cli, cached, monkeypatch, old, new):
    """A rep's target or portfolio revised: the frames come from the cache (the exports are not read again),
    the figures are computed afresh (the derived figures and kept reports depend on the whole plan), and the
    report is the cold one byte for byte."""
    from salesplan_cli.intake import load

    _same_after(run_cli, plan, monkeypatch)
    before = _cold(run_cli, plan.root, monkeypatch)
    plan.replace("reps/rep-e1.yaml", old, new)
    if "targets" in old:  # the periods add up to the target
        plan.replace("reps/rep-e1.yaml", "Q4: 550_000", "Q4: 650_000")

    def forbidden(*_args, **_kwargs):
        raise AssertionError("the exports were read again")

    with monkeypatch.context() as m:
        m.setattr(load, "load_exports", forbidden)
        out = _out(run_cli, plan.root, ())[0]
    assert out == _cold(run_cli, plan.root, monkeypatch)
    if "territory" not in old and "agreed" not in old:
        assert out != before  # the figures did change
    _same_after(run_cli, plan, monkeypatch)


@pytest.mark.parametrize("old, new", [("name: Henrik Dahl", "name: Henrik Dahl-Berg"), ("email: rep-e1@nordwind.example", "email: henrik@nordwind.example")])
def test_a_rep_s_name_or_e_mail_changed_reads_the_exports_again(plan, run_cli, cached, monkeypatch, old, new):
    """Owners are matched on reps' ids, names and e-mails: the frames are built again."""
    from salesplan_cli.intake import load

    _out(run_cli, plan.root, ())
    plan.replace("reps/rep-e1.yaml", old, new)
    calls = []
    real = load.load_exports

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(load, "load_exports", counting)
        out = _out(run_cli, plan.root, ())[0]
    assert calls and out == _cold(run_cli, plan.root, monkeypatch)


def test_the_fields_left_out_of_the_key_do_not_shape_the_frames(plan):
    """Every field of a rep plan that the cache key leaves out, changed in the example: the frames built from the
    exports are the same (what `REP_FIELDS_NOT_READ` claims)."""
    import datetime as dt

    import pandas as pd

    from salesplan_cli.intake.load import load_exports
    from salesplan_cli.plan.load import load_workspace

    def frames():
        ws, _ = load_workspace(plan.root)
        built, problems = load_exports(ws)
        assert not problems
        return built

    before = frames()
    edits = {
        "manager: mgr-enterprise": "manager: mgr-smb",
        "territory: national": "territory: nationwide",
        "targets: {A: 1_100_000}": "targets: {A: 900_000}",
        "products: {platform: 70%, services: 30%}": "products: {platform: 50%, services: 50%}",
        "periods: {Q1: 110_000, Q2: 165_000, Q3: 275_000, Q4: 550_000}": "periods: {Q1: 100_000, Q2: 175_000, Q3: 275_000, Q4: 550_000}",
        "  named: [ACME-001, HELIO-204]": "  named: [ACME-001]",
        "criteria: {industry: [banking, insurance]}": "criteria: {industry: [banking]}",
        "    A: {prospect: 25, customer: 20}": "    A: {prospect: 30, customer: 10}",
        "    pitch: company-pitch-v3": "    pitch: company-pitch-v4",
        "agreed: {rep: 2026-12-14, manager: 2026-12-15}": "agreed: {rep: 2026-12-14}",
        "reviewed: [2027-01-05, 2027-04-06, 2027-07-06, 2027-10-05]": "reviewed: [2027-01-05]",
        "volume: {new_customers: {A: 8}}": "volume: {new_customers: {A: 9}}",
    }
    for old, new in edits.items():
        plan.replace("reps/rep-e1.yaml", old, new)
    plan.replace("reps/rep-e1.yaml", "name: Henrik Dahl", "name: Henrik Dahl\nstart: 2027-02-01\nend: 2027-11-30\ncapacity: {actions_per_year: 900}")
    after = frames()
    for name in ("opportunities", "opportunity_lines", "activities", "accounts", "sales", "stage_history"):
        a, b = getattr(before, name), getattr(after, name)
        assert (a is None) == (b is None), name
        if a is not None:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert [r.to_dict() for r in before.reports] == [r.to_dict() for r in after.reports]
    assert dt  # the dates above are plan dates, not frames'


def test_a_plan_error_is_found_again_from_the_cache(plan, run_cli, cached, monkeypatch):
    """The cached plan check keeps its findings: a plan with errors fails the second time as the first."""
    plan.replace("reps/rep-e1.yaml", "products: {platform: 70%, services: 30%}", "products: {platform: 60%, services: 40%}")
    first = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    second = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert first.code == second.code == 2
    assert first.err == second.err
    assert (plan.root / cache.FOLDER / checked.ENTRY).exists()


@pytest.mark.parametrize("victim", ["opportunities.arrow", "activities.arrow", "meta.json", checked.ENTRY])
def test_a_truncated_cache_file(plan, run_cli, cached, monkeypatch, victim, no_replay):
    _same_after(run_cli, plan, monkeypatch)
    folder = plan.root / cache.FOLDER
    if victim == checked.ENTRY:
        path = folder / victim
    else:
        (entry,) = [p for p in folder.iterdir() if p.is_dir()]
        path = entry / victim
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    out, err = _out(run_cli, plan.root, ())
    assert out == _cold(run_cli, plan.root, monkeypatch)
    if victim != checked.ENTRY:
        assert "could not be read (damaged or cut short)" in err
    assert _warm(run_cli, plan.root, monkeypatch) == out  # rebuilt: the next run is served from the cache again


def _derived_files(root):
    """The derived figures of the cache entry, not the reports' figures kept beside them (cli/kept.py)."""
    (entry,) = [p for p in (root / cache.FOLDER).iterdir() if p.is_dir()]
    return sorted(p for p in (entry / "derived").glob("*.arrow") if not p.name.startswith("report-"))


def _forget_reports(root):
    """Drop the reports' kept figures, so that the next run computes them again from the derived figures."""
    (entry,) = [p for p in (root / cache.FOLDER).iterdir() if p.is_dir()]
    for path in (entry / "derived").glob("report-*.arrow"):
        path.unlink()


def test_the_second_run_takes_the_derived_figures_from_the_cache(plan, run_cli, cached, monkeypatch, no_replay):
    """Portfolios, actions per rep and account, the last activity per deal and the activities' group codes are
    read back, not derived again, and the report is the cold one byte for byte."""
    from salesplan_cli.intake import segments
    from salesplan_cli.reports import activity, conversion, coverage, pipeline

    _out(run_cli, plan.root, ())  # fills the caches
    names = {path.name.split("-")[0] for path in _derived_files(plan.root)}
    assert names == {"portfolios", "actions", "last_activity", "coded", "ids_repeat", "ids_unique", "seller_tests"}
    _forget_reports(plan.root)

    def forbidden(*_args, **_kwargs):
        raise AssertionError("derived again")

    with monkeypatch.context() as m:
        m.setattr(coverage, "portfolio_rows", forbidden)
        m.setattr(coverage, "_pair_keys", forbidden)
        m.setattr(pipeline, "_latest_days", forbidden)
        m.setattr(segments, "portfolio_rows", forbidden)
        m.setattr(activity, "_combined", forbidden)
        m.setattr(conversion, "_ids_repeat", forbidden)
        m.setattr(conversion, "_seller_tests", forbidden)
        m.setattr(coverage, "_ids_unique_of", forbidden)
        warm = _warm(run_cli, plan.root, monkeypatch)
    assert warm == _cold(run_cli, plan.root, monkeypatch)


def test_another_as_of_day_derives_its_own_figures(plan, run_cli, cached, monkeypatch, no_replay):
    _out(run_cli, plan.root, ())
    before = len(_derived_files(plan.root))
    run = run_cli("report", "-w", plan.root, "--as-of", "2027-06-30", "--format", "json")
    assert run.code in (0, 1), run.err
    assert len(_derived_files(plan.root)) > before
    with monkeypatch.context() as m:
        m.setenv(cache.ENV_DISABLE, "1")
        cold = run_cli("report", "-w", plan.root, "--as-of", "2027-06-30", "--format", "json").out
    assert run.out == cold
    assert _out(run_cli, plan.root, ())[0] == _cold(run_cli, plan.root, monkeypatch)  # the first day's figures


@pytest.mark.parametrize("victim", ["portfolios", "actions", "last_activity", "coded", "ids_repeat", "ids_unique", "seller_tests"])
@pytest.mark.parametrize("damage", ["cut short", "emptied", "foreign"])
def test_a_damaged_derived_figure(plan, run_cli, cached, monkeypatch, victim, damage, no_replay):
    _out(run_cli, plan.root, ())
    (path,) = [p for p in _derived_files(plan.root) if p.name.startswith(victim + "-")]
    data = path.read_bytes()
    if damage == "cut short":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "emptied":
        path.write_bytes(b"")
    else:  # a valid Arrow file of another figure put in its place
        (other,) = [p for p in _derived_files(plan.root) if not p.name.startswith(victim + "-")][:1]
        path.write_bytes(other.read_bytes())
    _forget_reports(plan.root)
    out, err = _out(run_cli, plan.root, ())
    assert out == _cold(run_cli, plan.root, monkeypatch)
    assert "a derived figure of the cache" in err and "computed again and rewritten" in err
    assert path.read_bytes() == data  # rewritten as it was
    again, err = _out(run_cli, plan.root, ())
    assert again == out and "derived figure" not in err


def test_concurrent_runs_write_the_caches_and_agree(plan, run_cli, cached, monkeypatch):
    """Four reports started together on a cold cache each write the frames and derived figures (renamed into
    place): every one prints the cold report, and the run after them reads what they left."""
    import subprocess
    import sys

    script = (
        "import sys; from salesplan_cli.intake import cache; cache.MIN_BYTES = 0; "
        "from salesplan_cli.cli.app import main; sys.exit(main(sys.argv[1:]))"
    )
    argv = [sys.executable, "-c", script, "report", "-w", str(plan.root), "--as-of", AS_OF, "--format", "json"]
    env = {k: v for k, v in os.environ.items() if k not in (cache.ENV_DISABLE, cache.ENV_FOLDER)}
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(4)]
    outs = [proc.communicate() for proc in procs]
    cold = _cold(run_cli, plan.root, monkeypatch)
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode in (0, 1), err.decode()
        assert out.decode() == cold
        assert b"could not be read" not in err
    assert _warm(run_cli, plan.root, monkeypatch) == cold
    assert not [p for p in (plan.root / cache.FOLDER).rglob("*") if p.name.startswith(".tmp") or p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "victim, column, shift",
    [("portfolios", "row", 10**6), ("actions", "key", 10**8), ("actions", "key", -(10**8)), ("coded", "combined", 10**5), ("coded", "combined", -(10**5))],
)
def test_a_derived_figure_that_does_not_fit_the_frames_is_computed_again(plan, run_cli, cached, monkeypatch, victim, column, shift, no_replay):
    """A figure under its own key whose numbers no computation gives (account positions past the accounts, pair
    keys or group codes out of their range: written by hand, or by other code under the same key): a note, the
    figure derived again, the cold report. (Numbers edited within their range are trusted, as the cached frames
    are: the cache holds no checksum.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    _out(run_cli, plan.root, ())
    (path,) = [p for p in _derived_files(plan.root) if p.name.startswith(victim + "-")]
    with pa.OSFile(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    shifted = pc.add(table.column(column), pa.scalar(shift, type=table.schema.field(column).type))
    table = table.set_column(table.schema.get_field_index(column), column, shifted).replace_schema_metadata(table.schema.metadata)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    _forget_reports(plan.root)
    out, err = _out(run_cli, plan.root, ())
    assert out == _cold(run_cli, plan.root, monkeypatch)
    assert "did not fit the frames" in err


ANOTHER_SHAPE = {
    "ids_repeat": ([1], {"repeat": "yes"}, {"flag": 1}),
    "ids_unique": ({"flag": "yes"}, {}),
    "seller_tests": (
        {"tests": "x"},
        {"tests": 5},
        {"tests": [["rep-e1", "platform", [1, 0], None, "fisher", 0.5, 0.5, True]]},  # a zero denominator
        {"tests": [["rep-e1", "platform", None, None, "fisher", "0.5", 0.5, True]]},  # a p-value as text
        {"tests": [["rep-e1", "platform", None, None, "fisher", 0.5, 0.5, 1]]},  # an alert not a boolean
    ),
}


@pytest.mark.parametrize("victim", list(ANOTHER_SHAPE))
def test_values_of_another_shape_under_the_right_key_are_computed_again(plan, run_cli, cached, monkeypatch, no_replay, victim):
    import json

    import pyarrow as pa

    _out(run_cli, plan.root, ())
    (path,) = [p for p in _derived_files(plan.root) if p.name.startswith(victim + "-")]
    with pa.OSFile(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    (meta_key,) = table.schema.metadata
    stored = json.loads(table.schema.metadata[meta_key])
    for values in ANOTHER_SHAPE[victim]:
        stored["values"] = values
        changed = table.replace_schema_metadata({meta_key: json.dumps(stored)})
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, changed.schema) as writer:
            writer.write_table(changed)
        _forget_reports(plan.root)
        out, err = _out(run_cli, plan.root, ())
        assert out == _cold(run_cli, plan.root, monkeypatch), values
        assert "derived figure of the cache" in err


def test_another_period_derives_its_own_figures(plan, run_cli, cached, monkeypatch):
    for period in ("Q2", "fy", "2027-03"):
        report = ("coverage", "--period", period)
        _out(run_cli, plan.root, report)
        assert _warm(run_cli, plan.root, monkeypatch, report) == _cold(run_cli, plan.root, monkeypatch, report), period
    assert _warm(run_cli, plan.root, monkeypatch) == _cold(run_cli, plan.root, monkeypatch)


@pytest.mark.parametrize("how", ["environment", "no mapping"])
def test_frames_read_into_memory_instead_of_mapped(plan, run_cli, cached, monkeypatch, how):
    import pyarrow as pa

    _out(run_cli, plan.root, ())
    with monkeypatch.context() as m:
        if how == "environment":
            m.setenv(cache.ENV_NO_MMAP, "1")

        def no_mapping(*_args, **_kwargs):
            if how == "environment":
                raise AssertionError("mapped despite SALESPLAN_CACHE_NO_MMAP")
            raise OSError(19, "No such device")

        m.setattr(pa, "memory_map", no_mapping)
        out, err = _out(run_cli, plan.root, ())
        warm = _warm(run_cli, plan.root, monkeypatch)
    assert out == warm == _cold(run_cli, plan.root, monkeypatch)
    assert "could not be read" not in err
