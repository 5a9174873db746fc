"""The audit log: what was checked, by whom, with what result, kept tamper-evident.

`entry` builds one entry per check (rejected input included) and holds the keyed tokens that
stand in for patient identifiers and pump serials; `chain` appends entries to the hash-chained
log under a lock, in the line format of `canonical`, and `verification` verifies it; `export`
turns a verified log into what pharmacy reads (CSV, JSON lines, counts). This package imports
only the standard library and `itbcheck.exceptions`: it knows nothing of records or checks, so
the rest of itbcheck may use its tokens (the visit store does) without a cycle. The names below
are the ones the callers use.
"""

from itbcheck.audit.entry import (
    KEY_ENV,
    KEY_FILE_ENV,
    LOG_ENV,
    AuditBatch,
    Identifiers,
    default_log_path,
    identifiers_in,
    load_key,
    pseudonym,
    write_entry,
)

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "LOG_ENV",
    "AuditBatch",
    "Identifiers",
    "default_log_path",
    "identifiers_in",
    "load_key",
    "pseudonym",
    "write_entry",
]
