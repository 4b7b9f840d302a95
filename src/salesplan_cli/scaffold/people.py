"""The reps of a new workspace: given (`--rep "Aiko Tanaka <aiko@example.com>"`, `--reps-from reps.csv`) or
one per owner found in the exports; their ids; and which owners of the exports are which rep.

Owners are matched as the intake matches them (a rep's id, name or e-mail, case-insensitive, spaces
collapsed), so a matched owner needs no line under data.mapping.owners. An owner matching no rep is never
given to one: init lists it with the nearest rep as a commented line to confirm.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

#: How close an owner must be to a rep's name or e-mail to be suggested (difflib ratio).
SUGGEST_CUTOFF = 0.6
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class PeopleError(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class Person:
    id: str
    name: str
    email: str | None = None


def key(text: str) -> str:
    """How an owner is matched: the intake's own owner_key (NFC, spaces collapsed, case folded)."""
    from ..intake.load import owner_key

    return owner_key(text)


def slug(text: str) -> str:
    """An id from a name or an e-mail: ASCII letters and digits joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w]
    return " ".join(w.capitalize() for w in words) or local


def parse_rep(text: str) -> tuple[str, str | None]:
    """'Aiko Tanaka <aiko@example.com>', 'Aiko Tanaka' or 'aiko@example.com' -> (name, e-mail)."""
    text = text.strip()
    if not text:
        raise PeopleError("--rep is empty", 'write --rep "Aiko Tanaka <aiko@example.com>"')
    if "<" in text or ">" in text:
        name, email = parseaddr(text)
        if not email or not _EMAIL.match(email) or text.count("<") != 1 or not text.endswith(">"):
            raise PeopleError(f"--rep {text!r}: not 'Name <e-mail>'", 'write --rep "Aiko Tanaka <aiko@example.com>"')
        return (name.strip() or name_from_email(email)), email
    if _EMAIL.match(text):
        return name_from_email(text), text
    if "@" in text:
        raise PeopleError(f"--rep {text!r}: not an e-mail address", 'write --rep "Aiko Tanaka <aiko@example.com>"')
    return text, None


def read_reps_csv(path: Path) -> list[tuple[str, str | None]]:
    """(name, e-mail) of each row of a CSV with a 'name' and/or an 'email' column (any case; 'e-mail' too)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            delimiter = ";" if first.count(";") > first.count(",") else ","
            handle.seek(0)
            rows = list(csv.reader(handle, delimiter=delimiter))
    except OSError as exc:
        raise PeopleError(f"cannot read --reps-from {path}: {exc.strerror or exc}", "check the file's path") from None
    except UnicodeDecodeError:
        raise PeopleError(f"--reps-from {path} is not UTF-8", "save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise PeopleError(f"--reps-from {path}: {exc}", "save it as CSV") from None
    if not rows:
        raise PeopleError(f"--reps-from {path} is empty", "write a header line 'name,email' and one rep per line")
    header = [h.strip().casefold().replace("-", "").replace("_", "") for h in rows[0]]
    name_at = header.index("name") if "name" in header else None
    email_at = next((header.index(h) for h in ("email", "mail") if h in header), None)
    if name_at is None and email_at is None:
        raise PeopleError(f"--reps-from {path}: no 'name' or 'email' column in the header line", "write a header line 'name,email' and one rep per line")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        name = cells[name_at] if name_at is not None and name_at < len(cells) else ""
        email = cells[email_at] if email_at is not None and email_at < len(cells) else ""
        if email and not _EMAIL.match(email):
            raise PeopleError(f"--reps-from {path}, line {number}: {email!r} is not an e-mail address", "fix the line")
        if not name and not email:
            raise PeopleError(f"--reps-from {path}, line {number}: no name and no e-mail", "fix the line or remove it")
        out.append((name or name_from_email(email), email or None))
    if not out:
        raise PeopleError(f"--reps-from {path} lists no rep", "write one rep per line under the header line")
    return out


def make_people(entries: list[tuple[str, str | None]]) -> list[Person]:
    """Persons with unique ids (a slug of the name; -2, -3 for a repeated one); the same name or e-mail
    twice is an error (owners could not be told apart)."""
    seen_keys: dict[str, str] = {}
    used: set[str] = set()
    people = []
    for number, (name, email) in enumerate(entries, start=1):
        for text in (name, email):
            if text and key(text) in seen_keys:
                raise PeopleError(f"rep {text!r} is given twice", "give each rep once")
        base = slug(name) or slug((email or "").split("@")[0]) or f"rep-{number}"
        rep_id, n = base, 2
        while rep_id in used:
            rep_id, n = f"{base}-{n}", n + 1
        used.add(rep_id)
        for text in (name, email):
            if text:
                seen_keys[key(text)] = rep_id
        people.append(Person(rep_id, name, email))
    return people


def people_from_owners(owners: list[tuple[str, int]]) -> list[Person]:
    """One rep per distinct owner (matched as the intake matches: case and spaces aside)."""
    entries: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for owner, _rows in owners:
        if key(owner) in seen:
            continue
        seen.add(key(owner))
        entries.append((name_from_email(owner), owner) if _EMAIL.match(owner) else (owner, None))
    return make_people(entries)


def match_owners(people: list[Person], owners: list[tuple[str, int]]) -> tuple[dict[str, str], dict[str, tuple[int, str | None]]]:
    """Owners matching a rep by id, name or e-mail -> rep id; the others -> (rows, nearest rep id or None)."""
    keys: dict[str, str] = {}
    for person in people:
        for text in (person.id, person.name, person.email):
            if text:
                keys.setdefault(key(text), person.id)
    matched: dict[str, str] = {}
    unmatched: dict[str, tuple[int, str | None]] = {}
    for owner, rows in owners:
        found = keys.get(key(owner))
        if found is not None:
            matched[owner] = found
            continue
        close = difflib.get_close_matches(key(owner), list(keys), n=1, cutoff=SUGGEST_CUTOFF)
        unmatched[owner] = (unmatched.get(owner, (0, None))[0] + rows, keys[close[0]] if close else None)
    return matched, unmatched
