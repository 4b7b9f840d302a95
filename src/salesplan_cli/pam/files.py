"""Where PAM files go and how a person's edits are protected.

Every file salesplan writes in a month folder is recorded, with the SHA-256 of its bytes, in the folder's
manifest (.salesplan-pam.json). A file is replaced only when its current bytes are ones salesplan wrote;
a file edited by hand (or not written by salesplan) is left alone unless forced.

The manifest is written before the files, holding both the old and the new hash of each file to be
replaced, and again after them with the new hashes only: a run interrupted at any point leaves every
file either as it was or as it should be, and the next run still recognises both.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..writing import write_atomic

MANIFEST = ".salesplan-pam.json"
MANIFEST_LAYOUT = 1

NEW, UPDATE, UNCHANGED, FORCED, EDITED, FOREIGN, NOT_A_FILE, UNREADABLE = (
    "new", "update", "unchanged", "forced", "edited", "foreign", "not-a-file", "unreadable",
)
#: Why a file is not written, for the listing of skipped files.
SKIP_REASONS = {
    EDITED: "edited since salesplan wrote it",
    FOREIGN: "not written by salesplan (no record of it in " + MANIFEST + ")",
    NOT_A_FILE: "not a regular file (a folder or a link)",
    UNREADABLE: "cannot be read (check its permissions)",
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_stem(rep_id: str) -> str:
    """A safe file name for a rep's PAM: the rep id when it is a plain name, else a slug and a short hash.

    A rep id cannot make salesplan write outside the month folder (no separators, no leading dot).
    """
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", rep_id) and rep_id.lower() not in ("index", MANIFEST):
        return rep_id
    ascii_name = unicodedata.normalize("NFKD", rep_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-")[:60] or "rep"
    return f"{slug}-{hashlib.sha256(rep_id.encode()).hexdigest()[:8]}"


@dataclass
class PlannedFile:
    name: str  # file name inside the month folder
    path: Path
    data: bytes
    action: str  # NEW, UPDATE, UNCHANGED, FORCED, or a skip: EDITED, FOREIGN, NOT_A_FILE

    @property
    def skipped(self) -> bool:
        return self.action in SKIP_REASONS

    @property
    def writes(self) -> bool:
        return self.action in (NEW, UPDATE, FORCED)


def read_manifest(folder: Path) -> tuple[dict[str, list[str]], str | None]:
    """The manifest's record of the folder (file -> hashes salesplan wrote), and a problem with it, if any."""
    path = folder / MANIFEST
    if not path.exists():
        return {}, None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        files = raw["files"]
        out = {}
        if not isinstance(files, dict):
            raise ValueError("files is not a mapping")
        for name, hashes in files.items():
            hashes = [hashes] if isinstance(hashes, str) else hashes
            if not isinstance(hashes, list) or not all(isinstance(h, str) and re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes):
                raise ValueError(f"the hashes of {name} are not SHA-256 digests")
            out[str(name)] = hashes
        return out, None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return {}, f"{path} is unreadable ({exc}); every existing PAM is treated as edited by hand (--force replaces them all)"


def plan_files(folder: Path, outputs: dict[str, bytes], force: bool) -> tuple[list[PlannedFile], dict[str, list[str]], str | None]:
    """What writing `outputs` (file name -> bytes) into `folder` would do to each file."""
    manifest, problem = read_manifest(folder)
    planned = []
    for name, data in outputs.items():
        path = folder / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            action = NOT_A_FILE
        elif not path.exists():
            action = NEW
        else:
            try:
                current = path.read_bytes()
            except OSError:
                planned.append(PlannedFile(name, path, data, UNREADABLE))
                continue
            if current == data:
                action = UNCHANGED
            elif sha256(current) in manifest.get(name, []):
                action = UPDATE
            elif force:
                action = FORCED
            else:
                action = EDITED if name in manifest else FOREIGN
        planned.append(PlannedFile(name, path, data, action))
    return planned, manifest, problem


def _write_manifest(folder: Path, files: dict[str, list[str]]) -> None:
    body = {"salesplan_pam": MANIFEST_LAYOUT, "files": {name: files[name] for name in sorted(files)}}
    write_atomic(folder / MANIFEST, json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def write_files(folder: Path, planned: list[PlannedFile], manifest: dict[str, list[str]]) -> None:
    """Write the files that are to be written, each atomically, the manifest before and after (see above).

    Raises OSError on the first file that cannot be written; the files written so far stay recorded.
    """
    folder.mkdir(parents=True, exist_ok=True)
    during = {name: list(hashes) for name, hashes in manifest.items()}
    after = {name: list(hashes) for name, hashes in manifest.items()}
    for item in planned:
        new = sha256(item.data)
        if item.writes:
            old = [sha256(item.path.read_bytes())] if item.action in (UPDATE, FORCED) else []
            during[item.name] = [*old, new]
            after[item.name] = [new]
        elif item.action == UNCHANGED:
            during[item.name] = after[item.name] = [new]
    if during != manifest:
        _write_manifest(folder, during)
    for item in planned:
        if item.writes:
            write_atomic(item.path, item.data)
    if after != during:
        _write_manifest(folder, after)
