"""A report asked again on unchanged exports, plan and code with the same options replays what the first run
printed (cli/replay.py): its stdout, its stderr lines and its exit code, byte for byte those of a cold run,
without checking the plan, reading the cache of parsed exports or importing pandas; any change to what the run
reads (an export, a plan file, a glob's files, the options, the environment) makes it run again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from salesplan_cli.cli import replay
from salesplan_cli.intake import cache

AS_OF = "2027-10-15"
REPO = Path(__file__).resolve().parents[1]


def _outputs(root: Path) -> list[Path]:
    return sorted((root / cache.FOLDER).glob(f"{replay.PREFIX}*.json"))


def _run(run_cli, root, *args):
    run = run_cli(*args, "-w", root, "--as-of", AS_OF)
    return run.out, run.err, run.code


def _cold(run_cli, root, monkeypatch, *args):
    with monkeypatch.context() as m:
        m.setenv(cache.ENV_DISABLE, "1")
        return _run(run_cli, root, *args)


def _not_prepared(monkeypatch):
    """The commands fail the test if they check the plan or read the exports: what is printed is replayed."""
    from salesplan_cli.cli import report, review

    def forbidden(*_args, **_kwargs):
        raise AssertionError("prepared again")

    monkeypatch.setattr(report, "prepare", forbidden)
    monkeypatch.setattr(review, "prepare", forbidden)


REQUESTS = [
    ("report", "--format", "json"),
    ("report", "--format", "html"),
    ("report", "attainment", "--by", "product", "--format", "csv"),
    ("report", "activity", "--format", "markdown"),
    ("report", "coverage", "--top", "3", "--format", "json"),
    ("report", "pipeline", "--by", "rep", "--format", "json"),
    ("report", "conversion", "--format", "md"),
    ("report", "--check", "--format", "json"),  # breaches: exit 1, replayed with its breach lines
    ("report", "--fail-under", "attainment=99%", "--team", "mgr-north", "--format", "csv"),
    ("review", "--rep", "rep-e1", "--format", "markdown"),
]


@pytest.mark.parametrize("request_args", REQUESTS, ids=[" ".join(r) for r in REQUESTS])
def test_the_same_request_again_replays_the_first_run(plan, run_cli, cached, monkeypatch, request_args):
    cold = _cold(run_cli, plan.root, monkeypatch, *request_args)
    assert cold[2] in (0, 1), cold[1]
    assert _outputs(plan.root) == []
    first = _run(run_cli, plan.root, *request_args)
    assert first == cold
    assert len(_outputs(plan.root)) == 1
    with monkeypatch.context() as m:
        _not_prepared(m)
        second = _run(run_cli, plan.root, *request_args)
    assert second == cold


def test_the_check_breach_is_replayed_with_exit_1(plan, run_cli, cached, monkeypatch):
    first = _run(run_cli, plan.root, "report", "--check", "--format", "json")
    assert first[2] == 1 and "breach:" in first[1]
    with monkeypatch.context() as m:
        _not_prepared(m)
        assert _run(run_cli, plan.root, "report", "--check", "--format", "json") == first


def test_a_replay_imports_neither_pandas_nor_pyarrow_nor_yaml(plan, cached):
    """Run as the console script does, in a fresh interpreter: the replay needs none of them (pydantic comes
    with typer, for every command)."""
    heavy = ("pandas", "pyarrow", "numpy", "yaml", "salesplan_cli.plan.load", "salesplan_cli.intake.cache")
    script = (
        "import sys\n"
        "if sys.argv[1] == 'first':\n"
        "    from salesplan_cli.intake import cache\n"
        "    cache.MIN_BYTES = 0\n"  # the example's exports are small: the cache on as for big ones
        "from salesplan_cli.cli.app import main\n"
        "code = main(sys.argv[2:])\n"
        f"heavy = sorted(name for name in {heavy!r} if name in sys.modules)\n"
        "sys.stderr.write('IMPORTED ' + ','.join(heavy) + '\\n')\n"
        "sys.exit(code)\n"
    )
    args = ["report", "-w", str(plan.root), "--as-of", AS_OF, "--format", "json"]
    env = {k: v for k, v in os.environ.items() if k not in (cache.ENV_DISABLE, cache.ENV_FOLDER)}
    first = subprocess.run([sys.executable, "-c", script, "first", *args], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", script, "second", *args], capture_output=True, text=True, env=env)
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stderr.splitlines()[-1] == "IMPORTED " + ",".join(sorted(heavy))
    assert second.stderr.splitlines()[-1] == "IMPORTED "
    assert second.stdout == first.stdout
    assert second.stderr.splitlines()[:-1] == first.stderr.splitlines()[:-1]


def _touch_export(plan):
    """Another amount on the last invoice of the fiscal year, the file's size unchanged (its digest tells)."""
    path = plan.path("data/invoices.csv")
    lines = path.read_bytes().split(b"\n")
    at = max(i for i, line in enumerate(lines) if b"/2027;" in line)
    fields = lines[at].split(b";")
    fields[3] = bytes([fields[3][0] % 9 + 49]) + fields[3][1:]  # its first digit, another digit
    lines[at] = b";".join(fields)
    path.write_bytes(b"\n".join(lines))
    _written_a_while_ago(path)


