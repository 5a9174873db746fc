"""`itbcheck serve`: the bedside double check as a local web form, a verdict page and a
printable report. A client of the library like `itbcheck.cli`: it builds a record from the
form, hands it to the flow `check` uses (`itbcheck.assessment`), and renders the outcome.

It may import the core, the audit log, the visit store, the assessment and the engineers'
bench (for the report's reservoir timeline); never `itbcheck.cli`. FastAPI, Starlette and
Jinja2 are imported here and nowhere else (docs/architecture.md). Imported only by the `serve`
and `report` commands, so `check` never pays for the web stack."""
