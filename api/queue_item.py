"""One item of 待办 (api/queues.py, api/queue_postings.py) and whether a principal's registry
scope covers an item (the domain's ``principal.scope``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from verify.rules_principals import uncovered


@dataclass(frozen=True)
class QueueItem:
    """One thing waiting: its kind (application, points_book, case, project, objection,
    posting), its stream (an objection's id),
    the step waiting, a Chinese title, the due date if any, whether it is overdue, and the
    console page that shows it."""

    kind: str
    item: str
    step: str
    title: str
    due: str | None = None
    overdue: bool = False
    priority: bool = False
    link: str | None = None  # the console page, when not the kind's page of the item

    @property
    def page(self) -> str:
        return self.link or f"/console/{self.kind.replace('_', '-')}s/{self.item}"

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        del found["link"]
        return found | {"page": self.page}


def covers(scope: Mapping[str, str | None], **item: str | None) -> bool:
    """Whether a principal of registry ``scope`` may act on an item of these scope levels
    (``principal.scope``, verify/rules_principals.py ``uncovered``: every level both name
    is the same): an industry party committee only its industry's applications, a
    township's committee only its county's and township's books, and so on."""
    return uncovered(scope, {k: v for k, v in item.items() if isinstance(v, str)}) is None
