"""What every view shares: the configuration dependency, the form's posted values (after the
CSRF check), and pages rendered with a CSRF cookie."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from itbcheck.web.render import environment
from itbcheck.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_problem, new_csrf_token
from itbcheck.web.state import WebConfig

MAX_FIELDS = 400  # the form has about 110 inputs; a post with many more is not this form

templates = Jinja2Templates(env=environment())


class Refused(HTTPException):
    """A request refused before anything was checked, with a plain explanation."""

    def __init__(self, status_code: int, title: str, text: str) -> None:
        super().__init__(status_code, title)
        self.title = title
        self.text = text


def config_of(request: Request) -> WebConfig:
    """The application's configuration (a FastAPI dependency)."""
    config: WebConfig = request.app.state.config
    return config


async def posted_values(request: Request) -> dict[str, str]:
    """The form's fields, once its CSRF token matches its cookie; a field sent twice, or a
    file, refuses the whole post (a dependency of every POST view)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    items = form.multi_items()
    names = [name for name, _ in items]
    if len(set(names)) != len(names) or not all(isinstance(v, str) for _, v in items):
        raise Refused(400, "Form not understood", "A field was sent twice; nothing was checked.")
    values = {name: str(value) for name, value in items}
    if csrf_problem(request.cookies.get(CSRF_COOKIE), values.pop(CSRF_FIELD, None)):
        raise Refused(
            403,
            "Form expired",
            "This form did not come from this page, or it expired; nothing was checked. Open "
            "the form again and re-enter the visit.",
        )
    return values


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page with the CSRF token its forms repeat; the cookie is set when it is missing."""
    token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
    response = templates.TemplateResponse(
        request, name, {**context, "csrf_token": token}, status_code=status
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response
