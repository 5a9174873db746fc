"""`itbcheck serve` (the web form) and `itbcheck report` (the printable refill report). The
web stack is imported inside each command only: `check` and `sheet` never load it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from itbcheck import __version__
from itbcheck.cli._handling import (
    AuditLogOption,
    ExitCode,
    NoHistoryOption,
    OperatorOption,
    PolicyOption,
    VisitStoreOption,
    entry_fields,
    fail,
    guarded,
    showing,
)
from itbcheck.exceptions import ConfigurationError, Problem

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT_SECONDS = 120


def serve(
    *,
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="Address to listen on.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = DEFAULT_PORT,
    workers: Annotated[int, typer.Option(help="Server processes.", min=1, max=16)] = 1,
    policy: PolicyOption = None,
    audit_log: AuditLogOption = None,
    operator: OperatorOption = None,
    visit_store: VisitStoreOption = None,
) -> None:
    """Serve the bedside refill form on this computer (http://127.0.0.1:8080 by default)."""
    from itbcheck.policy import load_policy
    from itbcheck.web.security import is_loopback
    from itbcheck.web.state import POLICY_ENV, SECRET_ENV, access_secret, config_from

    if access_secret(os.environ) is None and not is_loopback(host):
        raise ConfigurationError(
            [
                Problem(
                    "--host",
                    f"refusing to serve {host} without an access secret: set {SECRET_ENV} "
                    "(at least 16 bytes), or serve 127.0.0.1 only",
                )
            ],
            "serve",
        )
    # Workers are separate processes that build the app from the environment.
    for name, value in (
        (POLICY_ENV, policy),
        ("ITBCHECK_AUDIT_LOG", audit_log),
        ("ITBCHECK_OPERATOR", operator),
        ("ITBCHECK_VISIT_STORE", visit_store),
    ):
        if value is not None:
            os.environ[name] = str(value)
    config = config_from(os.environ)
    load_policy(config.policy)  # a broken policy is refused now, not at the first visit
    config.audit_key()  # so is a broken audit key
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"itbcheck {__version__} serving http://{shown}:{port}/  (Ctrl-C stops it)\n"
        f"  audit log {config.audit_log}\n"
        f"  visit store {config.visit_store if config.audit_key() else 'off (no audit key)'}"
    )
    uvicorn.run(
        "itbcheck.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs method, route and status; never a query or a body
        server_header=False,
        log_level="warning",
        proxy_headers=False,
    )


def report(
    record: Annotated[str, typer.Argument(help="Record file (YAML or JSON), or - for stdin.")],
    *,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the report as one HTML file.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Write the report as PDF (needs chromium).")
    ] = None,
    second_nurse: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="The second nurse who double-checked the refill."),
    ] = None,
    policy: PolicyOption = None,
    audit_log: AuditLogOption = None,
    operator: OperatorOption = None,
    visit_store: VisitStoreOption = None,
    no_history: NoHistoryOption = False,
) -> None:
    """Check one record and write its one-page refill report for the chart (HTML or PDF)."""
    if (html is None) == (pdf is None):
        raise fail(["error: give exactly one of --html FILE or --pdf FILE"], ExitCode.USAGE)
    browser = None if pdf is None else _browser()
    from itbcheck import audit
    from itbcheck.cli import _check_file
    from itbcheck.web.render import AuditRef
    from itbcheck.web.report import report_html

    environ: Mapping[str, str] = os.environ
    fields: dict[str, Any] = {**entry_fields("report", operator), "second_nurse": second_nurse}
    nurses = {"nurse.checking": fields["operator"], "nurse.second": second_nurse or ""}
    log_path = audit_log or audit.default_log_path(environ)
    outcome, entry = _check_file(
        record,
        fields,
        policy=policy,
        log_path=log_path,
        visit_store=visit_store,
        no_history=no_history,
    )
    result = outcome.checked()  # raises the error that stopped the record, if any
    page = report_html(result, AuditRef(entry["seq"], entry["hash"]), nurses)
    target = html or pdf
    assert target is not None  # one of the two, checked above
    seq = entry["seq"]
    recorded = f"the verdict ({result.verdict.value}) is recorded in the audit log {log_path}"
    with showing(
        lambda: f"{recorded} as entry {seq}"
    ):  # a report file that cannot be written is output too
        if browser is None:
            target.write_text(page, "utf-8")
        else:
            _print_pdf(browser, page, target)
        typer.echo(f"{result.verdict}: report written to {target} (audit entry {seq})")
    raise typer.Exit(int(ExitCode[result.verdict.value]))


def _browser() -> str:
    import shutil

    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigurationError(
        [
            Problem(
                "--pdf",
                "needs chromium on PATH to print the report (Debian: apt-get install chromium); "
                "or write --html FILE and print that from a browser",
            )
        ],
        "report",
    )


def _print_pdf(browser: str, page: str, target: Path) -> None:
    """Print the self-contained HTML to PDF with headless Chromium, offline."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="itbcheck-report-") as folder:
        source = Path(folder) / "report.html"
        source.write_text(page, "utf-8")
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={folder}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target.resolve()}",
            source.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ConfigurationError(
                [Problem("--pdf", f"chromium could not print the report: {error}")], "report"
            ) from None
        if done.returncode != 0 or not target.exists():
            raise ConfigurationError(
                [Problem("--pdf", f"chromium could not print the report (exit {done.returncode})")],
                "report",
            )


def register(app: typer.Typer) -> None:
    app.command(short_help="Serve the bedside refill form on this computer.")(guarded(serve))
    app.command(short_help="Check one record and write its report for the chart.")(guarded(report))
