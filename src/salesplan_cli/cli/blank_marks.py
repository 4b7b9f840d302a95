"""Blank cells in the rendered reports: the short mark in a cell without a figure, the legend under the table,
and the `<column>_reason` companion fields of JSON and CSV. The reasons themselves come from reports/blanks.py."""

from __future__ import annotations

from ..reports.blanks import REASONS, Facts, explain


def facts(ctx) -> Facts:
    from ..reports.blanks import facts_of

    return facts_of(ctx)


def marks(name: str, frame, known: Facts | None) -> tuple[list[dict[str, str]], list[str]]:
    """Per row, column -> mark ("(a)") of each blank figure; and the legend lines, in the order of REASONS."""
    reasons = explain(name, frame, known)
    used = {r for column in reasons.values() for r in column if r}
    letters = {r: f"({chr(ord('a') + i)})" for i, r in enumerate(r for r in REASONS if r in used)}
    rows: list[dict[str, str]] = [{} for _ in range(len(frame))]
    for column, per_row in reasons.items():
        for i, r in enumerate(per_row):
            if r:
                rows[i][column] = letters[r]
    legend = [f"{letter} {r}: {REASONS[r]}" for r, letter in letters.items()]
    return rows, legend


def with_mark(text: str, mark: str | None) -> str:
    """A cell's text with its mark: the mark alone where the cell is empty."""
    if not mark:
        return text
    return f"{text} {mark}" if text else mark


def add_reasons(name: str, frame, rows: list[dict], known: Facts | None) -> list[dict]:
    """JSON/CSV records with `<column>_reason` after the existing fields, for every column that can be blank
    (null where the figure is there)."""
    reasons = explain(name, frame, known)
    for i, row in enumerate(rows):
        for column, per_row in reasons.items():
            row[f"{column}_reason"] = per_row[i]
    return rows
