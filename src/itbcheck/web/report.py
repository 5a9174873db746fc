"""The printable refill report: one page for the chart, from the web (`POST /report`, the
visit as the verdict page carries it, checked and audited again) and from the CLI
(`itbcheck report`, through `report_html`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from itbcheck.checking import CheckResult
from itbcheck.web.form import verdict_or_form
from itbcheck.web.pages import config_of, page, posted_values
from itbcheck.web.render import AuditRef, environment, static_text, verdict_context
from itbcheck.web.state import WebConfig
from itbcheck.web.visit import check_form

router = APIRouter()


@router.post("/report", response_class=HTMLResponse)
async def report(
    request: Request,
    values: Annotated[dict[str, str], Depends(posted_values)],
    config: Annotated[WebConfig, Depends(config_of)],
) -> HTMLResponse:
    """The report of the visit the verdict page carried; a record that no longer passes goes
    back to the form, as from the check."""
    checked = await run_in_threadpool(check_form, values, config, "report")
    result = checked.outcome.result
    if result is None:
        return verdict_or_form(request, checked, values)
    context = verdict_context(result, AuditRef(checked.seq, checked.hash), checked.visit.nurses)
    return page(request, "report.html", {**context, "inline_css": None, "report": True})


def report_html(result: CheckResult, audit: AuditRef, nurses: dict[str, str]) -> str:
    """The report as one self-contained HTML file: styles inline, no link to anything."""
    context = verdict_context(result, audit, nurses)
    inline = static_text("itbcheck.css")
    context.update(inline_css=inline, report=True)
    return environment().get_template("report.html").render(**context)
