"""itbcheck: a safety checker for intrathecal baclofen pump refills and programming."""

__version__ = "0.1.0"
