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


class RecordTooLarge(RuleViolation):
    """A record longer than an entry bundle can carry (``size`` > ``limit`` = 65,535 bytes,
    docs/FORMAT.md rule 78 ``record.entry_size``); nothing was stored."""

    def __init__(self, type_name: str, size: int, limit: int) -> None:
        super().__init__(
            "record.entry_size",
            f"a {type_name} record of {size} bytes is longer than {limit} bytes, the most an"
            " entry bundle (c2sp.org/tlog-tiles) can carry",
        )
        self.size = size
        self.limit = limit


class NotFound(LedgerError):
    """The named stream does not exist.

    ``kind`` names what was looked for (an aggregate's class name, ``FundYear``), ``key``
    its stream id or name. ``natural`` is the key the user gave when that was not the
    stream id (``year=2031`` for a fund year): the message then names it and not the
    internal id (``FundYear year 2031 not found``), and the API says "2031 年度基金未开立".
    """

    def __init__(self, kind: str, key: object, **natural: object) -> None:
        named = " ".join(f"{name} {value}" for name, value in natural.items())
        super().__init__(f"{kind} {named or key} not found")
        self.kind = kind
        self.key = key
        self.natural = natural
