"""The values report commands pass around: the output format, the options a report was asked with, what it produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Optional


class ReportFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    md = "md"  # accepted for markdown (the one vocabulary of format names: pam says md too)
    html = "html"
    xlsx = "xlsx"


def markdown_named_md(value):
    """--format md is --format markdown."""
    return ReportFormat.markdown if value is ReportFormat.md else value


@dataclass
class Options:
    workspace: Optional[Path]
    as_of: Optional[str]
    period: Optional[str]
    reps: list[str]
    team: Optional[str]
    segment: Optional[str]
    product: Optional[str]
    format: ReportFormat
    output: Optional[Path]
    fail_under: list[str] = field(default_factory=list)
    check: bool = False
    data_dir: list[Path] = field(default_factory=list)
    keep_going: bool = False
    left_out: list = field(default_factory=list)  # --keep-going: the reps left out (plan/keepgoing.py LeftOut)


@dataclass
class Rendered:
    """What a report command produced: titled tables, notes, and the figures the gates look at."""

    report: str
    tables: dict[str, Any]  # name -> DataFrame, the first is the main one
    titles: dict[str, str]
    notes: list[str] = field(default_factory=list)
    gate_figures: dict[str, dict[str, float | None]] = field(default_factory=dict)
    decisions: list[str] | None = None  # the review sheet's decisions to take
