"""Replaying stored events never recomputes a hash and never applies rules."""

from __future__ import annotations

from unittest import mock

from ledger.carefund.application import Stage
from ledger.ledger import Ledger
from tests.integration.helpers import disbursed, funded


def test_replay_does_not_build_or_hash_records(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund, tier=2)
    boom = mock.Mock(side_effect=AssertionError("replay recomputed a record"))
    with (
        mock.patch("ledger.chained.build_record", boom),
        mock.patch("ledger.chained.record_hash", boom),
        mock.patch("ledger.carefund.application._require_stage", boom),
    ):
        state = fund.application(case)
    assert (state.stage, state.amount_fen, state.version) == (Stage.DISBURSED, 80_000, 4)
    assert boom.call_count == 0


def test_replayed_head_is_the_stored_hash(ledger: Ledger) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    last = ledger.app.recorder.select_events(case, desc=True, limit=1)[0]
    assert fund.application(case).head == last.state[:64].decode()
