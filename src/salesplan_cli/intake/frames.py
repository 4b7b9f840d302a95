"""Build the canonical frames from raw export columns: parse, map, and account for every row."""

from __future__ import annotations

import pandas as pd

from ..plan.model import Workspace
from .activity_status import map_activity_status
from .config import DataConfig, Source
from .currency import record_conversions, settle_currencies
from .load import Frames, SourceReport, owner_lookup, stage_lookup
from .parse import ANY_CURRENCY, canonical_numbers, lookup, normalise_key, parse_amounts, parse_dates, parse_probabilities
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
        self.keep = pd.Series(True, index=self.frame.index)
        self.folded = 0  # rows used as part of another row (product lines of one deal)
        self.rates_used: dict = {}  # currency -> (rate, workspace currency) of the amounts converted

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
        self.report.issues.extend(RowIssue(int(line), str(text)) for line, text in zip(lines, reasons))
        self.keep &= ~mask

    def note(self, mask: pd.Series, reason, kind: str = "unmatched") -> None:
        """Keep rows under `mask` but list them (an owner matching no rep, an unmapped product)."""
        mask = mask & self.keep
        if not mask.any():
            return
        lines = self.frame.loc[mask, "line"]
        reason = reason() if callable(reason) else reason
        reasons = reason[mask] if isinstance(reason, pd.Series) else pd.Series(reason, index=lines.index)
        self.report.issues.extend(RowIssue(int(line), str(text), kind) for line, text in zip(lines, reasons))

    def parse(self, name: str, kind: str, required: bool, currency: str | None = None, rates: dict | None = None, blank_ok: bool = False) -> None:
        """Parse a column. required: an unreadable value rejects the row, and so does a blank one unless
        blank_ok (a value the CRM lets its users leave blank: the row is kept with the value missing).
        Amounts with the workspace `currency` are converted into it at `rates` (see currency.py)."""
        if not self.has(name):
            return
        text = self.frame[name]
        extra = {"currency": ANY_CURRENCY if currency is not None else None} if kind == "amount" else {}
        parsed, bad = parse_cells(_PARSERS[kind], text, self.source, self.table, self.headers.get(name), **extra)
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
        self.folded += int(mask.sum())
        self.keep &= ~mask

    def require_text(self, name: str) -> None:
        if self.has(name):
            self.frame[name] = self.frame[name].str.strip()
            self.reject(self.frame[name] == "", f"missing {name.replace('_', ' ')}")

    def done(self) -> pd.DataFrame:
        out = self.frame[self.keep].reset_index(drop=True)
        self.report.rows_used = len(out) + self.folded
        record_conversions(self, out)
        # a row noted on the way (an unreadable optional date: "the row is kept") and then rejected is listed
        # once, as rejected: what is said of a row is what happened to it
        rejected = {i.line for i in self.report.issues if i.kind == "rejected"}
        if rejected:
            self.report.issues = [i for i in self.report.issues if i.kind not in ("unmatched", "incomplete") or i.line not in rejected]
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
        for name in ("id", "owner", "stage"):
            rows.require_text(name)
        _optional_account(rows)
        by_line = rows.has("line_amount")  # one row per product line: the rows of an id are the deal's lines
        if not by_line:
            # the first row of an id is the deal; a later one is a copy (a report of opportunities with their
            # products repeats the deal, and its amount, on every product line): listed, never summed
            duplicated = rows.frame["id"].duplicated(keep="first") & rows.keep
            rows.reject(
                duplicated,
                lambda: "opportunity id '" + rows.frame["id"].str.slice(0, 40) + "' appears again (first occurrence kept; export one row per opportunity, or map line_amount to read product lines)",
            )
        # an amount or a close date may be blank (an early deal, a lost deal zeroed): kept, value unknown
        rows.parse("amount", "amount", required=True, currency=ws.settings.currency, rates=ws.settings.rates, blank_ok=True)
        rows.reject(rows.frame["amount"].fillna(0) < 0, "negative opportunity amount")
        rows.parse("close_date", "date", required=True, blank_ok=True)
        if by_line:
            rows.parse("line_amount", "amount", required=True, currency=ws.settings.currency, rates=ws.settings.rates, blank_ok=True)
            rows.reject(rows.frame["line_amount"].fillna(0) < 0, "negative line amount")
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
        lines = _product_lines(rows) if by_line else None
        _known_amounts(rows)
        entered = _entered_dates(rows, source)
        frames.opportunities = rows.done()
        if lines is not None:
            frames.opportunity_lines = lines[lines["id"].isin(frames.opportunities["id"])].reset_index(drop=True)
        entered = entered[entered["opportunity"].isin(frames.opportunities["id"])]
        frames.reports.append(rows.report)

    if "activities" in raw:
        table, mapped, source = raw["activities"]
        rows = _Rows("activities", table, mapped, source)
        for name in ("owner", "type"):
            rows.require_text(name)
        _optional_account(rows)
        rows.parse("date", "date", required=True)
        actions = {a.casefold(): a for a in ws.strategy.actions}
        actions.update({k.strip().casefold(): v for k, v in config.mapping.actions.items()})
        action = normalise_key(rows.frame["type"]).map(actions)
        rows.reject(action.isna(), lambda: "unknown activity type '" + rows.frame["type"].str.slice(0, 40) + "' (map it under data.mapping.actions)")
        rows.frame["action"] = action
        map_activity_status(rows, config, source.preset)
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
        rows.parse("amount", "amount", required=True, currency=ws.settings.currency, rates=ws.settings.rates)
        rows.parse("date", "date", required=True)
        _map_products(rows, ws, config)
        _map_owner(rows, owners)
        frames.sales = rows.done()
        frames.reports.append(rows.report)
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
                "line": won["line"],
            }
        ).reset_index(drop=True)
        if frames.opportunity_lines is not None:
            frames.sales = sales_by_line(frames.sales, won["id"], frames.opportunity_lines)
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