def _written_a_while_ago(path):
    """A file written within two seconds of being hashed is hashed again at each run (its times could not tell
    a second write): a run recorded is one whose exports were not written while it ran."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10_000_000_000))


def _touch_plan(plan):
    plan.replace("reps/rep-e1.yaml", "name: Henrik Dahl", "name: Henrik Dahlberg")


def _new_file_of_a_glob(plan):
    # the sales export is declared as a glob from the start (see the test); a second file joins it
    text = plan.path("data/invoices.csv").read_bytes().decode("cp1252")
    header, first_row = text.splitlines()[:2]
    plan.write("data/invoices-late.csv", f"{header}\n{first_row}\n".encode("cp1252"))
    _written_a_while_ago(plan.path("data/invoices-late.csv"))


CHANGES = {"an export touched": _touch_export, "a plan file touched": _touch_plan, "a file more matched by a glob": _new_file_of_a_glob}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_what_the_run_reads_runs_it_again(plan, run_cli, cached, monkeypatch, change):
    text = plan.text("salesplan.yaml")
    plan.write("salesplan.yaml", text.replace("path: data/invoices.csv", "path: data/invoices*.csv"))
    args = ("report", "--format", "json")
    before = _run(run_cli, plan.root, *args)
    assert before[2] == 0, before[1]
    CHANGES[change](plan)
    after = _run(run_cli, plan.root, *args)
    assert after == _cold(run_cli, plan.root, monkeypatch, *args)
    assert after != before  # each change shows in the report: a replay of `before` would be wrong
    with monkeypatch.context() as m:  # and the new run is the one replayed next
        _not_prepared(m)
        assert _run(run_cli, plan.root, *args) == after


@pytest.mark.parametrize(
    "other",
    [
        ("--period", "Q3"),
        ("--rep", "rep-e1"),
        ("--format", "csv"),
        ("--fail-under", "attainment=10%"),
    ],
)
def test_each_option_is_its_own_request(plan, run_cli, cached, monkeypatch, other):
    _run(run_cli, plan.root, "report", "--format", "json")
    args = ("report", "--format", "json", *other)
    assert _run(run_cli, plan.root, *args) == _cold(run_cli, plan.root, monkeypatch, *args)
    assert len(_outputs(plan.root)) == 2


def test_another_as_of_day_or_environment_is_another_request(plan, run_cli, cached, monkeypatch):
    _run(run_cli, plan.root, "report", "--format", "json")
    run_cli("report", "--format", "json", "-w", plan.root, "--as-of", "2027-10-14")
    assert len(_outputs(plan.root)) == 2
    monkeypatch.setenv("SALESPLAN_DATA_DIRS", str(plan.root.parent))
    _run(run_cli, plan.root, "report", "--format", "json")
    assert len(_outputs(plan.root)) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "",
        lambda text: "[1, 2]",
        lambda text: json.dumps({**json.loads(text), "exit": 2}),
        lambda text: json.dumps({**json.loads(text), "events": [["out", 3]]}),
        lambda text: json.dumps({**json.loads(text), "key": "another"}),
        lambda text: "[" * 100_000,
    ],
    ids=["cut short", "emptied", "another shape", "exit 2", "not text", "another key", "nested deep"],
)
def test_a_damaged_replay_is_said_and_the_report_run_again(plan, run_cli, cached, monkeypatch, damage):
    args = ("report", "--format", "json")
    first = _run(run_cli, plan.root, *args)
    (path,) = _outputs(plan.root)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    again = _run(run_cli, plan.root, *args)
    assert again[0] == first[0] and again[2] == first[2]
    assert again[1] == f"note: a report's output kept in the cache ({path}) could not be read: it is computed again and rewritten\n" + first[1]
    with monkeypatch.context() as m:  # rewritten: replayed, without the note
        _not_prepared(m)
        assert _run(run_cli, plan.root, *args) == first


def test_runs_that_depend_on_the_terminal_or_the_cache_are_not_kept(plan, run_cli, cached, monkeypatch, tmp_path):
    _run(run_cli, plan.root, "report")  # the table format: laid out for the terminal
    _run(run_cli, plan.root, "report", "--format", "json", "--output", str(tmp_path / "out.json"))
    _run(run_cli, plan.root, "report", "--format", "json", "--keep-going")
    with monkeypatch.context() as m:
        m.setenv(cache.ENV_DISABLE, "1")
        _run(run_cli, plan.root, "report", "--format", "json")
    assert _outputs(plan.root) == []
    # a run that says the cache of parsed exports was damaged says it once: it is not kept
    _run(run_cli, plan.root, "report", "attainment", "--format", "json")
    for entry in (plan.root / cache.FOLDER).iterdir():
        for frame in entry.glob("*.arrow") if entry.is_dir() else ():
            frame.write_bytes(b"damaged")
    for path in _outputs(plan.root):
        path.unlink()
    damaged = _run(run_cli, plan.root, "report", "attainment", "--format", "json")
    assert "could not be read" in damaged[1]
    assert _outputs(plan.root) == []


def test_small_exports_without_the_cache_are_never_kept(plan, run_cli, monkeypatch):
    monkeypatch.delenv(cache.ENV_DISABLE, raising=False)
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)
    _run(run_cli, plan.root, "report", "--format", "json")
    _run(run_cli, plan.root, "report", "--format", "json")
    assert _outputs(plan.root) == []


def test_the_least_recently_used_replays_are_dropped(plan, run_cli, cached, monkeypatch):
    monkeypatch.setattr(replay, "KEEP", 2)
    for period in ("Q1", "Q2", "Q3"):
        _run(run_cli, plan.root, "report", "--format", "json", "--period", period)
    assert len(_outputs(plan.root)) == 2


@pytest.mark.parametrize("change", ["an export touched", "a plan file touched"])
def test_a_run_during_which_its_inputs_change_is_not_kept(plan, run_cli, cached, monkeypatch, change):
    """What it printed may be of the old inputs or the new: replaying it for the new ones could be wrong."""
    from salesplan_cli.cli import render

    original = render.render

    def changing(*args, **kwargs):
        CHANGES[change](plan)
        return original(*args, **kwargs)

    monkeypatch.setattr(render, "render", changing)
    run = _run(run_cli, plan.root, "report", "--format", "json")
    assert run[2] == 0, run[1]
    assert _outputs(plan.root) == []


# --- what a fresh run refuses is never replayed, and nothing hangs on a pipe --------------------------------

CONSOLE = (
    "import sys\n"
    "from salesplan_cli.intake import cache\n"
    "cache.MIN_BYTES = 0\n"  # the example's exports are small: the cache on as for big ones
    "from salesplan_cli.cli.app import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _console(root, *args, cold=False, shell_suffix=""):
    """`salesplan report ... --format json` as the console script runs it, in a fresh interpreter (30 s at most)."""
    env = {k: v for k, v in os.environ.items() if k not in (cache.ENV_DISABLE, cache.ENV_FOLDER)}
    if cold:
        env[cache.ENV_DISABLE] = "1"
    argv = [sys.executable, "-c", CONSOLE, "report", *args, "-w", str(root), "--as-of", AS_OF, "--format", "json"]
    if shell_suffix:
        import shlex

        done = subprocess.run(["bash", "-c", " ".join(shlex.quote(a) for a in argv) + " " + shell_suffix], capture_output=True, text=True, env=env, timeout=30)
    else:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30)
    return done.stdout, done.stderr, done.returncode


def test_exports_moved_behind_a_link_outside_the_workspace_are_refused_not_replayed(plan, cached, tmp_path):
    first = _console(plan.root)
    assert first[2] == 0, first[1]
    outside = tmp_path / "elsewhere"
    (plan.root / "data").rename(outside)
    (plan.root / "data").symlink_to(outside, target_is_directory=True)
    again = _console(plan.root)
    assert again == _console(plan.root, cold=True)
    assert again[2] == 2 and "SP907" in again[1]


def test_an_export_replaced_by_a_named_pipe_is_refused_not_waited_on(plan, cached):
    assert _console(plan.root)[2] == 0
    invoices = plan.path("data/invoices.csv")
    invoices.unlink()
    os.mkfifo(invoices)
    again = _console(plan.root)
    assert again == _console(plan.root, cold=True)
    assert again[2] == 2


@pytest.mark.parametrize("kind", ["a named pipe", "a folder"])
def test_a_plan_file_that_is_no_file_is_never_waited_on(plan, cached, kind):
    assert _console(plan.root)[2] == 0
    odd = plan.path("reps/rep-zz.yaml")
    if kind == "a named pipe":
        os.mkfifo(odd)
    else:
        odd.mkdir()
    again = _console(plan.root)
    assert again == _console(plan.root, cold=True)
    assert again[2] == 2 and "internal error" not in again[1]


def test_a_rep_file_name_that_is_not_utf8_is_said_not_a_crash(plan, cached):
    assert _console(plan.root)[2] == 0
    name = os.fsencode(str(plan.path("reps"))) + b"/rep-\xe9.yaml"
    with open(name, "wb") as handle:
        handle.write(plan.path("reps/rep-s3.yaml").read_bytes())
    again = _console(plan.root)
    assert again == _console(plan.root, cold=True)
    assert again[2] == 2 and "internal error" not in again[1]


def test_with_stderr_closed_nothing_is_replayed(plan, cached):
    assert _console(plan.root)[2] == 0
    assert _console(plan.root, shell_suffix="2>&-") == _console(plan.root, cold=True, shell_suffix="2>&-")


def _glob_file_gone(plan):
    plan.path("data/invoices-late.csv").unlink()


def _export_rehashed_by_another_run(plan):
    """The invoices edited, then hashed by another run (its SHA-256 remembered with the file's new times)."""
    from salesplan_cli.intake import digests

    _touch_export(plan)
    folder = plan.root / cache.FOLDER
    known = digests.read_digests(folder)
    path = plan.path("data/invoices.csv")
    known.pop(str(path), None)
    old = path.stat().st_mtime_ns
    digests.export_digest(path, path.stat(), known)
    known[str(path)]["at"] = old + 10 * digests.RACY_NS  # as if hashed well after its last write
    digests.write_digests(folder, known)


@pytest.mark.parametrize("change", [_glob_file_gone, _export_rehashed_by_another_run], ids=["a glob's file gone", "an export edited and hashed by another run"])
def test_a_run_is_checked_against_the_exports_it_hashed_before_reading_them(plan, run_cli, cached, monkeypatch, change):
    from salesplan_cli.cli import render

    plan.write("salesplan.yaml", plan.text("salesplan.yaml").replace("path: data/invoices.csv", "path: data/invoices*.csv"))
    _new_file_of_a_glob(plan)
    original = render.render

    def changing(*args, **kwargs):
        change(plan)
        return original(*args, **kwargs)

    monkeypatch.setattr(render, "render", changing)
    run = _run(run_cli, plan.root, "report", "--format", "json")
    assert run[2] == 0, run[1]
    assert _outputs(plan.root) == []


def test_a_glob_matching_a_file_name_that_is_not_utf8_is_said(plan, cached):
    """No report can name such a file (nor hold it in a column): SP901, cold and cached alike, never a crash."""
    plan.write("salesplan.yaml", plan.text("salesplan.yaml").replace("path: data/invoices.csv", "path: data/invoices*.csv"))
    name = os.fsencode(str(plan.path("data"))) + b"/invoices-\xe9.csv"
    with open(name, "wb") as handle:
        handle.write(plan.path("data/invoices.csv").read_bytes())
    run = _console(plan.root)
    assert run == _console(plan.root, cold=True)
    assert run[2] == 2 and "SP901" in run[1] and "is not UTF-8 text ('data/invoices-\\udce9.csv'): rename it" in run[1]


# --- from the second review: what the run read, not only what is there at its end --------------------------


def test_a_data_dir_link_pointed_elsewhere_is_refused_not_replayed(plan, cached, tmp_path):
    """The folders allowed outside the workspace are keyed by what they resolve to: a link moved to another
    folder allows another folder, and the exports of the first are refused as a fresh run refuses them."""
    first_home, second_home = tmp_path / "ext" / "A", tmp_path / "ext" / "B"
    first_home.mkdir(parents=True)
    for path in plan.path("data").iterdir():
        path.rename(first_home / path.name)
    second_home.mkdir()
    for path in first_home.iterdir():
        (second_home / path.name).write_bytes(path.read_bytes())
    allowed = tmp_path / "ext" / "allowed"
    allowed.symlink_to("A", target_is_directory=True)
    plan.write("salesplan.yaml", plan.text("salesplan.yaml").replace("path: data/", f"path: {first_home}/"))
    args = ("--data-dir", str(allowed))
    assert _console(plan.root, *args)[2] == 0
    assert _console(plan.root, *args)[2] == 0
    allowed.unlink()
    allowed.symlink_to("B", target_is_directory=True)
    again = _console(plan.root, *args)
    assert again == _console(plan.root, *args, cold=True)
    assert again[2] == 2 and "SP907" in again[1]


def _around_the_read(monkeypatch, before, after):
    from salesplan_cli.intake import load

    original = load.load_exports

    def read(*args, **kwargs):
        before()
        try:
            return original(*args, **kwargs)
        finally:
            after()

    monkeypatch.setattr(load, "load_exports", read)


def test_an_export_rewritten_with_the_same_bytes_while_read_is_not_kept(plan, run_cli, cached, monkeypatch):
    """A copy landing while the report reads the file: the bytes end the same, what was read may not be."""
    invoices = plan.path("data/invoices.csv")
    raw = invoices.read_bytes()
    _around_the_read(monkeypatch, lambda: None, lambda: invoices.write_bytes(raw))
    run = _run(run_cli, plan.root, "report", "--format", "json")
    assert run[2] == 0, run[1]
    assert _outputs(plan.root) == []
    assert not [p for p in (plan.root / cache.FOLDER).iterdir() if p.is_dir()]  # nor the parsed exports


def test_a_file_a_glob_matched_only_while_the_exports_were_read_is_not_kept(plan, run_cli, cached, monkeypatch):
    plan.write("salesplan.yaml", plan.text("salesplan.yaml").replace("path: data/invoices.csv", "path: data/invoices*.csv"))
    passing = plan.path("data/invoices-zz.csv")
    text = plan.path("data/invoices.csv").read_bytes().split(b"\n")
    _around_the_read(monkeypatch, lambda: passing.write_bytes(text[0] + b"\n" + text[1] + b"\n"), lambda: passing.unlink())
    run = _run(run_cli, plan.root, "report", "--format", "json")
    assert run[2] == 0 and "invoices-zz.csv" in run[1]
    assert _outputs(plan.root) == []
    assert not [p for p in (plan.root / cache.FOLDER).iterdir() if p.is_dir()]


def test_a_rep_file_other_only_while_the_plan_was_read_is_not_kept(plan, run_cli, cached, monkeypatch):
    """A checkout that passes through another version of a plan file while the report reads the plan: the file
    ends with the bytes it had, the report was drawn from the other version."""
    from salesplan_cli.intake import workspace

    original = workspace.check_plan
    rep = plan.path("reps/rep-e1.yaml")
    raw = rep.read_bytes()

    def check(*args, **kwargs):
        rep.write_bytes(raw.replace(b"name: Henrik Dahl", b"name: Henrik Dahlberg"))
        try:
            return original(*args, **kwargs)
        finally:
            rep.write_bytes(raw)

    monkeypatch.setattr(workspace, "check_plan", check)
    run = _run(run_cli, plan.root, "report", "--format", "json")
    assert run[2] == 0 and "Henrik Dahlberg" in run[0], run[1]
    assert _outputs(plan.root) == []


@pytest.mark.parametrize("name", ["export-digests.json", "replay"])
def test_a_named_pipe_in_the_cache_folder_is_not_waited_on(plan, cached, name):
    assert _console(plan.root)[2] == 0
    folder = plan.root / cache.FOLDER
    (target,) = _outputs(plan.root) if name == "replay" else [folder / name]
    target.unlink()
    os.mkfifo(target)
    again = _console(plan.root)
    cold = _console(plan.root, cold=True)
    assert again[0] == cold[0] and again[2] == cold[2] == 0
    assert target.is_file()  # the pipe replaced by the file, never written into


def test_a_cache_folder_that_cannot_be_read_is_as_if_empty(plan, run_cli, cached, monkeypatch):
    from salesplan_cli.cli import replay as module

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    _run(run_cli, plan.root, "report", "--format", "json")
    monkeypatch.setattr(module, "read_cache_file", refused)
    run = _run(run_cli, plan.root, "report", "--format", "json")
    assert run == _cold(run_cli, plan.root, monkeypatch, "report", "--format", "json")


def test_with_stderr_closed_the_report_still_goes_to_stdout(plan, cached):
    run = _console(plan.root, shell_suffix="2>&-")
    assert run[2] == 0 and run[0].startswith("{")
