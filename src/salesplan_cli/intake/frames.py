"""Build the canonical frames from raw export columns: parse, map, and account for every row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..plan.model import Workspace
from .activity_status import map_activity_status
from .contact_roles import map_contact_roles
from ..config.data import DataConfig, Source
from .currency import record_conversions, settle_currencies
from .frameset import Frames, SourceReport, setting_of
from .lookups import owner_lookup, stage_lookup
from .quantity import parse_quantity
from .parse import ANY_CURRENCY, arrow_blank_as_none, as_category, canonical_numbers, lookup, map_key, normalise_key, normalised_category, parse_amounts, parse_dates, parse_probabilities, strip_texts
from .read import RawTable, RowIssue
from .keys import KEY_TEXTS, file_category, intern_keys, stripped_category
from .lines import product_lines, sales_by_line
from .segments import assign_segments

_PARSERS = {"amount": parse_amounts, "date": parse_dates, "probability": parse_probabilities}


class _Part:
    """One export file of a kind: its rows are frame rows [start, stop) of the kind's `_Rows`."""

    def __init__(self, table: RawTable, mapped: dict[str, str], source: Source, rel: str, start: int, stop: int, report: SourceReport):
        self.table, self.headers, self.source, self.rel = table, mapped, source, rel
        self.start, self.stop, self.report = start, stop, report


