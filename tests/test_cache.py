"""The cache of parsed exports (intake/cache.py): a second run gives exactly the first run's figures, any
change to an export or to what of the plan shapes the frames invalidates it, a damaged entry is ignored, and it can be disabled."""

from __future__ import annotations

import json
import os

import pytest

from salesplan_cli.intake import cache

AS_OF = "2027-10-15"


def _report(run_cli, root, *extra):
    run = run_cli("report", "-w", root, "--as-of", AS_OF, "--format", "json", *extra)
    assert run.code in (0, 1), run.err
    return json.loads(run.out), run.err


def _entries(root):
    folder = root / cache.FOLDER
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def test_second_run_reads_the_cache_and_gives_the_same_figures(plan, run_cli, cached, monkeypatch):
    first, err1 = _report(run_cli, plan.root)
    assert len(_entries(plan.root)) == 1
    assert (plan.root / cache.FOLDER / ".gitignore").read_text().splitlines()[-1] == "*"

    from salesplan_cli.intake import load

    def no_reading(*_args, **_kwargs):  # a warm cache never reads the exports
        raise AssertionError("exports read despite a warm cache")

    monkeypatch.setattr(load, "load_exports", no_reading)
    second, err2 = _report(run_cli, plan.root)
    assert second == first
    assert err2 == err1  # the intake summary (rows read, used, rejected) comes back too
    for name in ("attainment", "coverage", "pipeline", "conversion", "activity", "intake"):
        run = run_cli("report", name, "-w", plan.root, "--as-of", AS_OF, "--format", "json")
        assert run.code in (0, 1), run.err


def test_an_edited_export_invalidates_the_entry(plan, run_cli, cached):
    first, _ = _report(run_cli, plan.root)
    key = _entries(plan.root)
    # one invoice of 4 550,00 becomes 5 550,00: the same size, another content
    invoices = plan.root / "data/invoices.csv"  # cp1252
    raw = invoices.read_bytes()
    invoices.write_bytes(raw.replace(b"FA27-000002;rep-e5@nordwind.example;CORVU-040;4 550,00", b"FA27-000002;rep-e5@nordwind.example;CORVU-040;5 550,00", 1))
    assert invoices.read_bytes() != raw
    second, _ = _report(run_cli, plan.root)
    assert _entries(plan.root) != key and len(_entries(plan.root)) == 1  # the stale entry is replaced
    assert second != first
    total = lambda doc: sum(r["actual"] for r in doc["tables"]["dashboard"])  # noqa: E731
    assert round(total(second) - total(first), 2) == 1000.0


def test_an_edited_plan_invalidates_the_entry(plan, run_cli, cached):
    _report(run_cli, plan.root)
    key = _entries(plan.root)
    plan.append("salesplan.yaml", "\n# a comment changes the text\n")
    _report(run_cli, plan.root)
    assert _entries(plan.root) != key


def test_a_damaged_entry_is_ignored_and_rewritten(plan, run_cli, cached):
    first, _ = _report(run_cli, plan.root)
    (entry,) = _entries(plan.root)
    stored = list((plan.root / cache.FOLDER / entry).glob("*.arrow"))
    assert stored  # the frames are there to be damaged
    for frame in stored:
        frame.write_bytes(b"not arrow")
    second, _ = _report(run_cli, plan.root)
    assert second == first
    meta = json.loads((plan.root / cache.FOLDER / entry / "meta.json").read_text())
    assert meta["key"] == entry


def test_disabled_by_the_environment(plan, run_cli, cached, monkeypatch):
    monkeypatch.setenv(cache.ENV_DISABLE, "1")
    _report(run_cli, plan.root)
    assert not (plan.root / cache.FOLDER).exists()


def test_another_folder_by_the_environment(plan, run_cli, cached, monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV_FOLDER, str(tmp_path / "elsewhere"))
    _report(run_cli, plan.root)
    assert not (plan.root / cache.FOLDER).exists()
    assert len([p for p in (tmp_path / "elsewhere").iterdir() if p.is_dir()]) == 1


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_workspace_still_reports(plan, run_cli, cached):
    (plan.root / cache.FOLDER).mkdir()
    (plan.root / cache.FOLDER).chmod(0o500)
    try:
        first, _ = _report(run_cli, plan.root)
        assert first["tables"]
    finally:
        (plan.root / cache.FOLDER).chmod(0o700)


def test_an_unwritable_cache_folder_still_reports(plan, run_cli, cached, monkeypatch):
    blocker = plan.root / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(cache.ENV_FOLDER, str(blocker / "cache"))
    first, _ = _report(run_cli, plan.root)
    assert first["tables"]


