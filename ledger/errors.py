"""Domain errors. Each names the rule it enforces; the HTTP layer maps them to statuses."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""


class RuleViolation(LedgerError):
    """A command broke a domain rule; nothing was stored.

    ``rule`` is a stable name (``carefund.budget_cap``), ``message`` the evidence.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"[{rule}] {message}")
        self.rule = rule
        self.message = message


class NotFound(LedgerError):
    """The named stream does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = key