class _Rows:
    """The rows of one kind's exports (one file, or several concatenated in order) as they go through parsing
    and mapping; each row is accounted for in the report of its own file."""

    def __init__(self, kind: str, parts: list[tuple[RawTable, dict[str, str], Source, str]], config: DataConfig | None = None):
        self.kind = kind
        self.parts: list[_Part] = []
        frames = []
        start = 0
        for number, (table, mapped, source, rel) in enumerate(parts):
            frame = pd.DataFrame({name: pd.Series(table.columns[header], dtype="str") for name, header in mapped.items()})
            for name, value in source.values.items():
                frame[name] = pd.Series(value, index=range(table.rows), dtype="str")
            frame["line"] = pd.Series(table.lines, dtype="int64")
            report = SourceReport(kind=kind, path=rel, unit=table.unit, rows_read=table.rows + sum(1 for i in table.issues if i.kind == "rejected"))
            report.issues.extend(table.issues)
            report.fields = [name for name in mapped if ":" not in name] + [name for name in source.values if name not in mapped]
            self.parts.append(_Part(table, dict(mapped), source, rel, start, start + table.rows, report))
            start += table.rows
            frame["_part"] = number
            frames.append(frame)
        self.frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if len(frames) > 1:  # a field one file carries and another does not: blank in the other
            text = [c for c in self.frame.columns if c not in ("line", "_part")]
            self.frame[text] = self.frame[text].fillna("")
        # the first part's source and table stand for the kind where one is needed (a single file: the file)
        self.source, self.table = self.parts[0].source, self.parts[0].table
        self.headers = dict(self.parts[0].headers)  # canonical name -> export header (first file)
        self.reports = [part.report for part in self.parts]
        self.report = self.reports[0]
        self.keep = pd.Series(True, index=self.frame.index)
        self.folded = pd.Series(False, index=self.frame.index)  # rows used as part of another row (product lines)
        self.rates_used: dict = {}  # currency -> (rate, workspace currency) of the amounts converted
        self.selected = pd.Series(True, index=self.frame.index)  # rows not left out by a where: filter
        if config is not None:
            self._select(config)
        for part in self.parts:  # the frame holds the text now: each column can go as soon as the frame lets it go
            part.table.columns = {}

    def _select(self, config: DataConfig) -> None:
        """Skip the rows a `where:` filter leaves out, each listed with its line and the value it holds."""
        for part in self.parts:
            where = part.source.where
            if not where:
                continue
            setting = setting_of(config, self.kind, part.source)
            index = self.frame.index[part.start : part.stop]
            for header, accepted in where.items():
                values = pd.Series(part.table.columns[header], dtype="str")
                values.index = index
                keys = normalise_key(values)
                out = ~keys.isin(list(normalise_key(pd.Series(accepted, dtype="str")))) & self.keep.loc[index]
                if not out.any():
                    continue
                wanted = f"'{accepted[0]}'" if len(accepted) == 1 else "one of " + ", ".join(f"'{a}'" for a in accepted)
                mask = pd.Series(False, index=self.frame.index)
                mask.loc[index] = out
                reason = header + " is '" + values.str.strip().str.slice(0, 40) + f"', not {wanted} ({setting}.where)"
                self._list(mask, reason.reindex(self.frame.index), "skipped")
                part.report.rows_read -= int(out.sum())  # skipped rows are not counted among the rows read
                self.keep &= ~mask
                self.selected &= ~mask

    def _list(self, mask: pd.Series, reason, kind: str) -> None:
        """List the rows under `mask` in their file's report, with their id and name where the export has them."""
        lines = self.frame.loc[mask, "line"]
        reasons = reason[mask] if isinstance(reason, pd.Series) else pd.Series(reason, index=lines.index)
        ids, names = self._labels(mask)
        issues = (RowIssue(int(line), str(text), kind, id=i, name=n) for line, text, i, n in zip(lines, reasons, ids, names))
        if len(self.parts) == 1:
            self.report.issues.extend(issues)
            return
        for number, issue in zip(self.frame.loc[mask, "_part"], issues):
            self.parts[number].report.issues.append(issue)

    def in_first_file(self, column: str, repeated: pd.Series) -> pd.Series:
        """For rows whose `column` value appeared first in another file: ' in <file> line <n>'; else ''."""
        blank = pd.Series("", index=self.frame.index, dtype="object")
        if len(self.parts) == 1 or not repeated.any():
            return blank
        firsts = self.frame[self.selected].drop_duplicates(column, keep="first").set_index(column)
        first_part = self.frame[column].map(firsts["_part"])
        other = repeated & first_part.notna() & (first_part != self.frame["_part"])
        names = pd.Series([part.rel for part in self.parts])
        where = " in " + first_part[other].astype("int64").map(names) + " line " + self.frame[column][other].map(firsts["line"]).astype("int64").astype("str")
        return blank.where(~other, where.reindex(self.frame.index))

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def reject(self, mask: pd.Series, reason) -> None:
        """Drop rows under `mask`, each listed with its line and the reason (a text, a per-row Series, or a
        function giving either: per-row reasons are only built when some row is dropped)."""
        mask = mask & self.keep
        if not mask.any():
            return
        reason = reason() if callable(reason) else reason
        self._list(mask, reason, "rejected")
        self.keep &= ~mask

    def _labels(self, mask: pd.Series) -> tuple[list, list]:
        """The id and name of the rows under `mask` (None where the export has no such column or the cell is
        blank), shown beside each listed row by `report intake`."""
        count = int(mask.sum())
        out = []
        for name in ("id", "name"):
            if not self.has(name) or not (pd.api.types.is_object_dtype(self.frame[name]) or pd.api.types.is_string_dtype(self.frame[name])):
                out.append([None] * count)
                continue
            values = self.frame.loc[mask, name].astype("object")
            values = values.where(values.notna(), "").astype("str").str.strip().str.slice(0, 80)
            out.append([v or None for v in values])
        return out[0], out[1]

    def note(self, mask: pd.Series, reason, kind: str = "unmatched") -> None:
        """Keep rows under `mask` but list them (an owner matching no rep, an unmapped product)."""
        mask = mask & self.keep
        if not mask.any():
            return
        reason = reason() if callable(reason) else reason
        self._list(mask, reason, kind)

    def parse(self, name: str, kind: str, required: bool, currency: str | None = None, rates: dict | None = None, blank_ok: bool = False) -> None:
        """Parse a column. required: an unreadable value rejects the row, and so does a blank one unless
        blank_ok (a value the CRM lets its users leave blank: the row is kept with the value missing).
        Amounts with the workspace `currency` are converted into it at `rates` (see currency.py)."""
        if not self.has(name):
            return
        text = self.frame[name]
        extra = {"currency": ANY_CURRENCY if currency is not None else None} if kind == "amount" else {}
        parsed, bad = self.parse_column(_PARSERS[kind], name, **extra)
        label = name.replace("_", " ")
        if required:
            if bad.any():
                self.reject(bad, "unreadable " + label + " '" + text.str.slice(0, 40) + "'")
            missing = parsed.isna() & ~bad
            if missing.any() and not blank_ok:
                self.reject(missing, f"missing {label}")
        elif bad.any():
            # an optional field that cannot be read leaves the row in, with the field empty, and says so
            self.note(bad, "unreadable " + label + " '" + text.str.slice(0, 40) + "' (ignored; the row is kept)")
        if kind == "amount" and currency is not None:
            parsed = settle_currencies(self, name, text, parsed, currency, rates or {})
        self.frame[name] = parsed

    def fold(self, mask: pd.Series) -> None:
        """Leave rows under `mask` out of the frame without listing them: they are used, as part of another
        row (the later product lines of a deal)."""
        mask = mask & self.keep
        self.folded |= mask
        self.keep &= ~mask

    def parse_column(self, parser, name: str, **extra) -> tuple[pd.Series, pd.Series]:
        """parse_cells on a column, each file's rows in that file's dialect."""
        text = self.frame[name]

        def cells(part: _Part, values: pd.Series):
            if name in part.source.values:  # a constant of the declaration: text, in the export's dialect
                return parser(values, part.source, False, **extra)
            return parse_cells(parser, values, part.source, part.table, part.headers.get(name), **extra)

        if len(self.parts) == 1:
            return cells(self.parts[0], text)
        pieces = [cells(p, text.iloc[p.start : p.stop]) for p in self.parts]
        parsed = pd.concat([piece[0] for piece in pieces])
        bad = pd.concat([piece[1] for piece in pieces]).astype(bool)
        dtype = next((piece[0].dtype for piece in pieces if len(piece[0])), pieces[0][0].dtype)
        return parsed.astype(dtype), bad

    def require_text(self, name: str) -> None:
        if self.has(name):
            self.frame[name] = stripped_category(self.frame[name]) if name in KEY_TEXTS else strip_texts(self.frame[name])
            self.reject(self.frame[name] == "", f"missing {name.replace('_', ' ')}")

    def done(self) -> pd.DataFrame:
        # every row kept (a clean export): no copy of millions of rows through a mask that selects them all
        out = (self.frame if bool(self.keep.all()) else self.frame[self.keep]).reset_index(drop=True)
        record_conversions(self, out, self.frame.loc[self.folded])
        if len(out):  # interned as intern_keys would intern the names (the key column of the files)
            out["file"] = file_category(out["_part"].to_numpy(dtype=np.int64), [part.rel for part in self.parts], out.index)
        else:  # no row: as it always was (its dtype is what intern_keys makes of it)
            out["file"] = out["_part"].map(pd.Series([part.rel for part in self.parts])).astype("object") if len(self.parts) > 1 else self.parts[0].rel
        used = pd.concat([out["_part"], self.frame.loc[self.folded, "_part"]]).value_counts()
        out = out.drop(columns="_part")
        for number, part in enumerate(self.parts):
            report = part.report
            report.rows_used = int(used.get(number, 0))
            # a row noted on the way (an unreadable optional date: "the row is kept") and then rejected is listed
            # once, as rejected: what is said of a row is what happened to it
            rejected = {i.line for i in report.issues if i.kind == "rejected"}
            if rejected:
                report.issues = [i for i in report.issues if i.kind not in ("unmatched", "incomplete") or i.line not in rejected]
            report.issues.sort(key=lambda i: i.line)
        return out


