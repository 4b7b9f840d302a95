"""Deterministic demo CRM exports for a workspace (`salesplan demo-data`).

`generate(ws, as_of)` returns the bytes of every export declared under `data:`
in salesplan.yaml, written the way that section says they are read: the same
headers (the preset's column names, then the explicit `columns:`), encoding,
delimiter, decimal and thousands separators and date formats; a Salesforce
report ends with its usual footer.

The data follows the plan:

- accounts: enough of each segment and status for every rep's
  `portfolio.accounts`, with the attributes of `data.attributes` drawn so that
  the segment criteria and the reps' portfolio criteria pick them; the named
  accounts of segments.yaml and of the portfolios keep their ids;
- opportunities and sales: each rep wins, month by month up to the as-of date,
  about the objective of the plan (a performance of 90% to 112%) by segment and
  product range; lost deals follow the rep's win rate; open deals close after
  the as-of date, up to three months into the next fiscal year;
- activities: each rep works the accounts of `portfolio.accounts`, at 80% to
  110% of the plan's norms (and books some ahead, see below);
- owners are written as the exports of each system would: names (CRM presets),
  e-mails (sales), rep ids (other exports); all map to their rep by themselves.

And it holds what the reports are meant to find (see `DemoData.facts`):

- a departed seller, who matches no rep, owns a few rows of each export;
- a handful of deliberately bad rows per export (an unreadable amount, an
  impossible date, an unknown stage or activity type, a duplicate or missing
  account id, a ragged line), each listed with its line in `ExportFile.bad`;
- one seller converts far less on one product range (15% against about 45%,
  over at least 30 closed deals);
- several key accounts (first segment) in portfolios have had no activity and
  no deal at all;
- the open pipeline closing in the last fiscal quarter is well below what is
  left of that quarter's target.

And what real exports have (drawn from a second stream, `self.aux`, so that the
rest of the data does not move):

- open deals without amount, close date or account (a few percent each);
  lost deals at 0 (Salesforce) or blank (HubSpot) for part of them;
- a task status in the export's words (`_STATUS_WORDS`, or the workspace's
  `data.mapping.activity_statuses`): past tasks mostly done, a few overdue,
  open tasks scheduled over the five weeks after the as-of date;
- with `rates:` in salesplan.yaml, deals in its currencies (`_FOREIGN_SHARE`),
  the amount converted at the plan rate and rounded as deals are.

And what the plan's volume objectives, contact roles and expected outputs
need, each from a stream of its own (`qty_rng`, `history_rng`, `title_rng`,
`book_rng`), so that the rows above do not move:

- quantities: a deal with a product carries its units (amount over about a
  unit price, `_UNIT_PRICE`), its invoice the same, a credit note the share
  it returns; the sales export also holds the fiscal year before (one or two
  invoices per account already a customer), so that new customers are the
  prospects won this year;
- contact titles on activities: the titles data.mapping.contact_roles maps
  to the roles of the account's segment (or the role itself), a few blank;
  one rep never meets the last role of the first segment naming several
  (`self.unreached`: in the example, rep-e1 and the CFO);
- the columns of data.opportunities.expected: an output mostly recorded
  once its stage is passed; one rep moves its deals on without the first
  linked output (`self.unqualified`: in the example, rep-s3 and the budget).

Determinism: one `random.Random(seed)` drives everything and its draws go
through arithmetic only (+, -, *, /, sqrt; no log or exp), so the bytes are the
same on every run and platform; nothing of the run (clock, paths, hash order)
is written. `scale` multiplies every row count and divides deal amounts, so the
turnover stays near the plan whatever the scale.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import difflib
import io
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath
from typing import Callable

from .intake.config import DataConfig, Source
from .intake.fields import FIELDS, PRESET_STAGES, PRESETS, columns_for
from .plan.calendar import fiscal_months
from .plan.model import RepPlan, Workspace
from .plan.targets import RepTargets, rep_targets

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


def generate(ws: Workspace, as_of: dt.date, seed: int = 2027, scale: float = 1.0) -> dict[str, bytes]:
    """Relative path -> bytes of every export declared under `data:` in salesplan.yaml."""
    return {f.path: f.data for f in build(ws, as_of, seed, scale).files}


def build(ws: Workspace, as_of: dt.date, seed: int = 2027, scale: float = 1.0) -> DemoData:
    """The exports with what they hold on purpose (bad rows and their lines, anomalies)."""
    return _Demo(ws, as_of, seed, scale).run()


# --- small pure helpers --------------------------------------------------------------------------------

_COMPARISON = re.compile(r"^\s*(>=|<=|>|<|!=|==)\s*(-?\d+(?:\.\d+)?)\s*$")

#: Company-name parts (fictional). Accents and 'œ' exercise the declared encodings.
_ROOTS = [
    "Acme", "Helio", "Baltic", "Nordlicht", "Vesta", "Orbis", "Kestrel", "Lumen", "Arcadia", "Boréal",
    "Cèdre", "Dauphin", "Émeraude", "Falun", "Granit", "Hélice", "Isar", "Jura", "Kolari", "Lagune",
    "Mistral", "Narvik", "Oléron", "Polaris", "Quartz", "Rhône", "Saimaa", "Tamise", "Ubaye", "Valmy",
    "Wessel", "Ystad", "Zéphyr", "Cœur de Loire", "Brünn", "Øresund", "Aurore", "Belém", "Corvus", "Delta",
]
_TAILS = {
    "banking": ["Banque", "Crédit", "Finance"],
    "insurance": ["Assurances", "Mutuelle", "Prévoyance"],
    "energy": ["Énergie", "Power", "Réseaux"],
    "retail": ["Distribution", "Retail", "Magasins"],
    "manufacturing": ["Industries", "Mécanique", "Composites"],
    "services": ["Conseil", "Services", "Solutions"],
    "public sector": ["Métropole", "Agglomération", "Syndicat"],
    "healthcare": ["Santé", "Cliniques", "Pharma"],
    "logistics": ["Logistique", "Transports", "Fret"],
}
_LEGAL = ["SA", "SAS", "SARL", "GmbH", "AB", "AG", "BV", "Oy", "SpA"]
_INDUSTRY_EXTRAS = ["banking", "insurance", "energy", "retail", "manufacturing", "services", "public sector", "healthcare", "logistics"]
_REGION_DEFAULTS = ["north", "south"]
_DEPARTED_CANDIDATES = ["Camille Moreau", "Former Rep", "Alex Durand", "Jordan Lefebvre"]
_UNKNOWN_STAGES = ["On Hold", "Stalled", "Parked"]
_UNKNOWN_ACTIVITIES = ["LinkedIn message", "WhatsApp", "Webinar"]

#: Days no one works (month, day): deals, invoices and activities avoid them and weekends.
_HOLIDAYS = {(1, 1), (5, 1), (12, 25)}
#: Typical deal size (currency units, before scale) by segment rank: key accounts, mid-market, small business.
_DEAL_MEDIAN = [90_000, 30_000, 9_000]
#: Sales cycle in days (shortest, longest) by segment rank.
_CYCLE = [(60, 240), (30, 150), (14, 90)]


def _matches(value: str, expected) -> bool:
    """One account attribute against one criterion, as intake/segments.py compares them."""
    values = expected if isinstance(expected, list) else [expected]
    text = value.strip()
    for wanted in values:
        if isinstance(wanted, str) and (match := _COMPARISON.match(wanted)):
            try:
                number = float(re.sub(r"[\s\u00a0,]", "", text))
            except ValueError:
                continue
            limit = float(match.group(2))
            if {">=": number >= limit, "<=": number <= limit, ">": number > limit, "<": number < limit, "!=": number != limit, "==": number == limit}[match.group(1)]:
                return True
        elif isinstance(wanted, str):
            if text.casefold() == wanted.strip().casefold():
                return True
        else:
            try:
                if float(text) == float(wanted):
                    return True
            except ValueError:
                continue
    return False


def _meets(attrs: dict[str, str], criteria: dict) -> bool:
    """Every criterion met; an attribute the export does not carry matches nothing."""
    for attribute, expected in criteria.items():
        if attribute not in attrs or not _matches(attrs[attribute], expected):
            return False
    return True


def _fold(text: str, encodings: list[str]) -> str:
    """`text` as written, or without its accents when one of the encodings cannot hold it."""
    for encoding in encodings:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("ø", "o").replace("Ø", "O"))
            return "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "replace").decode("ascii")
    return text


def _ascii_letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE").replace("ø", "o").replace("Ø", "O"))
    return "".join(c for c in folded if c.isascii() and c.isalpha())


def _amount_text(cents: int, source: Source) -> str:
    sign = "-" if cents < 0 else ""
    units, hundredths = divmod(abs(cents), 100)
    digits = str(units)
    sep = source.thousands_separator()
    if sep:
        groups = []
        while len(digits) > 3:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        digits = sep.join([digits, *groups])
    return f"{sign}{digits}{source.decimal}{hundredths:02d}"


def _wrong_locale_amount(cents: int, source: Source) -> str:
    """The same amount with decimal and thousands separators swapped: unreadable under the declared ones."""
    units, hundredths = divmod(abs(cents), 100)
    head, tail = divmod(units, 1000)
    head = max(head, 1)
    if source.decimal == ",":
        return f"{head},{tail:03d}.{hundredths:02d}"
    return f"{head}.{tail:03d},{hundredths:02d}"


_EXCEL_EPOCH = dt.date(1899, 12, 30)


_DATE_TEXTS: dict[tuple[str, dt.datetime], str] = {}


def _date_text(moment: dt.datetime, source: Source) -> str:
    key = (source.date_format, moment)
    text = _DATE_TEXTS.get(key)
    if text is None:
        if source.date_format == "excel":
            text = str((moment.date() - _EXCEL_EPOCH).days)
        else:
            text = moment.strftime(source.date_format)
        if len(_DATE_TEXTS) > 500_000:
            _DATE_TEXTS.clear()
        _DATE_TEXTS[key] = text
    return text


def _impossible_date(source: Source, year: int) -> str:
    """February 31st in the declared date format (text when the format is Excel serial numbers)."""
    fmt = source.date_format
    if fmt == "excel":
        return f"31/02/{year}"
    tokens = {"%Y": str(year), "%y": f"{year % 100:02d}", "%m": "02", "%d": "31", "%H": "10", "%I": "10", "%M": "00", "%S": "00",
              "%p": "AM", "%b": "Feb", "%B": "February", "%%": "%", "%f": "000000", "%z": "+0000"}
    text = re.sub(r"%.", lambda m: tokens.get(m.group(0), m.group(0)), fmt)
    try:
        dt.datetime.strptime(text, fmt)
    except ValueError:
        return text
    return f"31/02/{year}"


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson-like count from arithmetic on uniform draws only (platform-independent)."""
    if lam <= 0:
        return 0
    if lam <= 40:
        trials = int(4 * lam) + 20
        p = lam / trials
        return sum(1 for _ in range(trials) if rng.random() < p)
    spread = sum(rng.random() for _ in range(12)) - 6.0  # Irwin-Hall: about a standard normal
    return max(0, int(round(lam + math.sqrt(lam) * spread)))


