"""The form's routes: the empty form, the previous-visit lookup, the check, and back to the
form to change a record. Thin: the work is in `formdata`, `visit` and `render`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from itbcheck.checktext import problem_texts
from itbcheck.exceptions import ConfigurationError, InvalidRecordError
from itbcheck.stages import Stage
from itbcheck.web import inputs, layout, rows
from itbcheck.web.formdata import field_of, merged
from itbcheck.web.pages import Refused, config_of, page, posted_values
from itbcheck.web.render import AuditRef, verdict_context
from itbcheck.web.state import WebConfig
from itbcheck.web.visit import Checked, check_form

router = APIRouter()
Config = Annotated[WebConfig, Depends(config_of)]
Values = Annotated[dict[str, str], Depends(posted_values)]


def form_context(
    values: Mapping[str, str],
    *,
    problems: dict[str, list[str]] | None = None,
    lookup_status: str | None = None,
    rejected: AuditRef | None = None,
) -> dict[str, Any]:
    return {
        "inputs": inputs,
        "layout": layout,
        "rows": rows,
        "sections": layout.SECTIONS,
        "values": values,
        "problems": problems or {},
        "lookup_status": lookup_status,
        "rejected": rejected,
    }


@router.get("/", response_class=HTMLResponse)
def blank_form(request: Request) -> HTMLResponse:
    """An empty form; the visit time starts at now, in this computer's time zone."""
    now = dt.datetime.now().astimezone().replace(second=0, microsecond=0)
    return page(request, "form.html", form_context({"visit_time": now.isoformat()}))


@router.post("/lookup", response_class=HTMLResponse)
async def look_up(request: Request, values: Values, config: Config) -> HTMLResponse:
    """The previous visit's values fill the fields still empty; the nurse can change each."""
    patient, pump = values.get("patient.id", "").strip(), values.get("pump.serial", "").strip()
    if not patient or not pump:
        found: Mapping[str, str] = {}
        status: str | None = "type the hospital number and the pump serial first"
    else:
        found, status = await run_in_threadpool(config.previous_values, patient, pump)
    context = form_context(merged(values, found), lookup_status=status or "previous visit found")
    return page(request, "form.html", context)


@router.post("/edit", response_class=HTMLResponse)
async def edit(request: Request, values: Values) -> HTMLResponse:
    """Back to the form with the visit as it was checked, to change it and check again."""
    return page(request, "form.html", form_context(values))


@router.post("/check", response_class=HTMLResponse)
async def check(request: Request, values: Values, config: Config) -> HTMLResponse:
    """Check the visit: the verdict page, or the form with every problem beside its field.
    Either way the audit entry is written first."""
    checked = await run_in_threadpool(check_form, values, config)
    return verdict_or_form(request, checked, values)


@router.post("/check-before-fill", response_class=HTMLResponse)
async def check_before_fill(request: Request, values: Values, config: Config) -> HTMLResponse:
    """The check before the fill (`check --stage before-fill`): what is known before injecting
    is checked; the verdict page says it is not the final check and leads back to the form to
    complete the record and check it in full."""
    checked = await run_in_threadpool(check_form, values, config, "serve", Stage.BEFORE_FILL)
    return verdict_or_form(request, checked, values)


def verdict_or_form(request: Request, checked: Checked, values: Mapping[str, str]) -> HTMLResponse:
    outcome = checked.outcome
    audit = AuditRef(checked.seq, checked.hash)
    if outcome.result is not None:
        context = verdict_context(outcome.result, audit, checked.visit.nurses)
        return page(request, "verdict.html", {**context, "values": values})
    error = outcome.error
    if isinstance(error, InvalidRecordError):
        problems: dict[str, list[str]] = {}
        for problem, text in zip(error.problems, problem_texts(error.problems), strict=True):
            problems.setdefault(field_of(problem.location, checked.visit), []).append(text)
        context = form_context(values, problems=problems, rejected=audit)
        return page(request, "form.html", context, status=422)
    if isinstance(error, ConfigurationError):
        lines = problem_texts(error.problems)
        raise Refused(500, "Configuration problem", "Nothing was checked: " + "; ".join(lines))
    raise error or RuntimeError("an outcome holds a result or an error")
