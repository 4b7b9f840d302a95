"""Bad-input corpus (issue #6, "Hardening"): plan files and CRM exports broken in every way we could think of.

Each case builds a workspace in tmp_path (a copy of examples/nordwind without its exports and
PAMs), breaks one file, runs the CLI in-process and checks, from what the README promises:

- the exit code (README "Exit codes": `validate` exits 1 on findings; `report` exits 2 on plan
  errors or an export that cannot be read; 2 when no salesplan.yaml is found);
- the check code (SPxxx) and the file and line it points at (`validate --format json`; for
  `report`, the `file:line:col: error SPxxx:` headlines on stderr);
- for export rows that cannot be used: the line and class (rejected / unmatched / skipped) that
  `salesplan report intake --format json` lists, so a later row's line stays right;
- never a traceback, never an internal error (exit 3).

Lines are found by searching the edited file (PlanCopy.line_of) unless a number is clearer.
Cases where salesplan does not do what the README promises keep the README's expectation and
are marked xfail(strict=True) with what happens now; the unsure ones say "UNSURE" in the reason.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import EXAMPLE, PlanCopy
from salesplan_cli.cli.app import main
from test_check_codes import alias_bomb, append, each, make_dir, recode, replace, symlink_to_itself, write

AS_OF = "2027-02-01"  # the untouched example validates clean on this day
REPORT_AS_OF = "2027-10-15"  # the day the example's exports run to
N1, N2, S1 = "reps/rep-n1.yaml", "reps/rep-n2.yaml", "reps/rep-s1.yaml"
ST, SEG, SET = "strategy.yaml", "segments.yaml", "salesplan.yaml"


def _end(rel: str) -> int:
    """The line a text appended to the example's file starts on."""
    path = Path(__file__).resolve().parents[1] / "examples" / "nordwind" / rel
    return len(path.read_text(encoding="utf-8").splitlines()) + 1
DATA_BLOCK = "\n# CRM exports read by"  # where the example's data: section starts in salesplan.yaml
LIMIT = 5_242_880  # README: a plan file may be at most 5 MiB
FIFTY_MB = 50 * 1024 * 1024
HEADLINE = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: (?P<severity>error|warning) (?P<code>SP\d{3}): (?P<message>.*)$")


# --- running salesplan ---------------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str


def invoke(*args: object, hang_after: float | None = None, unblock: tuple[Path, ...] = ()) -> Run:
    """`salesplan ARGS...` in-process, through main(argv) as the console script does.

    With `hang_after`, it runs in a thread; if it is still running after that many seconds, the
    FIFOs in `unblock` are opened for writing and closed (so a reader blocked on them gets EOF) and
    the run counts as hung (exit code -1).
    """
    result: dict = {}

    def target() -> None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result["code"] = main([str(a) for a in args])
        result["out"], result["err"] = out.getvalue(), err.getvalue()

    if hang_after is None:
        target()
        return Run(result["code"], result["out"], result["err"])
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(hang_after)
    hung = thread.is_alive()
    deadline = time.monotonic() + 20
    while thread.is_alive() and time.monotonic() < deadline:
        for fifo in unblock:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        thread.join(0.05)
    if hung:
        return Run(-1, result.get("out", ""), result.get("err", "") + f"\n[hung: still running after {hang_after} s]")
    return Run(result["code"], result["out"], result["err"])


def invoke_with_memory_limit(tmp_path: Path, *args: object, limit: int = 1 << 30) -> Run:
    """`salesplan ARGS...` in a child process limited to `limit` bytes of memory (for inputs that eat it all)."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = "import sys\nfrom salesplan_cli.cli.app import main\nsys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1"}
    try:
        done = subprocess.run([sys.executable, "-c", code, *map(str, args)], preexec_fn=cap, capture_output=True, text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired as exc:
        return Run(-1, "", f"[hung: {exc}]")
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(autouse=True)
def crash_reports_in_tmp(monkeypatch, tmp_path):
    """A crash report (exit 3) lands in tmp_path, not in the shared temporary folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def assert_no_crash(run: Run) -> None:
    both = run.out + run.err
    assert "Traceback" not in both, both[-3000:]
    assert "internal error" not in run.err, run.err[-2000:]
    assert run.code != 3, run.err[-2000:]
    assert run.code != -1, f"salesplan hung: {run.err[-2000:]}"


def headlines(text: str, root: Path) -> list[tuple[str, int | None, str, str]]:
    """(file relative to the workspace, line, code, message) of each `file:line:col: error SPxxx:` headline."""
    found = []
    prefix = str(root) + "/"
    for line in text.splitlines():
        match = HEADLINE.match(line)
        if not match:
            continue
        name = match["file"]
        name = name[len(prefix) :] if name.startswith(prefix) else name
        found.append((name, int(match["line"]) if match["line"] else None, match["code"], match["message"]))
    return found


def fresh_workspace(tmp_path: Path) -> PlanCopy:
    """examples/nordwind without its CRM exports and PAMs (validate never reads them; export cases bring their own)."""
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLE, root, symlinks=True, ignore=shutil.ignore_patterns("data", "pam"))
    return PlanCopy(root)


def running_as_root_can_read(path: Path) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False


# --- edits of plan files -----------------------------------------------------------------------------------


def remove(rel: str) -> Callable[[PlanCopy], None]:
    def run(p: PlanCopy) -> None:
        path = p.path(rel)
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()

    return run


def symlink(rel: str, target: str) -> Callable[[PlanCopy], None]:
    def run(p: PlanCopy) -> None:
        if p.path(rel).exists() or p.path(rel).is_symlink():
            remove(rel)(p)
        os.symlink(target, p.path(rel))

    return run


def fifo(rel: str) -> Callable[[PlanCopy], None]:
    def run(p: PlanCopy) -> None:
        remove(rel)(p)
        os.mkfifo(p.path(rel))

    return run


def unreadable(rel: str) -> Callable[[PlanCopy], None]:
    return lambda p: p.path(rel).chmod(0)


def grow(rel: str, total: int, filler: Callable[[int], bytes]) -> Callable[[PlanCopy], None]:
    """Append filler(n) so that the file is exactly `total` bytes."""

    def run(p: PlanCopy) -> None:
        head = p.path(rel).read_bytes()
        p.write(rel, head + filler(total - len(head)))

    return run


def comment_of(n: int) -> bytes:
    return b"#" + b"x" * (n - 2) + b"\n"


