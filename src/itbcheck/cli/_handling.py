"""How every itbcheck command ends: its exit code, and the one handler that turns errors into
one line per problem on stderr. Exit codes are documented in docs/exit-codes.md."""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer

from itbcheck.exceptions import (
    AuditWriteError,
    ConfigFileError,
    ConfigurationError,
    InvalidRecordError,
    Problem,
)
from itbcheck.stages import Stage


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
    CONFIG_FILE = 78
    INTERRUPTED = 130
    BROKEN_PIPE = 141


# Options several commands share, declared once so their names and help never drift apart.
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        help="Clinic policy file (TOML); default: $ITBCHECK_POLICY, the config file's policy, "
        "or the shipped policy."
    ),
]
AuditLogOption = Annotated[
    Path | None,
    typer.Option(
        help="Audit log to append to; default: $ITBCHECK_AUDIT_LOG, the config file's "
        "audit_log, or audit.jsonl in this platform's state folder (itbcheck config show)."
    ),
]
VisitStoreOption = Annotated[
    Path | None,
    typer.Option(
        help="Visit store (SQLite); default: $ITBCHECK_VISIT_STORE, the config file's "
        "visit_store, or visits.sqlite3 beside the audit log (docs/history.md)."
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
        help="Who runs the check; default: the config file's operator, or the login name.",
    ),
]


StageOption = Annotated[
    Stage,
    typer.Option(
        metavar="STAGE",
        show_default=False,
        help="before-fill: check what is known before injecting (syringe, interrogation, "
        "residual, planned programming); after-programming (the default): the complete record.",
    ),
]


class OutputFormat(enum.StrEnum):
    HUMAN = "human"
    JSON = "json"


F = TypeVar("F", bound=Callable[..., Any])


def policy_in_force(option: Path | None) -> Path | None:
    """The policy file to use: the option, $ITBCHECK_POLICY, the config file, or None for the
    shipped policy."""
    from itbcheck.settings import path_in_force

    return path_in_force("policy", os.environ, {"policy": option})


def operator_in_force() -> str:
    """Who runs the check when no --operator or $ITBCHECK_OPERATOR is given: the config file's
    operator, else the login name."""
    from itbcheck.settings import in_force

    operator = in_force(os.environ)["operator"].value
    if operator is None:
        raise ConfigurationError(
            [Problem("operator", "no login name on this computer; give --operator")], "operator"
        )
    return operator


def entry_fields(command: str, operator: str | None) -> dict[str, Any]:
    """The fields every command's audit entry starts with: when (UTC, microseconds), which
    itbcheck, which command, and who ran it (`operator`, else `operator_in_force`)."""
    import datetime as dt

    from itbcheck import __version__

    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "tool_version": __version__,
        "command": command,
        "operator": operator or operator_in_force(),
    }


def use_colour(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Colour on a terminal, unless NO_COLOR is set to a non-empty value (no-color.org); a
    non-empty FORCE_COLOR turns it on where it would be off (a pipe, a CI log). An empty value
    of either counts as unset, as both conventions say. NO_COLOR wins when both are set: a
    person who asked for no colour may not be able to read it."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


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
        from itbcheck.checktext import problem_lines
        from itbcheck.output import printable

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
        except ConfigFileError as error:
            raise fail([f"error: {printable(str(error))}"], ExitCode.CONFIG_FILE) from None
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
