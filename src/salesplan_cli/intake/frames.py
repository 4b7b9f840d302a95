"""Build the canonical frames from raw export columns: parse, map, and account for every row."""

from __future__ import annotations

import pandas as pd

from ..plan.model import Workspace
from .config import DataConfig, Source
from .load import Frames, SourceReport, owner_lookup, stage_lookup
from .parse import canonical_numbers, lookup, normalise_key, parse_amounts, parse_dates, parse_probabilities
from .read import RawTable, RowIssue
from .segments import assign_segments

_PARSERS = {"amount": parse_amounts, "date": parse_dates, "probability": parse_probabilities}


class _Rows:
    """The rows of one export as they go through parsing and mapping."""

    def __init__(self, kind: str, table: RawTable, mapped: dict[str, str], source: Source):
        self.kind = kind
        self.source = source
        self.table = table
        self.frame = pd.DataFrame({name: pd.Series(table.columns[header], dtype="str") for name, header in mapped.items()})
        self.headers = dict(mapped)  # canonical name -> export header
        self.frame["line"] = pd.Series(table.lines, dtype="int64")
        self.report = SourceReport(kind=kind, path=source.path, unit=table.unit, rows_read=table.rows + sum(1 for i in table.issues if i.kind == "rejected"))
        self.report.issues.extend(table.issues)
        self.report.fields = [name for name in mapped if ":" not in name]
        self.keep = pd.Series(True, index=self.frame.index)

    def has(self, name: str) -> bool:
        return name in self.frame.columns

    def reject(self, mask: pd.Series, reason) -> None:
        """Drop rows under `mask`, each listed with its line and the reason (a text, a per-row Series, or a
        function giving either: per-row reasons are only built when some row is dropped)."""
        mask = mask & self.keep
        if not mask.any():
            return
        lines = self.frame.loc[mask, "line"]
        reason = reason() if callable(reason) else reason
        reasons = reason[mask] if isinstance(reason, pd.Series) else pd.Series(reason, index=lines.index)
        ids, names = self._labels(mask)
        self.report.issues.extend(RowIssue(int(line), str(text), id=i, name=n) for line, text, i, n in zip(lines, reasons, ids, names))
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
        lines = self.frame.loc[mask, "line"]
        reason = reason() if callable(reason) else reason
        reasons = reason[mask] if isinstance(reason, pd.Series) else pd.Series(reason, index=lines.index)
        ids, names = self._labels(mask)
        self.report.issues.extend(RowIssue(int(line), str(text), kind, id=i, name=n) for line, text, i, n in zip(lines, reasons, ids, names))

    def parse(self, name: str, kind: str, required: bool, currency: str | None = None) -> None:
        if not self.has(name):
            return
        text = self.frame[name]
        extra = {"currency": currency} if kind == "amount" else {}
        parsed, bad = parse_cells(_PARSERS[kind], text, self.source, self.table, self.headers.get(name), **extra)
        label = name.replace("_", " ")
        if required:
            if bad.any():
                self.reject(bad, "unreadable " + label + " '" + text.str.slice(0, 40) + "'")
            missing = parsed.isna() & ~bad
            if missing.any():
                self.reject(missing, f"missing {label}")
        elif bad.any():
            # an optional field that cannot be read leaves the row in, with the field empty, and says so
            self.note(bad, "unreadable " + label + " '" + text.str.slice(0, 40) + "' (ignored; the row is kept)")
        self.frame[name] = parsed

    def require_text(self, name: str) -> None:
        if self.has(name):
            self.frame[name] = self.frame[name].str.strip()
            self.reject(self.frame[name] == "", f"missing {name.replace('_', ' ')}")

    def done(self) -> pd.DataFrame:
        out = self.frame[self.keep].reset_index(drop=True)
        self.report.rows_used = len(out)
        # a row noted on the way (an unreadable optional date: "the row is kept") and then rejected is listed
        # once, as rejected: what is said of a row is what happened to it
        rejected = {i.line for i in self.report.issues if i.kind == "rejected"}
        if rejected:
            self.report.issues = [i for i in self.report.issues if i.kind != "unmatched" or i.line not in rejected]
        self.report.issues.sort(key=lambda i: i.line)
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
    key = normalise_key(rows.frame[field])
    rows.frame["rep"] = key.map(lookup)
    rows.frame["rep"] = rows.frame["rep"].astype("object").where(rows.frame["rep"].notna(), None)
    unknown = rows.frame["rep"].isna()
    several = key.isin(list(ambiguous)) & unknown
    if several.any():
        reps = key.map(lambda k: ", ".join(ambiguous.get(k, [])))
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
    mapped = normalise_key(raw).map(ranges)
    unmapped = mapped.isna() & (raw != "")
    rows.note(unmapped, lambda: "product '" + raw.str.slice(0, 40) + "' maps to no product range (counted as <unplanned>)")
    rows.frame["product"] = mapped.astype("object").where(mapped.notna(), None)