def flow_list_of(n: int) -> bytes:
    """`notes: [x, x, ...]` of exactly n bytes (an unknown key, but the size limit comes first)."""
    body = b"notes: [" + b"x, " * ((n - 11) // 3)
    return body + b"x" * (n - len(body) - 2) + b"]\n"


def lines_of(n: int) -> bytes:
    pad = b"# padding\n" * (n // 10)
    return pad + b"#" * (n - len(pad))


def map_alias_bomb(levels: int = 7) -> str:
    """Billion laughs with mappings: each level is a mapping of ten aliases of the level before."""
    lines = ["b0: &b0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}"]
    for i in range(1, levels + 1):
        lines.append(f"b{i}: &b{i} {{" + ", ".join(f"k{j}: *b{i - 1}" for j in range(10)) + "}")
    return "\n".join(lines) + "\n"


def block_mappings(levels: int, step: int = 2) -> str:
    """`x:` then `a:` nested `levels` deep in block style (the top-level mapping is level 1)."""
    return "x:\n" + "".join(" " * (step * i) + "a:\n" for i in range(1, levels + 1))


# --- plan-file cases ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCase:
    id: str
    edit: Callable[[PlanCopy], None]
    code: str | None  # the check code expected (None: no finding at all, or none expected for exit 2)
    file: str | None = None
    line: int | str | None = None  # the line number, the one line holding this text, or None (no line)
    col: str | None = None  # the column of the last occurrence of this text on that line
    exit: int = 1
    message: str = ""  # the finding's message says this
    also: frozenset[str] = frozenset()  # other codes this edit rightly causes
    command: str = "validate"  # or "report": `report intake` must stop with exit 2 and say the same on stderr
    xfail: str | None = None  # what salesplan does now, when it is not what the README promises
    guard: str | None = None  # "hang": run in a thread and unblock FIFOs; "memory": child process with a memory cap
    needs_permissions: bool = False  # chmod 000 must make the file unreadable (not when running as root)

    def __str__(self) -> str:
        return self.id


PLAN_CASES: list[PlanCase] = [
    # --- duplicate keys, at every level (SP102) ------------------------------------------------------
    PlanCase("dup-strategy-top-level", append(ST, "revenue_target: 13_000_000\n"), "SP102", ST, "revenue_target: 13_000_000", "revenue_target", message="duplicate key 'revenue_target' (first defined on line 2)"),
    PlanCase("dup-strategy-segment-share", replace(ST, "  B: 25%\n", "  B: 25%\n  A: 30%\n"), "SP102", ST, "  A: 30%", "A", message="(first defined on line 6)"),
    PlanCase("dup-strategy-norms-in-flow-map", replace(ST, "prospect: {call: 8, meeting: 3}", "prospect: {call: 8, meeting: 3, call: 9}"), "SP102", ST, "call: 9", "call: 9", message="duplicate key 'call'"),
    PlanCase("dup-strategy-quoted-and-plain-key", replace(ST, "  B: 25%\n", '  "A": 25%\n'), "SP102", ST, '"A": 25%', '"A"', message="duplicate key 'A'"),
    PlanCase("dup-strategy-explicit-key", append(ST, "? revenue_target\n: 1\n"), "SP102", ST, "? revenue_target", "revenue_target", message="duplicate key 'revenue_target'"),
    PlanCase(
        "dup-strategy-key-after-merge",  # a merge may be overridden once; the same key twice is still a duplicate
        replace(ST, "prospect: {call: 6, meeting: 2}", "prospect: {<<: {call: 9}, call: 6, call: 7, meeting: 2}"),
        "SP102",
        ST,
        "call: 7",
        "call: 7",
    ),
    PlanCase(
        "dup-strategy-inside-merged-map",
        replace(ST, "prospect: {call: 6, meeting: 2}", "prospect: {<<: {call: 9, call: 7}, meeting: 2}"),
        "SP102",
        ST,
        "call: 7",
        "call: 7",
    ),
    PlanCase(
        "merge-key-of-a-number",  # '<<: 5' is a merge of nothing, not an action type named '<<'
        replace(ST, "prospect: {call: 6, meeting: 2}", "prospect: {<<: 5, call: 6, meeting: 2}"),
        "SP203",
        ST,
        "<<: 5",
        "<<: 5",
        message="'<<' merges only mappings",
    ),
    PlanCase(
        "dup-strategy-two-merge-keys",
        replace(ST, "prospect: {call: 6, meeting: 2}", "prospect: {<<: {call: 9}, <<: {meeting: 2}, call: 6}"),
        "SP102",
        ST,
        "<<: {meeting: 2}",
        "<<: {meeting",
    ),
    PlanCase("dup-segments-top-level-id", append(SEG, "A:   # again\n  name: Key accounts again\n"), "SP102", SEG, "A:   # again", "A", message="duplicate key 'A' (first defined on line 2)"),
    PlanCase("dup-segments-quoted-id", replace(SEG, "C:\n", '"B":\n'), "SP102", SEG, '"B":', '"B"', message="duplicate key 'B'"),
    PlanCase("dup-segments-nested-name", replace(SEG, "  name: Mid-market\n", "  name: Mid-market\n  name: Mid market\n"), "SP102", SEG, "name: Mid market", "name", message="duplicate key 'name'"),
    PlanCase("dup-salesplan-top-level", replace(SET, "currency: EUR\n", "currency: EUR\ncurrency: USD\n"), "SP102", SET, "currency: USD", "currency", message="duplicate key 'currency' (first defined on line 5)"),
    PlanCase(
        "dup-salesplan-manager-id",
        replace(SET, "  mgr-enterprise:\n", "  mgr-north:   # again\n    name: Claire M.\n  mgr-enterprise:\n"),
        "SP102",
        SET,
        "mgr-north:   # again",
        "mgr-north",
        message="duplicate key 'mgr-north' (first defined on line 14)",
    ),
    PlanCase(
        "dup-salesplan-export-kind",
        replace(SET, "  sales:                         # invoices", "  accounts: {path: data/other.csv}\n  sales:                         # invoices"),
        "SP102",
        SET,
        "accounts: {path: data/other.csv}",
        "accounts",
        message="duplicate key 'accounts'",
    ),
    PlanCase(
        "dup-salesplan-stage-mapping",
        replace(SET, "      Prospecting: lead\n", "      Prospecting: lead\n      Prospecting: discovery\n"),
        "SP102",
        SET,
        "Prospecting: discovery",
        "Prospecting",
    ),
    PlanCase(
        "dup-salesplan-columns-flow-map",
        replace(SET, 'columns: {id: "Code client", name:', 'columns: {id: "Code client", id: "Code", name:'),
        "SP102",
        SET,
        'id: "Code", name',
        'id: "Code"',
    ),
    PlanCase(
        "dup-rep-top-level-block",
        append(N1, "methods:   # again\n  lead:\n    notes: call first\n"),
        "SP102",
        N1,
        "methods:   # again",
        "methods",
        message="duplicate key 'methods' (first defined on line 15)",
    ),
    PlanCase("dup-rep-portfolio-accounts-segment", replace(N2, "    A: {prospect: 10, customer: 8}\n", "    A: {prospect: 10, customer: 8}\n    A: {prospect: 1}\n"), "SP102", N2, "A: {prospect: 1}", "A"),
    PlanCase("dup-rep-method-pitch-3-levels-deep", replace(N2, "    pitch: roi-deck-2027\n", "    pitch: roi-deck-2027\n    pitch: roi-deck-2028\n"), "SP102", N2, "roi-deck-2028", "pitch", message="(first defined on line 23)"),
    PlanCase("dup-rep-agreed-flow-map", replace(N2, "agreed: {rep: 2026-12-09, manager: 2026-12-10}", "agreed: {rep: 2026-12-09, manager: 2026-12-10, rep: 2026-12-11}"), "SP102", N2, "agreed:", "rep: 2026-12-11"),
    # --- tabs and broken indentation (SP101) ------------------------------------------------------------
    PlanCase("tab-indents-strategy-share", replace(ST, "  B: 25%", "\tB: 25%"), "SP101", ST, "B: 25%", message="tab"),
    PlanCase("space-then-tab-indent", replace(ST, "  B: 25%", "  \tB: 25%"), "SP101", ST, "B: 25%"),
    PlanCase("tabs-indent-salesplan-manager", replace(SET, "    name: Claire Martin", "\t\tname: Claire Martin"), "SP101", SET, "name: Claire Martin"),
    PlanCase("tab-before-list-dash", replace(ST, "stages:\n", "stages:\n\t- scouting\n"), "SP101", ST, "- scouting"),
    PlanCase("tab-indented-block-map-in-rep", replace(N2, "targets: {A: 350_000, B: 250_000, C: 400_000}", "targets:\n\tA: 350_000\n\tB: 250_000\n\tC: 400_000"), "SP101", N2, "A: 350_000"),
    PlanCase("over-indented-key", replace(ST, "  B: 25%", "   B: 25%"), "SP101", ST, "   B: 25%"),
    PlanCase("under-indented-key", replace(ST, "  B: 25%", " B: 25%"), "SP101", ST, " B: 25%"),
    PlanCase("over-indented-list-item", replace(ST, "  - won\n", "   - won\n"), "SP101", ST, "   - won"),
    # --- alias bombs (SP105) ------------------------------------------------------------------------------
    PlanCase("alias-bomb-in-strategy", append(ST, alias_bomb()), "SP105", ST, "lol5:", message="aliases"),
    PlanCase("alias-bomb-in-salesplan-9-levels", append(SET, alias_bomb(9)), "SP105", SET, "lol5:", message="aliases"),
    PlanCase("alias-bomb-of-mappings-in-rep", append(N1, map_alias_bomb()), "SP105", N1, "b5: &b5", message="aliases"),
    PlanCase(
        "alias-bomb-lists-of-ten-in-segments",
        append(SEG, "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}" if n > 1 else "*a"] * 10) + "]\n" for n in range(1, 7))),
        "SP105",
        SEG,
        "x5: &x5",
    ),
    # --- deep nesting (SP106) ------------------------------------------------------------------------------
    PlanCase("nesting-10000-mixed-flow-in-segments", append(SEG, "D: " + "[{a: " * 5000 + "1" + "}]" * 5000 + "\n"), "SP106", SEG, "D: [{a:"),
    PlanCase("nesting-10000-flow-lists-in-salesplan", append(SET, "x: " + "[" * 10_000 + "]" * 10_000 + "\n"), "SP106", SET, "x: [[["),
    PlanCase("nesting-10000-anchored-flow-lists", append(N2, "notes: " + "&x [" * 10_000 + "]" * 10_000 + "\n"), "SP106", N2, "notes:"),
    PlanCase("nesting-10000-unclosed-flow-lists", append(N2, "notes: " + "[" * 10_000 + "\n"), "SP106", N2, "notes:"),
    PlanCase("nesting-10000-block-lists-on-one-line", append(N2, "notes:\n  " + "- " * 10_000 + "x\n"), "SP106", N2, "- - - -"),
    PlanCase("nesting-2000-block-mappings", append(ST, block_mappings(2000, step=1)), "SP106", ST, _end(ST) + 64, message="64 levels"),  # level 65 is 64 lines after the appended text starts
    PlanCase("nesting-65-block-mappings", append(ST, block_mappings(64)), "SP106", ST, _end(ST) + 64, message="64 levels"),
    PlanCase("nesting-64-block-mappings-is-within-limit", append(ST, block_mappings(63)), "SP201", ST, "x:", message="unknown key 'x'"),  # no SP106
    PlanCase("nesting-3000-block-lists-one-per-line", append(N2, "notes:\n" + "".join(" " * i + "-\n" for i in range(1, 3000))), "SP106", N2, _end(N2) + 64),
    # --- size (SP004): refused before parsing, in bounded time ------------------------------------------------
    PlanCase("fifty-mb-comment-in-strategy", grow(ST, FIFTY_MB, comment_of), "SP004", ST, None, message="5,242,880 bytes"),
    PlanCase("fifty-mb-flow-list-in-rep", grow(N2, FIFTY_MB, flow_list_of), "SP004", N2, None, message=f"{FIFTY_MB:,} bytes"),
    PlanCase("fifty-mb-of-short-lines-in-salesplan", grow(SET, FIFTY_MB, lines_of), "SP004", SET, None),
    PlanCase("one-byte-over-the-limit", grow(N2, LIMIT + 1, comment_of), "SP004", N2, None, message="5,242,881 bytes"),
    PlanCase("exactly-at-the-limit-is-accepted", grow(N2, LIMIT, comment_of), None, exit=0),
    PlanCase("report-refuses-fifty-mb-strategy", grow(ST, FIFTY_MB, comment_of), "SP004", ST, None, command="report"),
    # --- tags (SP107) ----------------------------------------------------------------------------------------------
    PlanCase("python-object-tag", replace(SET, "company: Nordwind Digital", "company: !!python/object:os.system {}"), "SP107", SET, "company:", "!!python", message="!!python/object:os.system"),
    PlanCase("python-object-new-tag", replace(SET, "company: Nordwind Digital", "company: !!python/object/new:os.system [echo pwned]"), "SP107", SET, "company:", "!!python"),
    PlanCase("python-name-tag", replace(SET, "company: Nordwind Digital", "company: !!python/name:os.system"), "SP107", SET, "company:", "!!python"),
    PlanCase("python-apply-tag-on-amount", replace(ST, "revenue_target: 12_000_000", "revenue_target: !!python/object/apply:builtins.int [12000000]"), "SP107", ST, "revenue_target:", "!!python"),
    PlanCase("python-tag-on-a-key", replace(ST, "revenue_target: 12_000_000", "!!python/object:x revenue_target: 12_000_000"), "SP107", ST, "revenue_target:", "!!python"),
    PlanCase("python-tag-on-a-block-mapping", replace(SEG, "B:\n", "B: !!python/object:__main__.Segment\n"), "SP107", SEG, "B: !!", "!!python"),
    PlanCase("python-tuple-tag", replace(SEG, "  contacts: [CIO, IT manager]", "  contacts: !!python/tuple [CIO, IT manager]"), "SP107", SEG, "!!python/tuple", "!!python"),
    PlanCase("verbatim-python-tag", replace(ST, "revenue_target: 12_000_000", "revenue_target: !<tag:yaml.org,2002:python/object/apply:os.system> [ls]"), "SP107", ST, "revenue_target:", "!<", message="python/object/apply:os.system"),
    PlanCase(
        "python-tag-through-a-TAG-directive",
        lambda p: p.write(SET, "%TAG !py! tag:yaml.org,2002:python/object/apply:\n---\n" + p.text(SET).replace("company: Nordwind Digital", "company: !py!os.system [ls]")),
        "SP107",
        SET,
        "company:",
        "!py!",
        message="python/object/apply:os.system",
    ),
    PlanCase("set-tag", replace(SEG, "  contacts: [CIO, IT manager]", "  contacts: !!set {CIO, IT manager}"), "SP107", SEG, "!!set", "!!set"),
    PlanCase("timestamp-tag", replace(N2, "agreed: {rep: 2026-12-09", "agreed: {rep: !!timestamp 2026-12-09"), "SP107", N2, "agreed:", "!!timestamp"),
    # --- YAML 1.1 booleans where a value is expected (SP103) --------------------------------------------------------
    PlanCase("bool-on-for-review-cadence", replace(SET, "review_cadence: quarterly", "review_cadence: on"), "SP103", SET, "review_cadence:", "on ", message="'on'"),
    PlanCase("bool-NO-for-currency", replace(SET, "currency: EUR", "currency: NO"), "SP103", SET, "currency: NO", "NO"),
    PlanCase("bool-yes-for-organization", replace(ST, "organization: hybrid", "organization: yes"), "SP103", ST, "organization:", "yes"),
    PlanCase("bool-Yes-for-an-amount", replace(ST, "revenue_target: 12_000_000", "revenue_target: Yes"), "SP103", ST, "revenue_target:", "Yes"),
    PlanCase("bool-n-as-a-stage", replace(ST, "  - won\n", "  - won\n  - n\n"), "SP103", ST, "  - n", "n"),
    PlanCase("bool-OFF-as-an-action", replace(ST, "actions: [call, meeting, proposal, follow_up]", "actions: [call, meeting, proposal, follow_up, OFF]"), "SP103", ST, "actions:", "OFF"),
    PlanCase("bool-Y-as-a-segment-id", replace(SEG, "B:\n", "Y:\n"), "SP103", SEG, "Y:", "Y", message="key 'Y'"),
    PlanCase("bool-no-as-a-criterion", replace(SEG, '  criteria: {employees: ">=200"}', '  criteria: {employees: ">=200", listed: no}'), "SP103", SEG, "listed: no", "no"),
    PlanCase("bool-yes-among-review-dates", replace(N2, "reviewed: [2027-01-05,", "reviewed: [yes, 2027-01-05,"), "SP103", N2, "reviewed:", "yes"),
    PlanCase("bool-off-as-manager-email", replace(SET, "    email: claire.martin@nordwind.example", "    email: off"), "SP103", SET, "email: off", "off"),
    # --- octal, hex, base 60 where a number is expected (SP104) -------------------------------------------------------
    PlanCase("octal-0755-revenue-target", replace(ST, "revenue_target: 12_000_000", "revenue_target: 0755"), "SP104", ST, "revenue_target:", "0755", message="0755"),
    PlanCase("octal-0755-tolerance-amount", replace(SET, "  amount: 1000 ", "  amount: 0755 "), "SP104", SET, "amount: 0755", "0755"),
    PlanCase("octal-030-stale-days", replace(SET, "  stale_days: 30", "  stale_days: 030"), "SP104", SET, "stale_days:", "030"),
    PlanCase("octal-02-priority", replace(SEG, "  priority: 2", "  priority: 02"), "SP104", SEG, "priority: 02", "02"),
    PlanCase("octal-01100-capacity", replace(ST, "  actions_per_year: 1100", "  actions_per_year: 01100"), "SP104", ST, "actions_per_year:", "01100"),
    PlanCase("octal-010-account-count", replace(N2, "    A: {prospect: 10, customer: 8}", "    A: {prospect: 010, customer: 8}"), "SP104", N2, "prospect: 010", "010"),
    PlanCase("octal-with-sign-and-underscore", replace(ST, "revenue_target: 12_000_000", "revenue_target: -0_755"), "SP104", ST, "revenue_target:", "-0_755"),
    PlanCase("octal-0o36-stale-days", replace(SET, "  stale_days: 30", "  stale_days: 0o36"), "SP104", SET, "stale_days:", "0o36"),
    PlanCase("octal-as-a-segment-key", replace(ST, "  A: 35%", "  0755: 35%"), "SP104", ST, "0755: 35%", "0755"),
    PlanCase("octal-zip-code-criterion", replace(SEG, '  criteria: {employees: ">=200"}', '  criteria: {employees: ">=200", zip: 01234}'), "SP104", SEG, "zip: 01234", "01234"),
    PlanCase("hex-revenue-target", replace(ST, "revenue_target: 12_000_000", "revenue_target: 0x00B71B00"), "SP104", ST, "revenue_target:", "0x00B71B00"),
    PlanCase("base-60-revenue-target", replace(ST, "revenue_target: 12_000_000", "revenue_target: 200:00:00"), "SP104", ST, "revenue_target:", "200:00:00"),
    # --- encodings and control characters (SP002) --------------------------------------------------------------------
    PlanCase(
        "latin-1-salesplan",
        recode(SET, lambda t: t.replace("company: Nordwind Digital", "company: Nordwind Müller").encode("latin-1")),
        "SP002",
        SET,
        "company:",
        "\ufffd",
        message="byte 0xfc",
    ),
    PlanCase("utf-16-strategy-with-bom", recode(ST, lambda t: t.encode("utf-16")), "SP002", ST, 1, message="UTF-16"),
    PlanCase("utf-16-be-segments-without-bom", recode(SEG, lambda t: t.encode("utf-16-be")), "SP002", SEG, 1),
    PlanCase(
        "utf-16-le-salesplan-without-bom",  # the NUL bytes of line 1 are the first thing wrong
        recode(SET, lambda t: t.encode("utf-16-le")),
        "SP002",
        SET,
        1,
    ),
    PlanCase("utf-32-segments", recode(SEG, lambda t: t.encode("utf-32")), "SP002", SEG, 1),
    PlanCase("utf-8-bom-then-cp1252-byte", recode(SEG, lambda t: b"\xef\xbb\xbf" + t.replace("Key accounts", "Clés").encode("cp1252")), "SP002", SEG, "name: Cl", "\ufffd", message="byte 0xe9"),
    PlanCase("truncated-utf-8-sequence", recode(N2, lambda t: t.encode().replace(b"Tomasz Nowak", b"Tomasz \xc3")), "SP002", N2, "name:", "\ufffd"),
    PlanCase("utf-8-encoded-surrogate", recode(N2, lambda t: t.encode().replace(b"Tomasz Nowak", b"Tomasz \xed\xa0\x80")), "SP002", N2, "name:"),
    PlanCase("nul-byte-in-a-name", replace(N2, "Tomasz Nowak", "Tomasz\x00Nowak"), "SP002", N2, "name:", "\x00", message="U+0000"),
    PlanCase("form-feed-in-a-comment", replace(N2, "manager: mgr-north", "# note\x0cmore\nmanager: mgr-north"), "SP002", N2, "# note", "\x0c", message="U+000C"),
    PlanCase(
        "next-line-control-character-in-a-name",
        replace(N2, "Tomasz Nowak", "Tomasz\x85Nowak"),
        "SP002",
        N2,
        "name:",
        message="U+0085",
    ),
    PlanCase(
        "line-separator-in-quoted-name",  # YAML 1.1 counts it as a line break: refused where it is
        replace(N2, "name: Tomasz Nowak", 'name: "Tomasz\u2028Nowak"'),
        "SP002",
        N2,
        "name:",
        message="U+2028",
    ),
    # --- empty files (SP003) and top level (SP005) ----------------------------------------------------------------------
    PlanCase("empty-salesplan", write(SET, ""), "SP003", SET, None),
    PlanCase("empty-rep-plan", write(N2, ""), "SP003", N2, None),
    PlanCase("bom-only-rep-plan", write(N2, b"\xef\xbb\xbf"), "SP003", N2, None),
    PlanCase("document-marker-only", write(SEG, "---\n...\n"), "SP003", SEG, None),
    PlanCase("empty-flow-list-at-top", write(ST, "[]\n"), "SP005", ST, 1, message="a list"),
    # --- the file system: missing, folders, symlinks, pipes, devices, permissions (SP001) ------------------------------------
    PlanCase("missing-segments", remove(SEG), "SP001", SEG, None, message="not found"),
    PlanCase("missing-reps-folder-is-a-file", each(remove("reps"), write("reps", "rep-n1\n")), "SP001", "reps/", None),
    PlanCase("missing-salesplan-marker", remove(SET), None, exit=2, message="salesplan.yaml"),
    PlanCase("report-on-missing-salesplan-marker", remove(SET), None, exit=2, message="salesplan.yaml", command="report"),
    PlanCase(
        "salesplan-is-a-directory",
        make_dir(SET),
        "SP001",
        SET,
        None,
        message="directory",
        # UNSURE: the README says commands stop with exit 2 without a salesplan.yaml; a folder of that name is
        # reported like any other plan file that is a folder (SP001, exit 1), which also fits the README.
    ),
    PlanCase("segments-is-a-directory", make_dir(SEG), "SP001", SEG, None, message="directory"),
    PlanCase("dangling-symlink-segments", symlink(SEG, "nowhere.yaml"), "SP001", SEG, None, message="not found"),
    PlanCase("symlink-loop-strategy", symlink_to_itself(ST), "SP001", ST, None, message="symbolic links"),
    PlanCase(
        "symlink-loop-between-two-reps",
        each(symlink(N2, "rep-x.yaml"), symlink("reps/rep-x.yaml", "rep-n2.yaml")),
        "SP001",
        N2,
        None,
    ),
    PlanCase("symlink-loop-reps-folder", symlink("reps", "reps"), "SP001", "reps/", None),
    PlanCase(
        "symlink-loop-salesplan-marker",
        symlink(SET, SET),
        None,
        exit=2,
        message="salesplan.yaml",
        # UNSURE: treated as "no salesplan.yaml" (exit 2, 'holds no salesplan.yaml'), which the README allows, though
        # the message is misleading: there is one, it cannot be read (SP001 'too many levels of symbolic links' would say why).
    ),
    PlanCase("unreadable-strategy-chmod-000", unreadable(ST), "SP001", ST, None, needs_permissions=True),
    PlanCase("unreadable-rep-chmod-000", unreadable(N2), "SP001", N2, None, needs_permissions=True),
    PlanCase(
        "fifo-in-place-of-a-rep-plan",
        fifo(N2),
        "SP001",
        N2,
        None,
        guard="hang",
    ),
    PlanCase(
        "fifo-in-place-of-strategy",
        fifo(ST),
        "SP001",
        ST,
        None,
        guard="hang",
    ),
    PlanCase(
        "symlink-to-dev-null-segments",
        symlink(SEG, "/dev/null"),
        "SP001",
        SEG,
        None,
    ),
    PlanCase(
        "symlink-to-dev-zero-rep-plan",
        symlink(N2, "/dev/zero"),
        "SP001",
        N2,
        None,
        guard="memory",
    ),
    # --- the data: section read by validate -------------------------------------------------------------------------------
    PlanCase("unsupported-export-encoding", replace(SET, "    encoding: cp1252\n    delimiter: \";\"\n    decimal: \",\"\n    columns: {id:", "    encoding: utf-16\n    delimiter: \";\"\n    decimal: \",\"\n    columns: {id:"), "SP203", SET, "encoding: utf-16", "utf-16", message="'utf-16'"),
    PlanCase(
        "date-format-with-a-bad-directive",
        replace(SET, '    date_format: "%m/%d/%Y"', '    date_format: "%m/%Q/%Y"'),
        "SP203",
        SET,
        "date_format: \"%m/%Q",
        '"%m/%Q',
    ),
    # --- report stops on plan errors (exit 2), with the same file:line ---------------------------------------------------
    PlanCase("report-on-duplicate-key", replace(SET, "currency: EUR\n", "currency: EUR\ncurrency: USD\n"), "SP102", SET, "currency: USD", command="report"),
    PlanCase("report-on-tab-indentation", replace(ST, "  B: 25%", "\tB: 25%"), "SP101", ST, "B: 25%", command="report"),
    PlanCase("report-on-python-tag", replace(SET, "company: Nordwind Digital", "company: !!python/object/apply:os.system [ls]"), "SP107", SET, "company:", command="report"),
    PlanCase("report-on-alias-bomb", append(ST, alias_bomb()), "SP105", ST, "lol5:", command="report"),
]


