"""The visit store: every checked visit, kept so the next visit can be checked against it.

This package owns the SQLite file (`store`), its schema and migrations (`schema`), what a past
visit is to the checks (`model`) and the lookup `assessment.assess` uses (`lookup`). It may
import the standard library, `itbcheck.audit` (for the keyed tokens), `itbcheck.records`,
`itbcheck.dosing` and `itbcheck.exceptions`; never the CLI or the web package. Nothing here
prints. Patient identifiers and pump serials are stored only as the audit log's keyed tokens;
an override's approver and reason and a dose change's free-text reason are never stored.
Documented in docs/history.md.
"""

from itbcheck.history.model import History, PastVisit

__all__ = ["History", "PastVisit"]