def parse_cells(parser, text: pd.Series, source: Source, table: RawTable, header: str | None, **extra) -> tuple[pd.Series, pd.Series]:
    """Parse a column: typed cells (XLSX numbers and dates, Parquet typed columns) as typed values; amounts in
    text cells in the declared dialect (a text cell '1.234,56' in a workbook declared decimal ',' is 1234.56).
    Dates in text cells are read as typed ones are: ISO first, then the declared format."""
    mask = table.text_cells.get(header) if table.typed and header is not None and parser is parse_amounts else None
    if mask is None or not any(mask):
        return parser(text, source, table.typed, **extra)
    as_text = pd.Series(mask, index=text.index, dtype=bool)
    if as_text.all():
        return parser(text, source, False, **extra)
    typed_parsed, typed_bad = parser(text[~as_text], source, True, **extra)
    text_parsed, text_bad = parser(text[as_text], source, False, **extra)
    parsed = pd.concat([typed_parsed, text_parsed]).reindex(text.index)
    bad = pd.concat([typed_bad, text_bad]).reindex(text.index).astype(bool)
    return parsed.astype(typed_parsed.dtype), bad


def _map_owner(rows: _Rows, owners: tuple[dict[str, str], dict[str, list[str]]], field: str = "owner") -> None:
    lookup, ambiguous = owners
    keys = normalised_category(rows.frame[field])
    rows.frame["rep"] = as_category(keys, lambda distinct: distinct.map(lookup))
    unknown = rows.frame["rep"].isna()
    several = keys.isin(list(ambiguous)) & unknown
    if several.any():
        reps = normalise_key(rows.frame[field]).map(lambda k: ", ".join(ambiguous.get(k, [])))
        rows.note(
            several,
            "owner '" + rows.frame[field].str.slice(0, 40) + "' names several reps (" + reps
            + "): counted as <unplanned>; say which in data.mapping.owners",
        )
    rows.note(unknown & ~several, lambda: "owner '" + rows.frame[field].str.slice(0, 40) + "' matches no rep (counted as <unplanned>)")


