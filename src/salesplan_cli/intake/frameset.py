"""The canonical frames of a workspace's exports and the account of each export read (rows read, used,
rejected and why): what intake hands to the reports (load.py reads, frames.py builds)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config.data import DataConfig, Source
from .read import RowIssue

KINDS = ("accounts", "opportunities", "activities", "sales", "stage_history")


@dataclass
class SourceReport:
    """How many rows of one export were read, used, skipped or rejected, and why."""

    kind: str
    path: str
    unit: str
    rows_read: int = 0
    rows_used: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    #: optional canonical fields the export does not carry at all (e.g. account): the figures needing them say so
    absent: list[str] = field(default_factory=list)
    #: amounts converted into the workspace currency: code -> {"rate": "0.92", "rows": rows used, "into": "EUR"}
    converted: dict[str, dict] = field(default_factory=dict)
    #: rows rejected because their currency has no rate: code -> rows
    without_rate: dict[str, int] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)  # canonical fields the export carried (a column for each)

    @property
    def rejected(self) -> list[RowIssue]:
        return [i for i in self.issues if i.kind == "rejected"]

    @property
    def unmatched(self) -> list[RowIssue]:
        return [i for i in self.issues if i.kind == "unmatched"]

    @property
    def skipped(self) -> list[RowIssue]:
        return [i for i in self.issues if i.kind == "skipped"]

    @property
    def incomplete(self) -> list[RowIssue]:
        """Rows used, but lacking a value some figure needs (a won deal without amount or close date)."""
        return [i for i in self.issues if i.kind == "incomplete"]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "path": self.path,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rejected": len(self.rejected),
            "unmatched": len(self.unmatched),
            "skipped": len(self.skipped),
            "incomplete": len(self.incomplete),
            "absent": list(self.absent),
            "unit": self.unit,
            "issues": [
                {"line": i.line, "status": i.kind, "reason": i.reason}
                | ({"last_line": i.last} if i.last is not None else {})
                | ({"id": i.id} if i.id is not None else {})
                | ({"name": i.name} if i.name is not None else {})
                for i in self.issues
            ],
            "converted": {code: dict(c) for code, c in self.converted.items()},
            "without_rate": dict(self.without_rate),
        }


@dataclass
class Frames:
    """The canonical frames, and the account of what was read."""

    opportunities: object = None  # pandas.DataFrame
    activities: object = None
    accounts: object = None
    sales: object = None
    stage_history: object = None
    #: one row per product line (id, product, line_amount, line) when the opportunities export has line_amount
    opportunity_lines: object = None
    sales_from_opportunities: bool = False
    reports: list[SourceReport] = field(default_factory=list)
    derived: dict = field(default_factory=dict, repr=False)  # figures computed once from the frames (by key)
    #: the derived figures kept beside the frames in their cache entry (intake.derived.DerivedStore); None uncached
    store: object = field(default=None, repr=False)
    #: [kind, path as declared, path, SHA-256] of each export as the cache's key hashed it before it was read
    #: (cache.cache_key); None uncached. A replayed run (cli/replay.py) is checked against them.
    hashed: list | None = field(default=None, repr=False)
    damage: list = field(default_factory=list, repr=False)  # Diagnostics: why no report may be drawn (intake.loud.damage)

    def intake_summary(self) -> list[dict]:
        return [r.to_dict() for r in self.reports]


def setting_of(config: DataConfig, kind: str, source: Source) -> str:
    """The setting a declaration sits at, as messages name it: data.sales, or data.sales[1] in a list."""
    declared = getattr(config, kind)
    if isinstance(declared, list):
        index = next(i for i, s in enumerate(declared) if s is source)
        return f"data.{kind}[{index}]"
    return f"data.{kind}"


def setting_path(setting: str) -> tuple:
    """'data.sales[1]' -> ('data', 'sales', 1)."""
    name, _, index = setting.partition("[")
    return (*name.split("."), *((int(index.rstrip("]")),) if index else ()))

