"""Damaged exports are loud: what makes a report fail although every file could be read, and the one-line
notes on what the reports fall back on when an export lacks a column.

- damage(): an export with all its rows rejected, or more than data.max_rejected of them (SP908), with the
  reason most of them share and its fix; a CSV record running over more than data.max_record_lines lines
  (an unclosed quote, SP905), with its span.
- fallback_notes(): one line per fallback (no last_activity, no created_date, no probability...).
- rejected_lines(): the first rejected lines of an export, for the summary on stderr.

Everything here works on the intake account (SourceReport) and the canonical frames, so it gives the same
answer on frames read afresh and frames from the cache.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from ..diagnostics import Diagnostic, diagnostic
from ..config.data import DataConfig, Source
from .frameset import SourceReport
from .load import _source_of

#: How many rejected lines the summary on stderr cites per export.
LINES_SHOWN = 5
#: Default share of rejected rows above which a report fails (data.max_rejected).
DEFAULT_MAX_REJECTED = Decimal("0.1")
DEFAULT_MAX_RECORD_LINES = 20

_QUOTED = re.compile(r"'[^']*'")
_NUMBER = re.compile(r"\d+")
#: Date formats tried on unreadable dates to suggest data.<kind>.date_format.
_DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y", "%m/%d/%y", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p")


def rejected_lines(report: SourceReport, shown: int = LINES_SHOWN) -> str:
    """'lines 3, 637, 1153, 1477' (the first `shown`, then '...'); rows for Parquet files."""
    lines = sorted(i.line for i in report.rejected)
    if not lines:
        return ""
    word = "row" if report.unit == "row" else "line"
    text = ", ".join(str(n) for n in lines[:shown]) + (", ..." if len(lines) > shown else "")
    return f"{word}{'s' if len(lines) != 1 else ''} {text}"


def summary_lines(frames) -> list[str]:
    """The intake account, one line per export (stderr of every command that reads exports, and the
    Markdown and JSON outputs): rows used of rows read, and the first rejected lines."""
    out = []
    for report in frames.reports:
        parts = []
        for label, items in (("rejected", report.rejected), ("unmatched", report.unmatched), ("skipped", report.skipped), ("incomplete", report.incomplete)):
            if items:
                parts.append(f"{len(items)} {label}" + (f" ({rejected_lines(report)})" if label == "rejected" else ""))
        detail = f" ({', '.join(parts)}; list them with: salesplan report intake)" if parts else ""
        out.append(f"{report.kind}: used {report.rows_used:,} of {report.rows_read:,} rows from {report.path}{detail}")
    if frames.sales_from_opportunities:
        out.append("sales: no sales export declared; won opportunities stand in (their close date as the sale date)")
    return out


def damage(config: DataConfig | None, reports: list[SourceReport]) -> list[Diagnostic]:
    """Why the reports must not be drawn from these exports (empty: they may)."""
    out: list[Diagnostic] = []
    limit = Decimal(config.max_rejected.value) if config is not None else DEFAULT_MAX_REJECTED
    span_limit = config.max_record_lines if config is not None else DEFAULT_MAX_RECORD_LINES
    for report in reports:
        source = _source_of(config, report) if config is not None else None
        long_records = [i for i in report.rejected if i.last is not None and i.last - i.line + 1 > span_limit]
        if long_records:
            first = long_records[0]
            spans = first.last - first.line + 1
            more = f"; {len(long_records) - 1} more such record{'s' if len(long_records) > 2 else ''}" if len(long_records) > 1 else ""
            out.append(
                diagnostic(
                    "SP905",
                    report.path,
                    first.line,
                    None,
                    f"an unclosed quote at line {first.line} runs to line {first.last} ({spans} lines read as one field){more}",
                    f"close the quote in the export (or export it again); a quoted field may hold line breaks, up to data.max_record_lines ({span_limit}) lines",
                )
            )
            continue
        rejected = report.rejected
        if not rejected or report.rows_read == 0:
            continue
        every = len(rejected) >= report.rows_read
        if not every and Decimal(len(rejected)) <= limit * report.rows_read:
            continue
        why, fix, count = dominant_reason(report, source)
        if every and count == len(rejected):  # one cause for every row: it is the message
            message = why
        elif every:
            message = f"all {report.rows_read:,} rows rejected; {why}"
        else:
            share = f"{len(rejected):,} of {report.rows_read:,} rows ({_pct(len(rejected), report.rows_read)})"
            message = f"{share} rejected, over data.max_rejected ({_pct_decimal(limit)}); {why}"
        out.append(
            diagnostic(
                "SP908",
                report.path,
                None,
                None,
                message + (f"; {fix}" if fix else ""),
                "list them with: salesplan report intake; when a share of rejected rows is expected, raise data.max_rejected in salesplan.yaml",
            )
        )
    return out


def _pct(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / Decimal(whole):.1f}%".replace(".0%", "%")


def _pct_decimal(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _key(reason: str) -> str:
    """A reason with its quoted values and numbers taken out: rows rejected for the same cause share it."""
    return _NUMBER.sub("N", _QUOTED.sub("'…'", reason))


def _values(reasons: list[str]) -> list[str]:
    out = []
    for reason in reasons:
        start, end = reason.find("'"), reason.rfind("'")
        if 0 <= start < end:
            out.append(reason[start + 1 : end])
    return out


def dominant_reason(report: SourceReport, source: Source | None) -> tuple[str, str, int]:
    """What most rejected rows of an export share, said for the summary line, its fix ('' if none known), and
    how many rows share it."""
    count = Counter(_key(i.reason) for i in report.rejected).most_common(1)[0][1]
    why, fix = _dominant(report, source)
    return why, fix, count


def _dominant(report: SourceReport, source: Source | None) -> tuple[str, str]:
    groups = Counter(_key(i.reason) for i in report.rejected)
    key, count = groups.most_common(1)[0]
    reasons = [i.reason for i in report.rejected if _key(i.reason) == key]
    every = count == report.rows_read
    many = f"all {count:,}" if every else f"{count:,}"
    kind = report.kind
    values = _values(reasons)
    example = f"'{values[0]}'" if values else ""
    if key.startswith("unreadable amount") and source is not None:
        fix = _amount_fix(values, source, kind)
        what = f"{many} amounts unreadable as numbers with '{source.decimal}' as decimal separator: they look like {example}"
        return what, fix
    if key.startswith("unreadable ") and source is not None and ("date" in key.split("'")[0]):
        field = key[len("unreadable ") :].split(" '")[0]
        fix = _date_fix(values, source, kind)
        how = "Excel serial numbers" if source.date_format == "excel" else source.date_format
        return f"{many} {field}s unreadable as {how}: they look like {example}", fix
    if key.startswith("unreadable probability") and source is not None:
        return f"{many} probabilities unreadable: they look like {example}", f"check data.{kind}.probability (percent or fraction) and data.{kind}.decimal"
    if key.startswith("missing "):
        field = key[len("missing ") :]
        header = ""
        if source is not None:
            from .fields import columns_for

            column = columns_for(kind, source.preset, source.columns).get(field.replace(" ", "_"))
            header = f" (column '{column}')" if column else ""
        return f"{many} rows have no {field}{header}", f"check that data.{kind}.columns maps {field.replace(' ', '_')} to the right column"
    if key.startswith("ragged row"):
        return (
            f"{many} rows have another number of fields than the header",
            f"check data.{kind}.delimiter (now '{source.delimiter if source else 'auto'}') and the quoting of the export",
        )
    if key.startswith("unknown stage"):
        distinct = ", ".join(f"'{v}'" for v in list(dict.fromkeys(values))[:5])
        return f"{many} rows have a stage the plan does not know ({distinct})", "map them under data.mapping.stages"
    if key.startswith("unknown activity type"):
        distinct = ", ".join(f"'{v}'" for v in list(dict.fromkeys(values))[:5])
        return f"{many} rows have an activity type the plan does not know ({distinct})", "map them under data.mapping.actions"
    first = reasons[0]
    return (f"{many} rows: {first}" if count > 1 else first), ""


def _amount_fix(values: list[str], source: Source, kind: str) -> str:
    """The decimal and thousands settings that read every sample, as a setting line ('' if none does)."""
    import pandas as pd

    from .parse import parse_amounts

    sample = pd.Series(values[:200], dtype="str")
    if len(sample) and not parse_amounts(sample, source)[1].any():
        # readable in the declared dialect once any currency is allowed: the currency is what is refused
        return "the amounts carry another currency than the workspace's (salesplan.yaml currency:); export them in that currency"
    for decimal in ("," if source.decimal == "." else ".", source.decimal):
        for thousands in ("auto", " ", "none", "'", ",", "."):
            if thousands == decimal:
                continue
            trial = source.model_copy(update={"decimal": decimal, "thousands": thousands})
            if (decimal, trial.thousands_separator()) == (source.decimal, source.thousands_separator()):
                continue  # the dialect in force
            _parsed, bad = parse_amounts(sample, trial)
            if len(sample) and not bad.any():
                settings = []
                if decimal != source.decimal:
                    settings.append(f'data.{kind}.decimal: "{decimal}"')
                if thousands != "auto" and thousands != source.thousands:
                    settings.append(f'data.{kind}.thousands: "{thousands}"')
                if settings:
                    return "set " + " and ".join(settings)
    return "no decimal or thousands setting reads them all: correct them in the CRM (or map another column), then export again"


def _date_fix(values: list[str], source: Source, kind: str) -> str:
    import pandas as pd

    from .parse import parse_dates

    sample = pd.Series(values[:200], dtype="str")
    fits = []
    for fmt in _DATE_FORMATS:
        if fmt == source.date_format:
            continue
        _parsed, bad = parse_dates(sample, source.model_copy(update={"date_format": fmt}))
        if len(sample) and not bad.any():
            fits.append(fmt)
    if len(fits) == 1:
        return f'set data.{kind}.date_format: "{fits[0]}"'
    if fits:
        return f"set data.{kind}.date_format to the export's format ({' or '.join(fits[:2])}?)"
    return f"set data.{kind}.date_format to the export's format (a strptime format like %d/%m/%Y)"


# --- fallbacks ------------------------------------------------------------------------------------------


def fallback_notes(frames, config: DataConfig | None, product_ranges: bool = False) -> list[str]:
    """One line per figure the reports compute from a stand-in because an export lacks a column
    (`product_ranges`: the strategy declares product ranges, so figures by range are drawn)."""
    notes: list[str] = []
    opps = getattr(frames, "opportunities", None)
    if opps is not None and len(opps):
        source = config.opportunities if config is not None else None
        mapped = _mapped(frames, "opportunities")
        acts = getattr(frames, "activities", None)
        logged = acts is not None and "opportunity" in acts.columns and _any_text(acts["opportunity"])
        created = "created_date" in opps.columns and bool(opps["created_date"].notna().any())
        last = "last_activity" in opps.columns and bool(opps["last_activity"].notna().any())
        if not last and not logged:
            why = "no last_activity column" if "last_activity" not in mapped else "no last_activity date in the export"
            if created:
                notes.append(
                    f"opportunities: {why} and no activity logged on a deal (activities with an opportunity id): "
                    "staleness is measured from each deal's created date"
                )
            else:
                notes.append(f"opportunities: {why}, no created date and no activity logged on a deal: no deal can be judged stale")
        if not created:
            why = "no created_date column" if "created_date" not in mapped else "no created date in the export"
            notes.append(f"opportunities: {why}: the age of open deals is unknown (age bucket 'unknown')")
        if "probability" not in mapped and source is not None:
            notes.append("opportunities: no probability column: weighted pipeline uses each stage's default probability (strategy.yaml)")
    products = product_ranges
    if products and opps is not None and len(opps) and "product" not in _mapped(frames, "opportunities"):
        notes.append("opportunities: no product column: in figures by product range (win rates), every deal counts as <unplanned>")
    sales = getattr(frames, "sales", None)
    if products and sales is not None and len(sales) and not frames.sales_from_opportunities and "product" not in _mapped(frames, "sales"):
        notes.append("sales: no product column: in figures by product range (attainment), every sale counts as <unplanned>")
    accounts = getattr(frames, "accounts", None)
    if accounts is not None and len(accounts) and "status" not in _mapped(frames, "accounts"):
        notes.append("accounts: no status column: an account is a customer once it has bought by the end of the period to date, else a prospect")
    return notes


def _any_text(column) -> bool:
    """Whether a column holds a value that is not blank once stripped (missing values count as text, as
    `astype("str")` makes them). Stripping 5,000,000 activities' ids took 0.2 s per report: the values that
    are not plainly "" are tried, their first thousand first (one id logged is enough)."""
    text = column.astype("str")
    filled = text[text != ""]  # "" stripped is "": those cannot answer yes
    return any(bool((part.str.strip() != "").any()) for part in (filled.head(1000), filled))


def _mapped(frames, kind: str) -> set[str]:
    """Canonical fields the export of `kind` carried (as the intake recorded them)."""
    for report in getattr(frames, "reports", []):
        if report.kind == kind:
            return set(report.fields)
    return set()
