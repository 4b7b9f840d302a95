"""Plan files parsed once per content (plan/parsed.py): the data read back is the data parsed, the places of
keys and values are those parsing gives, and a changed or damaged entry makes a fresh parse."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from salesplan_cli.intake import cache
from salesplan_cli.plan import parsed as parsed_module
from salesplan_cli.plan import yamlsource
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.plan.parsed import ENTRY, KeptDoc, ParsedPlans

AS_OF = "2027-10-15"


def _same_workspace(a, b) -> None:
    assert a.settings == b.settings and a.strategy == b.strategy and a.segments == b.segments
    assert a.reps == b.reps and list(a.reps) == list(b.reps) and a.rep_files == b.rep_files
    assert {rel: doc.text for rel, doc in a.sources.items()} == {rel: doc.text for rel, doc in b.sources.items()}


def test_the_second_load_reads_the_data_back_and_it_is_the_parsed_data(plan, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    cold, cold_diags = load_workspace(plan.root)
    first, first_diags = load_workspace(plan.root, ParsedPlans(folder))
    assert (folder / ENTRY).exists()

    def forbidden(*_args, **_kwargs):
        raise AssertionError("parsed again")

    with monkeypatch.context() as m:
        m.setattr(parsed_module, "parse_yaml", forbidden)
        second, second_diags = load_workspace(plan.root, ParsedPlans(folder))
    assert cold_diags == first_diags == second_diags
    _same_workspace(cold, first)
    _same_workspace(cold, second)
    assert all(isinstance(doc, KeptDoc) for doc in second.sources.values())
    for rel, doc in second.sources.items():  # the places, parsed when asked for, are the parser's
        assert doc.data == cold.sources[rel].data
        assert doc.key_marks == cold.sources[rel].key_marks and doc.value_marks == cold.sources[rel].value_marks


def test_a_changed_file_is_parsed_again_and_the_others_are_not(plan, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    load_workspace(plan.root, ParsedPlans(folder))
    plan.replace("reps/rep-e1.yaml", "name: Henrik Dahl", "name: Henrik Dahl-Berg")
    seen = []
    real = parsed_module.parse_yaml

    def counting(text, rel):
        seen.append(rel)
        return real(text, rel)

    with monkeypatch.context() as m:
        m.setattr(parsed_module, "parse_yaml", counting)
        ws, _ = load_workspace(plan.root, ParsedPlans(folder))
    assert seen == ["reps/rep-e1.yaml"]
    assert ws.reps["rep-e1"].name == "Henrik Dahl-Berg"
    _same_workspace(ws, load_workspace(plan.root)[0])


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "code": "x", "files": {}}', b"[1, 2]", b"[" * 5000 + b"]" * 5000])
def test_a_damaged_entry_is_ignored_and_rewritten(plan, tmp_path, damage):
    folder = tmp_path / "cache"
    load_workspace(plan.root, ParsedPlans(folder))
    (folder / ENTRY).write_bytes(damage)
    ws, diags = load_workspace(plan.root, ParsedPlans(folder))
    cold, cold_diags = load_workspace(plan.root)
    _same_workspace(ws, cold)
    assert diags == cold_diags
    assert len(json.loads((folder / ENTRY).read_text(encoding="utf-8"))["files"]) == len(cold.sources)


@pytest.mark.parametrize(
    "rel, data",
    [
        ("strategy.yaml", '{"revenue_target": {"$decimal": "not a number"}}'),
        ("reps/rep-e1.yaml", "null"),  # no file of no data is kept: it would drop the rep without a word
        ("salesplan.yaml", "null"),
        ("reps/rep-e1.yaml", "[" * 5000 + "]" * 5000),  # deeper than json.loads can go
        ("strategy.yaml", '{"$pairs": [[[1], 2]]}'),  # a key that is a list
    ],
)
def test_a_damaged_file_entry_is_parsed_again(plan, tmp_path, rel, data):
    folder = tmp_path / "cache"
    load_workspace(plan.root, ParsedPlans(folder))
    stored = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
    stored["files"][rel]["data"] = data
    (folder / ENTRY).write_text(json.dumps(stored), encoding="utf-8")
    ws, diags = load_workspace(plan.root, ParsedPlans(folder))
    cold, cold_diags = load_workspace(plan.root)
    _same_workspace(ws, cold)
    assert diags == cold_diags


def test_a_file_with_findings_is_not_kept(plan, tmp_path):
    folder = tmp_path / "cache"
    plan.replace("reps/rep-e1.yaml", "name: Henrik Dahl", "name: Henrik Dahl\nname: twice")
    cold, cold_diags = load_workspace(plan.root)
    assert cold_diags
    load_workspace(plan.root, ParsedPlans(folder))
    stored = json.loads((folder / ENTRY).read_text(encoding="utf-8"))["files"]
    assert "reps/rep-e1.yaml" not in stored and "reps/rep-e2.yaml" in stored
    _ws, diags = load_workspace(plan.root, ParsedPlans(folder))
    assert diags == cold_diags


def test_findings_of_the_checks_point_at_the_same_places_from_kept_files(plan, run_cli, cached, monkeypatch):
    """A plan whose files read cleanly but whose checks fail: the second report (another as-of day, so the
    checks run again, on files read back from the cache) gives the same findings, lines and columns."""
    plan.replace("reps/rep-e1.yaml", "products: {platform: 70%, services: 30%}", "products: {platform: 60%, services: 30%}")
    first = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert first.code == 2 and "rep-e1.yaml:" in first.err
    (plan.root / cache.FOLDER).mkdir(exist_ok=True)  # the folder an earlier run with large exports made
    run_cli("report", "-w", plan.root, "--as-of", "2027-10-14", "--format", "json")  # fills plan-parsed.json
    assert (plan.root / cache.FOLDER / ENTRY).exists()
    kept = run_cli("report", "-w", plan.root, "--as-of", "2027-10-13", "--format", "json")
    monkeypatch.setenv(cache.ENV_DISABLE, "1")
    cold = run_cli("report", "-w", plan.root, "--as-of", "2027-10-13", "--format", "json")
    assert (kept.code, kept.out, kept.err) == (cold.code, cold.out, cold.err)


@pytest.mark.parametrize(
    "data",
    [
        {"a": Decimal("1.50"), "b": Decimal("-0"), "c": Decimal("1E+3"), "d": Decimal("NaN"), "e": Decimal("-Infinity")},
        {"day": dt.date(2027, 1, 31), "list": [1, True, None, "x", [dt.date(2026, 12, 1)]]},
        {1: "int key", False: "bool key", None: "null key", dt.date(2027, 1, 1): "date key", Decimal("0.5"): "decimal key"},
        {"$decimal": "a key that looks like a tag", "$pairs": [1, 2]},
        {"nested": {"$date": "2027-01-01"}},
        ["a list", {"x": 1}],
        "a text",
    ],
)
def test_values_come_back_exactly(data):
    back = json.loads(json.dumps(parsed_module._encode(data)), object_hook=parsed_module._decode)
    assert repr(back) == repr(data)  # the values and their types (Decimal('-0'), NaN, dates, bool keys)


@pytest.mark.parametrize("data", [{"f": 1.5}, {(1, 2): "tuple key"}, {"s": {1, 2}}])
def test_values_json_cannot_hold_are_not_kept(data):
    with pytest.raises(TypeError):
        parsed_module._encode(data)


def test_the_yaml_parser_gives_only_kept_types(plan):
    """Every plan file of the example is kept (the parser gives text, numbers as int or Decimal, dates, bools)."""
    for path in sorted(plan.root.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        doc, diags = yamlsource.parse_yaml(text, path.name)
        if not diags:
            parsed_module._encode(doc.data)


@pytest.mark.parametrize("victim", [ENTRY, "plan-check.json", "export-digests.json"])
def test_cache_files_nested_past_pythons_limit_are_ignored(plan, run_cli, cached, victim):
    """JSON nested deeper than json.loads can go raises RecursionError, not ValueError: still a damaged file."""
    first = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    (plan.root / cache.FOLDER / victim).write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    again = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert (again.code, again.out) == (first.code, first.out)
