"""Small pure helpers: criteria matching, cell texts in a dialect (amounts, dates), draws (Poisson, weighted)."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import re
import unicodedata

from ..config.data import Source


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




def _bisect(cumulative: list[float], point: float) -> int:
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= point:
            lo = mid + 1
        else:
            hi = mid
    return lo
