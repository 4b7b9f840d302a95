"""Values for shell completion read from the workspace: rep ids, teams, segments, product ranges, --period
values and pam's months (the `autocompletion=` callbacks of report, pam and review's options).

The workspace is --workspace of the command line being completed (before or after the report name), else
the current folder or the nearest parent holding salesplan.yaml. Read cheaply: each rep file's `id:` line,
salesplan.yaml and strategy.yaml with the YAML parser; never the exports, never pandas. A workspace that cannot
be read completes nothing (no error is printed while the user presses Tab).

Imported by `salesplan --help`: only os, re, pathlib and plan/locate.py (pathlib only) at the top; yaml inside
the functions.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..plan.locate import WORKSPACE_FILE

#: --period words, as reports/period.py reads them (the months YYYY-MM of the fiscal year are added).
PERIOD_WORDS = ("ytd", "fy", "month", "quarter", "half", "Q1", "Q2", "Q3", "Q4", "H1", "H2",
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ID_LINE = re.compile(r"^id:\s*(['\"]?)(?P<id>[^'\"#]+?)\1\s*(#.*)?$", re.M)
#: Rep files read at most (a completion must answer at once).
MAX_REP_FILES = 5000


def _workspace(ctx) -> Path | None:
    """--workspace of this command or a parent one, else the nearest folder holding salesplan.yaml."""
    while ctx is not None:
        value = (ctx.params or {}).get("workspace")
        if value:
            root = Path(value)
            return root if (root / WORKSPACE_FILE).is_file() else None
        ctx = ctx.parent
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return None


def _yaml(path: Path):
    import yaml

    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _matching(values, incomplete: str) -> list[str]:
    folded = incomplete.casefold()
    return [v for v in dict.fromkeys(values) if v.casefold().startswith(folded)]


def rep_ids(root: Path) -> list[str]:
    """The rep ids of reps/*.yaml: each file's `id:` line, else its name."""
    out = []
    folder = root / "reps"
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))[:MAX_REP_FILES]
    except OSError:
        return []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = _ID_LINE.search(text)
        out.append(found.group("id").strip() if found else path.stem)
    return out


def complete_reps(ctx, incomplete):
    try:
        root = _workspace(ctx)
        return _matching(rep_ids(root), incomplete) if root else []
    except Exception:  # never an error while completing
        return []


def complete_teams(ctx, incomplete):
    try:
        root = _workspace(ctx)
        managers = (_yaml(root / WORKSPACE_FILE) or {}).get("managers") or {} if root else {}
        return _matching([str(m) for m in managers], incomplete)
    except Exception:
        return []


def _strategy_keys(ctx, key: str) -> list[str]:
    root = _workspace(ctx)
    if root is None:
        return []
    value = (_yaml(root / "strategy.yaml") or {}).get(key) or {}
    return [str(k) for k in value] if isinstance(value, dict) else []


def complete_segments(ctx, incomplete):
    try:
        return _matching(_strategy_keys(ctx, "segments"), incomplete)
    except Exception:
        return []


def complete_products(ctx, incomplete):
    try:
        return _matching(_strategy_keys(ctx, "products"), incomplete)
    except Exception:
        return []


def fiscal_months(root: Path) -> list[str]:
    """YYYY-MM of the months of the workspace's fiscal year."""
    import datetime as dt

    year = (_yaml(root / WORKSPACE_FILE) or {}).get("fiscal_year") or {}
    start = year.get("start") if isinstance(year, dict) else None
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    if not isinstance(start, dt.date):
        return []
    months = []
    for i in range(12):
        y, m = divmod(start.month - 1 + i, 12)
        months.append(f"{start.year + y}-{m + 1:02d}")
    return months


def complete_periods(ctx, incomplete):
    words = list(PERIOD_WORDS)
    try:
        root = _workspace(ctx)
        if root is not None:
            words += fiscal_months(root)
    except Exception:
        pass
    return _matching(words, incomplete)


def complete_months(ctx, incomplete):
    """pam --month: the months of the fiscal year."""
    try:
        root = _workspace(ctx)
        return _matching(fiscal_months(root), incomplete) if root else []
    except Exception:
        return []