def _map_products(rows: _Rows, ws: Workspace, config: DataConfig) -> None:
    ranges = {p.casefold(): p for p in (ws.strategy.products or {})}
    ranges.update({k.strip().casefold(): v for k, v in config.mapping.products.items()})
    if not rows.has("product"):
        rows.frame["product"] = None
        return
    raw = rows.frame["product"].str.strip()
    mapped = map_key(raw, ranges)
    unmapped = mapped.isna() & (raw != "")
    rows.note(unmapped, lambda: "product '" + raw.str.slice(0, 40) + "' maps to no product range (counted as <unplanned>)")
    rows.frame["product"] = mapped.astype("object").where(mapped.notna(), None)


def build_frames(ws: Workspace, config: DataConfig, raw: dict, frames: Frames) -> Frames:
    """The canonical frames from the raw export columns of each kind. `raw` is consumed: each kind is taken out
    of it as its frame is built, so its text can go while the next kind is built (peak memory)."""
    owners = owner_lookup(ws, config)

    if "accounts" in raw:
        parts = raw.pop("accounts")
        attributes = {attr: header for attr, header in config.attributes.items() if all(header in table.headers for table, *_ in parts)}
        rows = _Rows("accounts", [(table, {**mapped, **{f"attr:{a}": h for a, h in attributes.items()}}, source, rel) for table, mapped, source, rel in parts], config)
        rows.require_text("id")
        for part in rows.parts:
            if not part.table.typed:  # '1.200' employees under a decimal comma is 1200, not 1.2
                for attr in attributes:
                    column = rows.frame[f"attr:{attr}"]
                    rows.frame[f"attr:{attr}"] = column.where(rows.frame["_part"] != rows.parts.index(part), canonical_numbers(column, part.source))
        duplicated = rows.frame["id"].where(rows.selected).duplicated(keep="first") & rows.keep
        rows.reject(duplicated, lambda: "account '" + rows.frame["id"].str.slice(0, 40) + "' appears again (first occurrence kept" + rows.in_first_file("id", duplicated) + ")")
        if rows.has("owner"):
            owner_keys = normalise_key(rows.frame["owner"])
            rows.frame["rep"] = owner_keys.map(owners[0])
            stray = rows.frame["rep"].isna() & (rows.frame["owner"].str.strip() != "")
            several = stray & owner_keys.isin(list(owners[1]))
            rows.note(several, lambda: "account owner '" + rows.frame["owner"].str.slice(0, 40) + "' names several reps (" + owner_keys.map(lambda k: ", ".join(owners[1].get(k, []))) + "): the account counts in no rep's portfolio by owner; say which in data.mapping.owners")
            rows.note(stray & ~several, lambda: "account owner '" + rows.frame["owner"].str.slice(0, 40) + "' matches no rep (the account counts in no rep's portfolio by owner)")
        else:
            rows.frame["owner"] = ""
            rows.frame["rep"] = None
        statuses = {"prospect": "prospect", "customer": "customer"}
        statuses.update({k.strip().casefold(): v for k, v in config.mapping.statuses.items()})
        if rows.has("status"):
            mapped_status = map_key(rows.frame["status"], statuses)
            unknown = mapped_status.isna() & (rows.frame["status"].str.strip() != "")
            rows.note(unknown, lambda: "account type '" + rows.frame["status"].str.slice(0, 40) + "' maps to no status (map it under data.mapping.statuses; derived from sales meanwhile)")
            rows.frame["status"] = mapped_status
        else:
            rows.frame["status"] = None
        if not rows.has("name"):
            rows.frame["name"] = rows.frame["id"]
        accounts = rows.done()
        accounts["segment"] = assign_segments(accounts, ws, attributes)
        frames.accounts = accounts
        frames.reports.extend(rows.reports)

    entered = None
    if "opportunities" in raw:
        parts = raw.pop("opportunities")
        rows = _Rows(
            "opportunities",
            [
                (table, {**mapped, **{f"entered:{stage}": h for stage, h in source.stage_dates.items()}, **{f"expected:{name}": h for name, h in source.expected.items()}}, source, rel)
                for table, mapped, source, rel in parts
            ],
            config,
        )
        _expected_outputs(rows, config)
        for name in ("id", "owner", "stage"):
            rows.require_text(name)
        _optional_account(rows)
        by_line = rows.has("line_amount")  # one row per product line: the rows of an id are the deal's lines
        if not by_line:
            # the first row of an id is the deal; a later one is a copy (a report of opportunities with their
            # products repeats the deal, and its amount, on every product line): listed, never summed
            duplicated = rows.frame["id"].where(rows.selected).duplicated(keep="first") & rows.keep
            rows.reject(
                duplicated,
                lambda: "opportunity id '" + rows.frame["id"].str.slice(0, 40) + "' appears again (first occurrence kept" + rows.in_first_file("id", duplicated) + "; export one row per opportunity, or map line_amount to read product lines)",
            )
        elif len(rows.parts) > 1:  # a deal's lines come in one file: an id first seen in another file is repeated
            live = rows.selected & rows.keep
            first = rows.frame["id"].where(live).map(rows.frame[live].drop_duplicates("id").set_index("id")["_part"])
            elsewhere = first.notna() & (first != rows.frame["_part"]) & rows.keep
            rows.reject(elsewhere, lambda: "opportunity id '" + rows.frame["id"].str.slice(0, 40) + "' appears again (first occurrence kept" + rows.in_first_file("id", elsewhere) + "; the product lines of a deal come in one file)")
        # an amount or a close date may be blank (an early deal, a lost deal zeroed): kept, value unknown
        rows.parse("amount", "amount", required=True, currency=ws.settings.currency, rates=ws.settings.rates, blank_ok=True)
        rows.reject(rows.frame["amount"].fillna(0) < 0, "negative opportunity amount")
        rows.parse("close_date", "date", required=True, blank_ok=True)
        if by_line:
            rows.parse("line_amount", "amount", required=True, currency=ws.settings.currency, rates=ws.settings.rates, blank_ok=True)
            rows.reject(rows.frame["line_amount"].fillna(0) < 0, "negative line amount")
        parse_quantity(rows)
        rows.parse("created_date", "date", required=False)
        rows.parse("last_activity", "date", required=False)
        rows.parse("probability", "probability", required=False)
        stages = _stage_lookup(ws, config, rows)
        stage_text = rows.frame["stage"]  # as exported
        mapped_stage = map_key(stage_text, {k: v[0] for k, v in stages.items()})
        outcome = map_key(stage_text, {k: v[1] for k, v in stages.items()})  # of the stage as exported
        rows.reject(mapped_stage.isna(), lambda: "unknown stage '" + rows.frame["stage"].str.slice(0, 40) + "' (map it under data.mapping.stages)")
        rows.frame["stage"] = mapped_stage.astype("object").where(mapped_stage.notna(), None)
        rows.frame["outcome"] = outcome.astype("object").where(outcome.notna(), None)
        if rows.has("status"):
            status = normalise_key(rows.frame["status"])
            closed = status.isin(["won", "lost"])
            rows.frame["outcome"] = rows.frame["outcome"].where(~closed, status)
        defaults = {s.name: float(s.probability.value) if s.probability is not None else None for s in ws.strategy.stages}
        # per distinct stage text, as the stage itself was mapped (not per row of a million deals)
        default_probability = map_key(stage_text, {k: defaults.get(v[0]) for k, v in stages.items()}).astype("float64")
        default_probability = default_probability.where(rows.frame["outcome"] != "won", 1.0).where(rows.frame["outcome"] != "lost", 0.0)
        if rows.has("probability"):
            rows.frame["probability"] = rows.frame["probability"].astype("float64").fillna(default_probability)
        else:
            rows.frame["probability"] = default_probability
        for optional in ("created_date", "last_activity"):
            if not rows.has(optional):
                rows.frame[optional] = pd.NaT
        _map_products(rows, ws, config)
        _map_owner(rows, owners)
        lines = product_lines(rows) if by_line else None
        _known_amounts(rows)
        pieces = [_entered_dates(rows, part) for part in rows.parts if part.source.stage_dates]
        entered = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0] if pieces else _entered_dates(rows, rows.parts[0])
        frames.opportunities = rows.done()
        if lines is not None:
            frames.opportunity_lines = lines[lines["id"].isin(frames.opportunities["id"])].reset_index(drop=True)
        if len(entered):  # no stage dates: no 1,000,000 ids hashed for nothing
            entered = entered[entered["opportunity"].isin(frames.opportunities["id"])]
        frames.reports.extend(rows.reports)

    if "activities" in raw:
        rows = _Rows("activities", raw.pop("activities"), config)
        for name in ("owner", "type"):
            rows.require_text(name)
        _optional_account(rows)
        rows.parse("date", "date", required=True)
        actions = {a.casefold(): a for a in ws.strategy.actions}
        actions.update({k.strip().casefold(): v for k, v in config.mapping.actions.items()})
        action = map_key(rows.frame["type"], actions, category=True)
        rows.reject(action.isna(), lambda: "unknown activity type '" + rows.frame["type"].str.slice(0, 40) + "' (map it under data.mapping.actions)")
        rows.frame["action"] = action
        map_activity_status(rows, config, list(dict.fromkeys(part.source.preset for part in rows.parts)))
        map_contact_roles(rows, ws, config)
        if not rows.has("opportunity"):
            rows.frame["opportunity"] = ""
        _map_owner(rows, owners)
        frames.activities = rows.done()
        frames.reports.extend(rows.reports)

    if "sales" in raw:
        rows = _Rows("sales", raw.pop("sales"), config)
        for name in ("owner", "account"):
            rows.require_text(name)
        rows.parse("amount", "amount", required=True, currency=ws.settings.currency, rates=ws.settings.rates)
        rows.parse("date", "date", required=True)
        parse_quantity(rows, credit_notes=True)
        _map_products(rows, ws, config)
        _map_owner(rows, owners)
        if rows.has("id"):  # the order or invoice: its rows (lines) are one deal won
            deal = rows.frame["id"].str.strip()
            rows.frame["deal"] = deal.astype("object").where(deal != "", None)
        else:
            rows.frame["deal"] = None
        frames.sales = rows.done()
        frames.reports.extend(rows.reports)
    elif frames.opportunities is not None:
        opps = frames.opportunities
        # a won deal without an amount or a close date counts in win/loss counts, not in attainment (listed)
        won = opps[(opps["outcome"] == "won") & opps["amount_known"] & opps["close_date"].notna()]
        frames.sales = pd.DataFrame(
            {
                "owner": won["owner"],
                "rep": won["rep"],
                "account": won["account"],
                "amount": won["amount"],
                "amount_original": won.get("amount_original", won["amount"]),
                "currency": won.get("currency"),
                "date": won["close_date"],
                "product": won["product"],
                "quantity": won["quantity"],
                "deal": won["id"],
                "line": won["line"],
                "file": won["file"],
            }
        ).reset_index(drop=True)
        if frames.opportunity_lines is not None:
            frames.sales = sales_by_line(frames.sales, won["id"], frames.opportunity_lines)
        frames.sales_from_opportunities = True

    if "stage_history" in raw:
        rows = _Rows("stage_history", raw.pop("stage_history"), config)
        for name in ("opportunity", "stage"):
            rows.require_text(name)
        rows.parse("date", "date", required=True)
        stages = _stage_lookup(ws, config, rows)
        mapped_stage = map_key(rows.frame["stage"], {k: v[0] for k, v in stages.items()})
        rows.reject(mapped_stage.isna(), lambda: "unknown stage '" + rows.frame["stage"].str.slice(0, 40) + "' (map it under data.mapping.stages)")
        rows.frame["stage"] = mapped_stage.astype("object").where(mapped_stage.notna(), None)
        frames.stage_history = rows.done()
        frames.reports.extend(rows.reports)

    if frames.stage_history is None and entered is not None and len(source_stage_dates(config)):
        frames.stage_history = entered.reset_index(drop=True)
    rows = parts = None  # the raw text of the last export goes before the work on all frames
    _attach_segments(frames, ws)
    intern_keys(frames)
    return frames