def build_frames(ws: Workspace, config: DataConfig, raw: dict, frames: Frames) -> Frames:
    owners = owner_lookup(ws, config)

    if "accounts" in raw:
        table, mapped, source = raw["accounts"]
        attributes = {attr: header for attr, header in config.attributes.items() if header in table.headers}
        rows = _Rows("accounts", table, {**mapped, **{f"attr:{a}": h for a, h in attributes.items()}}, source)
        rows.require_text("id")
        if not table.typed:  # '1.200' employees under a decimal comma is 1200, not 1.2
            for attr in attributes:
                rows.frame[f"attr:{attr}"] = canonical_numbers(rows.frame[f"attr:{attr}"], source)
        duplicated = rows.frame["id"].duplicated(keep="first") & rows.keep
        rows.reject(duplicated, lambda: "account '" + rows.frame["id"].str.slice(0, 40) + "' appears again (first occurrence kept)")
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
            mapped_status = normalise_key(rows.frame["status"]).map(statuses)
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
        frames.reports.append(rows.report)

    entered = None
    if "opportunities" in raw:
        table, mapped, source = raw["opportunities"]
        rows = _Rows("opportunities", table, {**mapped, **{f"entered:{stage}": h for stage, h in source.stage_dates.items()}}, source)
        for name in ("id", "owner", "account", "stage"):
            rows.require_text(name)
        # the first row of an id is the deal; a later one is a copy (a report of opportunities with their
        # products repeats the deal, and its amount, on every product line): listed, never summed
        duplicated = rows.frame["id"].duplicated(keep="first") & rows.keep
        rows.reject(
            duplicated,
            lambda: "opportunity id '" + rows.frame["id"].str.slice(0, 40) + "' appears again (first occurrence kept; export one row per opportunity)",
        )
        rows.parse("amount", "amount", required=True, currency=ws.settings.currency)
        rows.reject(rows.frame["amount"].fillna(0) < 0, "negative opportunity amount")
        rows.parse("close_date", "date", required=True)
        rows.parse("created_date", "date", required=False)
        rows.parse("last_activity", "date", required=False)
        rows.parse("probability", "probability", required=False)
        stages = stage_lookup(ws, config, source.preset)
        stage_key = normalise_key(rows.frame["stage"])
        mapped_stage = stage_key.map({k: v[0] for k, v in stages.items()})
        rows.reject(mapped_stage.isna(), lambda: "unknown stage '" + rows.frame["stage"].str.slice(0, 40) + "' (map it under data.mapping.stages)")
        rows.frame["stage"] = mapped_stage.astype("object").where(mapped_stage.notna(), None)
        outcome = stage_key.map({k: v[1] for k, v in stages.items()})
        rows.frame["outcome"] = outcome.astype("object").where(outcome.notna(), None)
        if rows.has("status"):
            status = normalise_key(rows.frame["status"])
            closed = status.isin(["won", "lost"])
            rows.frame["outcome"] = rows.frame["outcome"].where(~closed, status)
        defaults = {s.name: float(s.probability.value) if s.probability is not None else None for s in ws.strategy.stages}
        default_probability = rows.frame["stage"].map(defaults).astype("float64")
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
        entered = _entered_dates(rows, source)
        frames.opportunities = rows.done()
        entered = entered[entered["opportunity"].isin(frames.opportunities["id"])]
        frames.reports.append(rows.report)

    if "activities" in raw:
        table, mapped, source = raw["activities"]
        rows = _Rows("activities", table, mapped, source)
        for name in ("owner", "account", "type"):
            rows.require_text(name)
        rows.parse("date", "date", required=True)
        actions = {a.casefold(): a for a in ws.strategy.actions}
        actions.update({k.strip().casefold(): v for k, v in config.mapping.actions.items()})
        action = normalise_key(rows.frame["type"]).map(actions)
        rows.reject(action.isna(), lambda: "unknown activity type '" + rows.frame["type"].str.slice(0, 40) + "' (map it under data.mapping.actions)")
        rows.frame["action"] = action
        if not rows.has("opportunity"):
            rows.frame["opportunity"] = ""
        _map_owner(rows, owners)
        frames.activities = rows.done()
        frames.reports.append(rows.report)

    if "sales" in raw:
        table, mapped, source = raw["sales"]
        rows = _Rows("sales", table, mapped, source)
        for name in ("owner", "account"):
            rows.require_text(name)
        rows.parse("amount", "amount", required=True, currency=ws.settings.currency)
        rows.parse("date", "date", required=True)
        _map_products(rows, ws, config)
        _map_owner(rows, owners)
        frames.sales = rows.done()
        frames.reports.append(rows.report)
    elif frames.opportunities is not None:
        won = frames.opportunities[frames.opportunities["outcome"] == "won"]
        frames.sales = pd.DataFrame(
            {
                "owner": won["owner"],
                "rep": won["rep"],
                "account": won["account"],
                "amount": won["amount"],
                "date": won["close_date"],
                "product": won["product"],
                "line": won["line"],
            }
        ).reset_index(drop=True)
        frames.sales_from_opportunities = True

    if "stage_history" in raw:
        table, mapped, source = raw["stage_history"]
        rows = _Rows("stage_history", table, mapped, source)
        for name in ("opportunity", "stage"):
            rows.require_text(name)
        rows.parse("date", "date", required=True)
        stages = stage_lookup(ws, config, source.preset)
        mapped_stage = normalise_key(rows.frame["stage"]).map({k: v[0] for k, v in stages.items()})
        rows.reject(mapped_stage.isna(), lambda: "unknown stage '" + rows.frame["stage"].str.slice(0, 40) + "' (map it under data.mapping.stages)")
        rows.frame["stage"] = mapped_stage.astype("object").where(mapped_stage.notna(), None)
        frames.stage_history = rows.done()
        frames.reports.append(rows.report)

    if frames.stage_history is None and entered is not None and len(source_stage_dates(config)):
        frames.stage_history = entered.reset_index(drop=True)
    _attach_segments(frames, ws)
    return frames


