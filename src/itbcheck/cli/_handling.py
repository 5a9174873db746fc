"""How every itbcheck command ends: its exit code, and the one handler that turns errors into
one line per problem on stderr. Exit codes are documented in docs/exit-codes.md."""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from itbcheck.exceptions import AuditWriteError, ConfigurationError, InvalidRecordError


class ExitCode(enum.IntEnum):
    CLEAR = 0
    SCENARIOS_FAILED = 1
    USAGE = 2
    INVALID_RECORD = 3
    CONFIGURATION = 4
    AUDIT_FAILED = 5
    AUDIT_INVALID = 6
    CAUTION = 10
    STOP = 20
    INTERNAL = 70
    OUTPUT_FAILED = 74
    INTERRUPTED = 130
    BROKEN_PIPE = 141


# Options several commands share, declared once so their names and help never drift apart.
PolicyOption = Annotated[
    Path | None, typer.Option(help="Clinic policy file (TOML); default: the shipped policy.")
]
AuditLogOption = Annotated[
    Path | None,
    typer.Option(
        help="Audit log to append to; default: $ITBCHECK_AUDIT_LOG or "
        "~/.local/state/itbcheck/audit.jsonl."
    ),
]
VisitStoreOption = Annotated[
    Path | None,
    typer.Option(
        help="Visit store (SQLite); default: $ITBCHECK_VISIT_STORE or visits.sqlite3 beside "
        "the audit log (docs/history.md)."
    ),
]
NoHistoryOption = Annotated[
    bool, typer.Option("--no-history", help="Check the record alone: no visit store.")
]
OperatorOption = Annotated[
    str | None,
    typer.Option(
        envvar="ITBCHECK_OPERATOR",
        metavar="NAME",
        help="Who runs the check; default: the login name.",
    ),
]


class OutputFormat(enum.StrEnum):
    HUMAN = "human"
    JSON = "json"


F = TypeVar("F", bound=Callable[..., Any])


def fail(lines: list[str], code: ExitCode) -> typer.Exit:
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(int(code))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what could not be
    written fails no more (it would print a traceback-like warning and change the exit code)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor, as under CliRunner
        pass


@contextlib.contextmanager
def showing(recorded: Callable[[], str]) -> Iterator[None]:
    """Show what the audit log already holds. If the output cannot be written (a full disk, a
    closed terminal), end with OUTPUT_FAILED and one line that says what is recorded and where
    (`recorded()`, such as "the verdict (STOP) is recorded in the audit log L as entry 7") but
    was not shown; nothing was lost from the log. A pipe closed by its reader still ends with
    BROKEN_PIPE, in `guarded`."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        _silence_stdout()
        reason = error.strerror or type(error).__name__
        what = "the output" if error.filename is None else str(error.filename)
        raise fail(
            [f"error: cannot write {what} ({reason}): {recorded()}, but could not be shown"],
            ExitCode.OUTPUT_FAILED,
        ) from None


def guarded(command: F) -> F:
    """One error handler for every command: typed errors become one line per problem and their
    exit code; anything else is a bug, reported without a traceback or any input value."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from itbcheck.output import problem_lines

        try:
            return command(*args, **kwargs)
        except InvalidRecordError as error:
            raise fail(
                problem_lines(error.source, error.problems), ExitCode.INVALID_RECORD
            ) from None
        except ConfigurationError as error:
            raise fail(
                problem_lines(error.source, error.problems), ExitCode.CONFIGURATION
            ) from None
        except AuditWriteError as error:
            raise fail(
                [f"error: {error}", "error: the check was not recorded, so no verdict is given"],
                ExitCode.AUDIT_FAILED,
            ) from None
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # The reader closed early (`| head`): say nothing more, as other Unix tools do.
            _silence_stdout()
            raise typer.Exit(int(ExitCode.BROKEN_PIPE)) from None
        except KeyboardInterrupt:
            raise fail(["interrupted: the command did not finish"], ExitCode.INTERRUPTED) from None
        except Exception as error:
            if os.environ.get("ITBCHECK_DEBUG") == "1":
                raise  # for developers only: a traceback may hold record values
            raise fail(
                [
                    f"internal error: {type(error).__name__}; this is a bug in itbcheck, "
                    "nothing was checked. Please report it with the command you ran."
                ],
                ExitCode.INTERNAL,
            ) from None

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature typer reads