def _expected_outputs(rows: _Rows, config: DataConfig) -> None:
    """`output:<name>` columns (name: output_key of the output): True where the deal's export records the
    output, False where it links it but the cell is blank or a no-word, None where its export does not link
    it (a list of exports: each declaration links its own). The raw `expected:` columns are dropped."""
    from .outputs import no_words, output_key, recorded

    words = no_words(config.mapping.not_recorded)
    names = list(dict.fromkeys(output_key(name) for part in rows.parts for name in part.source.expected))
    if not names:
        return
    for key in names:
        column = pd.Series(None, index=rows.frame.index, dtype="object")
        for number, part in enumerate(rows.parts):
            own = [name for name in part.source.expected if output_key(name) == key]
            if not own:
                continue
            here = rows.frame["_part"] == number
            column[here] = recorded(rows.frame.loc[here, f"expected:{own[0]}"], words).astype("object")
        rows.frame[f"output:{key}"] = column
    rows.frame = rows.frame.drop(columns=[c for c in rows.frame.columns if str(c).startswith("expected:")])


def _blank_as_none(texts: pd.Series) -> pd.Series:
    stripped = texts.str.strip()
    return stripped.where(stripped.notna() & (stripped != ""), None)


def _optional_account(rows: _Rows) -> None:
    """The account of a deal or an activity may be blank, or its column absent: None (shown as <no account>).

    Such a row counts for its rep, not for any account's coverage or segment."""
    if not rows.has("account"):
        rows.frame["account"] = None
        for report in rows.reports:
            report.absent.append("account")
        return
    rows.frame["account"] = as_category(rows.frame["account"], _blank_as_none, arrow_blank_as_none)


