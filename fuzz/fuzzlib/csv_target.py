"""The `csv` target: random, mutated and generated CSV exports in random dialects, through `load_exports` and
every report; the fast (pyarrow) and exact (csv module) readers must agree."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from .inputs import AS_OF_CHOICES, EXAMPLE_EXPORTS, EXPORT_KINDS, PERIOD_CHOICES, OracleFailure, Universe, chance, example_workspace, require, sample_exports
from .mutations import TEXT_BYTES, apply_mutations, mutations
from .oracle import FILTERS, check_intake_and_reports


# --- the csv target ------------------------------------------------------------------------------------------------

PRESETS = ["none", "salesforce", "hubspot", "pipedrive"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-15"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%d %b %Y", "%Y%m%d", "%m/%d/%y", "excel", "%Y-%m-%dT%H:%M:%S"]


@st.composite
def sources(draw, kind: str) -> dict:
    source = {
        "preset": draw(st.sampled_from(PRESETS)),
        "encoding": draw(st.sampled_from(ENCODINGS)),
        "delimiter": draw(st.sampled_from(["auto", "auto", ",", ";", "\t", "|"])),
        "decimal": draw(st.sampled_from([".", ","])),
        "thousands": draw(st.sampled_from(["auto", "auto", "none", ",", ".", " ", "'"])),
        "date_format": draw(st.sampled_from(DATE_FORMATS)),
        "probability": draw(st.sampled_from(["percent", "fraction"])),
    }
    if source["preset"] == "none" or chance(draw, 4):
        from salesplan_cli.intake.fields import FIELDS

        # without a preset every field needs a column; with one, some columns are renamed
        chosen = [f for f in FIELDS[kind] if (f.required and source["preset"] == "none") or draw(st.booleans())]
        source["columns"] = {f.name: draw(st.sampled_from([f.name, f.name.title(), f"Col {f.name}", f.name.upper()])) for f in chosen}
    if kind == "opportunities" and draw(st.booleans()):
        source["stage_dates"] = {stage: f"Date entered {stage}" for stage in draw(st.lists(st.sampled_from(["lead", "qualified", "proposal", "won"]), max_size=2, unique=True))}
    return source


def _thousands(source: dict) -> str:
    t = source.get("thousands", "auto")
    if t == "none":
        return ""
    if t != "auto":
        return t
    return "," if source.get("decimal", ".") == "." else "."


@st.composite
def amount_texts(draw, source: dict, messy: bool = True) -> str:
    if messy and chance(draw, 6):
        return draw(st.sampled_from(["", " ", "abc", "1e5", "NaN", "inf", "-", "()", "12.500", "1.000", "1,000", "1 000", "9" * 14, "9" * 13 + ".995",
                                     "0", "-0", "+5", "(5)", "EUR", "USD 5", "5 $", "€ 12", "12 CHF", "1'000.50", "1\u00a0000,50", "0.005", "-0.005"]))
    cents = draw(st.one_of(st.integers(-10**6, 10**8), st.integers(-10**15, 10**15)) if messy else st.integers(0, 10**9))
    places = draw(st.sampled_from([0, 1, 2, 2, 3]))
    value = Decimal(cents) / 100
    text = f"{abs(value):.{places}f}"
    whole, _, frac = text.partition(".")
    sep = _thousands(source) if draw(st.booleans()) else ""
    if sep and len(whole) > 3:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = sep.join([whole, *groups])
    text = whole + (source.get("decimal", ".") + frac if frac else "")
    if value < 0:
        text = f"({text})" if draw(st.booleans()) else "-" + text
    around = draw(st.sampled_from(["", "", "", "EUR ", " EUR", "€", "USD ", " $"] if messy else ["", "EUR ", " EUR"]))
    return around + text if not around.startswith(" ") else text + around


@st.composite
def date_texts(draw, source: dict, universe: Universe | None = None, messy: bool = True) -> str:
    if messy and chance(draw, 7):
        return draw(st.sampled_from(["", "2027-02-30", "02/30/2027", "30/02/2027", "0", "99999", "2958466", "-1", "2027", "tomorrow", "2027-13-01",
                                     "31.12.2027", "2027-06-01T10:00:00Z", "2027-06-01 25:00", "12/31/27", "1.5", "45000", "45000.5"]))
    window = st.dates(universe.first_day, universe.last_day) if universe is not None else st.dates(dt.date(2026, 6, 1), dt.date(2028, 6, 30))
    day = draw(st.one_of(window, st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))) if messy else window)
    fmt = source.get("date_format", "%Y-%m-%d")
    if fmt == "excel":
        text = str((day - dt.date(1899, 12, 30)).days) + draw(st.sampled_from(["", "", ".0", ".25"]))
    else:
        text = dt.datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), draw(st.integers(0, 59))).strftime(fmt)
    return text + (draw(st.sampled_from(["", "", "", " 08:15", "T08:15:00Z", " 8:15 PM"])) if messy and "%H" not in fmt else "")


def _field_values(draw, kind: str, name: str, field_kind: str, source: dict, universe: Universe, messy: bool) -> str:
    if field_kind == "amount":
        return draw(amount_texts(source, messy))
    if field_kind == "date":
        return draw(date_texts(source, universe, messy))
    if field_kind == "probability":
        if not messy:
            return draw(st.sampled_from(["", "10", "25", "50%"] if source.get("probability", "percent") == "percent" else ["", "0.1", "0.25", "50%"]))
        return draw(st.sampled_from(["", "0", "5", "25", "25%", "0.25", "100", "150", "-1", "abc", "nan", "inf", "1e2", "50,5", "0,5"]))
    pools = {
        "owner": universe.owners,
        "account": universe.accounts,
        "stage": universe.stages,
        "product": universe.products,
        "type": universe.actions,
        "status": universe.statuses + ["won", "lost", "open"],
        "opportunity": universe.opportunity_ids,
        "segment": universe.segments,
    }
    if kind == "accounts" and name == "id":
        pool = universe.accounts
    elif kind in ("opportunities",) and name == "id":
        pool = universe.opportunity_ids
    else:
        pool = pools.get(name, ["", "x", "Name, with comma", 'quote "inside"', "multi\nline", "ÄÖÜ€"])
    if messy and chance(draw, 10):
        return draw(st.text(max_size=12))
    return draw(st.sampled_from(pool or [""]))


@st.composite
def csv_documents(draw, kind: str, source: dict, universe: Universe, max_rows: int = 25, messy: bool = True) -> bytes:
    """A generated export of `kind` written in the dialect of `source`.

    messy: now and then in another dialect or encoding, with a column missing or twice, ragged rows,
    unreadable values and dates anywhere in 1-9999; else every row is well formed (its names may
    still match nothing in the plan) and the dates fall around the fiscal year.
    """
    from salesplan_cli.intake.fields import FIELDS, columns_for

    mapped = columns_for(kind, source.get("preset", "none"), source.get("columns", {}))
    fields = {f.name: f for f in FIELDS[kind]}
    columns: list[tuple[str, str, str]] = []  # (header, field name, field kind)
    for f in FIELDS[kind]:
        header = mapped.get(f.name, f.name)
        if f.required or f.name in source.get("columns", {}) or draw(st.booleans()):
            columns.append((header, f.name, f.kind))
    if kind == "accounts":
        columns += [(header, "attr", "text") for header in universe.attributes]
    if kind == "opportunities":
        columns += [(header, "entered", "date") for header in source.get("stage_dates", {}).values()]
    if messy and chance(draw, 10) and columns:
        del columns[draw(st.integers(0, len(columns) - 1))]  # a required column missing
    if messy and chance(draw, 6):
        columns.append((draw(st.sampled_from(["Extra", "", "Notes", columns[0][0] if columns else "x"])), "extra", "text"))
    columns = draw(st.permutations(columns))
    seen = set()
    columns = columns if messy and chance(draw, 10) else [c for c in columns if not (c[0] in seen or seen.add(c[0]))]  # duplicates now and then
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        row = []
        for header, name, field_kind in columns:
            if name == "attr":
                row.append(draw(st.sampled_from(universe.attributes[header])))
            elif name in fields or name == "entered":
                row.append(_field_values(draw, kind, name, field_kind, source, universe, messy))
            else:
                row.append(draw(st.sampled_from(["", "note", "a;b,c"])))
        shape = draw(st.integers(1, 3000)) % 30 if messy else 0
        if shape == 1 and row:
            row = row[:-1]
        elif shape == 2:
            row = row + ["spill"]
        elif shape == 3:
            row = []
        rows.append(row)
    delimiter = source.get("delimiter", "auto")
    if delimiter == "auto" or (messy and chance(draw, 15)):
        delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quotechar='"', quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])), lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow([c[0] for c in columns])
    for row in rows:
        writer.writerow(row)
    if source.get("preset") == "salesforce" and draw(st.booleans()):  # the report footer
        out.write(f'\n"Grand Totals ({len(rows)} records)"\n"Confidential Information - Do Not Distribute"\n')
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "utf-16"])) if messy and chance(draw, 10) else source.get("encoding", "utf-8")
    data = out.getvalue().encode("utf-8-sig" if encoding == "utf-8-sig" else encoding, errors="replace")
    return data


@st.composite
def csv_cases(draw) -> dict:
    ws = example_workspace()
    universe = Universe.of(ws)
    kind = draw(st.sampled_from(EXPORT_KINDS))
    mode = draw(st.sampled_from(["generate", "generate", "generate", "mutate", "mutate", "bytes"]))
    if mode == "mutate" and kind in EXAMPLE_EXPORTS:
        # the example's own dialect for this export most of the time, a random one now and then
        if not chance(draw, 4):
            source = ws.settings.data.model_dump()[kind]
            source = {k: v for k, v in source.items() if k not in ("path", "sheet")}
        else:
            source = draw(sources(kind))
        data = apply_mutations(sample_exports()[EXAMPLE_EXPORTS[kind]], draw(mutations()))
    elif mode == "bytes":
        source = draw(sources(kind))
        data = draw(TEXT_BYTES)
    else:
        mode = "generate"
        source = draw(sources(kind))
        data = draw(csv_documents(kind, source, universe))
        if chance(draw, 4):
            data = apply_mutations(data, draw(mutations(max_ops=3)))
    if chance(draw, 12):
        data = grow(data, draw(st.integers(0, 1 << 20)))
    others = draw(st.lists(st.sampled_from([k for k in EXAMPLE_EXPORTS if k != kind]), unique=True, max_size=3))
    return {"mode": mode, "kind": kind, "source": source, "data": data, "others": sorted(others), "as_of": draw(st.sampled_from(AS_OF_CHOICES)).isoformat(),
            "period": draw(st.sampled_from(PERIOD_CHOICES)), "filters": draw(FILTERS)}


def grow(data: bytes, pick: int) -> bytes:
    """The export made large enough for the fast (pyarrow) reader: its rows repeated up to FAST_CSV_BYTES and a bit."""
    from salesplan_cli.intake import read

    threshold = getattr(read, "FAST_CSV_BYTES", 256 * 1024)
    header, _, body = data.partition(b"\n")
    if not body.strip():
        body = b"\n"
    copies = threshold // max(len(body), 1) + 1 + pick % 3
    out = header + b"\n" + body * copies
    return out[: threshold * 2 + pick % 4096] if len(out) > threshold * 2 + 4096 else out


def check_readers_agree(path: Path, source) -> None:
    """The fast (pyarrow) CSV reader, when it answers, gives what the exact (csv module) reader gives."""
    from salesplan_cli.intake import read

    fast_reader, exact_reader = getattr(read, "_read_csv_fast", None), getattr(read, "_read_csv_exact", None)
    if fast_reader is None or exact_reader is None or path.suffix.lower() not in (".csv", ".txt", ".tsv", ""):
        return
    raw = path.read_bytes()
    wanted = []
    exact, exact_diags = exact_reader(raw, path.name, source, wanted)
    if exact is not None:
        wanted = list(dict.fromkeys(h for h in exact.headers if h))
        exact, exact_diags = exact_reader(raw, path.name, source, wanted)
    fast = fast_reader(raw, path.name, source, wanted)
    if fast is None:
        return
    table, diags = fast
    require(exact is not None, f"the fast CSV reader reads what the exact one refuses: {[d.message for d in exact_diags]}")
    require(not diags, f"the fast CSV reader says {[d.message for d in diags]}")

    def shape(t):
        return {
            "headers": list(t.headers),
            "lines": [int(x) for x in t.lines],
            "issues": sorted((i.line, i.kind, i.reason) for i in t.issues),
            "columns": {k: [str(v) for v in (col.to_pylist() if hasattr(col, "to_pylist") else col)] for k, col in t.columns.items()},
        }

    a, b = shape(table), shape(exact)
    for key in a:
        if a[key] != b[key]:
            detail = a[key], b[key]
            if key == "columns":
                detail = {k: (a[key].get(k, [])[:5], b[key].get(k, [])[:5]) for k in set(a[key]) | set(b[key]) if a[key].get(k) != b[key].get(k)}
            elif isinstance(a[key], list):
                detail = (sorted(set(a[key]) - set(b[key]))[:5], sorted(set(b[key]) - set(a[key]))[:5])
            raise OracleFailure(f"the fast and the exact CSV readers differ on {key}: fast only / exact only: {detail}")


def workspace_with_exports(ws, root: Path, exports: dict[str, tuple[dict, bytes]]):
    """The workspace `ws` reading the given exports (kind -> (source settings, bytes)), written under `root`."""
    from salesplan_cli.config.data import DataConfig

    config = ws.settings.data.model_dump() if ws.settings.data is not None else {}
    for kind in EXPORT_KINDS:
        config[kind] = None
    for kind, (source, data) in exports.items():
        path = root / f"{kind}.csv"
        path.write_bytes(data)
        config[kind] = {**source, "path": path.name}
    data_config = DataConfig.model_validate(config)
    # `root` holds the exports: export paths are read from inside the workspace only (SP907)
    return dataclasses.replace(ws, root=root, settings=ws.settings.model_copy(update={"data": data_config}), derived={})


def check_csv(case: dict) -> None:
    ws = example_workspace()
    example_sources = ws.settings.data.model_dump()
    with tempfile.TemporaryDirectory(prefix="salesplan-fuzz-") as tmp:
        exports = {case["kind"]: (case["source"], case["data"])}
        for kind in case["others"]:
            source = {k: v for k, v in example_sources[kind].items() if k not in ("path", "sheet")}
            exports[kind] = (source, sample_exports()[EXAMPLE_EXPORTS[kind]])
        fuzzed = workspace_with_exports(ws, Path(tmp), exports)
        check_readers_agree(Path(tmp) / f"{case['kind']}.csv", getattr(fuzzed.settings.data, case["kind"]))
        check_intake_and_reports(fuzzed, dt.date.fromisoformat(case["as_of"]), case["period"], case["filters"])
