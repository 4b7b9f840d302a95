"""Shared test helpers: a throwaway copy of the example workspace, small edits, a validate run."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from salesplan_cli.cli.app import main
from salesplan_cli.diagnostics import Diagnostic
from salesplan_cli.plan.validate import validate_workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "nordwind"
#: The day the checks are judged against, unless a test says otherwise.
AS_OF = dt.date(2027, 2, 1)


class PlanCopy:
    """A copy of a workspace in a temporary folder, with helpers to break it on purpose."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def text(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> None:
        """Replace `old` by `new` in a file; `old` must occur exactly once (so a changed example fails loudly)."""
        text = self.text(rel)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}, expected once"
        self.write(rel, text.replace(old, new))

    def replace_data(self, data_yaml: str) -> None:
        """Replace the `data:` section of salesplan.yaml (up to `thresholds:`) by `data_yaml`."""
        text = self.text("salesplan.yaml")
        self.write("salesplan.yaml", text[: text.index("data:\n")] + data_yaml + text[text.index("\nthresholds:") :])

    def append(self, rel: str, text: str) -> None:
        self.write(rel, self.text(rel) + text)

    def write(self, rel: str, content: str | bytes) -> None:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))  # no newline translation

    def _lines(self, rel: str) -> list[str]:
        # lenient, for locating only: a byte that is not UTF-8 becomes one U+FFFD, so columns still match
        # split on \n only, as YAML does (str.splitlines would also split on \x0b, \x0c, ...)
        return self.path(rel).read_bytes().decode("utf-8", errors="replace").split("\n")

    def line_of(self, rel: str, needle: str) -> int:
        """1-based number of the one line of the (edited) file that contains `needle`."""
        lines = self._lines(rel)
        hits = [number for number, line in enumerate(lines, 1) if needle in line]
        assert len(hits) == 1, f"{needle!r} is on lines {hits} of {rel}, expected exactly one"
        return hits[0]

    def col_of(self, rel: str, needle: str, inside: str | None = None) -> int:
        """1-based column of the last `inside` (default: `needle` itself) on the line holding `needle`."""
        line = self._lines(rel)[self.line_of(rel, needle) - 1]
        return line.rindex(inside if inside is not None else needle) + 1

    def validate(self, as_of: dt.date = AS_OF) -> list[Diagnostic]:
        return validate_workspace(self.root, as_of=as_of).diagnostics


def copy_workspace(source: Path, target: Path) -> PlanCopy:
    shutil.copytree(source, target, symlinks=True)
    return PlanCopy(target)


@pytest.fixture
def plan(tmp_path: Path) -> PlanCopy:
    """A fresh copy of examples/nordwind to edit."""
    return copy_workspace(EXAMPLE, tmp_path / "nordwind")


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def cached(monkeypatch):
    """The caches (parsed exports, plan check, derived figures, kept reports) on for the small example too:
    they are only used from 8 MiB of exports otherwise."""
    from salesplan_cli.intake import cache

    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    monkeypatch.delenv(cache.ENV_DISABLE, raising=False)
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)


@pytest.fixture
def no_replay(monkeypatch):
    """No report replayed (cli/replay.py): for the tests of the caches beneath it (parsed exports, derived
    figures, kept figures), whose second run must reach them."""
    from salesplan_cli.cli import replay

    monkeypatch.setattr(replay, "REPLAYED", ())


@pytest.fixture
def run_cli(capsys):
    """Run `salesplan ARGS...` in-process through main(argv), as the console script does."""

    def run(*args: str) -> CliRun:
        capsys.readouterr()  # drop anything printed before
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


def load_fuzz():
    """fuzz/run.py as a module (its generators and oracle), loaded once for every test file that uses it."""
    if "salesplan_fuzz" not in sys.modules:
        spec = importlib.util.spec_from_file_location("salesplan_fuzz", Path(__file__).resolve().parents[1] / "fuzz" / "run.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["salesplan_fuzz"] = module
        spec.loader.exec_module(module)
    return sys.modules["salesplan_fuzz"]


def texts(column) -> list:
    """A frame's key column as a list, missing values as None (key columns are categories: missing is NaN there)."""
    import pandas as pd

    return [None if pd.isna(v) else v for v in column]


def figures_only(tables):
    """JSON tables (or one table's rows) without the `<column>_reason` fields of blank cells (issue 14 part 6),
    to compare with the core functions' frames."""
    if isinstance(tables, dict):
        return {name: figures_only(rows) for name, rows in tables.items()}
    return [{k: v for k, v in row.items() if not k.endswith("_reason")} for row in tables]
