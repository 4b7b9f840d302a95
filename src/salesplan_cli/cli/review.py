"""`salesplan review`: the sheet for a follow-up meeting with one rep."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import AsOfOption, DataDirOption, WorkspaceOption
from .candidates import complete_reps
from .formats import Rendered, ReportFormat
from .kept import kept
from .replay import replay_or_record
from .reporting import FormatOption, OutputOption, PeriodOption, TopOption, _options, emit, prepare


def review(
    rep: Annotated[str, typer.Option("--rep", "-r", metavar="REP", autocompletion=complete_reps, help="The rep the meeting is with.")],
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    top: TopOption = 10,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
) -> None:
    """The follow-up meeting sheet: a rep's plan vs actual for the period, the decisions to take, accounts and deals to discuss."""
    opts = _options(None, workspace=workspace, as_of=as_of, period=period, rep=[rep], team=None, segment=None, product=None, format=format, output=output, data_dir=data_dir)
    replay_or_record(opts, "review", {"top": top})
    from ..reports.review import review as review_sheet

    ctx = prepare(opts, "salesplan review")

    def build() -> Rendered:
        sheet = review_sheet(ctx, rep, top=top)
        return Rendered("review", sheet.tables, sheet.titles, notes=sheet.notes, decisions=sheet.decisions)

    emit(ctx, opts, kept(ctx, opts, "review", (rep, top), build))