def source_stage_dates(config: DataConfig) -> dict[str, str]:
    return config.opportunities.stage_dates if config.opportunities is not None else {}


def _entered_dates(rows: _Rows, source: Source) -> pd.DataFrame:
    """'Date entered <stage>' columns of the opportunities export as a stage history (opportunity, stage, date, line).

    An unreadable date is listed and left out of the history; the deal itself is kept.
    """
    pieces = []
    for stage, _header in source.stage_dates.items():
        column = f"entered:{stage}"
        text = rows.frame[column]
        parsed, bad = parse_cells(parse_dates, text, source, rows.table, rows.headers.get(column))
        rows.note(bad, f"unreadable date entered {stage} '" + text.str.slice(0, 40) + "' (left out of the stage history)", kind="unmatched")
        keep = parsed.notna() & rows.keep
        pieces.append(pd.DataFrame({"opportunity": rows.frame.loc[keep, "id"], "stage": stage, "date": parsed[keep], "line": rows.frame.loc[keep, "line"]}))
    if not pieces:
        return pd.DataFrame(columns=["opportunity", "stage", "date", "line"])
    return pd.concat(pieces, ignore_index=True)


def _attach_segments(frames: Frames, ws: Workspace) -> None:
    """Give every opportunity, activity and sale the segment of its account (None when unknown)."""
    from .segments import segment_of_accounts

    segments = segment_of_accounts(frames.accounts, ws)
    keys, values = list(segments), list(segments.values())
    for name in ("opportunities", "activities", "sales"):
        frame = getattr(frames, name)
        if frame is not None:
            found = lookup(frame["account"], keys, values)
            frame["segment"] = found.where(found.notna(), None)
