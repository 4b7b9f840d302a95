"""Diagnostics: user mistakes as values with a place, and the registry of check codes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where it is, what is wrong and how to fix it."""

    file: str
    line: int | None
    col: int | None
    code: str
    severity: Severity
    message: str
    hint: str = ""
    path: str = ""  # key path inside the file, e.g. "targets.A"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def headline(self) -> str:
        """The first, parseable line: `file:line:col: severity CODE: message`."""
        return f"{self.location()}: {self.severity.value} {self.code}: {self.message}"

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.col or 0, self.code, self.message)

    def to_dict(self) -> dict:
        record = asdict(self)
        record["severity"] = self.severity.value
        return record


@dataclass(frozen=True)
class CheckCode:
    code: str
    severity: Severity
    title: str
    example: str = field(default="")


E, W = Severity.ERROR, Severity.WARNING

#: Every code salesplan can report. Stable: codes are never reused for another meaning.
CODES: dict[str, CheckCode] = {
    c.code: c
    for c in [
        # files and encoding
        CheckCode("SP001", E, "file missing, unreadable or not a regular file"),
        CheckCode("SP002", E, "file is not valid UTF-8 text"),
        CheckCode("SP003", E, "file is empty"),
        CheckCode("SP004", E, "file larger than the size limit"),
        CheckCode("SP005", E, "top level of the file is not a mapping"),
        # YAML traps
        CheckCode("SP101", E, "YAML syntax error"),
        CheckCode("SP102", E, "duplicate key"),
        CheckCode("SP103", E, "YAML 1.1 boolean word (yes/no/on/off/y/n) left unquoted"),
        CheckCode("SP104", E, "number that YAML 1.1 reads as octal, hex or base 60"),
        CheckCode("SP105", E, "too many nodes or aliases (alias bomb)"),
        CheckCode("SP106", E, "nesting too deep"),
        CheckCode("SP107", E, "unsupported or unsafe YAML tag"),
        # schema
        CheckCode("SP201", E, "unknown key"),
        CheckCode("SP202", E, "missing required key"),
        CheckCode("SP203", E, "wrong type or invalid value"),
        CheckCode("SP204", E, "invalid amount (negative, non-finite or not a number)"),
        CheckCode("SP205", E, "invalid percentage"),
        # references
        CheckCode("SP301", E, "unknown segment"),
        CheckCode("SP302", E, "unknown or ill-defined sales stage"),
        CheckCode("SP303", E, "unknown action type"),
        CheckCode("SP304", E, "unknown product range"),
        CheckCode("SP305", E, "unknown manager"),
        CheckCode("SP306", E, "unknown rep"),
        CheckCode("SP307", E, "rep id differs from the file name"),
        CheckCode("SP308", E, "named account in several portfolios without being declared shared"),
        CheckCode("SP309", W, "two reps share a name, e-mail or id the CRM exports match owners on"),
        CheckCode("SP310", E, "account named in two segments"),
        CheckCode("SP311", E, "contact title mapped to a role no segment names"),
        CheckCode("SP315", E, "data.opportunities.expected links an output no rep's method expects (or expected: sits on another export)"),
        # sums
        CheckCode("SP401", E, "segment shares do not add up to 100%"),
        CheckCode("SP402", E, "product shares do not add up to 100%"),
        CheckCode("SP403", E, "under-assigned: the reps' targets fall short of the strategy"),
        CheckCode("SP404", W, "over-assigned within the declared allowance"),
        CheckCode("SP405", E, "over-assigned beyond the declared allowance"),
        CheckCode("SP406", E, "a rep's product split does not add up to the rep's target"),
        CheckCode("SP407", E, "volume objective not a whole number"),
        CheckCode("SP408", E, "volume under-assigned: the reps' volume objectives fall short of the strategy's"),
        CheckCode("SP409", W, "volume over-assigned within the declared allowance"),
        CheckCode("SP410", E, "volume over-assigned beyond the declared allowance, or set where the strategy sets none"),
        # organisation model
        CheckCode("SP501", E, "territory rep's segment mix differs from the strategy mix"),
        CheckCode("SP502", E, "specialized rep does not carry exactly one segment"),
        CheckCode("SP503", E, "segment with a target but no rep carrying it"),
        # periods
        CheckCode("SP601", E, "seasonality periods missing or mixed"),
        CheckCode("SP602", E, "seasonality weights do not add up to 100%"),
        CheckCode("SP603", E, "a plan's period breakdown does not add up to its annual objective"),
        CheckCode("SP604", E, "start or end date outside the fiscal year, or end before start"),
        CheckCode("SP605", E, "period breakdown puts target where the rep is not employed"),
        # capacity
        CheckCode("SP701", W, "planned actions exceed the rep's working capacity"),
        # co-construction
        CheckCode("SP801", W, "plan not yet agreed by rep and manager"),
        CheckCode("SP802", W, "plan not reviewed within the review cadence"),
        # CRM exports (salesplan report): the file cannot be used at all
        CheckCode("SP901", E, "export file missing or unreadable"),
        CheckCode("SP902", E, "export not in its declared encoding"),
        CheckCode("SP903", E, "export lacks a required column, data: declares none, or data.<kind>.columns names an unknown field"),
        CheckCode("SP904", E, "export has a duplicated column"),
        CheckCode("SP905", E, "export empty or its CSV structure unreadable"),
        CheckCode("SP906", E, "export format unknown or file damaged"),
        CheckCode("SP907", E, "export path outside the workspace (absolute, through '..' or a symbolic link)"),
        CheckCode("SP908", E, "too many rows of an export rejected (data.max_rejected), or all of them"),
    ]
}


def diagnostic(
    code: str,
    file: str,
    line: int | None,
    col: int | None,
    message: str,
    hint: str = "",
    path: str = "",
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a diagnostic for a registered code (severity from the registry unless given)."""
    entry = CODES[code]
    return Diagnostic(
        file=file,
        line=line,
        col=col,
        code=code,
        severity=severity or entry.severity,
        message=message,
        hint=hint,
        path=path,
    )


def sort_diagnostics(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Stable order: by file, line, column, code; duplicates removed."""
    seen: set[Diagnostic] = set()
    unique = []
    for d in diags:
        if d not in seen:
            seen.add(d)
            unique.append(d)
    return sorted(unique, key=Diagnostic.sort_key)


def looks_wide(raw: bytes) -> bool:
    """Whether text bytes look UTF-16 or UTF-32 without a byte-order mark: NUL bytes between the letters
    (at least a quarter of the first 4 KiB; a stray NUL in UTF-8 text is a control character, not this)."""
    head = raw[:4096]
    return bool(head) and head.count(b"\x00") * 4 >= len(head)