def _weighted(rng: random.Random, weights: list[float]) -> int:
    total = sum(weights)
    point = rng.random() * total
    for index, weight in enumerate(weights):
        point -= weight
        if point < 0:
            return index
    return len(weights) - 1


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _days_between(first: dt.date, last: dt.date) -> int:
    return (last - first).days + 1


def _output_key(output: str) -> str:
    """An expected output's name as the plan and data.opportunities.expected are matched: spaces collapsed, case-folded."""
    return " ".join(output.split()).casefold()


# --- writing one export ----------------------------------------------------------------------------------


_NO_BLOCK = object()


def _quantity_text(units: int, source: Source) -> str:
    """A quantity as the export writes it: a Salesforce report with two decimals, the others whole."""
    if source.preset == "salesforce":
        return _amount_text(units * 100, source)
    return str(units)


@dataclass
class _BadRow:
    reason: str
    make: Callable[[dict, "_Export"], "dict | str"]  # from a good row's values: the bad row's values, or a raw line


#: Preset fields written only on demand: `currency` when the workspace declares `rates:` or maps the column.
_UNFILLED = {"currency"}

#: Task status words of each preset: (done, open ones); a preset-less export uses data.mapping.activity_statuses.
_STATUS_WORDS = {
    "salesforce": ("Completed", ["Not Started", "In Progress", "Waiting on someone else", "Deferred"]),
    "hubspot": ("Completed", ["Not started", "In progress", "Waiting", "Deferred"]),
    "pipedrive": ("Done", ["To do"]),
}
#: How open tasks spread over the open words (the first is the most common).
_OPEN_WEIGHTS = [0.7, 0.15, 0.08, 0.07]
#: Share of the open deals left without amount, without close date, without account (blank cells).
_OPEN_BLANKS = {"amount": 0.03, "close_date": 0.025, "account": 0.02}
#: Lost deals without value, per opportunities preset: (share, how written): Salesforce orgs often zero them.
_LOST_NO_VALUE = {"salesforce": (0.3, "zero"), "hubspot": (0.2, "blank")}
#: Share of the deals in each foreign currency of `rates:` (the rest in the workspace currency).
_FOREIGN_SHARE = 0.16
#: Price of one unit (before scale) by product range, in the strategy's order: platform licences, service
#: days; a deal's quantity is its amount over about this price.
_UNIT_PRICE = [1_500, 1_100]
#: Share of the activities whose contact has no title in the CRM (a blank cell: role unknown).
_NO_TITLE = 0.06
#: How an export writes a qualification checkbox (data.opportunities.expected): (recorded, not recorded);
#: a not-recorded output is also left blank in part of the deals.
_CHECKBOX_WORDS = {"salesforce": ("true", "false"), "hubspot": ("Yes", "No"), "pipedrive": ("Yes", ""), "none": ("yes", "no")}


class _Export:
    """A CSV export being written row by row, with the deliberate bad rows slotted in."""

    def __init__(self, kind: str, source: Source, extra: list[tuple[str, str]] | None = None, fill: frozenset = frozenset()):
        self.kind = kind
        self.source = source
        suffix = PurePath(source.path).suffix.lower()
        if suffix not in CSV_SUFFIXES:
            raise DemoDataError(f"data.{kind}.path: demo-data writes CSV exports only, not '{suffix}' files ({source.path})")
        mapped = columns_for(kind, source.preset, source.columns)
        missing = [spec.name for spec in FIELDS[kind] if spec.required and spec.name not in mapped]
        if missing:
            raise DemoDataError(
                f"data.{kind}: no column for the required field(s) {', '.join(missing)}; declare a preset or map them under data.{kind}.columns"
            )
        headers: list[str] = []
        self.fields: list[str] = []  # the value written under each header
        known = [spec.name for spec in FIELDS[kind]]
        # the explicit columns in the order written, then the preset's in the canonical order
        unfilled = _UNFILLED - set(fill)
        own = PRESETS.get(source.preset, {}).get(kind, {})
        if own:  # a preset's export in its own column order, then the columns added by hand (a custom field)
            order = [n for n in known if n in own and (n in source.columns or n not in unfilled)] + [n for n in source.columns if n in known and n not in own]
        else:
            order = [n for n in source.columns if n in known] + [n for n in known if n not in source.columns and n not in unfilled]
        for name in order:
            header = mapped.get(name)
            if header is not None and header not in headers:
                headers.append(header)
                self.fields.append(name)
        if "currency" in self.fields and "currency" not in source.columns and "amount" in self.fields:
            # a report's currency column sits next to the amount, as CRMs lay them out
            at = self.fields.index("currency")
            moved = (self.fields.pop(at), headers.pop(at))
            after = self.fields.index("amount") + 1
            self.fields.insert(after, moved[0])
            headers.insert(after, moved[1])
        for name, header in extra or []:
            if header not in headers:
                headers.append(header)
                self.fields.append(name)
        self.headers = headers
        self.delimiter = "," if source.delimiter == "auto" else source.delimiter
        self.buffer = io.BytesIO()
        self.stream = io.TextIOWrapper(self.buffer, encoding=source.encoding, errors="strict", newline="", write_through=True)
        self.quoting = csv.QUOTE_ALL if source.preset == "salesforce" else csv.QUOTE_MINIMAL
        self.writer = csv.writer(self.stream, delimiter=self.delimiter, quotechar='"', quoting=self.quoting, lineterminator="\r\n")
        try:
            self.writer.writerow(headers)
        except UnicodeEncodeError as exc:
            raise DemoDataError(
                f"data.{kind}: the header '{exc.object[exc.start:exc.end]}' cannot be written in {source.encoding} ({source.path})"
            ) from None
        self.line = 1
        self.rows = 0
        self.bad: list[tuple[int, str]] = []
        self.departed: list[int] = []
        self.schedule: dict[object, list[tuple[int, _BadRow]]] = {}
        self.block: object = _NO_BLOCK
        self.block_rows = 0
        self.last: dict | None = None
        self.leftover: list[_BadRow] = []

    def has(self, name: str) -> bool:
        return name in self.fields

    def plan_bad(self, block: object, ordinal: int, bad: _BadRow) -> None:
        """Write `bad` right after the `ordinal`-th row of `block` (or at the block's end when shorter)."""
        self.schedule.setdefault(block, []).append((ordinal, bad))
        self.schedule[block].sort(key=lambda item: item[0])

    def begin(self, block: object) -> None:
        self._close_block()
        self.block = block
        self.block_rows = 0

    def row(self, values: dict[str, str], departed: bool = False) -> None:
        self._write(values)
        self.rows += 1
        self.block_rows += 1
        if departed:
            self.departed.append(self.line)
        self.last = values
        while self.leftover:
            self._write_bad(self.leftover.pop(0), values)
        pending = self.schedule.get(self.block)
        while pending and pending[0][0] <= self.block_rows:
            self._write_bad(pending.pop(0)[1], values)

    def finish(self, footer: list[str] | None = None) -> ExportFile:
        self._close_block()
        for block in list(self.schedule):
            self.leftover += [bad for _, bad in self.schedule.pop(block)]
        if self.last is not None:
            while self.leftover:
                self._write_bad(self.leftover.pop(0), self.last)
        if footer:
            self.stream.write("\r\n")
            for text in footer:
                self.writer.writerow([text])
        self.stream.flush()
        self.stream.detach()
        return ExportFile(self.kind, self.source.path, self.buffer.getvalue(), self.rows, self.bad, self.departed)

    def _close_block(self) -> None:
        if self.block is _NO_BLOCK:
            return
        pending = self.schedule.pop(self.block, None)
        if pending:
            self.leftover += [bad for _, bad in pending]
            if self.last is not None and self.block_rows:
                while self.leftover:
                    self._write_bad(self.leftover.pop(0), self.last)

    def _write(self, values: dict[str, str]) -> None:
        try:
            self.writer.writerow([values.get(name, "") for name in self.fields])
        except UnicodeEncodeError as exc:
            raise DemoDataError(
                f"data.{self.kind}: '{exc.object[exc.start:exc.end]}' cannot be written in {self.source.encoding} ({self.source.path})"
            ) from None
        self.line += 1

    def _write_bad(self, bad: _BadRow, template: dict) -> None:
        made = bad.make(dict(template), self)
        if isinstance(made, str):
            self.stream.write(made + "\r\n")
            self.line += 1
        else:
            self._write(made)
        self.rows += 1
        self.bad.append((self.line, bad.reason))

    def quote(self, value: str) -> str:
        """One value as the CSV writer would write it."""
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, quotechar='"', quoting=self.quoting, lineterminator="").writerow([value])
        return out.getvalue()


# --- the generator ----------------------------------------------------------------------------------------


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