def _known_amounts(rows: _Rows) -> None:
    """Blank amounts become 0 with amount_known False: every count keeps the deal, every value sum leaves it out.

    A won deal without an amount or a close date is kept (it counts in win/loss counts) and listed: it
    cannot count in attainment (no value, or no day to place it in a period)."""
    frame = rows.frame
    known = frame["amount"].notna()
    frame["amount_known"] = known.astype(bool)
    frame["amount"] = frame["amount"].fillna(0).astype("int64")
    won, undated = frame["outcome"] == "won", frame["close_date"].isna()
    rows.note(won & ~known & ~undated, "won deal without amount: counts in win/loss counts, not in attainment", kind="incomplete")
    rows.note(won & undated, "won deal without close date: counts in no period (attainment, win rates): no day places it in one", kind="incomplete")
    rows.note((frame["outcome"] == "lost") & undated, "lost deal without close date: counts in no period's win rates: no day places it in one", kind="incomplete")


def source_stage_dates(config: DataConfig) -> dict[str, str]:
    out: dict[str, str] = {}
    for source in config.sources("opportunities"):
        out.update(source.stage_dates)
    return out


def _stage_lookup(ws: Workspace, config: DataConfig, rows: _Rows) -> dict[str, tuple[str, str]]:
    """The stage lookup of the kind's files: each file's preset adds its closed-stage names (first file first)."""
    lookup: dict[str, tuple[str, str]] = {}
    for preset in dict.fromkeys(part.source.preset for part in rows.parts):
        for key, value in stage_lookup(ws, config, preset).items():
            lookup.setdefault(key, value)
    return lookup


