"""The application factory. `itbcheck serve` runs it under uvicorn; a site's own ASGI server
runs it the same way (`uvicorn --factory itbcheck.web.app:create_app`, docs/web.md).

One exception handler renders every error as a plain page that says nothing was checked and
never shows a verdict or anything typed into the form."""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from itbcheck.exceptions import AuditWriteError
from itbcheck.web import form, report
from itbcheck.web.pages import Refused
from itbcheck.web.render import environment
from itbcheck.web.security import BodyTooLargeError, Guard
from itbcheck.web.state import PreviousValues, WebConfig, config_from, no_visit_store

NOTHING_CHECKED = "Nothing was checked, and no verdict is given."


def error_html(status: int, title: str, text: str) -> str:
    """The one error page: a title, what happened, and that nothing was checked."""
    template = environment().get_template("error.html")
    return template.render(status=status, title=title, text=text, nothing=NOTHING_CHECKED)


def _error_page(status: int, title: str, text: str) -> HTMLResponse:
    return HTMLResponse(error_html(status, title, text), status_code=status)


async def _handle(request: Request, error: Exception) -> HTMLResponse:
    if isinstance(error, Refused):
        return _error_page(error.status_code, error.title, error.text)
    if isinstance(error, AuditWriteError):
        return _error_page(
            503,
            "The check could not be recorded",
            "The audit log could not be written, so no verdict is given. Tell the person who "
            "looks after itbcheck; the server's console says why.",
        )
    if isinstance(error, BodyTooLargeError):
        return _error_page(413, "Form too large", "The form was larger than a record may be.")
    if isinstance(error, HTTPException):
        titles = {404: "No such page", 405: "Not here"}
        title = titles.get(error.status_code, "Request refused")
        return _error_page(error.status_code, title, "Open the form from the start page.")
    return _error_page(
        500,
        "Internal error",
        f"itbcheck failed ({type(error).__name__}); this is a bug. Report the time it happened.",
    )


def create_app(
    config: WebConfig | None = None, previous_values: PreviousValues | None = None
) -> FastAPI:
    """The web application. Without a `config`, it is read from the environment, as
    `itbcheck serve` sets it (docs/web.md); `previous_values` is the visit-store lookup."""
    if config is None:
        config = config_from(os.environ, previous_values=previous_values or no_visit_store)
    elif previous_values is not None:
        from dataclasses import replace

        config = replace(config, previous_values=previous_values)
    app = FastAPI(title="itbcheck", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.include_router(form.router)
    app.include_router(report.router)
    app.mount("/static", StaticFiles(packages=[("itbcheck.web", "static")]), name="static")
    app.add_exception_handler(Exception, _handle)
    app.add_exception_handler(HTTPException, _handle)
    app.add_middleware(Guard, config=config, render_refusal=error_html)
    return app
