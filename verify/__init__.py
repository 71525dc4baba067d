"""Gongshi's formats and independent checks. Imports only the standard library and cryptography.

Nothing here may import ledger, projections, api, eventsourcing, psycopg or FastAPI: an auditor
reads this package and docs/FORMAT.md, nothing else.
"""