def _plan_params():
    for case in PLAN_CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


def expected_line(plan: PlanCopy, rel: str, line: int | str | None) -> int | None:
    if line is None or isinstance(line, int):
        return line
    return plan.line_of(rel, line)


@pytest.mark.parametrize("case", list(_plan_params()))
def test_plan_file_case(tmp_path, case: PlanCase):
    plan = fresh_workspace(tmp_path)
    case.edit(plan)
    if case.needs_permissions and running_as_root_can_read(plan.path(case.file)):
        pytest.skip("chmod 000 does not stop this user (root) from reading the file")
    want_line = expected_line(plan, case.file, case.line) if case.file else None
    want_col = plan.col_of(case.file, case.line, case.col) if case.col is not None and isinstance(case.line, str) else None

    if case.command == "report":
        args = ("report", "intake", "-w", plan.root, "--as-of", REPORT_AS_OF, "--format", "json")
        exit_code = 2  # README: report stops with exit 2 on plan errors or no workspace
    else:
        args = ("validate", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
        exit_code = case.exit
    if case.guard == "memory":
        run = invoke_with_memory_limit(tmp_path, *args)
    elif case.guard == "hang":
        run = invoke(*args, hang_after=2.0, unblock=tuple(p for p in plan.root.rglob("*") if p.is_fifo()))
    else:
        run = invoke(*args)
    assert_no_crash(run)
    assert run.code == exit_code, f"exit {run.code}, expected {exit_code}\n{run.out[-3000:]}\n{run.err[-3000:]}"

    if case.code is None:
        if exit_code == 2:
            assert "salesplan: error:" in run.err and case.message in run.err, run.err
            assert run.out == ""
        else:
            assert json.loads(run.out)["diagnostics"] == [], run.out
        return

    if case.command == "report":
        found = headlines(run.err, plan.root)
        assert (case.file, want_line, case.code) in [(f, ln, c) for f, ln, c, _ in found], f"{run.err[-3000:]}"
        assert "the plan has errors" in run.err
        return

    diagnostics = json.loads(run.out)["diagnostics"]
    places = [(d["file"], d["line"], d["code"]) for d in diagnostics]
    assert (case.file, want_line, case.code) in places, f"expected {case.code} at {case.file}:{want_line}, got {places}"
    mine = [d for d in diagnostics if (d["file"], d["line"], d["code"]) == (case.file, want_line, case.code)]
    if want_col is not None:
        assert want_col in [d["col"] for d in mine], f"expected column {want_col}, got {[d['col'] for d in mine]}"
    if want_line is None:
        assert all(d["col"] is None for d in mine)
    if case.message:
        assert any(case.message in d["message"] for d in mine), [d["message"] for d in mine]
    unexpected = {d["code"] for d in diagnostics} - {case.code} - case.also
    assert not unexpected, f"unexpected codes {sorted(unexpected)}: {[(d['file'], d['line'], d['code'], d['message']) for d in diagnostics]}"


# --- CRM export cases ----------------------------------------------------------------------------------------------------

SALES_COLUMNS = "columns: {id: id, owner: owner, account: account, amount: amount, date: date}"
OPPS_COLUMNS = "columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close}"
SALES_HEADER = "id,owner,account,amount,date\n"
OPPS_HEADER = "id,owner,account,stage,amount,close\n"
SF_HEADER = '"Opportunity ID","Opportunity Owner","Account Name","Stage","Amount","Probability (%)","Close Date","Created Date","Product Name"\n'


def sales(path: str = "data/s.csv", **options: str) -> str:
    extra = "".join(f', {key}: "{value}"' for key, value in options.items())
    return f"data:\n  sales: {{path: {path}{extra}, {SALES_COLUMNS}}}\n"


def opportunities(path: str = "data/o.csv", **options: str) -> str:
    extra = "".join(f', {key}: "{value}"' for key, value in options.items())
    return f"data:\n  opportunities: {{path: {path}{extra}, {OPPS_COLUMNS}}}\n"


SALESFORCE = 'data:\n  opportunities: {path: data/o.csv, preset: salesforce, date_format: "%m/%d/%Y"}\n'
ACCOUNTS = "data:\n  accounts: {path: data/a.csv, columns: {id: id, name: name, owner: owner}}\n"
ACTIVITIES = "data:\n  activities: {path: data/act.csv, columns: {owner: owner, account: account, type: type, date: date}}\n"


def xlsx(rows: list[list]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)

    return build


def million_rows_with_one_bad(path: Path) -> None:
    """1,000,000 data rows; row 500,000 (0-based) has an impossible date: it is on line 500,002 (header on line 1)."""
    bad = 500_000
    rows = [f"{i},rep-n1,ACC-{i % 997},10.00,2027-01-31\n" for i in range(1_000_000)]
    rows[bad] = f"{bad},rep-n1,ACC-1,10.00,2027-02-31\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SALES_HEADER + "".join(rows), encoding="utf-8")


def make_fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir(parents=True)


def link_to(target: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)

    return build


def chmod_000(content: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        path.chmod(0)

    return build


@dataclass(frozen=True)
class ExportCase:
    id: str
    data: str  # the data: section of salesplan.yaml
    files: dict[str, str | bytes | Callable[[Path], None]]  # workspace-relative path -> content, or a builder
    code: str | tuple[str, ...] | None = None  # file-level code (SP9xx): the report stops with exit 2
    file: str | None = None  # ... pointing at this file (workspace-relative; default: the one export file)
    line: int | str | None = None  # ... and this line (None: no line; a text: the line of salesplan.yaml holding it)
    message: str = ""
    issues: tuple[tuple[int, str, str], ...] = ()  # rows listed by `report intake`: (line, status, reason contains)
    issue_lines: tuple[int, ...] | None = None  # instead of `issues`: any rows listed must be on these lines
    rows: tuple[int, int] | None = None  # (rows_read, rows_used)
    actual: float | None = None  # rep-n1's sales to date (report attainment), to prove amounts were read right
    xfail: str | None = None
    needs_permissions: bool = False

    def __str__(self) -> str:
        return self.id


EXPORT_CASES: list[ExportCase] = [
    # --- empty and header-only -------------------------------------------------------------------------------------
    ExportCase("empty-sales-csv", sales(), {"data/s.csv": ""}, "SP905", message="empty"),
    ExportCase("empty-salesforce-report", SALESFORCE, {"data/o.csv": b""}, "SP905"),
    ExportCase("blank-lines-only", sales(), {"data/s.csv": "\n\n\n"}, "SP905"),
    ExportCase("utf-8-bom-only", sales(), {"data/s.csv": b"\xef\xbb\xbf"}, "SP905"),
    ExportCase("empty-xlsx-worksheet", sales("data/s.xlsx"), {"data/s.xlsx": xlsx([])}, "SP905"),
    ExportCase("header-only-is-no-rows", sales(), {"data/s.csv": SALES_HEADER}, rows=(0, 0)),
    ExportCase("header-only-with-bom-no-newline", sales(), {"data/s.csv": "\ufeff" + SALES_HEADER.strip()}, rows=(0, 0)),
    ExportCase("header-only-xlsx", sales("data/s.xlsx"), {"data/s.xlsx": xlsx([["id", "owner", "account", "amount", "date"]])}, rows=(0, 0)),
    # --- columns ----------------------------------------------------------------------------------------------------
    ExportCase("missing-amount-column", sales(), {"data/s.csv": "id,owner,account,date\n1,rep-n1,A,2027-01-01\n"}, "SP903", line=1, message="amount"),
    ExportCase("salesforce-report-without-close-date", SALESFORCE, {"data/o.csv": SF_HEADER.replace(',"Close Date"', "") + '"1","rep-n1","A","Closed Won","1","100","1/1/2027",""\n'}, "SP903", line=1, message="close_date"),
    ExportCase("wrong-delimiter-declared", sales(delimiter=";"), {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n"}, "SP903", line=1),
    ExportCase("duplicated-owner-column", sales(), {"data/s.csv": "id,owner,account,amount,date,owner\n1,rep-n1,A,1,2027-01-01,x\n"}, "SP904", line=1, message="'owner' appears twice"),
    ExportCase("duplicated-column-with-trailing-space", sales(), {"data/s.csv": "id,owner,account,amount,date,amount \n1,rep-n1,A,1,2027-01-01,2\n"}, "SP904", line=1),
    ExportCase("duplicated-column-in-xlsx", sales("data/s.xlsx"), {"data/s.xlsx": xlsx([["id", "owner", "account", "amount", "date", "amount"], ["1", "rep-n1", "A", 1, "2027-01-01", 2]])}, "SP904", line=1),
    # --- ragged rows, quoting, line numbers ---------------------------------------------------------------------------
    ExportCase("ragged-row-too-few-fields", sales(), {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n2,rep-n1,A\n3,rep-n1,A,1,2027-01-01\n"}, issues=((3, "rejected", "3 fields where the header has 5"),), rows=(3, 2)),
    ExportCase("ragged-row-too-many-fields", sales(), {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n2,rep-n1,A,1,2027-01-01,extra,more\n"}, issues=((3, "rejected", "7 fields where the header has 5"),)),
    ExportCase("ragged-row-in-salesforce-report", SALESFORCE, {"data/o.csv": SF_HEADER + '"1","rep-n1","A","Closed Won","1","100","1/1/2027","1/1/2027",""\n"2","rep-n1"\n'}, issues=((3, "rejected", "ragged row"),)),
    ExportCase("values-beyond-the-header-in-xlsx", sales("data/s.xlsx"), {"data/s.xlsx": xlsx([["id", "owner", "account", "amount", "date"], ["1", "rep-n1", "A", 1, "2027-01-01"], ["2", "rep-n1", "A", 1, "2027-01-01", "extra"]])}, issues=((3, "rejected", "beyond"),)),
    ExportCase("embedded-newline-keeps-later-lines", sales(), {"data/s.csv": SALES_HEADER + '1,rep-n1,"AC\nME",1,2027-01-01\n2,rep-n1,B,1,2027-01-01\n3,rep-n1,C,x,2027-01-01\n'}, issues=((5, "rejected", "unreadable amount 'x'"),), rows=(3, 2)),
    ExportCase("embedded-crlf-in-a-crlf-file", sales(), {"data/s.csv": (SALES_HEADER + '1,rep-n1,"AC\nME",1,2027-01-01\n2,rep-n1,B,1,2027-01-01\n3,rep-n1,C,x,2027-01-01\n').replace("\n", "\r\n")}, issues=((5, "rejected", "unreadable amount 'x'"),)),
    ExportCase("three-embedded-newlines-then-ragged-row", sales(), {"data/s.csv": SALES_HEADER + '1,rep-n1,"A\n\n\nB",1,2027-01-01\n2,rep-n1,B\n'}, issues=((6, "rejected", "ragged row"),)),
    ExportCase("bad-row-spanning-two-lines-is-named-by-its-first", sales(), {"data/s.csv": SALES_HEADER + '1,rep-n1,A,1,2027-01-01\n2,rep-n1,"X\nY",oops,2027-01-01\n3,rep-n1,A,bad,2027-01-01\n'}, issues=((3, "rejected", "'oops'"), (5, "rejected", "'bad'"))),
    ExportCase("unclosed-quote-swallows-the-next-line", opportunities(), {"data/o.csv": OPPS_HEADER + '1,rep-n1,"A,won,100,2027-01-01\n2,rep-n1,A,won,100,2027-01-01\n'}, issues=((2, "rejected", "spanning lines 2-3"),)),
    ExportCase("blank-lines-in-the-middle-are-skipped", sales(), {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n\n\n2,rep-n1,A,bad,2027-01-01\n"}, issues=((3, "skipped", "blank line"), (4, "skipped", "blank line"), (5, "rejected", "'bad'")), rows=(2, 1)),
    ExportCase("old-mac-cr-line-endings", sales(), {"data/s.csv": (SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n2,rep-n1,A,bad,2027-01-01\n").replace("\n", "\r")}, issues=((3, "rejected", "'bad'"),)),
    ExportCase("field-over-the-csv-size-limit", sales(), {"data/s.csv": SALES_HEADER + "1,rep-n1," + "A" * 200_000 + ",1,2027-01-01\n"}, "SP905", line=2),
    # --- encodings ---------------------------------------------------------------------------------------------------
    ExportCase("cp1252-export-declared-utf-8", sales(), {"data/s.csv": (SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n2,rep-n1,B,1,2027-01-01\n3,Zoë,C,1,2027-01-01\n").encode("cp1252")}, "SP902", line=4, message="byte 0xeb"),
    ExportCase("undefined-cp1252-byte", sales(encoding="cp1252"), {"data/s.csv": SALES_HEADER.encode() + b"1,rep-n1,A,1,2027-01-01\n2,\x81,A,1,2027-01-01\n"}, "SP902", line=3, message="0x81"),
    ExportCase("utf-16-export-declared-cp1252", sales(encoding="cp1252"), {"data/s.csv": (SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n").encode("utf-16")}, "SP902", line=1, message="UTF-16"),
    ExportCase(
        "utf-16-le-export-without-bom",
        sales(),
        {"data/s.csv": (SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n").encode("utf-16-le")},
        "SP902",
        line=1,
    ),
    # --- amounts ------------------------------------------------------------------------------------------------------
    ExportCase(
        "amounts-with-space-thousands-decimal-comma-and-currency",
        sales(decimal=",", delimiter=";", date_format="%d/%m/%Y"),
        {"data/s.csv": "id;owner;account;amount;date\n1;rep-n1;A;1 234,56 EUR;15/01/2027\n2;rep-n1;A;(1 200,00);16/01/2027\n"},
        rows=(2, 2),
        actual=34.56,
    ),
    ExportCase("amount-with-decimal-comma-under-a-dot-decimal", sales(delimiter=";"), {"data/s.csv": "id;owner;account;amount;date\n1;rep-n1;A;1 234,56 EUR;2027-01-15\n"}, issues=((2, "rejected", "unreadable amount '1 234,56 EUR'"),)),
    ExportCase("accounting-negative-is-a-credit-note-in-sales", sales(), {"data/s.csv": SALES_HEADER + '1,rep-n1,A,"1,234.56",2027-01-15\n2,rep-n1,A,"(1,200.00)",2027-01-16\n'}, rows=(2, 2), actual=34.56),
    ExportCase("negative-amount-is-a-credit-note-in-sales", sales(), {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1000,2027-01-15\n2,rep-n1,A,-250.50,2027-01-16\n"}, rows=(2, 2), actual=749.5),
    ExportCase("accounting-negative-opportunity-is-rejected", opportunities(), {"data/o.csv": OPPS_HEADER + '1,rep-n1,A,won,100,2027-01-01\n2,rep-n1,A,won,"(1,200.00)",2027-01-01\n'}, issues=((3, "rejected", "negative opportunity amount"),), rows=(2, 1)),
    ExportCase("negative-opportunity-amount-is-rejected", opportunities(), {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,100,2027-01-01\n2,rep-n1,A,won,-500,2027-01-01\n"}, issues=((3, "rejected", "negative opportunity amount"),)),
    ExportCase("non-finite-and-scientific-amounts", opportunities(), {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,NaN,2027-01-01\n2,rep-n1,A,won,inf,2027-01-01\n3,rep-n1,A,won,1e3,2027-01-01\n"}, issues=((2, "rejected", "'NaN'"), (3, "rejected", "'inf'"), (4, "rejected", "'1e3'"))),
    ExportCase("won-deal-without-amount-is-kept-and-listed", opportunities(), {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,,2027-01-01\n"}, issues=((2, "incomplete", "won deal without amount"),), rows=(1, 1)),
    # --- dates ----------------------------------------------------------------------------------------------------------
    ExportCase("impossible-day-first-date", sales(date_format="%d/%m/%Y"), {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,31/03/2027\n2,rep-n1,A,1,31/02/2027\n"}, issues=((3, "rejected", "unreadable date '31/02/2027'"),), rows=(2, 1)),
    ExportCase("impossible-iso-close-date", opportunities(), {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,100,2027-02-31\n"}, issues=((2, "rejected", "unreadable close date '2027-02-31'"),)),
    ExportCase("impossible-month-first-date-in-salesforce-report", SALESFORCE, {"data/o.csv": SF_HEADER + '"1","rep-n1","A","Closed Won","1","100","2/31/2027","1/1/2027",""\n'}, issues=((2, "rejected", "unreadable close date '2/31/2027'"),)),
    ExportCase("impossible-date-text-in-xlsx", sales("data/s.xlsx", date_format="%d/%m/%Y"), {"data/s.xlsx": xlsx([["id", "owner", "account", "amount", "date"], ["1", "rep-n1", "A", 1, "31/03/2027"], ["2", "rep-n1", "A", 1, "31/02/2027"]])}, issues=((3, "rejected", "31/02/2027"),)),
    ExportCase("impossible-activity-date", ACTIVITIES, {"data/act.csv": "owner,account,type,date\nrep-n1,A,call,2027-01-05\nrep-n1,A,call,2027-04-31\n"}, issues=((3, "rejected", "2027-04-31"),)),
    ExportCase(
        "far-future-sale-date",
        sales(),
        {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n2,rep-n1,A,1,9999-12-31\n"},
        issue_lines=(3,),
    ),
    ExportCase(
        "far-past-close-date",
        opportunities(),
        {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,100,2027-01-01\n2,rep-n1,A,won,100,1677-01-01\n"},
        issue_lines=(3,),
    ),
    # --- duplicates ------------------------------------------------------------------------------------------------------
    ExportCase("duplicate-opportunity-ids-keep-the-first", opportunities(), {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,100,2027-01-01\n2,rep-n1,A,won,100,2027-01-01\n1,rep-n1,A,lost,100,2027-01-01\n"}, issues=((4, "rejected", "appears again (first occurrence kept"),), rows=(3, 2)),
    ExportCase("duplicate-opportunity-ids-with-padding", opportunities(), {"data/o.csv": OPPS_HEADER + "1,rep-n1,A,won,100,2027-01-01\n 1 ,rep-n1,A,lost,100,2027-01-01\n"}, issues=((3, "rejected", "appears again (first occurrence kept"),)),
    ExportCase("duplicate-account-id-keeps-the-first", ACCOUNTS, {"data/a.csv": "id,name,owner\nACME-001,Acme,rep-n1\nACME-002,Acme 2,rep-n1\nACME-001,Acme again,rep-n1\n"}, issues=((4, "rejected", "appears again"),)),
    # --- the file itself: missing, folder, FIFO, device, symlink loop, permissions, wrong format -----------------------------
    ExportCase("missing-export", sales(), {}, "SP901", message="not found"),
    ExportCase("folder-at-export-path", sales(), {"data/s.csv": make_folder}, "SP901", message="folder"),
    ExportCase("fifo-at-export-path", sales(), {"data/s.csv": make_fifo}, "SP901", message="not a regular file"),
    # a link out of the workspace is refused before anything is read (issue 12: exports come from inside the workspace)
    ExportCase("dev-zero-at-export-path", sales(), {"data/s.csv": link_to("/dev/zero")}, "SP907", file="salesplan.yaml", line="sales: {path:", message="symbolic link"),
    ExportCase("symlink-loop-at-export-path", sales(), {"data/s.csv": link_to("s.csv")}, "SP901"),
    ExportCase("unreadable-export-chmod-000", sales(), {"data/s.csv": chmod_000(SALES_HEADER)}, "SP901", needs_permissions=True),
    ExportCase(
        "xlsx-named-csv",
        sales(),
        {"data/s.csv": xlsx([["id", "owner", "account", "amount", "date"], ["1", "rep-n1", "A", 1, "2027-01-01"]])},
        "SP906",
    ),
    ExportCase("csv-named-xlsx", sales("data/s.xlsx"), {"data/s.xlsx": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n"}, "SP906", message="XLSX"),
    ExportCase("plan-file-as-export", sales("strategy.yaml"), {}, "SP906", file="strategy.yaml"),
    ExportCase(
        "file-name-too-long",  # one path component over the system's 255 bytes: the OS refuses it
        sales("data/" + "x" * 300 + ".csv"),
        {},
        "SP901",
        file="data/" + "x" * 300 + ".csv",
    ),
    ExportCase(
        "path-too-long",  # over 4,096 characters: refused when the plan is validated
        sales("data/" + "x" * 5000 + ".csv"),
        {},
        "SP203",
        file="salesplan.yaml",
        line=28,
    ),
    ExportCase(
        "nul-character-in-export-path",
        'data:\n  sales: {path: "data/s\\0.csv", ' + SALES_COLUMNS + "}\n",
        {},
        "SP203",
        file="salesplan.yaml",
        line=28,
    ),
    ExportCase(
        "date-format-with-a-bad-directive-in-report",
        sales(date_format="%d/%Q/%Y"),
        {"data/s.csv": SALES_HEADER + "1,rep-n1,A,1,2027-01-01\n"},
        "SP203",
        file="salesplan.yaml",
        line=28,
    ),
    # --- size -------------------------------------------------------------------------------------------------------------
    ExportCase("million-rows-one-bad-row-in-the-middle", sales(), {"data/s.csv": million_rows_with_one_bad}, issues=((500_002, "rejected", "unreadable date '2027-02-31'"),), rows=(1_000_000, 999_999)),
]


def _export_params():
    for case in EXPORT_CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case, id=case.id, marks=marks)


def export_workspace(tmp_path: Path, case: ExportCase) -> PlanCopy:
    plan = fresh_workspace(tmp_path)
    text = plan.text(SET)
    plan.write(SET, text[: text.index(DATA_BLOCK)] + "\n" + case.data)
    for rel, content in case.files.items():
        if callable(content):
            content(plan.path(rel))
        else:
            plan.write(rel, content)
    return plan


def export_path(case: ExportCase) -> str:
    match = re.search(r"path: (\"[^\"]*\"|[^,}]+)", case.data)
    assert match
    return match[1].strip('"')


@pytest.mark.parametrize("case", list(_export_params()))
def test_export_case(tmp_path, case: ExportCase):
    plan = export_workspace(tmp_path, case)
    rel = None if case.file == "*" else case.file if case.file is not None else export_path(case)
    if case.needs_permissions and running_as_root_can_read(plan.path(export_path(case))):
        pytest.skip("chmod 000 does not stop this user (root) from reading the file")
    run = invoke("report", "intake", "-w", plan.root, "--as-of", REPORT_AS_OF, "--format", "json")
    assert_no_crash(run)

    if case.code is not None:
        # README: an export that cannot be read at all stops the report with exit 2, SP901 to SP906, on stderr
        assert run.code == 2, f"exit {run.code}, expected 2\n{run.out[-2000:]}\n{run.err[-2000:]}"
        codes = (case.code,) if isinstance(case.code, str) else case.code
        found = headlines(run.err, plan.root)
        hits = [h for h in found if h[2] in codes and (rel is None or h[0] == rel or h[0].endswith("/" + rel))]
        assert hits, f"expected {codes} at {rel}:{case.line}, got {[(f[:80], ln, c) for f, ln, c, _ in found]}\n{run.err[:2000]}"
        line = plan.line_of(SET, case.line) if isinstance(case.line, str) else case.line
        assert line in [h[1] for h in hits], f"expected line {line}, got {[h[1] for h in hits]}"
        if case.message:
            assert any(case.message in h[3] for h in hits), [h[3] for h in hits]
        return

    # an export with more than data.max_rejected (10%) of its rows rejected, or a record over more than
    # data.max_record_lines lines, is damaged: `report intake` still lists every row, then exits 2 (SP908, SP905)
    damaged = [h for h in headlines(run.err, plan.root) if h[2] in ("SP905", "SP908")]
    assert run.code == (2 if damaged else 0), f"exit {run.code}, expected 0\n{run.err[-3000:]}"
    assert len(damaged) == len(headlines(run.err, plan.root)), run.err
    report = json.loads(run.out)
    [summary] = report["tables"]["summary"]
    rejected = sum(1 for i in report["tables"]["issues"] if i["status"] == "rejected")
    assert bool(damaged) == (rejected > 0 and (rejected * 10 > summary["rows_read"] or any(h[2] == "SP905" for h in damaged))), run.err
    listed = [(i["line"], i["status"], i["reason"]) for i in report["tables"]["issues"]]
    if case.issue_lines is not None:
        assert {line for line, _, _ in listed} <= set(case.issue_lines), listed
    else:
        assert [(line, status) for line, status, _ in listed] == [(line, status) for line, status, _ in case.issues], listed
        for (line, status, reason), (_, _, says) in zip(case.issues, listed):
            assert reason in says, f"line {line}: {says!r} does not say {reason!r}"
    if case.rows is not None:
        assert (summary["rows_read"], summary["rows_used"]) == case.rows, summary
    if case.actual is not None:
        if damaged:  # no report is drawn from a damaged export: read it with the share allowed
            plan.write(SET, plan.text(SET).replace("\ndata:\n", "\ndata:\n  max_rejected: 100%\n  max_record_lines: 100000\n", 1))
        attainment = invoke("report", "attainment", "-w", plan.root, "--as-of", REPORT_AS_OF, "-r", "rep-n1", "--format", "json")
        assert_no_crash(attainment)
        assert attainment.code == 0, attainment.err
        [row] = [r for r in json.loads(attainment.out)["tables"]["attainment"] if r["rep"] == "rep-n1"]
        assert row["actual"] == pytest.approx(case.actual), row


def test_corpus_is_large_enough():
    """Issue #6 asks for at least 70 cases across plan files and exports."""
    assert len(PLAN_CASES) + len(EXPORT_CASES) >= 70
    ids = [c.id for c in PLAN_CASES] + [c.id for c in EXPORT_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
