"""Writing one export in its declared dialect: headers, encoding, delimiter, quoting, blocks, deliberate bad rows, footer."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable

from ..config.data import Source
from ..intake.fields import FIELDS, PRESETS, columns_for
from .model import CSV_SUFFIXES, DemoDataError, ExportFile
from .values import _amount_text


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
