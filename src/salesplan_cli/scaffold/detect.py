"""One CRM export profiled for `salesplan init --export`: its kind and preset from the header, its dialect
(encoding, delimiter, decimal separator, date format, probability scale) and the distinct values of the
fields a plan maps (owners, stages, activity types, products, account statuses).

Read with the csv module, row by row: a large export costs time, not memory (the distinct values kept are
capped). No pandas, pyarrow or numpy: `salesplan init` stays a light command.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..intake.fields import FIELDS, PRESET_STAGES, PRESETS

#: Export kinds in the order a header is tried (a deals export also has the columns of a sales export).
KIND_ORDER = ("opportunities", "activities", "accounts", "sales", "stage_history")
#: Presets tried (none: columns declared by hand, not detected).
DETECTED_PRESETS = ("salesforce", "hubspot", "pipedrive")
#: Fields whose distinct values init lists (and counts), per kind.
VALUE_FIELDS = {
    "opportunities": ("owner", "stage", "product", "currency"),
    "activities": ("owner", "type", "status"),
    "accounts": ("owner", "status"),
    "sales": ("owner", "product", "currency"),
    "stage_history": ("stage",),
}
#: Distinct values kept per field (beyond: counted as 'more'), and samples kept to guess a dialect.
MAX_DISTINCT = 10_000
MAX_SAMPLES = 2_000
#: Date formats tried, in order (a time after the date is ignored, as the reader does).
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m/%d/%y", "%d/%m/%y")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?( ?[AaPp][Mm])?( ?(Z|[+-]\d{2}:?\d{2}))?$")
_COMMA_DECIMAL = re.compile(r"\d,\d{1,2}$")
_POINT_DECIMAL = re.compile(r"\d\.\d{1,2}$")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


class DetectError(Exception):
    """An export init cannot use, with the fix."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class ExportProfile:
    """What init learnt of one export."""

    path: Path
    kind: str
    preset: str
    headers: list[str]
    columns: dict[str, str]  # canonical field -> its header in this export (the preset's, present)
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    date_format: str = "%Y-%m-%d"
    probability: str = "percent"
    rows: int = 0
    values: dict[str, Counter] = field(default_factory=dict)  # field -> distinct values (stripped) and their rows
    more_values: dict[str, bool] = field(default_factory=dict)  # field -> more distinct values than kept
    notes: list[str] = field(default_factory=list)
    samples: dict[str, set] = field(default_factory=dict, repr=False)  # dates, amounts, probabilities: to guess the dialect
    stage_probability: dict[str, list[float]] = field(default_factory=dict)  # stage -> [sum, count] of its deals' probabilities

    def stage_means(self) -> dict[str, float]:
        """Mean win probability (0-1) of each stage's deals, where the export gives probabilities."""
        scale = 100.0 if self.probability == "percent" else 1.0
        return {stage: total / count / scale for stage, (total, count) in self.stage_probability.items() if count}

    def found(self, name: str) -> list[tuple[str, int]]:
        """Distinct non-blank values of a field, most frequent first, then in the order first met."""
        return sorted(self.values.get(name, Counter()).items(), key=lambda kv: -kv[1])


def match_header(headers: list[str], kind: str | None = None) -> tuple[str, str, dict[str, str]] | tuple[None, None, dict]:
    """The (kind, preset, columns present) whose required columns the header holds, most columns first;
    (None, None, best partial match) when none does."""
    present = {h.strip() for h in headers}
    best = None
    partial: dict = {}
    for kind_ in KIND_ORDER if kind is None else (kind,):
        required = [f.name for f in FIELDS[kind_] if f.required]
        for preset in DETECTED_PRESETS:
            mapped = PRESETS[preset].get(kind_, {})
            columns = {name: header for name, header in mapped.items() if header in present}
            complete = all(name in columns for name in required)
            score = (complete, len(columns))
            if complete and (best is None or score[1] > len(best[2])):
                best = (kind_, preset, columns)
            missing = [mapped[name] for name in required if name in mapped and name not in columns]
            if not partial or (len(columns), -len(missing)) > (partial["found"], -len(partial["missing"])):
                partial = {"kind": kind_, "preset": preset, "found": len(columns), "missing": missing}
        if best is not None and kind is None:
            return best  # kinds in order: a deals export is opportunities before it is sales
    return best if best is not None else (None, None, partial)


def _open_rows(path: Path, encoding: str, delimiter: str | None):
    handle = open(path, encoding=encoding, newline="")
    first = handle.readline()
    if delimiter is None:
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: (counts[d], d == ",")) if any(counts.values()) else ","
    handle.seek(0)
    return handle, delimiter


def _encoding_of(path: Path) -> str:
    """utf-8 when the whole file decodes as UTF-8 (read in blocks), else cp1252."""
    decoder = __import__("codecs").getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DetectError(f"{path} is UTF-16 encoded", "export it again as UTF-8 CSV")
        handle.seek(0)
        try:
            while block := handle.read(1024 * 1024):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def profile_export(path: Path, kind: str | None = None) -> ExportProfile:
    """Profile one CSV export; DetectError when it is no CSV, or no known CRM export."""
    if path.suffix.lower() not in CSV_SUFFIXES:
        raise DetectError(f"{path}: init reads CSV exports ({', '.join(CSV_SUFFIXES)})", "export as CSV, or declare this file by hand under data: in salesplan.yaml after init")
    try:
        encoding = _encoding_of(path)
        handle, delimiter = _open_rows(path, encoding, None)
    except OSError as exc:
        raise DetectError(f"cannot read {path}: {exc.strerror or exc}", "check the file's path and permissions") from None
    with handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        try:
            headers = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
        except csv.Error as exc:
            raise DetectError(f"{path}: not a readable CSV header ({exc})", "export it again as CSV") from None
        if not any(headers):
            raise DetectError(f"{path} is empty (no header line)", "export it again with the column headers")
        kind_, preset, columns = match_header(headers, kind)
        if kind_ is None:
            what = f"a {kind} export" if kind else "an export"
            hint = "declare it by hand under data: in salesplan.yaml after init (columns: maps each field to a header)"
            if columns.get("found"):
                missing = ", ".join(repr(m) for m in columns["missing"])
                raise DetectError(
                    f"{path}: not {what} of Salesforce, HubSpot or Pipedrive; closest: {columns['preset']} {columns['kind']}, missing {missing}",
                    hint,
                )
            raise DetectError(f"{path}: the header matches no Salesforce, HubSpot or Pipedrive export", hint)
        profile = ExportProfile(path=path, kind=kind_, preset=preset, headers=headers, columns=columns, encoding=encoding, delimiter=delimiter)
        _read_values(profile, reader)
    _guess_dialect(profile)
    return profile


