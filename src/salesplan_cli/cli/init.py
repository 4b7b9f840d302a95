"""`salesplan init`: write a small working workspace; from the company, the reps and a CRM export when given."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import exitcodes
from .common import fail_usage


def _template_files() -> dict[str, str]:
    root = resources.files("salesplan_cli") / "templates" / "init"
    files: dict[str, str] = {}

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".yaml"):
                files[f"{prefix}{child.name}"] = child.read_text(encoding="utf-8")

    walk(root, "")
    return files


def next_fiscal_year(today: dt.date) -> dt.date:
    """The calendar fiscal year being planned: next year from October on, else this one."""
    return dt.date(today.year + 1 if today.month >= 10 else today.year, 1, 1)


def _fiscal_year_start(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        fail_usage(f"--fiscal-year-start {value!r} is not a date", "write YYYY-MM-DD or YYYY-MM, e.g. 2027-01-01 or 2027-04")
    if day.day != 1:
        fail_usage(f"--fiscal-year-start {value}: a fiscal year starts on the first day of a month", f"write {day.strftime('%Y-%m')}-01")
    return day


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in (created if missing).")] = Path("."),
    company: Annotated[Optional[str], typer.Option("--company", metavar="NAME", help="The company's name. Default: Example Co.")] = None,
    currency: Annotated[Optional[str], typer.Option("--currency", metavar="CODE", help="ISO 4217 code of the plan's amounts, e.g. EUR, USD. Default: EUR.")] = None,
    fiscal_year_start: Annotated[
        Optional[str],
        typer.Option("--fiscal-year-start", metavar="DATE", help="First day of the fiscal year, YYYY-MM-DD or YYYY-MM. Default: January 1 of the year being planned (with --export: of this year)."),
    ] = None,
    rep: Annotated[
        Optional[list[str]],
        typer.Option("--rep", metavar='"NAME <E-MAIL>"', help='A rep: "Aiko Tanaka <aiko@example.com>", a name or an e-mail (repeatable). Default: one rep per owner found in the exports.'),
    ] = None,
    reps_from: Annotated[Optional[Path], typer.Option("--reps-from", metavar="CSV", help="The reps from a CSV file with a name and/or an email column.")] = None,
    export: Annotated[
        Optional[list[str]],
        typer.Option(
            "--export",
            metavar="[KIND=]FILE",
            help="A CRM export (CSV; repeatable): its CRM preset and kind are detected from the header (or say the kind: activities=calls.csv); the data: section, the reps and the stages and activity types come from it. A file outside the folder is copied into its data/.",
        ),
    ] = None,
) -> None:
    """Write a small working workspace (salesplan.yaml, strategy.yaml, segments.yaml, reps/) that passes validate; with --export, read from your CRM export."""
    if directory.exists() and not directory.is_dir():
        fail_usage(f"{directory} exists and is not a folder", "choose another folder")
    from ..plan.load import WORKSPACE_FILE

    if (directory / WORKSPACE_FILE).exists():
        fail_usage(f"{directory / WORKSPACE_FILE} already exists", "salesplan init never overwrites a workspace; choose an empty folder")
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
        fail_usage(f"--currency {currency!r} is not an ISO 4217 code", "write three letters, e.g. EUR, USD, GBP")
    currency_code = (currency or "EUR").strip().upper()
    company_name = company.strip() if company is not None else "Example Co"
    if not company_name or len(company_name) > 200 or any(ord(c) < 32 for c in company_name):
        fail_usage("--company: give the company's name on one line", 'e.g. --company "Nordwind Digital"')
    today = dt.date.today()
    start = _fiscal_year_start(fiscal_year_start) or (dt.date(today.year, 1, 1) if export else next_fiscal_year(today))
    if not (rep or reps_from or export):
        files = _plain_files(company_name, currency_code, start, today)
        copies: list[tuple[Path, str]] = []
        report = []
    else:
        from ..plan.load import SEGMENTS_FILE
        from .init_export import from_exports

        segments = _template_files()[SEGMENTS_FILE].format()
        files, copies, report = from_exports(directory, company_name, currency_code, start, today, list(rep or []), reps_from, list(export or []), segments)
    clashes = [name for name in [*files, *(rel for _, rel in copies)] if (directory / name).exists()]
    if clashes:
        fail_usage(f"{', '.join(clashes)} already exist in {directory}", "salesplan init never overwrites files; choose an empty folder")
    written: list[Path] = []
    try:
        for name, text in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as handle:
                written.append(target)
                handle.write(text)
        for source, rel in copies:
            import shutil

            target = directory / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(source, "rb") as src, open(target, "xb") as dst:
                written.append(target)
                shutil.copyfileobj(src, dst, 1024 * 1024)
    except OSError as exc:
        fail_usage(f"cannot write the workspace: {exc.strerror or exc}", "check the folder and its permissions")
    for name in files:
        typer.echo(f"created {directory / name}")
    for source, rel in copies:
        typer.echo(f"copied {source} to {directory / rel}")
    for line in report:
        typer.echo(line)
    typer.echo(f"next: salesplan validate --workspace {directory}")
    if export:
        typer.echo(f"then: salesplan report --workspace {directory}")
    raise typer.Exit(exitcodes.OK)


def _plain_files(company: str, currency: str, start: dt.date, today: dt.date) -> dict[str, str]:
    """The template workspace (two placeholder reps), with the company, currency and fiscal year given."""
    from ..scaffold.files import yaml_str

    signed = min(start - dt.timedelta(days=20), today)
    values = {
        "fy_start": start.isoformat(),
        "signed": signed.isoformat(),
        "signed_mgr": signed.isoformat(),
        # a fiscal year already under way has had its reviews: record one today
        "reviewed": f"reviewed: [{today.isoformat()}]\n" if today >= start else "",
        "company": yaml_str(company),
        "currency": currency,
    }
    return {name: text.format(**values) for name, text in _template_files().items()}