def _entered_dates(rows: _Rows, part: _Part) -> pd.DataFrame:
    """'Date entered <stage>' columns of one opportunities export as a stage history (opportunity, stage, date, line).

    An unreadable date is listed and left out of the history; the deal itself is kept.
    """
    pieces = []
    index = rows.frame.index[part.start : part.stop]
    for stage, _header in part.source.stage_dates.items():
        column = f"entered:{stage}"
        text = rows.frame.loc[index, column]
        parsed, bad = parse_cells(parse_dates, text, part.source, part.table, part.headers.get(column))
        reason = (f"unreadable date entered {stage} '" + text.str.slice(0, 40) + "' (left out of the stage history)").reindex(rows.frame.index)
        rows.note(bad.reindex(rows.frame.index, fill_value=False), reason, kind="unmatched")
        keep = parsed.notna() & rows.keep.loc[index]
        pieces.append(pd.DataFrame({"opportunity": rows.frame.loc[index][keep]["id"], "stage": stage, "date": parsed[keep], "line": rows.frame.loc[index][keep]["line"]}))
    if not pieces:
        return pd.DataFrame(columns=["opportunity", "stage", "date", "line"])
    return pd.concat(pieces, ignore_index=True)


def _attach_segments(frames: Frames, ws: Workspace) -> None:
    """Give every opportunity, activity and sale the segment of its account (None when unknown)."""
    from .segments import segment_table

    keys, values = segment_table(frames.accounts, ws)  # built once, looked up by each frame's distinct accounts
    for name in ("opportunities", "activities", "sales"):
        frame = getattr(frames, name)
        if frame is not None:
            found = lookup(frame["account"], keys, values)
            frame["segment"] = found.where(found.notna(), None)
