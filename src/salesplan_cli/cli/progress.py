"""What a long command is doing, shown on a terminal: a transient line on stderr per stage (reading each export,
building the frames, each report), nothing at all when stderr is not a terminal (CI, pipes, files)."""

from __future__ import annotations

import sys
from contextlib import contextmanager


def shown() -> bool:
    return sys.stderr is not None and sys.stderr.isatty()


@contextmanager
def stages(first: str = ""):
    """A callback `step(text)` that replaces the line shown; a no-op when stderr is not a terminal."""
    if not shown():
        yield lambda _text: None
        return
    from rich.console import Console
    from rich.live import Live
    from rich.spinner import Spinner

    spinner = Spinner("dots", text=first or "working")
    console = Console(stderr=True, highlight=False)
    # stdout untouched: it may carry the report (a JSON document redirected to a file)
    with Live(spinner, console=console, transient=True, redirect_stdout=False, redirect_stderr=False, refresh_per_second=8):
        yield lambda text: spinner.update(text=text)
