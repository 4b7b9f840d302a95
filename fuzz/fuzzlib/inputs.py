"""What the targets start from: the example workspace, a sample of its exports, the choices of as-of days and
periods, and the oracle's failure (`require`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st


REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "nordwind"
OUT_DIR = REPO / ".fuzz"
YAML_FILES = sorted(
    [p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.glob("*.yaml")]
    + [p.relative_to(EXAMPLE).as_posix() for p in (EXAMPLE / "reps").glob("*.yaml")]
)
EXPORT_KINDS = ("accounts", "opportunities", "activities", "sales", "stage_history")
#: The example's export files, by kind (stage_history: none in the example).
EXAMPLE_EXPORTS = {"accounts": "data/accounts.csv", "opportunities": "data/opportunities.csv", "activities": "data/activities.csv", "sales": "data/invoices.csv"}
#: Every n-th row of each example export goes into the small sample the targets read (fast reports).
SAMPLE_EVERY = {"accounts": 8, "opportunities": 12, "activities": 40, "sales": 4}
AS_OF_CHOICES = [dt.date(2027, 10, 15), dt.date(2027, 2, 1), dt.date(2027, 7, 3), dt.date(2027, 12, 31), dt.date(2026, 12, 31), dt.date(2028, 2, 15)]
PERIOD_CHOICES = [None, None, "fy", "quarter", "month", "half", "Q1", "Q4", "H2", "dec", "2027-06", "2027-03-10..2027-08-20", "2026-11-01..2027-01-31"]


class OracleFailure(AssertionError):
    """The program did something the oracle forbids (beyond raising an exception)."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise OracleFailure(message)


# --- inputs: what the example gives ---------------------------------------------------------------


def _example_bytes(rel: str) -> bytes:
    return (EXAMPLE / rel).read_bytes()


_CACHE: dict[str, Any] = {}


def sample_exports() -> dict[str, bytes]:
    """A small sample of each example export: the header, every n-th row, and the trailing footer lines."""
    if "sample" not in _CACHE:
        out = {}
        for kind, rel in EXAMPLE_EXPORTS.items():
            lines = _example_bytes(rel).split(b"\n")
            header, body = lines[0], lines[1:]
            last_row = max((i for i, row in enumerate(body) if row.startswith(b'"0')), default=len(body) - 1) if kind == "opportunities" else len(body) - 1
            rows, footer = body[: last_row + 1], [row for row in body[last_row + 1 :] if row.strip()]
            picked = [row for i, row in enumerate(rows) if i % SAMPLE_EVERY[kind] == 0 and row.strip()]
            out[rel] = b"\n".join([header, *picked, *footer]) + (b"" if footer else b"\n")
        _CACHE["sample"] = out
    return _CACHE["sample"]


def example_workspace():
    """The example workspace, loaded and validated once."""
    if "ws" not in _CACHE:
        from salesplan_cli.plan.validate import validate_workspace

        result = validate_workspace(EXAMPLE, as_of=dt.date(2027, 10, 15))
        assert result.errors == 0, "the example workspace does not validate"
        _CACHE["ws"] = result.workspace
    return _CACHE["ws"]


def example_tree(rel: str) -> Any:
    key = "tree:" + rel
    if key not in _CACHE:
        # libyaml, as salesplan itself: the pure-Python loader refuses a plain '?' before ']' that libyaml reads
        _CACHE[key] = yaml.load(_example_bytes(rel).decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return _CACHE[key]


@dataclass
class Universe:
    """The names an export may use, so that generated rows match the plan often enough to go deep."""

    owners: list[str]
    accounts: list[str]
    stages: list[str]
    products: list[str]
    actions: list[str]
    statuses: list[str]
    attributes: dict[str, list[str]]  # attribute column header -> values
    opportunity_ids: list[str]
    segments: list[str] = field(default_factory=lambda: ["A", "B", "C", "Z", ""])
    first_day: dt.date = dt.date(2026, 6, 1)  # dates of well-formed rows fall in this window (the fiscal year and around)
    last_day: dt.date = dt.date(2028, 6, 30)

    @classmethod
    def of(cls, ws) -> "Universe":
        owners = []
        for rep in ws.reps.values():
            owners += [rep.id, rep.name, rep.email or rep.id, rep.name.upper(), "  " + rep.name.lower() + " "]
        owners += ["Camille Moreau", "nobody", "", "ÉLODIE Ünal", "Lena\u00a0Vogel", "Lena Vogel"]  # a departed seller, unknown
        data = ws.settings.data
        stages = [s.name for s in ws.strategy.stages] + ["Closed Won", "Closed Lost", "closedwon", "won", "lost", "Unknown stage", ""]
        products = list(ws.strategy.products or {}) + ["Mystery box", ""]
        actions = list(ws.strategy.actions) + ["Fax", ""]
        statuses = ["prospect", "customer", "Other", ""]
        accounts = ["ACME-001", "ACME-017", "HELIO-204", "BALT-330", "NEW-1", "NEW-2", "", "acme-001"]
        attributes: dict[str, list[str]] = {}
        if data is not None:
            stages += list(data.mapping.stages)
            products += list(data.mapping.products)
            actions += list(data.mapping.actions)
            statuses += list(data.mapping.statuses)
            owners += list(data.mapping.owners)
            for header in data.attributes.values():
                attributes[header] = ["", "1", "150", "1000", "5000", "abc", "-3", "1e3", "banking", "Insurance", "north-west", "North", "South-central"]
        from salesplan_cli.plan.calendar import fiscal_months

        months = fiscal_months(ws.settings.fiscal_year.start)
        return cls(
            owners, accounts, stages, products, actions, statuses, attributes, ["OPP-1", "OPP-2", "OPP-3", "opp-1", ""],
            segments=list(ws.strategy.segments) + ["Z", ""],
            first_day=months[0].first_day - dt.timedelta(days=150), last_day=months[-1].last_day + dt.timedelta(days=180),
        )


def chance(draw, n: int) -> bool:
    """True about once in `n` draws (hypothesis favours the ends of a small range; a wide one spreads evenly);
    shrinks towards False."""
    return draw(st.integers(1, 1 << 16)) % n == 0
