"""Render validation findings: human (grouped by file), json, github annotations."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from ..diagnostics import Diagnostic
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plan.validate import ValidationResult
from .common import clean, display_path

_STYLE = {"error": "bold red", "warning": "bold yellow"}


def render_human(result: ValidationResult, console: Console, root_shown: str) -> None:
    last_file = None
    for d in result.diagnostics:
        if last_file is not None and d.file != last_file:
            console.print()
        last_file = d.file
        _print_one(d, result, console, root_shown)
    summary = result.summary()
    errors, warnings = summary["errors"], summary["warnings"]
    if result.diagnostics:
        console.print()
    for reason in summary["skipped"]:
        console.print(f"[dim]not checked: {escape(reason)}[/]")
    files = len({d.file for d in result.diagnostics})
    if errors or warnings:
        style = "bold red" if errors else "bold yellow"
        console.print(
            f"[{style}]{plural(errors, 'error')}, {plural(warnings, 'warning')}[/] in {plural(files, 'file')} "
            f"({plural(summary['files'], 'file')} checked)"
        )
    else:
        console.print(f"[bold green]ok[/]: {plural(summary['files'], 'file')} checked, no findings")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_one(d: Diagnostic, result: ValidationResult, console: Console, root_shown: str) -> None:
    shown = Diagnostic(**{**d.__dict__, "file": display_path(root_shown, d.file)})
    location, _, rest = shown.headline().partition(": ")
    style = _STYLE[d.severity.value]
    sev, _, message = rest.partition(" ")
    console.print(f"[bold]{escape(clean(location))}[/]: [{style}]{sev}[/] {escape(clean(message))}", highlight=False, soft_wrap=True)
    source = result.workspace.sources.get(d.file)
    if source is not None and d.line is not None:
        lines = source.lines()
        if 0 < d.line <= len(lines):
            text = clean(lines[d.line - 1].replace("\t", " "))
            gutter = f"{d.line:>5} | "
            console.print(f"[dim]{gutter}[/]{escape(text)}", highlight=False, soft_wrap=True)
            if d.col is not None:
                console.print(f"[dim]{' ' * (len(gutter) - 2)}| [/]{' ' * (d.col - 1)}[{style}]^[/]", highlight=False, soft_wrap=True)
    if d.hint:
        console.print(f"  [cyan]hint[/]: {escape(clean(d.hint))}", highlight=False, soft_wrap=True)


def render_json(result: ValidationResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: ValidationResult, root_shown: str) -> str:
    """GitHub Actions workflow commands, escaped as the actions toolkit does."""
    out = []
    for d in result.diagnostics:
        props = [f"file={_escape_property(display_path(root_shown, d.file))}"]
        if d.line is not None:
            props.append(f"line={d.line}")
            if d.col is not None:
                props.append(f"col={d.col}")
        props.append(f"title={_escape_property(d.code)}")
        body = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"::{d.severity.value} {','.join(props)}::{_escape_data(clean(body))}")
    s = result.summary()
    for reason in s["skipped"]:
        out.append(f"::notice title=not checked::{_escape_data(reason)}")
    out.append(f"salesplan: {plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')} ({plural(s['files'], 'file')} checked)")
    return "\n".join(out)
