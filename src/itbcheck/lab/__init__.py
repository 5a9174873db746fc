"""The engineers' bench: tools for testing pump profiles and programmings, not part of a check.

`simulation` follows a reservoir and the drug delivered day by day after a refill; `variants`
edits a record's data by dotted path before it is validated; `grid` and `sweep` check every
point of a grid of such variants; `scenarios` runs scenario files like a test suite. Each tool
goes through the same record model and checks as `itbcheck check`, so what it reports is what
a check would say. This package imports the core (records, units, policy, profiles, dosing,
reservoir, checks) and nothing above it: never the command line, the web form, the visit store
or the audit log, which is why a sweep or a scenario run writes no audit entry.
"""