def _optional_account(rows: _Rows) -> None:
    """The account of a deal or an activity may be blank, or its column absent: None (shown as <no account>).

    Such a row counts for its rep, not for any account's coverage or segment."""
    if not rows.has("account"):
        rows.frame["account"] = None
        rows.report.absent.append("account")
        return
    account = rows.frame["account"].str.strip()
    rows.frame["account"] = account.astype("object").where(account != "", None)


def _product_lines(rows: _Rows) -> pd.DataFrame:
    """An export with one row per product line (line_amount mapped): the rows of an id are one deal.

    The deal is its first line's row (owner, stage, dates), its amount the export's deal amount, or the sum of
    its lines' amounts where that is blank; the later lines are folded into it (used, not listed). Returns the
    lines: id, product, line_amount (cents, None where blank), line."""
    frame, kept = rows.frame, rows.keep
    ids = frame["id"]
    line_cents = frame["line_amount"]
    sums = line_cents[kept].groupby(ids[kept].to_numpy(), sort=False).sum(min_count=1)
    blank = frame["amount"].isna() & kept
    if blank.any():
        frame.loc[blank, "amount"] = ids[blank].map(sums).astype("Int64")
    lines = pd.DataFrame({"id": ids[kept], "product": frame.loc[kept, "product"], "line_amount": line_cents[kept], "line": frame.loc[kept, "line"]})
    later = pd.Series(False, index=frame.index)
    later[kept] = ids[kept].duplicated(keep="first")
    rows.fold(later)
    lines["line_amount"] = lines["line_amount"].astype("object").where(lines["line_amount"].notna(), None)
    return lines.reset_index(drop=True)


def sales_by_line(deal_sales: pd.DataFrame, deal_ids: pd.Series, lines: pd.DataFrame) -> pd.DataFrame:
    """Won deals standing in for sales, one row per product line: each line's product and amount, so product
    figures use the lines. What the deal's amount holds beyond its lines' known amounts (a blank line amount,
    a deal amount typed apart) is one more row of no product range, so every deal still counts its amount."""
    deals = deal_sales.assign(id=deal_ids.to_numpy())
    known = lines[lines["line_amount"].notna()]
    per_line = known[["id", "product", "line_amount", "line"]].merge(deals.drop(columns=["product", "amount", "line"]), on="id", how="inner")
    per_line = per_line.rename(columns={"line_amount": "amount"})
    per_line["amount"] = per_line["amount"].astype("int64")
    covered = per_line.groupby("id", sort=False)["amount"].sum()
    rest = deals["amount"].astype("int64") - deals["id"].map(covered).fillna(0).astype("int64")
    remainder = deals[rest != 0].assign(amount=rest[rest != 0], product=None)
    out = pd.concat([per_line[deals.columns], remainder], ignore_index=True).sort_values(["line"], kind="stable")
    if "amount_original" in out.columns:  # the deal's own-currency amount is not the line's
        out["amount_original"] = pd.array([pd.NA] * len(out), dtype="Int64")
    return out.drop(columns=["id"]).reset_index(drop=True)


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
