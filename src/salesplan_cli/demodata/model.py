"""What demo-data produces (ExportFile, DemoData), what it refuses, and the records it draws (accounts, reps, deals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..config.data import DataConfig
from ..plan.model import RepPlan
from ..plan.targets import RepTargets


KINDS = ("accounts", "opportunities", "activities", "sales", "stage_history")


def unsupported_shape(config: DataConfig | None) -> str | None:
    """Why demo-data cannot write the declared exports (a list of files or a glob under one kind), or None."""
    import glob

    for kind in KINDS:
        declared = getattr(config, kind, None) if config is not None else None
        if isinstance(declared, list):
            return f"data.{kind} lists several exports: demo-data writes one file per kind; declare one export there to generate demo data"
        if declared is not None and glob.has_magic(declared.path):
            return f"data.{kind}.path '{declared.path}' is a glob: demo-data writes one file per kind; give a file path to generate demo data"
        if declared is not None and (declared.values or declared.where):
            return f"data.{kind} has values: or where: settings, which demo-data does not generate for; remove them to generate demo data"
    return None
CSV_SUFFIXES = (".csv", ".txt", ".tsv", "")


class DemoDataError(Exception):
    """The workspace's `data:` section cannot be generated (no section, a non-CSV file, a header the encoding cannot hold)."""


@dataclass
class ExportFile:
    """One generated export."""

    kind: str
    path: str  # as declared under data.<kind>.path
    data: bytes
    rows: int  # data rows written, deliberate bad rows included (header, blank lines and footer excluded)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong) of each deliberate bad row
    departed: list[int] = field(default_factory=list)  # lines owned by the departed seller (no rep)


@dataclass
class DemoData:
    files: list[ExportFile]
    facts: dict  # what the data holds on purpose: anomalies, departed seller, figures against the plan

    def by_kind(self) -> dict[str, ExportFile]:
        return {f.kind: f for f in self.files}



@dataclass(slots=True)
class _Account:
    id: str
    name: str
    segment: str | None
    status: str  # prospect | customer
    attrs: dict[str, str]
    owner: int = -1  # rep index; -1 nobody; -2 the departed seller
    won: bool = False
    untouched: bool = False


@dataclass
class _Rep:
    index: int
    plan: RepPlan
    targets: RepTargets
    first_day: dt.date
    last_day: dt.date
    perf: float
    activity: float
    q4_cover: float
    win: dict
    carried: list[str]
    worked: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    deal_accounts: dict[str, list[int]] = field(default_factory=dict)
    # the accounts a rep is responsible for beyond its portfolio's counts (owned, or meeting its criteria):
    # touched now and then (a share of its actions)
    owned_more: dict[tuple[str, str], list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class _Deal:
    close: dt.date
    created: dt.date
    last_activity: dt.date
    account: int
    product: str  # CRM product name ('' when no ranges)
    range: str | None
    cents: int
    outcome: str  # open | won | lost
    stage: int  # index in the open stages: the current one (open) or the last one reached (closed)
    probability: int
    quantity: int = 0  # units (licences, days) of its product; 0 without a product
