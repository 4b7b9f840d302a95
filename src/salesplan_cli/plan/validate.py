"""`validate` as a core function: a workspace in, every finding out, in a stable order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Sequence
from pathlib import Path

from ..diagnostics import Diagnostic, Severity, sort_diagnostics
from .checks import PLAN_CHECKS, PROCESS_CHECKS, REFERENCE_CHECKS, STRATEGY_CHECKS, CheckContext
from .load import load_workspace
from .model import Workspace


STRATEGY_FIGURES = "strategy shares, seasonality and dates in post (SP401, SP402, SP601, SP602, SP604)"
PLAN_FIGURES = "the plan figures: sums, volume sums, period breakdowns, product splits, organisation and capacity (SP403-SP406, SP408-SP410, SP501-SP503, SP603, SP605, SP701)"

#: Unresolved names that would make the sums meaningless.
BLOCKING_REFERENCES = {"SP301", "SP304"}


@dataclass
class ValidationResult:
    workspace: Workspace
    diagnostics: list[Diagnostic]
    files_checked: int
    skipped: list[str] = field(default_factory=list)  # why some checks could not run

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)

    def summary(self) -> dict:
        return {
            "files": self.files_checked,
            "errors": self.errors,
            "warnings": self.warnings,
            "skipped": list(self.skipped),
            "workspace": str(self.workspace.root),
        }

    def to_dict(self) -> dict:
        return {"diagnostics": [d.to_dict() for d in self.diagnostics], "summary": self.summary()}


def validate_workspace(root: Path, as_of: dt.date | None = None, exports: bool = False, data_dirs: Sequence[Path] = ()) -> ValidationResult:
    """Load the workspace at `root` and run every check; with `exports`, also check each export's path and,
    where the file exists, its header row (never its rows; `data_dirs`: folders out of the workspace allowed)."""
    ws, diags = load_workspace(root)
    result = check_workspace(ws, diags, as_of or dt.date.today())
    if exports and ws.settings is not None and ws.settings.data is not None:
        from ..intake.headers import check_export_headers

        result.diagnostics = sort_diagnostics(result.diagnostics + check_export_headers(ws, data_dirs))
    return result


def check_workspace(ws: Workspace, load_diags: list[Diagnostic], as_of: dt.date) -> ValidationResult:
    context = CheckContext(as_of=as_of)
    diags = list(load_diags)
    skipped: list[str] = []
    for check in REFERENCE_CHECKS + PROCESS_CHECKS:
        diags += check(ws, context)
    all_loaded = ws.complete and len(ws.reps) == len(ws.rep_files) and not any(d.is_error for d in load_diags)
    reference_errors = any(d.is_error for d in diags if d.code in BLOCKING_REFERENCES)
    if not all_loaded:
        skipped.append(f"{PLAN_FIGURES}: some plan files have errors; fix them first")
    elif reference_errors:
        skipped.append(f"{STRATEGY_FIGURES} and {PLAN_FIGURES}: unknown segments or product ranges; fix the SP301/SP304 errors first")
    else:
        strategy_diags = [d for check in STRATEGY_CHECKS for d in check(ws, context)]
        diags += strategy_diags
        if any(d.is_error for d in strategy_diags):
            skipped.append(f"{PLAN_FIGURES}: the strategy's shares or seasonality, or a rep's dates in post, are wrong; fix that first")
        else:
            for check in PLAN_CHECKS:
                diags += check(ws, context)
    return ValidationResult(workspace=ws, diagnostics=sort_diagnostics(diags), files_checked=len(ws.sources), skipped=skipped)
