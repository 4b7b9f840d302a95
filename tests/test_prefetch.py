"""The exports read in a thread while the plan is checked (intake/prefetch.py): a head start, never another answer."""

from __future__ import annotations

import datetime as dt

import pytest

from salesplan_cli.intake import prefetch
from salesplan_cli.intake.workspace import open_workspace

AS_OF = "2027-10-15"


@pytest.fixture
def served(monkeypatch):
    """Which files the prefetch handed over (name -> True when taken from it, False when read again)."""
    monkeypatch.delenv(prefetch.ENV_DISABLE, raising=False)
    seen: dict[str, bool] = {}
    original = prefetch._Prefetch.take

    def take(self, key, path):
        result = original(self, key, path)
        seen[path.name] = result is not None
        return result

    monkeypatch.setattr(prefetch._Prefetch, "take", take)
    return seen


def _json(run_cli, root, *report):
    run = run_cli("report", *report, "-w", root, "--as-of", AS_OF, "--format", "json")
    assert run.code in (0, 1), run.err
    return run.out, run.err


@pytest.mark.parametrize("report", [(), ("intake",), ("activity", "--by", "segment")])
def test_a_report_with_the_exports_read_ahead_is_the_report_read_after(plan, run_cli, served, monkeypatch, report):
    ahead = _json(run_cli, plan.root, *report)
    assert served and all(served.values()), served  # every export came from the thread
    monkeypatch.setenv(prefetch.ENV_DISABLE, "1")
    served.clear()
    after = _json(run_cli, plan.root, *report)
    assert not served  # no thread at all
    assert ahead == after


def test_a_file_changed_after_it_was_read_ahead_is_read_again(plan, served):
    with prefetch.reading(plan.root):
        prefetch._active._thread.join()  # the thread has read every export
        path = plan.root / "data" / "activities.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:-5]), encoding="utf-8")  # five activities fewer, written after the read
        opened = open_workspace(plan.root, dt.date.fromisoformat(AS_OF))
    assert served["activities.csv"] is False and served["accounts.csv"] is True
    report = next(r for r in opened.data.frames.reports if r.kind == "activities")
    assert report.rows_read == len(lines) - 1 - 5  # the file as it is now, not as the thread read it


def test_nothing_is_read_ahead_when_salesplan_yaml_has_an_error(plan):
    plan.write("salesplan.yaml", plan.text("salesplan.yaml").replace("currency:", "currency: [", 1))
    assert prefetch._jobs(plan.root, ()) == []


def test_nothing_is_read_ahead_when_an_export_path_is_refused(plan, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("Opportunity Owner,Amount\n", encoding="utf-8")
    text = plan.text("salesplan.yaml")
    assert "data/activities.csv" in text
    plan.write("salesplan.yaml", text.replace("data/activities.csv", str(outside), 1))
    assert prefetch._jobs(plan.root, ()) == []
    assert prefetch._jobs(plan.root, (tmp_path,)) != []  # allowed by --data-dir: read ahead like the others


def test_the_jobs_follow_the_reading_order_of_the_exports(plan):
    names = [path.name for _key, path, _args in prefetch._jobs(plan.root, ())]
    assert names == ["accounts.csv", "opportunities.csv", "activities.csv", "invoices.csv"]


def test_a_reading_that_fails_in_the_thread_is_done_again_by_the_command(plan, served, monkeypatch):
    from salesplan_cli.intake import load

    original = load._read_kind

    def failing(kind, *args):
        if kind == "accounts":
            raise MemoryError("the thread ran out of memory")
        return original(kind, *args)

    monkeypatch.setattr(load, "_read_kind", failing)
    with prefetch.reading(plan.root):
        prefetch._active._thread.join()
        monkeypatch.setattr(load, "_read_kind", original)  # the command's own reading works
        opened = open_workspace(plan.root, dt.date.fromisoformat(AS_OF))
    assert opened.data.ok
    assert served["accounts.csv"] is False and served["opportunities.csv"] is True