def test_flags_in_an_object_column_read_back_as_flags(tmp_path):
    """True/False/None in an object column (an output recorded on a deal, or not linked) come back as such,
    not as the text 'False', which is true."""
    import pandas as pd

    from salesplan_cli.intake import cache
    from salesplan_cli.intake.load import Frames

    frame = pd.DataFrame({"id": ["A", "B", "C"], "output:budget": pd.Series([True, False, None], dtype="object")})
    assert cache.store(tmp_path, "k", Frames(opportunities=frame))
    back = cache.load(tmp_path, "k").opportunities
    assert list(back["output:budget"]) == [True, False, None]


def test_an_export_is_hashed_again_only_when_it_may_have_changed(plan, cached, monkeypatch):
    """The SHA-256 of an export is remembered while its size, times and inode stay those it had; any write
    (even one that puts the size and modification time back) changes its change time and makes a new hash."""
    import hashlib
    import os

    from salesplan_cli.plan.load import load_workspace

    folder = plan.root / cache.FOLDER
    ws, _ = load_workspace(plan.root)
    hashed: list[str] = []
    real = hashlib.file_digest

    def counting(handle, name):
        hashed.append(os.path.basename(handle.name))
        return real(handle, name)

    monkeypatch.setattr(hashlib, "file_digest", counting)
    exports = sorted(p.name for p in (plan.root / "data").glob("*.csv"))
    for path in (plan.root / "data").glob("*.csv"):
        os.utime(path)  # modified just now: too recently to trust their times (a racy entry), hashed each time
    first = cache.cache_key(ws, folder)
    assert sorted(hashed) == exports
    hashed.clear()
    assert cache.cache_key(ws, folder) == first and sorted(hashed) == exports
    # files last written well before they were hashed: their digests are reused
    old = 1_700_000_000
    for path in (plan.root / "data").glob("*.csv"):
        os.utime(path, (old, old))
    hashed.clear()
    second = cache.cache_key(ws, folder)
    assert sorted(hashed) == exports  # the modification times changed: hashed again
    hashed.clear()
    assert cache.cache_key(ws, folder) == second and hashed == []
    # the same size and modification time, other bytes: the change time tells
    path = plan.root / "data" / "activities.csv"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Email", b"EMAIL", 1))
    os.utime(path, (old, old))
    hashed.clear()
    third = cache.cache_key(ws, folder)
    assert hashed == ["activities.csv"] and third != second
    # a damaged record of digests: everything hashed again, never an error
    (folder / cache.DIGESTS).write_text("{not json", encoding="utf-8")
    hashed.clear()
    assert cache.cache_key(ws, folder) == third and sorted(hashed) == exports


def test_another_run_s_entry_in_flight_is_left_to_it(plan, run_cli, cached):
    """Storing an entry removes the other entries, but not another run's entry being written (`.tmp-`) or set
    aside (`.old-`): removed under that run, its rename into place would fail and leave no entry at all. One left
    by a killed run (older than IN_FLIGHT_SECONDS) goes."""
    import time

    folder = plan.root / cache.FOLDER
    folder.mkdir()
    fresh, stale, other = folder / ".tmp-abc-123", folder / ".old-abc-456", folder / "0123abcd"
    for path in (fresh, stale, other):
        path.mkdir()
        (path / "meta.json").write_text("{}", encoding="utf-8")
    old = time.time() - cache.IN_FLIGHT_SECONDS - 60
    os.utime(stale, (old, old))
    _report(run_cli, plan.root)
    assert fresh.exists() and not stale.exists() and not other.exists()


def test_an_export_written_while_it_is_read_leaves_no_entry(plan, run_cli, cached, monkeypatch):
    """The key hashes each export before it is read: an export rewritten meanwhile would put frames of the new
    content under the old content's key. They are not kept; the next run reads the exports again."""
    from salesplan_cli.intake import load

    invoices = plan.path("data/invoices.csv")
    original = load.load_exports

    def rewritten_meanwhile(*args, **kwargs):
        read = original(*args, **kwargs)
        raw = invoices.read_bytes()
        invoices.write_bytes(raw.replace(b"FA26-000001;", b"FA26-000009;", 1))
        stat = invoices.stat()
        os.utime(invoices, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10_000_000_000))  # times could not tell
        return read

    monkeypatch.setattr(load, "load_exports", rewritten_meanwhile)
    _report(run_cli, plan.root)
    assert _entries(plan.root) == []
    monkeypatch.setattr(load, "load_exports", original)
    _report(run_cli, plan.root)
    assert len(_entries(plan.root)) == 1
