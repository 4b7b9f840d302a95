"""A dashboard too large for one page (over PAGE_LIMIT bytes, e.g. thousands of reps): an index page with the
company and team figures and a link per team, and one page per team with its reps' rows of the dashboard,
charts and tables.

The team pages are slices of the same tables (rows of the team's reps), so every figure is the one the whole
dashboard shows; the `<total>` and `<unplanned>` rows stay on the index page."""

from __future__ import annotations

import re
from dataclasses import replace

from .page import to_html

#: Bytes above which `report --format html --output FILE` splits the dashboard per team.
PAGE_LIMIT = 3_000_000
#: The tables of the index page (company and team level); the others are sliced per team.
INDEX_TABLES = ("dashboard", "attainment_team", "monthly_team", "activity_segment")


def team_file(team: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]", "_", team) or "team"
    name, n = f"{base}.html", 2
    while name.lower() in taken:
        name, n = f"{base}-{n}.html", n + 1
    taken.add(name.lower())
    return name


def split_by_team(ctx, rendered, breaches, index_name: str) -> tuple[str, str, dict[str, str]]:
    """(index page, folder name, {file name: team page}); the folder sits beside the index file."""
    folder = re.sub(r"\.html?$", "", index_name, flags=re.I) + "-teams"
    teams: dict[str, list[str]] = {}
    for rep in ctx.reps():
        teams.setdefault(rep.manager, []).append(rep.id)
    taken: set[str] = set()
    files = {team: team_file(team, taken) for team in teams}

    index_tables = {name: frame for name, frame in rendered.tables.items() if name in INDEX_TABLES}
    index = replace(rendered, tables=index_tables)
    links = [(f"{team} ({len(reps)} reps)", f"{folder}/{files[team]}") for team, reps in teams.items()]
    index_page = to_html(ctx, index, breaches, links=links, links_title="Team pages (each team's reps: attainment, monthly lines, coverage, pipeline, conversion)")

    pages: dict[str, str] = {}
    for team, reps in teams.items():
        chosen = set(reps)
        tables = {}
        for name, frame in rendered.tables.items():
            if (name in INDEX_TABLES and name != "dashboard") or "rep" not in frame.columns:
                continue  # the team and company tables are on the index; the team's rows of the dashboard here too
            tables[name] = frame[frame["rep"].isin(chosen)].reset_index(drop=True)
        titles = {name: f"{team}: {rendered.titles.get(name, name)}" for name in tables}
        page = replace(rendered, tables=tables, titles=titles, notes=[], decisions=None)
        pages[files[team]] = to_html(ctx, page, [], links=[("index: company and team figures", f"../{index_name}")], links_title=f"Team {team}", intake=False)
    return index_page, folder, pages


def write_team_pages(ctx, output, rendered, breaches) -> str:
    """Write one page per team in FILE-teams/ beside the output file (atomically, each); return the index page,
    which the caller writes as the output itself. A folder that cannot be written is a usage error (exit 2)."""
    from ...writing import write_atomic
    from ..common import err, fail_usage

    index, folder_name, pages = split_by_team(ctx, rendered, breaches, output.name)
    folder = output.parent / folder_name
    try:
        folder.mkdir(exist_ok=True)
        for name, page in pages.items():
            write_atomic(folder / name, page)
    except OSError as exc:
        fail_usage(f"cannot write the team pages in {folder}: {exc.strerror or exc}")
    err(f"note: the dashboard is over {PAGE_LIMIT / 1_000_000:g} MB on one page: {len(pages)} team pages written in {folder}, {output} is their index")
    return index
