"""A report asked again on unchanged exports and plan with the same options prints the figures it computed the
first time (cli/kept.py): byte for byte the cold report, in every format; any other request computes its own."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from salesplan_cli.cli import kept as kept_module
from salesplan_cli.cli.formats import Rendered
from salesplan_cli.intake import cache

AS_OF = "2027-10-15"


def _kept_files(root):
    return sorted((root / cache.FOLDER).rglob("report-*.arrow"))


def _run(run_cli, root, *args):
    run = run_cli(*args, "-w", root, "--as-of", AS_OF)
    assert run.code in (0, 1), run.err
    return run.out, run.err, run.code


def _cold(run_cli, root, monkeypatch, *args):
    with monkeypatch.context() as m:
        m.setenv(cache.ENV_DISABLE, "1")
        return _run(run_cli, root, *args)


def _nothing_computed(monkeypatch):
    """Every report function fails the test when called: what is printed comes from the kept figures."""
    from salesplan_cli.reports import activity, attainment, conversion, coverage, dashboard, monthly, pipeline, review

    def forbidden(*_args, **_kwargs):
        raise AssertionError("computed again")

    for module, name in [
        (dashboard, "dashboard"),
        (attainment, "attainment"),
        (monthly, "attainment_by_period"),
        (activity, "activity"),
        (coverage, "coverage"),
        (pipeline, "pipeline"),
        (pipeline, "pipeline_coverage"),
        (conversion, "conversion"),
        (review, "review"),
    ]:
        monkeypatch.setattr(module, name, forbidden)


REQUESTS = [
    ("report", "--format", "json"),
    ("report", "--format", "markdown"),
    ("report", "--format", "html"),
    ("report", "attainment", "--by", "product", "--format", "json"),
    ("report", "attainment", "--by", "team,month", "--format", "csv"),
    ("report", "activity", "--format", "json"),
    ("report", "coverage", "--top", "3", "--format", "json"),
    ("report", "pipeline", "--format", "csv"),
    ("report", "conversion", "--format", "json"),
    ("report", "--check", "--format", "json"),
    ("review", "--rep", "rep-e1", "--format", "markdown"),
]


@pytest.mark.parametrize("request_args", REQUESTS, ids=[" ".join(r) for r in REQUESTS])
def test_the_second_run_prints_the_kept_figures(plan, run_cli, cached, monkeypatch, request_args, no_replay):
    first = _run(run_cli, plan.root, *request_args)
    assert len(_kept_files(plan.root)) == 1
    with monkeypatch.context() as m:
        m.setattr(cache, "MIN_BYTES", 0)
        # the report modules' functions are imported by name inside the commands: patch them where they live
        _nothing_computed(m)
        second = _run(run_cli, plan.root, *request_args)
    cold = _cold(run_cli, plan.root, monkeypatch, *request_args)
    assert first == second == cold


def test_any_other_request_computes_its_own_figures(plan, run_cli, cached, monkeypatch, no_replay):
    base = ("report", "--format", "json")
    _run(run_cli, plan.root, *base)
    others = [
        ("report", "--format", "csv"),
        ("report", "--format", "json", "--period", "Q2"),
        ("report", "--format", "json", "--team", "mgr-enterprise"),
        ("report", "--format", "json", "--rep", "rep-e1"),
        ("report", "--format", "json", "--fail-under", "attainment=80%"),
        ("report", "--format", "json", "--check"),
    ]
    for count, other in enumerate(others, start=2):
        out = _run(run_cli, plan.root, *other)
        assert len(_kept_files(plan.root)) == count, other
        assert out == _cold(run_cli, plan.root, monkeypatch, *other), other
    # another as-of day
    run = run_cli("report", "-w", plan.root, "--as-of", "2027-06-30", "--format", "json")
    assert len(_kept_files(plan.root)) == len(others) + 2
    with monkeypatch.context() as m:
        m.setenv(cache.ENV_DISABLE, "1")
        assert run.out == run_cli("report", "-w", plan.root, "--as-of", "2027-06-30", "--format", "json").out


@pytest.mark.parametrize(
    "first, second",
    [
        (("report", "attainment", "--format", "json"), ("report", "attainment", "--by", "product", "--format", "json")),
        (("report", "attainment", "--by", "team", "--format", "json"), ("report", "attainment", "--by", "team,month", "--format", "json")),
        (("report", "pipeline", "--format", "json"), ("report", "pipeline", "--by", "segment", "--format", "json")),
        (("report", "coverage", "--format", "json"), ("report", "coverage", "--top", "2", "--format", "json")),
        (("report", "pipeline", "--format", "json"), ("report", "pipeline", "--top", "2", "--format", "json")),
        (("review", "--rep", "rep-e1", "--format", "json"), ("review", "--rep", "rep-e2", "--format", "json")),
        (("review", "--rep", "rep-e1", "--format", "json"), ("review", "--rep", "rep-e1", "--top", "1", "--format", "json")),
    ],
)
def test_the_options_of_a_report_are_part_of_its_request(plan, run_cli, cached, monkeypatch, first, second, no_replay):
    _run(run_cli, plan.root, *first)
    out = _run(run_cli, plan.root, *second)
    assert len(_kept_files(plan.root)) == 2
    assert out == _cold(run_cli, plan.root, monkeypatch, *second)
    assert out[0] != _cold(run_cli, plan.root, monkeypatch, *first)[0]


def test_keep_going_prints_the_same_from_the_kept_figures(plan, run_cli, cached, monkeypatch, no_replay):
    plan.replace("reps/rep-e2.yaml", "manager: mgr-enterprise", "manager: mgr-enterprise\nunknown_key: 1")
    args = ("report", "--keep-going", "--format", "json")
    first = _run(run_cli, plan.root, *args)
    assert first[2] == 1 and "rep-e2" in first[1]
    with monkeypatch.context() as m:
        _nothing_computed(m)
        second = _run(run_cli, plan.root, *args)
    assert first == second == _cold(run_cli, plan.root, monkeypatch, *args)


def test_a_plan_file_touched_computes_the_report_again(plan, run_cli, cached, monkeypatch, no_replay):
    before = _run(run_cli, plan.root, "report", "--format", "json")
    plan.replace("reps/rep-e1.yaml", "name: Henrik Dahl", "name: Henrik Dahl-Berg")
    after = _run(run_cli, plan.root, "report", "--format", "json")
    assert "Henrik Dahl-Berg" in after[0] and after != before
    assert after == _cold(run_cli, plan.root, monkeypatch, "report", "--format", "json")


DAMAGE = {
    "another shape": lambda v: {"tables": [["dashboard", {"columns": "no"}]]},
    "gate figures not per rep": lambda v: v | {"gate_figures": {"attainment": 5}},
    "a gate figure not a number": lambda v: v | {"gate_figures": {"attainment": {"rep-e1": "x"}}},
    "notes not texts": lambda v: v | {"notes": [1, None]},
    "titles not texts": lambda v: v | {"titles": {"dashboard": 3}},
    "decisions not texts": lambda v: v | {"decisions": [3]},
    "another report": lambda v: v | {"report": "pipeline"},
    "a value that is a list": lambda v: v | {"tables": [[v["tables"][0][0], {**v["tables"][0][1], "columns": [[c, {**e, "values": [[1, 2]] * len(e["values"])}] if i == 0 else [c, e] for i, (c, e) in enumerate(v["tables"][0][1]["columns"])]}]]},
}


@pytest.mark.parametrize("damage", ["cut short", "emptied", *DAMAGE])
def test_damaged_kept_figures_are_computed_again(plan, run_cli, cached, monkeypatch, damage, no_replay):
    import pyarrow as pa

    args = ("report", "--check", "--format", "markdown")  # gates, notes and tables all rendered
    first = _run(run_cli, plan.root, *args)
    (path,) = _kept_files(plan.root)
    data = path.read_bytes()
    if damage == "cut short":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "emptied":
        path.write_bytes(b"")
    else:  # the right key, values that are no report of the shape kept
        with pa.OSFile(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        (meta_key,) = table.schema.metadata
        stored = json.loads(table.schema.metadata[meta_key])
        stored["values"] = DAMAGE[damage](stored["values"])
        changed = table.replace_schema_metadata({meta_key: json.dumps(stored)})
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, changed.schema) as writer:
            writer.write_table(changed)
    out, err, code = _run(run_cli, plan.root, *args)
    assert (out, code) == (first[0], first[2])
    assert "computed again and rewritten" in err
    assert path.read_bytes() == data  # rewritten as it was
    assert _run(run_cli, plan.root, *args) == first


def test_without_a_cache_nothing_is_kept(plan, run_cli, monkeypatch):
    monkeypatch.setenv(cache.ENV_DISABLE, "1")
    _run(run_cli, plan.root, "report", "--format", "json")
    assert not _kept_files(plan.root)


# --- the encoding: what comes back exactly, and what is not kept ------------------------------------------


def _rendered(frame, **more) -> Rendered:
    return Rendered("dashboard", {"dashboard": frame}, {"dashboard": "Dashboard"}, notes=["a note"], gate_figures={"attainment": {"rep-1": 0.5, "rep-2": None}}, **more)


def _round_trip(rendered: Rendered) -> Rendered:
    return kept_module.decode(json.loads(json.dumps(kept_module.encode(rendered))))


def test_tables_come_back_with_their_dtypes_and_value_types():
    frame = pd.DataFrame(
        {
            "rep": pd.Series(["rep-1", "rep-2", None], dtype="str"),
            "actual": [1.5, float("nan"), -0.0],
            "count": pd.Series([1, 2, 3], dtype="int64"),
            "small": pd.Series([1, 2, 3], dtype="int32"),
            "flag": [True, False, True],
            "mixed": pd.Series([1.0, None, "x"], dtype=object),
            "day": pd.Series([dt.date(2027, 1, 2), None, dt.date(2027, 12, 31)], dtype=object),
            "infinite": [math.inf, -math.inf, 0.0],
            "maybe": pd.Series([1, None, 3], dtype="Int64"),
            "stage": pd.Categorical(["won", "open", "won"], categories=["open", "won", "lost"]),
        }
    )
    rendered = _rendered(frame, decisions=["decide"])
    back = _round_trip(rendered)
    assert kept_module.same(back, rendered)
    pd.testing.assert_frame_equal(back.tables["dashboard"], frame)
    assert [type(v) for v in back.tables["dashboard"]["mixed"]] == [float, type(None), str]
    assert math.copysign(1, back.tables["dashboard"]["actual"][2]) == -1


def test_an_index_other_than_the_default_comes_back():
    frame = pd.DataFrame({"value": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="rep"))
    back = _round_trip(_rendered(frame))
    pd.testing.assert_frame_equal(back.tables["dashboard"], frame)
    empty = pd.DataFrame(columns=["rep", "value"])
    assert kept_module.same(_round_trip(_rendered(empty)), _rendered(empty))


def test_same_tells_a_type_apart():
    a = _rendered(pd.DataFrame({"x": pd.Series([1.0, None], dtype=object)}))
    b = _rendered(pd.DataFrame({"x": pd.Series([1.0, float("nan")], dtype=object)}))
    c = _rendered(pd.DataFrame({"x": pd.Series([1, None], dtype=object)}))
    assert not kept_module.same(a, b) and not kept_module.same(a, c)
    assert not kept_module.same(a, _rendered(pd.DataFrame({"x": pd.Series([1.0, None], dtype=object)}), decisions=[]))
    # columns of numpy numbers and of text, compared whole: -0.0 is not 0.0, NaN only where NaN, None only where None
    floats = _rendered(pd.DataFrame({"x": [0.0, float("nan"), 2.0]}))
    assert kept_module.same(floats, _rendered(pd.DataFrame({"x": [0.0, float("nan"), 2.0]})))
    assert not kept_module.same(floats, _rendered(pd.DataFrame({"x": [-0.0, float("nan"), 2.0]})))
    assert not kept_module.same(floats, _rendered(pd.DataFrame({"x": [0.0, 1.0, 2.0]})))
    ints = _rendered(pd.DataFrame({"x": pd.Series([1, 2], dtype="int64")}))
    assert not kept_module.same(ints, _rendered(pd.DataFrame({"x": pd.Series([1, 3], dtype="int64")})))
    assert not kept_module.same(ints, _rendered(pd.DataFrame({"x": pd.Series([1, 2], dtype="int32")})))
    texts = _rendered(pd.DataFrame({"x": pd.Series(["a", None, "b"], dtype="str")}))
    assert kept_module.same(texts, _rendered(pd.DataFrame({"x": pd.Series(["a", None, "b"], dtype="str")})))
    assert not kept_module.same(texts, _rendered(pd.DataFrame({"x": pd.Series(["a", "b", None], dtype="str")})))
    assert not kept_module.same(texts, _rendered(pd.DataFrame({"x": pd.Series(["a", None, "c"], dtype="str")})))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"x": pd.Series([__import__("fractions").Fraction(1, 3)], dtype=object)}),
        pd.DataFrame({"x": pd.Series([__import__("decimal").Decimal("1.10")], dtype=object)}),
        pd.DataFrame({"x": pd.to_datetime(["2027-01-01"])}),
        pd.DataFrame({0: [1]}),
    ],
    ids=["Fraction", "Decimal", "datetime64", "label not text"],
)
def test_what_would_not_come_back_exactly_is_not_kept(frame, tmp_path):
    from types import SimpleNamespace

    from salesplan_cli.intake.derived import DerivedStore

    rendered = _rendered(frame)
    with pytest.raises(kept_module._NotKept):
        kept_module.encode(rendered)
    store = DerivedStore(tmp_path)
    ctx = SimpleNamespace(frames=SimpleNamespace(store=store), as_of=dt.date(2027, 10, 15), period="P", filters="F", ws=SimpleNamespace(reps={}))
    from salesplan_cli.cli.formats import Options, ReportFormat

    opts = Options(workspace=None, as_of=None, period=None, reps=[], team=None, segment=None, product=None, format=ReportFormat.json, output=None)
    assert kept_module.kept(ctx, opts, "dashboard", (), lambda: rendered) is rendered
    assert not list(tmp_path.rglob("*.arrow"))  # not stored
    assert not store.notes


# --- a helper of the intake notes printed with every report (measured on the second run) -------------------


@pytest.mark.parametrize(
    "values, dtype, expected",
    [
        (["", "", ""], "str", False),
        ([" ", "\t", ""], "str", False),
        ([" "] * 1500 + ["OPP-1"], "str", True),  # past the first thousand tried
        (["", "OPP-1"], "category", True),
        (["", None], object, True),  # a missing value is text once made a string ("None"), as before
        ([], "str", False),
    ],
)
def test_any_text_is_the_stripped_comparison(values, dtype, expected):
    from salesplan_cli.intake.loud import _any_text

    column = pd.Series(values, dtype=dtype)
    assert _any_text(column) is expected
    assert bool((column.astype("str").str.strip() != "").any()) is expected  # the expression it stands for


def test_a_gate_figure_that_is_not_a_number_comes_back():
    """NaN compares unequal to itself: the check before keeping compares gate figures value by value."""
    rendered = Rendered("dashboard", {"dashboard": pd.DataFrame({"x": [1.0]})}, {"dashboard": "Dashboard"}, gate_figures={"pipeline": {"rep-1": float("nan"), "rep-2": -0.0}})
    assert kept_module.same(_round_trip(rendered), rendered)
    other = Rendered("dashboard", {"dashboard": pd.DataFrame({"x": [1.0]})}, {"dashboard": "Dashboard"}, gate_figures={"pipeline": {"rep-1": float("nan"), "rep-2": 0.0}})
    assert not kept_module.same(other, rendered)