def _read_values(profile: ExportProfile, reader) -> None:
    index = {h: i for i, h in reversed(list(enumerate(profile.headers)))}
    wanted = {name: index[profile.columns[name]] for name in VALUE_FIELDS[profile.kind] if name in profile.columns}
    kinds = {f.name: f.kind for f in FIELDS[profile.kind]}
    sampled = {name: index[header] for name, header in profile.columns.items() if kinds.get(name) in ("date", "amount", "probability")}
    samples: dict[str, set] = {name: set() for name in sampled}
    counters = {name: Counter() for name in wanted}
    width = len(profile.headers)
    stage_at = index[profile.columns["stage"]] if profile.kind == "opportunities" and "stage" in profile.columns else None
    probability_at = index[profile.columns["probability"]] if stage_at is not None and "probability" in profile.columns else None
    by_stage = profile.stage_probability
    try:
        for row in reader:
            if len(row) != width:
                continue  # a report footer, a blank line: the reader skips and counts them
            profile.rows += 1
            for name, i in wanted.items():
                value = row[i].strip()
                if not value:
                    continue
                counter = counters[name]
                if value in counter or len(counter) < MAX_DISTINCT:
                    counter[value] += 1
                else:
                    profile.more_values[name] = True
            for name, i in sampled.items():
                value = row[i].strip()
                if value and len(samples[name]) < MAX_SAMPLES:
                    samples[name].add(value)
            if probability_at is not None:
                stage = row[stage_at].strip()
                if stage in counters["stage"]:
                    number = _number(row[probability_at])
                    if number is not None:
                        pair = by_stage.setdefault(stage, [0.0, 0])
                        pair[0] += number
                        pair[1] += 1
    except csv.Error as exc:
        raise DetectError(f"{profile.path}: CSV error on line {reader.line_num}: {exc}", "export it again as CSV") from None
    profile.values = counters
    profile.samples = samples


def _number(text: str) -> float | None:
    try:
        return float(text.strip().rstrip("%").replace(",", ".").strip())
    except ValueError:
        return None


def _guess_dialect(profile: ExportProfile) -> None:
    kinds = {f.name: f.kind for f in FIELDS[profile.kind]}
    samples = profile.samples
    dates = [v for name, values in samples.items() if kinds.get(name) == "date" for v in values]
    if dates:
        profile.date_format = _date_format(dates, profile)
    amounts = [v for name, values in samples.items() if kinds.get(name) == "amount" for v in values]
    comma = sum(1 for v in amounts if _COMMA_DECIMAL.search(v))
    point = sum(1 for v in amounts if _POINT_DECIMAL.search(v))
    if comma and not point:
        profile.decimal = ","
    probabilities = [v for name, values in samples.items() if kinds.get(name) == "probability" for v in values]
    numbers = []
    for text in probabilities:
        try:
            numbers.append(float(text.rstrip("%").replace(",", ".").strip()))
        except ValueError:
            continue
    if numbers and not any(t.endswith("%") for t in probabilities) and max(numbers) <= 1:
        profile.probability = "fraction"
    profile.samples = {}


#: Share of the sampled dates a format must read to be chosen (an export may hold a few damaged rows: the
#: report lists them).
FIT_SHARE = 0.95


def _parsed(fmt: str, values: list[str]) -> int:
    count = 0
    for value in values:
        try:
            dt.datetime.strptime(_TIME.sub("", value), fmt)
        except ValueError:
            continue
        count += 1
    return count


def _date_format(values: list[str], profile: ExportProfile) -> str:
    counts = {fmt: _parsed(fmt, values) for fmt in DATE_FORMATS}
    fitting = [fmt for fmt in DATE_FORMATS if counts[fmt] >= FIT_SHARE * len(values)]
    if not fitting:
        shown = ", ".join(repr(v) for v in sorted(values)[:3])
        profile.notes.append(f"dates such as {shown} match no usual format: set date_format (strptime, e.g. %d/%m/%Y) under data.{profile.kind}")
        return "%Y-%m-%d"
    best = max(counts[fmt] for fmt in fitting)
    fitting = [fmt for fmt in fitting if counts[fmt] == best]
    if "%m/%d/%Y" in fitting and "%d/%m/%Y" in fitting:
        us = profile.preset in ("salesforce", "hubspot")
        chosen = "%m/%d/%Y" if us else "%d/%m/%Y"
        profile.notes.append(f"every day in the dates is 12 or less: month/day or day/month cannot be told apart; {chosen} chosen, check date_format under data.{profile.kind}")
        return chosen
    return fitting[0]


def closing_stages(profile: ExportProfile) -> set[str]:
    """The stage values (case-folded) the preset reads as won or lost."""
    return set(PRESET_STAGES.get(profile.preset, {}))
