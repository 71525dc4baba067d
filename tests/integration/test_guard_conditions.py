"""The save's guarded conditions (ledger/guards.py) fail as a conflict, whatever their number
and order: never as the connection's "pipeline aborted". On PostgreSQL they once ran as one
statement per condition, and a failed condition left the later statements' aborted results
queued whenever its error came back while psycopg was still sending, so the transaction's
exit raised PipelineAborted (an OperationalError, a 503) instead of the conflict that
``retry_on_conflict`` runs again (CI, test_year_close's book opened while the close commits).
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import RecordConflictError

from ledger import guards
from ledger.ledger import Ledger
from tests.integration.helpers import stored_count
from tests.integration.points_helpers import TOWNSHIP

HOLDING = 400  # conditions that hold, after the one that fails: enough to be sent in parts


@pytest.mark.parametrize("failing_at", ["first", "last"])
def test_a_changed_condition_among_many_is_a_conflict_and_stores_nothing(
    ledger: Ledger, failing_at: str
) -> None:
    changed = guards.topic_count("gongshi.test.NoSuchTopic", 1)  # the log holds none
    holding = [guards.stream_version(uuid4(), 0) for _ in range(HOLDING)]
    conditions = [changed, *holding] if failing_at == "first" else [*holding, changed]
    before = stored_count(ledger)
    for _ in range(5):  # the old failure depended on timing
        with guards.expecting(*conditions), pytest.raises(RecordConflictError):
            ledger.register_subject({"name": "守卫"}, "cadre", TOWNSHIP)
        assert stored_count(ledger) == before
    with guards.expecting(*holding):  # the connection is fine afterwards
        ledger.register_subject({"name": "守卫"}, "cadre", TOWNSHIP)
    assert stored_count(ledger) > before  # PostgreSQL: the failed inserts used ids