class _Demo:
    def __init__(self, ws: Workspace, as_of: dt.date, seed: int, scale: float):
        if ws.settings is None or ws.strategy is None or ws.segments is None:
            raise DemoDataError("the workspace does not load: run salesplan validate and fix it first")
        config: DataConfig | None = ws.settings.data
        if config is None or not any(getattr(config, kind) for kind in KINDS):
            raise DemoDataError("salesplan.yaml declares no CRM export under data:")
        if unsupported_shape(config):
            raise DemoDataError(unsupported_shape(config))
        if not scale > 0 or scale > 10_000:
            raise DemoDataError(f"scale must be above 0 and at most 10000, not {scale}")
        self.ws, self.config, self.as_of, self.seed, self.scale = ws, config, as_of, seed, scale
        self.rng = random.Random(seed)
        # a second stream for what real exports add (blank cells, task statuses, scheduled tasks, currencies):
        # the draws of the first one, hence every other row and figure, do not move
        self.aux = random.Random(seed * 7919 + 104_729)
        # and one stream each for what issue 17 added (quantities and last year's invoices, contact titles,
        # the qualification columns), so that none of them moves the others or the rows above
        self.qty_rng = random.Random(seed * 6151 + 31)
        self.history_rng = random.Random(seed * 5113 + 67)
        self.title_rng = random.Random(seed * 4099 + 53)
        self.book_rng = random.Random(seed * 3571 + 97)
        self.currency = ws.settings.currency
        self.rates = {code: Fraction(str(rate)) for code, rate in sorted(ws.settings.rates.items()) if code != self.currency}
        self.strategy = ws.strategy
        self.months = fiscal_months(ws.settings.fiscal_year.start)
        self.fy_start, self.fy_end = self.months[0].first_day, self.months[-1].last_day
        self.encodings = list(dict.fromkeys(getattr(config, k).encoding for k in KINDS if getattr(config, k) is not None))

        order = sorted(ws.segments.items(), key=lambda kv: (kv[1].priority, list(ws.segments).index(kv[0])))
        self.segment_order = [seg for seg, _ in order if seg in self.strategy.segments] + [s for s in self.strategy.segments if s not in ws.segments]
        self.rank = {seg: min(i, len(_DEAL_MEDIAN) - 1) for i, seg in enumerate(self.segment_order)}
        self.named_segment = {acc: seg for seg, spec in ws.segments.items() for acc in spec.named if seg in self.strategy.segments}

        self._naming()
        self._reps()
        self._contacts_and_book()

    # --- names of things in the exports ----------------------------------------------------------------

    def _naming(self) -> None:
        config, strategy = self.config, self.strategy
        mapping = config.mapping
        self.ranges: list[str | None] = list(strategy.products or {}) or [None]
        self.crm_products: dict[str | None, list[str]] = {}
        self.erp_range: dict[str | None, str] = {}
        for rng_ in self.ranges:
            if rng_ is None:
                self.crm_products[None], self.erp_range[None] = [""], ""
                continue
            names = [k for k, v in mapping.products.items() if v == rng_]
            if not names:
                self.crm_products[rng_], self.erp_range[rng_] = [rng_], rng_
                continue
            erp = max(names, key=lambda n: (difflib.SequenceMatcher(None, n.casefold(), rng_.casefold()).ratio(), -names.index(n)))
            self.erp_range[rng_] = erp
            self.crm_products[rng_] = [n for n in names if n != erp] or [erp]

        self.open_stages = [s for s in strategy.stages if s.outcome == "open"]
        self.crm_stage: dict[str, str] = {}
        for spec in strategy.stages:
            keys = [k for k, v in mapping.stages.items() if v == spec.name]
            self.crm_stage[spec.name] = keys[0] if keys else spec.name
        source = config.opportunities or config.stage_history
        preset = source.preset if source is not None else "none"
        self.closed_stage: dict[str, str] = {}
        for outcome in ("won", "lost"):
            plan = next((s.name for s in strategy.stages if s.outcome == outcome), None)
            preset_names = [k for k, v in PRESET_STAGES.get(preset, {}).items() if v == outcome]
            mapped = [k for k, v in mapping.stages.items() if plan is not None and v == plan]
            if mapped:
                self.closed_stage[outcome] = mapped[0]
            elif preset_names:
                spaced = [n for n in preset_names if " " in n] or preset_names
                self.closed_stage[outcome] = spaced[0].title()
            else:
                self.closed_stage[outcome] = plan or outcome
        self.probabilities = []
        for i, spec in enumerate(self.open_stages):
            if spec.probability is not None:
                self.probabilities.append(int(round(float(spec.probability.value) * 100)))
            else:
                self.probabilities.append(int(round(100 * (i + 1) / (len(self.open_stages) + 1))))

        self.crm_action = {}
        for action in strategy.actions:
            keys = [k for k, v in mapping.actions.items() if v == action]
            self.crm_action[action] = keys[0] if keys else action
        self.status_label = {}
        for status in ("prospect", "customer"):
            keys = [k for k, v in mapping.statuses.items() if v == status]
            self.status_label[status] = keys[0] if keys else status

        taken = set()
        for rep in self.ws.reps.values():
            taken |= {x.casefold() for x in (rep.id, rep.name, rep.email) if x}
        taken |= {k.casefold() for k in mapping.owners}
        self.departed_name = next(n for n in _DEPARTED_CANDIDATES + [f"Former Rep {i}" for i in range(2, 99)] if n.casefold() not in taken)
        domains = [rep.email.split("@", 1)[1] for rep in self.ws.reps.values() if rep.email and "@" in rep.email]
        domain = domains[0] if domains else "example.com"
        local = ".".join(_ascii_letters(part).lower() for part in self.departed_name.split())
        self.departed_email = f"{local}@{domain}"
        if self.departed_email.casefold() in taken:
            self.departed_email = f"former.{local}@{domain}"

    def owner_label(self, rep: _Rep | None, kind: str) -> str:
        """How an export names a seller: CRM presets by name, sales by e-mail, other exports by rep id."""
        source: Source = getattr(self.config, kind)
        if rep is None:
            return self.departed_name if source.preset != "none" else self.departed_email
        plan = rep.plan
        if source.preset != "none":
            aliases = [k for k, v in self.config.mapping.owners.items() if v == plan.id]
            return aliases[0] if aliases else plan.name
        if kind == "sales":
            return plan.email or plan.id
        return plan.id

    # --- reps: objectives and their behaviour -----------------------------------------------------------

    def _reps(self) -> None:
        rng = self.rng
        self.reps: list[_Rep] = []
        # the range one seller converts far less on; the team wins about 45% of it, 30% to 42% of the others
        self.low_range = "services" if "services" in self.ranges else self.ranges[-1]
        self.low_rate = 0.15
        for index, stem in enumerate(sorted(self.ws.reps)):
            plan = self.ws.reps[stem]
            targets = rep_targets(plan, self.strategy, self.ws.settings)
            win = {r: (0.40 + 0.10 * rng.random()) if r == self.low_range else (0.30 + 0.12 * rng.random()) for r in self.ranges}
            carried = [seg for seg, value in plan.targets.items() if getattr(value, "value", value) and seg in self.strategy.segments]
            self.reps.append(
                _Rep(
                    index=index,
                    plan=plan,
                    targets=targets,
                    first_day=max(plan.start or self.fy_start, self.fy_start),
                    last_day=plan.end or dt.date.max,
                    perf=0.90 + 0.22 * rng.random(),
                    activity=0.80 + 0.30 * rng.random(),
                    q4_cover=0.45 + 0.30 * rng.random(),
                    win=win,
                    carried=carried,
                )
            )
        # the seller who converts far less on one range: the second (by id) of the reps in post all year with most segments
        full_year = [r for r in self.reps if r.plan.start is None or r.plan.start <= self.fy_start]
        full_year = [r for r in full_year if r.plan.end is None or r.plan.end >= self.fy_end] or self.reps
        widest = max((len(r.carried) for r in full_year), default=0)
        candidates = [r for r in full_year if len(r.carried) == widest and r.carried]
        self.low_rep: _Rep | None = (candidates[1] if len(candidates) > 1 else candidates[0]) if candidates else None

    def _contacts_and_book(self) -> None:
        """Contact titles per role; the rep who never reaches one role; the outputs linked to columns and the
        rep whose deals move on without the first of them."""
        ws, config = self.ws, self.config
        mapping = config.mapping.contact_roles
        self.role_titles: dict[str, list[str]] = {}
        for spec in ws.segments.values():
            for role in spec.contacts:
                if role not in self.role_titles:
                    titles = [k for k, v in mapping.items() if v.casefold() == role.casefold()]
                    own = role[:1].upper() + role[1:]
                    self.role_titles[role] = titles + ([own] if own.casefold() not in [t.casefold() for t in titles] else [])
        # the last role of the first segment naming several: never reached by the rep with the largest target there
        self.unreached: tuple[int, str, str] | None = None
        top = next((seg for seg in self.segment_order if seg in ws.segments and len(ws.segments[seg].contacts) > 1), None)
        carriers = [r for r in self.reps if top in r.carried]
        if top is not None and carriers:
            rep = max(carriers, key=lambda r: (r.targets.full_year.get(top, 0), -r.index))
            self.unreached = (rep.index, top, ws.segments[top].contacts[-1])
        source = config.opportunities
        self.expected: list[tuple[str, str]] = list(source.expected.items()) if source is not None else []
        stage_index = {s.name: i for i, s in enumerate(self.open_stages)}
        self.expected_at: dict[tuple[int, str], int] = {}  # (rep, output) -> the first stage whose method expects it
        for rep in self.reps:
            for stage, method in rep.plan.methods.items():
                for output in method.expected if stage in stage_index else []:
                    key = (rep.index, _output_key(output))
                    self.expected_at[key] = min(stage_index[stage], self.expected_at.get(key, len(stage_index)))
        # the rep whose open deals move on without the first linked output (a budget): the last, by id, of the
        # reps whose method expects it, other than the sellers of the other anomalies
        self.unqualified: tuple[int, str] | None = None
        if self.expected:
            first = _output_key(self.expected[0][0])
            taken = {self.low_rep.index if self.low_rep else -1, self.unreached[0] if self.unreached else -1}
            candidates = [r for r in self.reps if (r.index, first) in self.expected_at and r.carried and r.index not in taken]
            if candidates:
                self.unqualified = (candidates[-1].index, first)

    # --- accounts ---------------------------------------------------------------------------------------------

    def _attribute_domains(self) -> None:
        """Values of each account attribute: numbers between the criteria's thresholds, or the criteria's words."""
        criteria = [spec.criteria for spec in self.ws.segments.values()] + [r.plan.portfolio.criteria for r in self.reps]
        self.attributes = list(self.config.attributes)
        self.numeric: dict[str, list[float]] = {}
        self.words: dict[str, list[str]] = {}
        for attribute in self.attributes:
            thresholds: list[float] = []
            words: list[str] = []
            numeric = False
            for crit in criteria:
                if attribute not in crit:
                    continue
                values = crit[attribute] if isinstance(crit[attribute], list) else [crit[attribute]]
                for value in values:
                    if isinstance(value, str) and (match := _COMPARISON.match(value)):
                        numeric = True
                        thresholds.append(float(match.group(2)))
                    elif isinstance(value, str):
                        if value.strip().casefold() not in [w.casefold() for w in words]:
                            words.append(value.strip())
                    else:
                        numeric = True
                        thresholds.append(float(value))
            name = attribute.casefold()
            if not numeric and not words:
                if name in ("employees", "headcount", "effectif", "size"):
                    numeric = True
                elif name in ("industry", "sector", "secteur"):
                    words = list(_INDUSTRY_EXTRAS)
                elif name in ("region", "région", "territory"):
                    words = list(_REGION_DEFAULTS)
            if numeric:
                points = sorted({t for t in thresholds if t > 0} | {1.0})
                bounds = [(points[i], points[i + 1]) for i in range(len(points) - 1)]
                bounds.append((points[-1], max(points[-1] * 20, points[-1] + 500)))
                if points[0] > 1:
                    bounds.insert(0, (1.0, points[0]))
                self.numeric[attribute] = bounds  # type: ignore[assignment]
            else:
                if name in ("industry", "sector", "secteur"):
                    for extra in _INDUSTRY_EXTRAS:
                        if extra.casefold() not in [w.casefold() for w in words]:
                            words.append(extra)
                self.words[attribute] = words

    def _draw_attribute(self, attribute: str, constraints: list) -> str:
        rng = self.rng
        for _ in range(40):
            if attribute in self.numeric:
                lo, hi = rng.choice(self.numeric[attribute])
                u = rng.random()
                value = str(int(lo + (hi - lo) * u * u))
            elif self.words.get(attribute):
                value = rng.choice(self.words[attribute])
                value = value[:1].upper() + value[1:]
            else:
                return ""
            if all(_matches(value, c) for c in constraints):
                return value
        return value

    def _segment_of(self, account_id: str, attrs: dict[str, str]) -> str | None:
        if account_id in self.named_segment:
            return self.named_segment[account_id]
        for seg in self.segment_order:
            spec = self.ws.segments.get(seg)
            if spec is not None and spec.criteria and _meets(attrs, spec.criteria):
                return seg
        return None

    def _draw_account(self, segment: str | None, extra: list[dict] | dict | None, account_id: str | None = None) -> dict[str, str] | None:
        """Attributes that put an account in `segment` and meet every `extra` criteria (None when none found).

        A named account (`account_id`) is in its segment by name: only `extra` counts.
        """
        wanted: dict[str, list] = {}
        spec = self.ws.segments.get(segment) if segment else None
        extras = [extra] if isinstance(extra, dict) else list(extra or [])
        for crit in ([spec.criteria] if spec is not None and account_id is None else []) + [e for e in extras if e]:
            for attribute, expected in crit.items():
                wanted.setdefault(attribute, []).append(expected)
        if any(a not in self.attributes for a in wanted):
            return None  # a criterion on an attribute the accounts export does not carry matches no account
        for _ in range(60):
            attrs = {a: self._draw_attribute(a, wanted.get(a, [])) for a in self.attributes}
            if not all(_matches(attrs[a], c) for a, cs in wanted.items() for c in cs):
                continue
            if account_id is not None or self._segment_of("", attrs) == segment:
                return attrs
        return None

    def _new_id(self, root: str) -> str:
        letters = _ascii_letters(root).upper()[:5] or "ACC"
        width = 3 if self.scale <= 2 else len(str(int(1000 * self.scale)))
        for _ in range(50):
            candidate = f"{letters}-{self.rng.randrange(1, 10 ** width):0{width}d}"
            if candidate not in self.account_ids:
                return candidate
        number = len(self.accounts)
        while f"{letters}-{number:0{width + 1}d}" in self.account_ids:
            number += 1
        return f"{letters}-{number:0{width + 1}d}"

    def _name(self, root: str | None, attrs: dict[str, str]) -> str:
        rng = self.rng
        industry = next((attrs[a].casefold() for a in self.attributes if a.casefold() in ("industry", "sector", "secteur") and attrs.get(a)), "")
        tails = _TAILS.get(industry) or [t for ts in _TAILS.values() for t in ts]
        name = f"{root or rng.choice(_ROOTS)} {rng.choice(tails)} {rng.choice(_LEGAL)}"
        return _fold(name, self.encodings)

    def _add_account(self, account_id: str, name: str, segment: str | None, status: str, attrs: dict[str, str]) -> int:
        self.accounts.append(_Account(account_id, name, segment, status, attrs))
        self.account_ids[account_id] = len(self.accounts) - 1
        self.by_segment_status.setdefault((segment, status), []).append(len(self.accounts) - 1)
        return len(self.accounts) - 1

    def _eligible(self, rep: _Rep, acc: _Account) -> bool:
        """In the rep's patch: named, or in a carried segment and meeting the portfolio criteria (any account without criteria).

        intake/segments.py portfolio_accounts also counts the accounts a rep owns in the CRM, which
        owners given among eligible reps keep true.
        """
        portfolio = rep.plan.portfolio
        if acc.id in portfolio.named or acc.id in portfolio.shared:
            return True
        if acc.segment not in rep.carried:
            return False
        return not portfolio.criteria or _meets(acc.attrs, portfolio.criteria)

    def _count(self, n) -> int:
        return int(round(float(n) * self.scale)) if n else 0

    def _build_accounts(self) -> None:
        rng = self.rng
        self._attribute_domains()
        self.accounts: list[_Account] = []
        self.account_ids: dict[str, int] = {}
        self.by_segment_status: dict[tuple, list[int]] = {}
        # named accounts first: their attributes meet the criteria of the reps naming them where possible
        named: list[str] = []
        for spec in self.ws.segments.values():
            named += [a for a in spec.named if a not in named]
        for rep in self.reps:
            named += [a for a in [*rep.plan.portfolio.named, *rep.plan.portfolio.shared] if a not in named]
        for account_id in named:
            segment = self.named_segment.get(account_id)
            namers = [r for r in self.reps if account_id in r.plan.portfolio.named or account_id in r.plan.portfolio.shared]
            crits = [self.ws.segments[segment].criteria] if segment and self.ws.segments[segment].criteria else []
            attrs = None
            for drop in range(len(namers) + 1):
                kept = [r.plan.portfolio.criteria for r in namers[: len(namers) - drop] if r.plan.portfolio.criteria]
                attrs = self._draw_account(segment, crits + kept, account_id=account_id)
                if attrs is not None:
                    break
            attrs = attrs or {a: self._draw_attribute(a, []) for a in self.attributes}
            segment = self._segment_of(account_id, attrs)
            root = account_id.split("-")[0].capitalize()
            self._add_account(account_id, self._name(root, attrs), segment, "customer", attrs)
        # then enough accounts of each segment and status for every rep's portfolio, with some slack
        for rep in self.reps:
            for segment, statuses in rep.plan.portfolio.accounts.items():
                if segment not in self.strategy.segments:
                    continue
                for status, count in statuses.items():
                    need = int(math.ceil(self._count(count) * 1.25))
                    have = sum(1 for i in self.by_segment_status.get((segment, status), []) if self._eligible(rep, self.accounts[i]))
                    misses = 0
                    while have < need and misses < 20:
                        attrs = self._draw_account(segment, rep.plan.portfolio.criteria if segment in rep.carried else None)
                        if attrs is None:
                            attrs = self._draw_account(segment, None)
                        if attrs is None:
                            # the export cannot carry what puts an account in this segment: intake will leave it
                            # unsegmented, the generator still sizes its deals as the segment's
                            attrs = {a: self._draw_attribute(a, []) for a in self.attributes}
                        root = rng.choice(_ROOTS)
                        index = self._add_account(self._new_id(root), self._name(root, attrs), segment, status, attrs)
                        if self._eligible(rep, self.accounts[index]):
                            have += 1
                        else:
                            misses += 1
        # a long tail of accounts nobody plans to work
        tail = max(1, int(round(len(self.accounts) * 0.10)))
        for _ in range(tail):
            segment = rng.choice(self.segment_order)
            attrs = self._draw_account(segment, None)
            if attrs is None:
                continue
            status = "customer" if rng.random() < 0.35 else "prospect"
            root = rng.choice(_ROOTS)
            self._add_account(self._new_id(root), self._name(root, attrs), segment, status, attrs)

    def _assign_owners(self) -> None:
        """Each account's owner in the CRM: a rep whose portfolio holds it, favouring the reps still short of accounts."""
        rng = self.rng
        need = {(r.index, seg, st): self._count(n) for r in self.reps for seg, sts in r.plan.portfolio.accounts.items() for st, n in sts.items()}
        order = list(range(len(self.accounts)))
        rng.shuffle(order)
        for i in order:
            acc = self.accounts[i]
            sharer = [r for r in self.reps if acc.id in r.plan.portfolio.shared]
            namer = [r for r in self.reps if acc.id in r.plan.portfolio.named]
            if sharer or namer:
                acc.owner = (sharer or namer)[0].index
                continue
            candidates = [r for r in self.reps if self._eligible(r, acc)]
            if not candidates:
                continue
            weights = [max(need.get((r.index, acc.segment, acc.status), 0), 0) + 0.05 for r in candidates]
            chosen = candidates[_weighted(rng, weights)]
            acc.owner = chosen.index
            key = (chosen.index, acc.segment, acc.status)
            need[key] = need.get(key, 0) - 1

    def _plan_work(self) -> None:
        """The accounts each rep works: its named accounts, then those it owns, then others of its portfolio."""
        rng = self.rng
        for rep in self.reps:
            portfolio = rep.plan.portfolio
            for segment, statuses in portfolio.accounts.items():
                for status, count in statuses.items():
                    pool = [i for i in self.by_segment_status.get((segment, status), []) if self._eligible(rep, self.accounts[i])]
                    rng.shuffle(pool)
                    pool.sort(key=lambda i: (self.accounts[i].id not in portfolio.named and self.accounts[i].id not in portfolio.shared,
                                             self.accounts[i].owner != rep.index))
                    rep.worked[(segment, status)] = pool[: self._count(count)]
            for segment in rep.carried:
                worked = [i for (seg, _), ids in rep.worked.items() if seg == segment for i in ids]
                if not worked:
                    worked = [i for i, acc in enumerate(self.accounts) if acc.segment == segment and self._eligible(rep, acc)]
                if not worked:
                    worked = [i for i, acc in enumerate(self.accounts) if acc.segment == segment]
                rep.deal_accounts[segment] = worked

    def _choose_untouched(self) -> None:
        """Key accounts (first segment) in portfolios that nobody touches: a named one, and some worked ones."""
        rng = self.rng
        top = self.segment_order[0] if self.segment_order else None
        chosen: list[int] = []
        single = []
        for spec_seg, spec in self.ws.segments.items():
            if spec_seg != top:
                continue
            for account_id in spec.named:
                namers = {r.plan.id for r in self.reps if account_id in r.plan.portfolio.named or account_id in r.plan.portfolio.shared}
                for r in self.reps:
                    namers |= set(r.plan.portfolio.shared.get(account_id, []))
                if len(namers) == 1 and account_id in self.account_ids:
                    single.append(account_id)
        if single:
            chosen.append(self.account_ids[single[0]])
        want = max(3, int(round(6 * math.sqrt(self.scale))))
        reps = [r for r in self.reps if any(seg == top for seg, _ in r.worked)]
        rng.shuffle(reps)
        all_named = {a for spec in self.ws.segments.values() for a in spec.named} | {a for r in self.reps for a in [*r.plan.portfolio.named, *r.plan.portfolio.shared]}
        rounds = 0
        while len(chosen) < want and reps and rounds < 50:
            rounds += 1
            for rep in reps:
                if len(chosen) >= want:
                    break
                pool = sorted(i for (seg, _), ids in rep.worked.items() if seg == top for i in ids
                              if i not in chosen and self.accounts[i].id not in all_named)
                if pool:
                    chosen.append(rng.choice(pool))
        for i in chosen:
            self.accounts[i].untouched = True
        self.untouched = chosen
        for rep in self.reps:
            for segment, ids in rep.deal_accounts.items():
                kept = [i for i in ids if not self.accounts[i].untouched]
                rep.deal_accounts[segment] = kept or ids
        # the departed seller's accounts: a few small ones nobody names
        small = self.segment_order[-1] if self.segment_order else None
        pool = sorted(i for i, acc in enumerate(self.accounts) if acc.segment == small and not acc.untouched and acc.id not in all_named)
        self.departed_accounts = rng.sample(pool, min(len(pool), max(1, int(round(4 * self.scale)))))
        for i in self.departed_accounts:
            self.accounts[i].owner = -2

    # --- deals -------------------------------------------------------------------------------------------------

    def _amount(self, segment: str | None, product_index: int, rng: random.Random | None = None) -> int:
        """A deal amount in cents: a typical size for the segment and product, rounded as deals are."""
        rng = rng or self.rng
        u1, u2 = rng.random(), rng.random()
        median = _DEAL_MEDIAN[self.rank.get(segment, len(_DEAL_MEDIAN) - 1)]
        value = median * (1.0 if product_index == 0 else 0.45) * (0.5 + 1.5 * u1 * u2) / self.scale
        step = 100 if value >= 20_000 else 50 if value >= 2_000 else 10 if value >= 200 else 1
        return max(step, int(round(value / step)) * step) * 100

    def _day_in(self, first: dt.date, last: dt.date, rng: random.Random | None = None) -> dt.date:
        """A working day between `first` and `last` (any day when the span has none)."""
        rng = rng or self.rng
        span = _days_between(first, last)
        day = first + dt.timedelta(days=rng.randrange(span))
        for _ in range(8):
            if day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS:
                break
            day = first + dt.timedelta(days=rng.randrange(span))
        return day

    def _units(self, cents: int, range_: str | None, rng: random.Random) -> int:
        """Units of a sale of `cents` in a range: its amount over about the unit price (at least one)."""
        rank = self.ranges.index(range_) if range_ in self.ranges else len(_UNIT_PRICE) - 1
        price = _UNIT_PRICE[min(rank, len(_UNIT_PRICE) - 1)] / self.scale * (0.75 + 0.5 * rng.random())
        return max(1, int(round(cents / 100 / price)))

    def _product(self, range_: str | None) -> tuple[int, str]:
        names = self.crm_products[range_]
        index = 0 if len(names) == 1 or self.rng.random() < 0.6 else 1 + self.rng.randrange(len(names) - 1)
        return index, names[index]

    def _stage_for(self, close: dt.date) -> int:
        """An open deal's stage: late stages when it closes soon, early ones when it closes far out."""
        k = len(self.open_stages)
        if k == 1:
            return 0
        days = (close - self.as_of).days
        weights = []
        for i in range(k):
            pos = i / (k - 1)
            weights.append(0.2 + pos if days <= 30 else (1.0 - abs(pos - 0.5)) if days <= 90 else 1.2 - pos)
        return _weighted(self.rng, weights)

    def _make_deal(self, segment: str | None, range_: str | None, accounts: list[int], outcome: str, close: dt.date, cents: int | None = None) -> _Deal:
        rng = self.rng
        product_index, product = self._product(range_)
        amount = cents if cents is not None else self._amount(segment, product_index)
        lo, hi = _CYCLE[self.rank.get(segment, len(_CYCLE) - 1)]
        created = close - dt.timedelta(days=lo + int((hi - lo) * rng.random()))
        if created > self.as_of:
            created = self.as_of - dt.timedelta(days=rng.randrange(1, 60))
        created = min(created, close)
        if outcome == "open":
            stage = self._stage_for(close)
            recent = rng.random() < 0.85 and close >= self.as_of
            last = self.as_of - dt.timedelta(days=rng.randrange(0, 21) if recent else rng.randrange(31, 121))
            probability = self.probabilities[stage]
            if rng.random() < 0.15:
                probability = min(99, max(1, probability + rng.choice([-10, -5, 5, 10])))
        else:
            k = len(self.open_stages)
            stage = k - 1 if outcome == "won" else rng.randrange(k) if k else 0
            last = min(close - dt.timedelta(days=rng.randrange(0, 6)), self.as_of)
            probability = 100 if outcome == "won" else 0
        last = max(last, created)
        account = self._pick_account(accounts)
        return _Deal(close, created, last, account, product, range_, amount, outcome, stage, probability)

    def _pick_account(self, accounts: list[int]) -> int:
        """An account of the list, customers twice as likely as prospects (they buy add-ons and services)."""
        rng = self.rng
        while True:
            i = accounts[rng.randrange(len(accounts))]
            if self.accounts[i].status == "customer" or rng.random() < 0.5:
                return i

    def _rep_deals(self, rep: _Rep) -> list[_Deal]:
        """One rep's deals: won ones worth about the objective to date, lost ones at the rep's win rate, open pipeline."""
        rng = self.rng
        deals: list[_Deal] = []
        t = rep.targets
        mix = t.product_mix or {None: Fraction(1)}
        for segment in rep.carried:
            accounts = rep.deal_accounts.get(segment) or []
            if not accounts or segment not in t.full_year:
                continue
            monthly = t.monthly(segment)
            for range_ in self.ranges:
                share = float(mix.get(range_, Fraction(0))) if range_ is not None else 1.0
                if share <= 0:
                    continue
                low = rep is self.low_rep and range_ == self.low_range
                rate = self.low_rate if low else rep.win[range_]
                won_factor = rep.perf * (self.low_rate / 0.45 if low else 1.0)
                balance, lost_balance = 0.0, 0.0
                next_cents = None
                closed: list[_Deal] = []
                for m, month in enumerate(self.months):
                    first = max(month.first_day, rep.first_day)
                    last = min(month.last_day, self.as_of, rep.last_day)
                    if last < first:
                        continue
                    elapsed = _days_between(month.first_day, min(month.last_day, self.as_of)) / _days_between(month.first_day, month.last_day)
                    balance += float(monthly[m]) * share * elapsed * won_factor
                    while True:
                        if next_cents is None:
                            next_cents = self._amount(segment, 0 if rng.random() < 0.6 else 1)
                        if balance < next_cents / 200:
                            break
                        closed.append(self._make_deal(segment, range_, accounts, "won", self._day_in(first, last), next_cents))
                        balance -= next_cents / 100
                        next_cents = None
                        lost_balance += (1 - rate) / rate
                        while lost_balance >= 1:
                            closed.append(self._make_deal(segment, range_, accounts, "lost", self._day_in(first, last)))
                            lost_balance -= 1
                deals += closed
                # open pipeline: the rest of this fiscal year, then the first quarter of the next one
                balance = 0.0
                next_cents = None
                for m, month in enumerate(self.months + self.months[:3]):
                    next_year = m >= 12
                    first_day = _add_months(month.first_day, 12) if next_year else month.first_day
                    last_day = dt.date(first_day.year, first_day.month, calendar.monthrange(first_day.year, first_day.month)[1])
                    first = max(first_day, self.as_of + dt.timedelta(days=1), rep.first_day)
                    last = min(last_day, rep.last_day)
                    if last < first:
                        continue
                    remaining = _days_between(first, last) / _days_between(first_day, last_day)
                    weight = float(t.full_year.get(segment, 0)) * float(t.month_weights[m % 12]) if next_year else float(monthly[m])
                    if next_year:
                        cover = 0.8 - 0.2 * (m - 12)
                    elif m >= 9:
                        cover = rep.q4_cover
                    else:
                        cover = 2.2 + 0.4 * rng.random()
                    balance += weight * share * remaining * cover
                    while True:
                        if next_cents is None:
                            next_cents = self._amount(segment, 0 if rng.random() < 0.6 else 1)
                        if balance < next_cents / 200:
                            break
                        deal = self._make_deal(segment, range_, accounts, "open", self._day_in(first, last), next_cents)
                        balance -= next_cents / 100
                        next_cents = None
                        if rng.random() < 0.04:  # a deal that slipped: still open, its close date passed
                            deal.close = max(deal.created, self.as_of - dt.timedelta(days=rng.randrange(3, 60)))
                            deal.last_activity = max(deal.created, min(deal.last_activity, self.as_of - dt.timedelta(days=rng.randrange(31, 90))))
                        deals.append(deal)
        if rep is self.low_rep:
            self._top_up_low(rep, deals)
        return deals

    def _top_up_low(self, rep: _Rep, deals: list[_Deal]) -> None:
        """Enough closed deals on the low range for the low seller (36 from mid-year on), so a significance test can tell."""
        closed = [d for d in deals if d.range == self.low_range and d.outcome != "open"]
        need = max(30, self.ws.settings.conversion.min_closed) + 6
        elapsed = _days_between(self.fy_start, min(max(self.as_of, self.fy_start), self.fy_end)) / _days_between(self.fy_start, self.fy_end)
        need = int(math.ceil(need * min(1.0, 2 * elapsed)))  # in full from mid-year on
        segments = [s for s in rep.carried if rep.deal_accounts.get(s)]
        if not segments:
            return
        first = max(rep.first_day, self.fy_start)
        last = min(self.as_of, rep.last_day, self.fy_end)
        if last < first:
            return
        won = sum(1 for d in closed if d.outcome == "won")
        segment = segments[-1]
        while len(closed) < need:
            outcome = "won" if (won + 1) / (len(closed) + 1) <= self.low_rate + 0.02 else "lost"
            deal = self._make_deal(segment, self.low_range, rep.deal_accounts[segment], outcome, self._day_in(first, last))
            won += outcome == "won"
            closed.append(deal)
            deals.append(deal)

    def _departed_deals(self) -> list[_Deal]:
        rng = self.rng
        if not self.departed_accounts:
            return []
        left = self.departed_until
        deals = []
        segment = self.accounts[self.departed_accounts[0]].segment
        if left is not None:
            count = max(1, int(round(5 * self.scale)))
            for i in range(count):
                outcome = "won" if i % 5 in (0, 2, 4) else "lost"
                range_ = self.ranges[i % len(self.ranges)]
                deals.append(self._make_deal(segment, range_, self.departed_accounts, outcome, self._day_in(self.fy_start, left)))
        # a deal of hers still open: nobody took it over
        close = self.as_of + dt.timedelta(days=rng.randrange(10, 80))
        deal = self._make_deal(segment, self.ranges[0], self.departed_accounts, "open", close)
        if left is not None:
            deal.last_activity = min(deal.last_activity, left)
        deals.append(deal)
        return deals

    # --- ids -----------------------------------------------------------------------------------------------------

    _BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    def _scrambled(self, counter: int, modulus: int, salt: int) -> int:
        return (counter * 2_654_435_761 + salt) % modulus  # a bijection: the multiplier is odd and prime to 62 and 10

    def _sf_id(self, prefix: str, counter: int, salt: int) -> str:
        number = self._scrambled(counter, 62**12, salt)
        chars = []
        for _ in range(12):
            number, digit = divmod(number, 62)
            chars.append(self._BASE62[digit])
        return prefix + "".join(reversed(chars))

    def opportunity_id(self, counter: int) -> str:
        preset = self.config.opportunities.preset if self.config.opportunities else "none"
        if preset == "salesforce":
            return self._sf_id("006", counter, 0x5F3759DF)
        if preset == "hubspot":
            return str(10_000_000_000 + self._scrambled(counter, 10**10, 7_777_777))
        if preset == "pipedrive":
            return str(1000 + counter)
        return f"OPP-{counter + 1:06d}"

    def activity_id(self, counter: int) -> str:
        preset = self.config.activities.preset if self.config.activities else "none"
        if preset == "salesforce":
            return self._sf_id("00T", counter, 0x1B873593)
        if preset == "hubspot":
            return str(80_000_000_000 + self._scrambled(counter, 10**10, 12_345_678))
        if preset == "pipedrive":
            return str(5000 + counter)
        return f"ACT-{counter + 1:07d}"

    # --- the exports -------------------------------------------------------------------------------------------

    def run(self) -> DemoData:
        self._build_accounts()
        self._assign_owners()
        self._plan_work()
        self._choose_untouched()
        left = min(_add_months(self.fy_start, 3) - dt.timedelta(days=17), self.as_of - dt.timedelta(days=1))
        self.departed_until = left if left >= self.fy_start else None
        self.invoices: list[tuple] = []  # (date, account, owner rep index or -2, range, cents, credit note?, units)
        self.links: dict[tuple[int, int], tuple[int, dt.date]] = {}  # (rep, account) -> latest deal counter, its created date
        files: dict[str, ExportFile] = {}
        if self.config.opportunities is not None or self.config.stage_history is not None or self.config.sales is not None:
            files.update(self._write_opportunities())
        if self.config.sales is not None:
            files["sales"] = self._write_sales()
        if self.config.activities is not None:
            files["activities"] = self._write_activities()
        if self.config.accounts is not None:
            files["accounts"] = self._write_accounts()
        ordered = [files[k] for k in KINDS if k in files]
        return DemoData(ordered, self._facts(files))

    def _write_opportunities(self) -> dict[str, ExportFile]:
        rng = self.rng
        config = self.config
        book = [(f"expected:{output}", header) for output, header in self.expected]
        opp = _Export("opportunities", config.opportunities, book, fill=self._fill()) if config.opportunities is not None else None
        history = _Export("stage_history", config.stage_history) if config.stage_history is not None else None
        blocks: list[tuple[str, _Rep | None]] = []
        for rep in self.reps:
            blocks.append((self.owner_label(rep, "opportunities") if opp else rep.plan.name, rep))
        blocks.append((self.owner_label(None, "opportunities") if opp else self.departed_name, None))
        blocks.sort(key=lambda b: (b[0].casefold(), b[1].index if b[1] else -1))
        rep_blocks = [label for label, rep in blocks if rep is not None and rep.carried]
        if opp is not None and rep_blocks:
            for bad in self._bad_opportunities(opp):
                opp.plan_bad(rng.choice(rep_blocks), rng.randint(1, 15), bad)
        if history is not None and rep_blocks:
            for bad in self._bad_history(history):
                history.plan_bad(rng.choice(rep_blocks), rng.randint(1, 40), bad)
        counter = 0
        self.q4_open = 0
        self.team_low = [0, 0]  # won, closed on the low range, the low seller excepted
        self.low_counts = [0, 0]
        q4_first = self.months[9].first_day
        for label, rep in blocks:
            deals = self._rep_deals(rep) if rep is not None else self._departed_deals()
            deals.sort(key=lambda d: (d.close, d.created, d.account, d.cents))
            if opp is not None:
                opp.begin(label)
            if history is not None:
                history.begin(label)
            for deal in deals:
                acc = self.accounts[deal.account]
                opp_id = self.opportunity_id(counter)
                counter += 1
                deal.quantity = self._units(deal.cents, deal.range, self.qty_rng) if deal.product else 0
                if deal.outcome == "won":
                    if deal.close <= self.as_of:
                        acc.won = True
                    when = deal.close + dt.timedelta(days=rng.randrange(0, 8))
                    if when <= self.as_of:
                        per_mille = 0 if rng.random() < 0.65 else rng.randrange(5, 46)
                        cents = deal.cents * (1000 - per_mille) // 1000
                        self.invoices.append((when, deal.account, rep.index if rep else -2, deal.range, cents, False, deal.quantity))
                blanks = self._blanks(deal, opp) if opp is not None else set()
                if deal.outcome == "open" and q4_first <= deal.close <= self.fy_end and not blanks & {"amount", "close_date"}:
                    self.q4_open += deal.cents
                if rep is not None and deal.range == self.low_range and deal.outcome != "open":
                    target = self.low_counts if rep is self.low_rep else self.team_low
                    target[0] += deal.outcome == "won"
                    target[1] += 1
                if rep is not None:
                    previous = self.links.get((rep.index, deal.account))
                    if previous is None or previous[1] <= deal.created:
                        self.links[(rep.index, deal.account)] = (counter - 1, deal.created)
                if opp is not None:
                    opp.row(self._opportunity_values(opp, rep, deal, opp_id, blanks), departed=rep is None)
                if history is not None:
                    self._history_rows(history, rep, deal, opp_id)
        out = {}
        if opp is not None:
            footer = None
            if config.opportunities.preset == "salesforce":
                footer = [
                    f"Grand Totals ({opp.rows} records)",
                    "Confidential Information - Do Not Distribute",
                    f"Copyright (c) 2000-{self.as_of.year} salesforce.com, inc. All rights reserved.",
                ]
            out["opportunities"] = opp.finish(footer)
        if history is not None:
            out["stage_history"] = history.finish()
        return out

    def _fill(self) -> frozenset:
        """The fields written beyond the preset's usual ones: the currency when the workspace declares rates."""
        return frozenset({"currency"}) if self.rates else frozenset()

    def _blanks(self, deal: _Deal, export: _Export) -> set[str]:
        """The cells a real export leaves blank on this deal: some open deals' amount, close date or account;
        lost deals without value (`lost_zero`: written 0) in the presets whose orgs do that."""
        aux = self.aux
        blanks = set()
        if deal.outcome == "open":
            for name, share in _OPEN_BLANKS.items():
                if aux.random() < share and (name != "account" or export.has("account")):
                    blanks.add(name)
        elif deal.outcome == "lost" and export.source.preset in _LOST_NO_VALUE:
            share, how = _LOST_NO_VALUE[export.source.preset]
            if aux.random() < share:
                blanks.add("amount" if how == "blank" else "lost_zero")
        return blanks

    def _in_currency(self, cents: int) -> tuple[str, int]:
        """A deal's currency and its amount in it: mostly the workspace currency; else a foreign one of `rates:`,
        the amount converted at the plan rate and rounded as deals are (its value in the workspace currency stays near)."""
        if not self.rates or self.aux.random() >= _FOREIGN_SHARE:
            return self.currency, cents
        codes = list(self.rates)
        code = codes[self.aux.randrange(len(codes))]
        value = Fraction(cents, 100) / self.rates[code]
        step = 100 if value >= 20_000 else 50 if value >= 2_000 else 10 if value >= 200 else 1
        return code, max(step, int(round(value / step)) * step) * 100

    def _opportunity_values(self, export: _Export, rep: _Rep | None, deal: _Deal, opp_id: str, blanks: set[str] = frozenset()) -> dict[str, str]:
        source = export.source
        acc = self.accounts[deal.account]
        uses_status = export.has("status")
        if deal.outcome == "open" or uses_status:
            stage = self.crm_stage[self.open_stages[deal.stage].name] if self.open_stages else ""
        else:
            stage = self.closed_stage[deal.outcome]
        probability = deal.probability if source.probability == "percent" else f"{deal.probability / 100:.2f}"
        name = f"{acc.name} - {deal.product}" if deal.product else acc.name
        currency, cents = self._in_currency(deal.cents) if export.has("currency") else (self.currency, deal.cents)
        if "lost_zero" in blanks:
            cents = 0
        return {
            "id": opp_id,
            "owner": self.owner_label(rep, "opportunities"),
            "account": "" if "account" in blanks else acc.id,
            "stage": stage,
            "amount": "" if "amount" in blanks else _amount_text(cents, source),
            "currency": currency,
            "close_date": "" if "close_date" in blanks else _date_text(dt.datetime.combine(deal.close, dt.time()), source),
            "created_date": _date_text(dt.datetime.combine(deal.created, dt.time(9, 0)), source),
            "probability": str(probability),
            "product": deal.product,
            "last_activity": _date_text(dt.datetime.combine(deal.last_activity, dt.time()), source),
            "name": _fold(name, [source.encoding]),
            "status": deal.outcome if uses_status else "",
            "quantity": _quantity_text(deal.quantity, source) if deal.product else "",
            **self._book_values(source, rep, deal),
        }

    def _book_values(self, source: Source, rep: _Rep | None, deal: _Deal) -> dict[str, str]:
        """The qualification columns of a deal (data.opportunities.expected): an output is mostly recorded once
        its stage is passed, half the time at its stage, seldom before; a timeline as the quarter the customer
        gave. The rep of `self.unqualified` moves most of its open deals on without the first output."""
        if not self.expected:
            return {}
        book = self.book_rng
        yes, no = _CHECKBOX_WORDS.get(source.preset, _CHECKBOX_WORDS["none"])
        out = {}
        for output, _header in self.expected:
            key = _output_key(output)
            at = self.expected_at.get((rep.index, key)) if rep is not None else None
            if deal.outcome == "won":
                share = 0.95
            elif at is None:
                share = 0.45
            else:
                share = 0.93 if at < deal.stage else 0.45 if at == deal.stage else 0.1
                if rep is not None and self.unqualified == (rep.index, key) and deal.outcome == "open" and at < deal.stage:
                    share = 0.3
            recorded = book.random() < share
            blank = book.random() < 0.4
            if any(word in key for word in ("time", "date", "when")):
                text = f"Q{(deal.close.month - 1) // 3 + 1} {deal.close.year}" if recorded else "" if blank else "Unknown"
            else:
                text = yes if recorded else "" if blank else no
            out[f"expected:{output}"] = text
        return out

    def _history_rows(self, export: _Export, rep: _Rep | None, deal: _Deal, opp_id: str) -> None:
        source = export.source
        reached = [self.crm_stage[s.name] for s in self.open_stages[: deal.stage + 1]]
        end = deal.close if deal.outcome != "open" else self.as_of
        end = max(min(end, self.as_of), deal.created)
        if deal.outcome != "open":
            reached.append(self.closed_stage[deal.outcome])
        span = (end - deal.created).days
        for i, stage in enumerate(reached):
            day = deal.created + dt.timedelta(days=(span * i) // max(1, len(reached) - 1)) if len(reached) > 1 else deal.created
            if i == len(reached) - 1 and deal.outcome != "open":
                day = end
            export.row({"opportunity": opp_id, "stage": stage, "date": _date_text(dt.datetime.combine(day, dt.time(10, 0)), source)}, departed=False)

    def _write_sales(self) -> ExportFile:
        rng = self.rng
        source = self.config.sales
        export = _Export("sales", source, fill=self._fill())
        invoices = self.invoices
        # a few credit notes on earlier invoices
        credits = []
        candidates = [inv for inv in invoices if inv[5] is False]
        for _ in range(min(len(candidates), max(1, int(round(2 * self.scale))))):
            inv = rng.choice(candidates)
            when = inv[0] + dt.timedelta(days=rng.randrange(5, 40))
            if when <= self.as_of:
                percent = rng.randrange(10, 31)  # a rebate on the invoice, returning that share of its units
                credits.append((when, inv[1], inv[2], inv[3], -(inv[4] * percent // 100), True, -(inv[6] * percent // 100)))
        invoices = sorted(invoices + credits, key=lambda inv: (inv[0], inv[5], inv[1], inv[4]))
        ordinals = sorted(rng.sample(range(1, max(len(invoices), 5) + 1), 4))
        prior = self._prior_invoices()
        for bad, ordinal in zip(self._bad_sales(export), ordinals):
            export.plan_bad(None, ordinal + len(prior), bad)  # among this year's invoices
        export.begin(None)
        year = f"{self.as_of.year % 100:02d}"
        last_year = f"{(self.fy_start - dt.timedelta(days=1)).year % 100:02d}"
        self.invoice_counter = {}
        for when, account, owner, range_, cents, credit, units in prior:
            rep = self.reps[owner] if owner >= 0 else None
            export.row(self._invoice_values(export, rep, account, range_, cents, credit, when, last_year, units), departed=rep is None)
        self.invoiced = {}
        for when, account, owner, range_, cents, credit, units in invoices:
            rep = self.reps[owner] if owner >= 0 else None
            export.row(self._invoice_values(export, rep, account, range_, cents, credit, when, year, units), departed=rep is None)
            if rep is not None:
                self.invoiced[rep.plan.id] = self.invoiced.get(rep.plan.id, 0) + cents
            else:
                self.invoiced[None] = self.invoiced.get(None, 0) + cents
        return export.finish()

    def _prior_invoices(self) -> list[tuple]:
        """Last fiscal year's invoices of the accounts already customers (one or two each, by their owner):
        the sales export runs from the year before, so an account's first sale tells a new customer from an
        old one. Drawn from their own stream: this year's rows do not move."""
        history = self.history_rng
        first, last = _add_months(self.fy_start, -12), self.fy_start - dt.timedelta(days=1)
        shares = [float(getattr(self.strategy.products.get(r), "value", self.strategy.products.get(r)) or 0) if r is not None else 1.0
                  for r in self.ranges] if self.strategy.products else [1.0] * len(self.ranges)
        out = []
        for i, acc in enumerate(self.accounts):
            if acc.status != "customer" or acc.owner == -1:
                continue
            for _ in range(1 + (history.random() < 0.2)):
                range_ = self.ranges[_weighted(history, shares)]
                cents = self._amount(acc.segment, 0 if history.random() < 0.5 else 1, history)
                units = self._units(cents, range_, history) if self.crm_products[range_] != [""] else 0
                out.append((self._day_in(first, last, history), i, acc.owner, range_, cents, False, units))
        out.sort(key=lambda inv: (inv[0], inv[1], inv[4]))
        return out

    def _invoice_values(self, export: _Export, rep, account, range_, cents, credit, when, year, units=0) -> dict[str, str]:
        slot = (year, 1 if credit else 0)
        self.invoice_counter[slot] = self.invoice_counter.get(slot, 0) + 1
        number = f"{'AV' if credit else 'FA'}{year}-{self.invoice_counter[slot]:06d}"
        return {
            "id": number,
            "owner": self.owner_label(rep, "sales"),
            "account": self.accounts[account].id,
            "amount": _amount_text(cents, export.source),
            "date": _date_text(dt.datetime.combine(when, dt.time()), export.source),
            "product": self.erp_range[range_],
            "currency": self.currency,
            "quantity": _quantity_text(units, export.source) if self.erp_range[range_] else "",
        }

    def _write_activities(self) -> ExportFile:
        rng = self.rng
        source = self.config.activities
        export = _Export("activities", source)
        year_days = _days_between(self.fy_start, self.fy_end)
        # what each rep does, per year: (account, action) pairs weighted by the norms
        plans = []
        for rep in self.reps:
            entries, weights = [], []
            for (segment, status), ids in rep.worked.items():
                norms = dict(self.strategy.norms.get(segment, {}).get(status, {}))
                norms.update(rep.plan.activities.get(segment, {}).get(status, {}))
                for action, count in norms.items():
                    if action not in self.crm_action or not count:
                        continue
                    for i in ids:
                        if not self.accounts[i].untouched:
                            entries.append((i, action))
                            weights.append(float(count))
            cumulative, total = [], 0.0
            for w in weights:
                total += w
                cumulative.append(total)
            plans.append((rep, entries, cumulative, total))
        months = [m for m in self.months if m.first_day <= self.as_of]
        if months:
            for bad, month in zip(self._bad_activities(export), [rng.choice(months) for _ in range(3)]):
                export.plan_bad(month.index, rng.randint(1, 40), bad)
        counter = 0
        for month in months:
            chunk = []
            for rep, entries, cumulative, total in plans:
                first = max(month.first_day, rep.first_day)
                last = min(month.last_day, self.as_of, rep.last_day)
                if last < first or not entries:
                    continue
                lam = total * _days_between(first, last) / year_days * rep.activity
                for _ in range(_poisson(rng, lam)):
                    account, action = entries[min(len(entries) - 1, _bisect(cumulative, rng.random() * total))]
                    chunk.append((self._moment(first, last), rep, account, action))
            if self.departed_until is not None and self.departed_accounts:
                first, last = month.first_day, min(month.last_day, self.departed_until)
                if first <= last:
                    lam = 4 * self.scale * _days_between(first, last) / 30
                    for _ in range(_poisson(rng, lam)):
                        chunk.append((self._moment(first, last), None, rng.choice(self.departed_accounts), rng.choice(list(self.crm_action))))
            chunk.sort(key=lambda item: (item[0], item[1].index if item[1] else -1, item[2]))
            export.begin(month.index)
            for moment, rep, account, action in chunk:
                link = self.links.get((rep.index, account)) if rep is not None else None
                opportunity = ""
                if link is not None and link[1] <= moment.date() and rng.random() < 0.5:
                    opportunity = self.opportunity_id(link[0])
                values = {
                    "owner": self.owner_label(rep, "activities"),
                    "account": self.accounts[account].id,
                    "type": self.crm_action[action],
                    "date": _date_text(moment, source),
                    "id": self.activity_id(counter),
                    "opportunity": opportunity,
                    "status": self._task_status(export, moment.date(), rep is None),
                    "contact_role": self._title(export, account, rep),
                }
                counter += 1
                export.row(values, departed=rep is None)
        if export.has("status"):
            self._scheduled_activities(export, plans, counter)
        return export.finish()

    def _status_words(self, export: _Export) -> tuple[str, list[str]]:
        """The export's own words for a task done and for open ones: the preset's, else data.mapping.activity_statuses."""
        if export.source.preset in _STATUS_WORDS:
            return _STATUS_WORDS[export.source.preset]
        mapping = self.config.mapping.activity_statuses
        done = [k for k, v in mapping.items() if v == "done"]
        open_ = [k for k, v in mapping.items() if v == "open"]
        return (done[0] if done else "done"), (open_ or ["open"])

    def _open_word(self, export: _Export) -> str:
        words = self._status_words(export)[1]
        return words[_weighted(self.aux, _OPEN_WEIGHTS[: len(words)] + [0.05] * max(0, len(words) - len(_OPEN_WEIGHTS)))]

    def _task_status(self, export: _Export, day: dt.date, departed: bool) -> str:
        """A past task: mostly done; a few left open (overdue), more of them in the last three weeks."""
        if not export.has("status"):
            return ""
        share = 0.0 if departed else 0.12 if (self.as_of - day).days <= 21 else 0.012
        if self.aux.random() < share:
            return self._open_word(export)
        return self._status_words(export)[0]

    def _scheduled_activities(self, export: _Export, plans: list, counter: int) -> None:
        """Tasks in the calendar after the as-of date (open, in the export's words): the next five weeks,
        at about a third of each rep's pace, thinning out further ahead."""
        aux, source = self.aux, export.source
        year_days = _days_between(self.fy_start, self.fy_end)
        first_day, last_day = self.as_of + dt.timedelta(days=1), self.as_of + dt.timedelta(days=35)
        rows = []
        for rep, entries, cumulative, total in plans:
            first, last = max(first_day, rep.first_day), min(last_day, rep.last_day)
            if last < first or not entries:
                continue
            lam = total * _days_between(first, last) / year_days * rep.activity * 0.35
            for _ in range(_poisson(aux, lam)):
                span = _days_between(first, last)
                offset = int(span * aux.random() * math.sqrt(aux.random()))  # nearer dates more booked
                day = first + dt.timedelta(days=min(span - 1, offset))
                while day.weekday() >= 5 or (day.month, day.day) in _HOLIDAYS:
                    day += dt.timedelta(days=1)
                moment = dt.datetime.combine(day, dt.time(8 + aux.randrange(11), aux.randrange(60)))
                account, action = entries[min(len(entries) - 1, _bisect(cumulative, aux.random() * total))]
                rows.append((moment, rep, account, action))
        rows.sort(key=lambda item: (item[0], item[1].index, item[2]))
        export.begin("scheduled")
        for moment, rep, account, action in rows:
            link = self.links.get((rep.index, account))
            export.row({
                "owner": self.owner_label(rep, "activities"),
                "account": self.accounts[account].id,
                "type": self.crm_action[action],
                "date": _date_text(moment, source),
                "id": self.activity_id(counter),
                "opportunity": self.opportunity_id(link[0]) if link is not None and aux.random() < 0.5 else "",
                "status": self._open_word(export),
                "contact_role": self._title(export, account, rep),
            })
            counter += 1

    def _title(self, export: _Export, account: int, rep: _Rep | None) -> str:
        """The job title of the contact an activity is with: one of the roles the account's segment targets
        (the first most often), written as data.mapping.contact_roles names it; a few blank. The rep of
        `self.unreached` never meets that role in that segment."""
        if not export.has("contact_role"):
            return ""
        titles = self.title_rng
        acc = self.accounts[account]
        spec = self.ws.segments.get(acc.segment) if acc.segment else None
        roles = list(spec.contacts) if spec is not None else []
        if rep is not None and self.unreached is not None and self.unreached[:2] == (rep.index, acc.segment):
            roles = [role for role in roles if role != self.unreached[2]]
        if not roles or titles.random() < _NO_TITLE:
            return ""
        role = roles[_weighted(titles, ([3.0, 1.5] + [1.0] * len(roles))[: len(roles)])]
        names = self.role_titles[role]
        return _fold(names[titles.randrange(len(names))], [export.source.encoding])

    def _moment(self, first: dt.date, last: dt.date) -> dt.datetime:
        """A working day between `first` and `last`, in office hours."""
        rng = self.rng
        day = self._day_in(first, last)
        return dt.datetime.combine(day, dt.time(8 + rng.randrange(11), rng.randrange(60)))

    def _write_accounts(self) -> ExportFile:
        rng = self.rng
        source = self.config.accounts
        extra = [(f"attr:{attribute}", header) for attribute, header in self.config.attributes.items()]
        export = _Export("accounts", source, extra)
        order = sorted(range(len(self.accounts)), key=lambda i: (self.accounts[i].name.casefold(), self.accounts[i].id))
        ordinals = sorted(rng.sample(range(1, max(len(order), 4) + 1), 3))
        for bad, ordinal in zip(self._bad_accounts(export), ordinals):
            export.plan_bad(None, ordinal, bad)
        export.begin(None)
        for i in order:
            acc = self.accounts[i]
            owner = self.reps[acc.owner] if acc.owner >= 0 else None
            status = "customer" if acc.won else acc.status
            values = {
                "id": acc.id,
                "name": acc.name,
                "status": self.status_label[status],
                "segment": acc.segment or "",
                "owner": "" if acc.owner == -1 else self.owner_label(owner, "accounts"),
            }
            values.update({f"attr:{a}": acc.attrs.get(a, "") for a in self.config.attributes})
            export.row(values, departed=acc.owner == -2)
        return export.finish()

    # --- the deliberate bad rows ---------------------------------------------------------------------------------

    def _unknown(self, candidates: list[str], known: set[str]) -> str:
        return next((c for c in candidates if c.casefold() not in known), candidates[0] + " (old)")

    def _bad_opportunities(self, export: _Export) -> list[_BadRow]:
        source = export.source
        new_id = lambda v, e: self.opportunity_id(10**8 + len(e.bad))  # noqa: E731 - ids no real deal uses
        known = {k.casefold() for k in self.config.mapping.stages} | {s.name.casefold() for s in self.strategy.stages}
        known |= set(PRESET_STAGES.get(source.preset, {}))
        stage = self._unknown(_UNKNOWN_STAGES, known)
        year = self.as_of.year
        bad = [
            _BadRow("unreadable amount 'TBD'", lambda v, e: {**v, "id": new_id(v, e), "amount": "TBD"}),
            _BadRow("amount in the wrong locale", lambda v, e: {**v, "id": new_id(v, e), "amount": _wrong_locale_amount(1_250_000, source)}),
            _BadRow(f"impossible close date {_impossible_date(source, year)}", lambda v, e: {**v, "id": new_id(v, e), "close_date": _impossible_date(source, year)}),
        ]
        if "stage" in export.fields:
            bad.append(_BadRow(f"unknown stage '{stage}'", lambda v, e: {**v, "id": new_id(v, e), "stage": stage, "status": ""}))
        return bad

    def _bad_history(self, export: _Export) -> list[_BadRow]:
        source = export.source
        known = {k.casefold() for k in self.config.mapping.stages} | {s.name.casefold() for s in self.strategy.stages}
        known |= set(PRESET_STAGES.get(source.preset, {}))
        stage = self._unknown(_UNKNOWN_STAGES, known)
        return [
            _BadRow(f"unknown stage '{stage}'", lambda v, e: {**v, "stage": stage}),
            _BadRow("impossible date", lambda v, e: {**v, "date": _impossible_date(source, self.as_of.year)}),
        ]

    def _bad_activities(self, export: _Export) -> list[_BadRow]:
        source = export.source
        known = {k.casefold() for k in self.config.mapping.actions} | {a.casefold() for a in self.strategy.actions}
        kind = self._unknown(_UNKNOWN_ACTIVITIES, known)
        fresh = lambda e: self.activity_id(10**8 + len(e.bad))  # noqa: E731
        return [
            _BadRow(f"unknown activity type '{kind}'", lambda v, e: {**v, "id": fresh(e), "type": kind}),
            _BadRow("impossible date", lambda v, e: {**v, "id": fresh(e), "date": _impossible_date(source, self.as_of.year)}),
            _BadRow("missing activity type", lambda v, e: {**v, "id": fresh(e), "type": ""}),
        ]

    def _bad_sales(self, export: _Export) -> list[_BadRow]:
        source = export.source
        error = "#VALEUR!" if source.decimal == "," else "#VALUE!"
        year = f"{self.as_of.year % 100:02d}"
        fresh = lambda e: f"FA{year}-9{len(e.bad) + 1:05d}"  # noqa: E731
        return [
            _BadRow("amount in the wrong locale", lambda v, e: {**v, "id": fresh(e), "amount": _wrong_locale_amount(1_234_567, source)}),
            _BadRow(f"spreadsheet error {error} as the amount", lambda v, e: {**v, "id": fresh(e), "amount": error}),
            _BadRow("impossible date", lambda v, e: {**v, "id": fresh(e), "date": _impossible_date(source, self.as_of.year)}),
            _BadRow("missing account", lambda v, e: {**v, "id": fresh(e), "account": ""}),
        ]

    def _bad_accounts(self, export: _Export) -> list[_BadRow]:
        def duplicate(v: dict, e: _Export) -> dict:
            return {**v, "name": v.get("name", "").upper()}

        def missing(v: dict, e: _Export) -> dict:
            return {**v, "id": "", "name": _fold("Prospect salon Vivatech (à qualifier)", [e.source.encoding])}

        def ragged(v: dict, e: _Export) -> str:
            values = {**v, "id": self._new_id("Dupont"), "name": f"Dupont{e.delimiter} Fils et Associés"}
            values["name"] = _fold(values["name"], [e.source.encoding])
            cells = []
            for name in e.fields:
                text = values.get(name, "")
                cells.append(text if name == "name" else e.quote(text))
            if "name" not in e.fields:
                cells.append("")
            return e.delimiter.join(cells)

        return [
            _BadRow("account id given twice", duplicate),
            _BadRow("missing account id", missing),
            _BadRow("ragged row: an unquoted delimiter in the name", ragged),
        ]

    # --- what the data holds -------------------------------------------------------------------------------------

    def _facts(self, files: dict[str, ExportFile]) -> dict:
        as_of = self.as_of
        plan_to_date = Fraction(0)
        q4_target = Fraction(0)
        q4_done = 0
        for rep in self.reps:
            monthly = rep.targets.monthly_total()
            for m, month in enumerate(self.months):
                if month.first_day > as_of:
                    continue
                share = Fraction(_days_between(month.first_day, min(month.last_day, as_of)), _days_between(month.first_day, month.last_day))
                plan_to_date += monthly[m] * share
            q4_target += sum(monthly[9:12], Fraction(0))
        q4_first = self.months[9].first_day
        for when, _, owner, _, cents, *_ in self.invoices:
            if q4_first <= when <= as_of and owner >= 0:
                q4_done += cents
        facts = {
            "as_of": as_of.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
            "accounts": len(self.accounts),
            "departed": {
                "name": self.departed_name,
                "email": self.departed_email,
                "left": self.departed_until.isoformat() if self.departed_until else None,
                "accounts": [self.accounts[i].id for i in self.departed_accounts],
            },
            "low_conversion": None,
            "untouched_accounts": [
                {"account": self.accounts[i].id, "segment": self.accounts[i].segment,
                 "reps": [r.plan.id for r in self.reps if any(i in ids for ids in r.worked.values())]}
                for i in self.untouched
            ],
            "plan_to_date": round(float(plan_to_date), 2),
            "q4": {
                "target": round(float(q4_target), 2),
                "invoiced_to_date": q4_done / 100,
                "remaining": round(float(q4_target) - q4_done / 100, 2),
                "open_pipeline": self.q4_open / 100,
            },
        }
        if self.low_rep is not None:
            facts["low_conversion"] = {
                "rep": self.low_rep.plan.id,
                "range": self.low_range,
                "won": self.low_counts[0],
                "closed": self.low_counts[1],
                "team_won": self.team_low[0],
                "team_closed": self.team_low[1],
            }
        if "sales" in files:
            facts["invoiced_to_date"] = {k if k is not None else "<departed>": v / 100 for k, v in self.invoiced.items()}
        return facts


def _bisect(cumulative: list[float], point: float) -> int:
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= point:
            lo = mid + 1
        else:
            hi = mid
    return lo
