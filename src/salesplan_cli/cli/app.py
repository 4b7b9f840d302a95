"""The `salesplan` command: one module per command, errors mapped to exit codes here."""

from __future__ import annotations

import errno
import sys
from typing import Annotated, Optional

import typer

from .. import __version__, exitcodes

app = typer.Typer(
    name="salesplan",
    help="Plans as code for sales teams: check that each rep's individual plan adds up to the commercial strategy, and show how the strategy breaks down into those plans.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion (typer); salesplan completion SHELL prints the script
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"salesplan {__version__}")
        raise typer.Exit(exitcodes.OK)


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """Plans as code for sales teams."""


def _register() -> None:
    from . import completion, demo_data, init, pam, plan, review, schema, validate

    app.command("validate")(validate.validate)
    app.command("plan")(plan.plan)
    app.command("init")(init.init)
    app.command("schema")(schema.schema)
    app.command("demo-data")(demo_data.demo_data)
    app.command("pam")(pam.pam)
    app.command("review")(review.review)
    from . import allocate, diff

    app.command("diff")(diff.diff)
    app.command("allocate")(allocate.allocate)
    app.command("completion")(completion.completion)
    from .report import report_app

    app.add_typer(report_app, name="report")


_register()


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: run the app, never let a traceback reach the user."""
    if sys.stdout is None or sys.stdout.closed:  # started with stdout closed (`>&-`)
        if sys.stderr is not None:
            sys.stderr.write("salesplan: standard output is closed; redirect it to a file or /dev/null\n")
        return exitcodes.USAGE
    import os

    from .completion import COMPLETE_VAR

    if os.environ.get(COMPLETE_VAR):  # the shell asks for completions (click's protocol): answer, run nothing
        from .completion import answer

        try:
            return answer(app)
        except Exception:  # never a traceback while the user presses Tab
            return exitcodes.INTERNAL
    try:
        code = app(args=argv, standalone_mode=False, prog_name="salesplan")
        return code if isinstance(code, int) else exitcodes.OK
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            sys.stderr.write(f"salesplan: error: {exc.format_message()}\n")
        return exitcodes.USAGE
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("\nsalesplan: interrupted\n")
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return _reader_left()
    except SystemExit as exc:  # click turns a broken pipe into exit 1; say it as the shell would
        context = exc.__context__
        if isinstance(context, OSError) and context.errno == errno.EPIPE:
            return _reader_left()
        return exc.code if isinstance(exc.code, int) else exitcodes.USAGE
    except Exception:  # a bug: save the details, say one short thing
        return _crash_report(sys.argv[1:] if argv is None else argv)


def _reader_left() -> int:
    """The reader of stdout left (`salesplan report | head -1`): no message, no second error when Python
    flushes stdout on the way out; exit 141 as a writer killed by SIGPIPE would."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return exitcodes.BROKEN_PIPE


def _crash_report(argv: list[str]) -> int:
    import datetime as dt
    import os
    import tempfile
    import traceback

    details = traceback.format_exc()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, path = tempfile.mkstemp(prefix=f"salesplan-crash-{stamp}-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"salesplan {__version__}\ncommand: salesplan {' '.join(argv)}\n\n{details}")
        where = f"the full report is in {path}"
    except OSError:
        where = "the report could not be saved"
    last = details.strip().splitlines()[-1] if details.strip() else "unknown error"
    sys.stderr.write(f"salesplan: internal error: {last}\n{where}; please attach it to a bug report\n")
    return exitcodes.INTERNAL


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
