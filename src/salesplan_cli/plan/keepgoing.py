"""`report --keep-going`: a plan error in one rep file does not hide the rest of the team.

Given the loaded workspace and the findings of the plan check, `keep_going` returns the workspace without the
reps whose files carry errors, and which reps were left out and why. The rule:

- every error is in a rep file (reps/<id>.yaml): those reps are left out, the others are reported;
- an error anywhere else (salesplan.yaml, strategy.yaml, segments.yaml, the reps/ folder itself): there is no
  team to report on (targets, segments, the calendar come from those files), so nothing is kept: the caller
  fails as without --keep-going (exit 2);
- no rep is left once the broken ones are out: the same.

The checks of the plan's figures against the strategy (sums, mix, capacity) do not run while some rep file
has errors (plan/validate.py skips them), so the reps kept are checked file by file only; `PLAN_FIGURES_NOTE`
says so in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from ..diagnostics import Diagnostic
from .load import REPS_DIR
from .model import Workspace

PLAN_FIGURES_NOTE = (
    "--keep-going: the plan's figures (sums against the strategy, mix, capacity) are not checked while some rep "
    "plans have errors; the team's figures leave out the reps listed, and their rows in the exports count as <unplanned>"
)


#: Key of Workspace.derived holding the left-out reps' ids, names and e-mails.
LEFT_OUT_NAMES = "keep_going_left_out_names"


@dataclass(frozen=True)
class LeftOut:
    """A rep left out of the report, with the errors of its file."""

    rep: str  # the rep id when the file could be read, else the file's stem
    file: str  # path relative to the workspace
    findings: tuple[Diagnostic, ...]

    def reason(self) -> str:
        first = self.findings[0]
        more = len(self.findings) - 1
        where = first.location()
        return f"{where}: {first.code} {first.message}" + (f" (and {more} more error{'s' if more != 1 else ''})" if more else "")


@dataclass
class KeptGoing:
    """What --keep-going keeps: the workspace to report on (None: nothing can be kept), the reps left out, and
    the errors outside rep files that stop it."""

    workspace: Workspace | None
    left_out: list[LeftOut] = field(default_factory=list)
    blocking: list[Diagnostic] = field(default_factory=list)


def _rep_stem(file: str) -> str | None:
    """The file stem of a rep plan file (reps/<stem>.yaml), None for any other file."""
    path = PurePosixPath(file)
    if len(path.parts) == 2 and path.parts[0] == REPS_DIR and path.suffix in (".yaml", ".yml"):
        return path.stem
    return None


def keep_going(ws: Workspace, diagnostics: Sequence[Diagnostic]) -> KeptGoing:
    """The workspace without the reps whose files carry errors, and those reps with their errors."""
    errors = [d for d in diagnostics if d.is_error]
    blocking = [d for d in errors if _rep_stem(d.file) is None]
    if blocking or not ws.complete:
        return KeptGoing(workspace=None, blocking=blocking)
    by_stem: dict[str, list[Diagnostic]] = {}
    files: dict[str, str] = {}
    for d in errors:
        stem = _rep_stem(d.file)
        by_stem.setdefault(stem, []).append(d)
        files.setdefault(stem, ws.rep_files.get(stem, d.file))
    left_out = []
    for stem in sorted(by_stem):
        rep = ws.reps.get(stem)
        left_out.append(LeftOut(rep=rep.id if rep is not None else stem, file=files[stem], findings=tuple(by_stem[stem])))
    kept = {stem: rep for stem, rep in ws.reps.items() if stem not in by_stem}
    if not kept:
        return KeptGoing(workspace=None, left_out=left_out)
    # a new Workspace: the one loaded stays as it was (its rep_files and sources still name every file). The
    # left-out reps' id, name and e-mail (the file stem when the file could not be read) go in derived, so that
    # the intake account does not suggest giving their rows to a rep with a close name (intake/owners.py).
    names = set()
    for stem in by_stem:
        rep = ws.reps.get(stem)
        names |= {stem} | ({t for t in (rep.id, rep.name, rep.email) if t} if rep is not None else set())
    reduced = replace(ws, reps=kept, rep_files={s: f for s, f in ws.rep_files.items() if s not in by_stem}, derived={LEFT_OUT_NAMES: frozenset(names)})
    return KeptGoing(workspace=reduced, left_out=left_out)
