"""The log's side of the trust loop on SQLite and PostgreSQL: checkpoints signed on schedule,
submitted to witnesses that speak c2sp.org/tlog-witness (a minimal one written from the spec
text, tests/support/spec_witness.py), their cosignatures stored, the checkpoint served once
2 of 3 cosigned; witnesses that are down or refuse; 409 learning; restarts; consistency."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from ledger.clock import parse_at, system_clock
from ledger.ledger import Ledger
from ledger.log.checkpoints import all_checkpoints, latest, latest_witnessed, sign_checkpoint
from ledger.log.cosignatures import cosigned_by
from ledger.log.store import LogIntegrityError, tile_key
from ledger.log.submission import WitnessClient, add_checkpoint_body
from ledger.log.submitter import WitnessSubmitter
from ledger.log.witness_status import witness_status
from ledger.log.witnesses import write_policy
from ledger.settings import Settings
from tests.e2e.server import free_port
from tests.integration.helpers import log_signer, registered
from tests.support.spec_witness import SpecWitness
from verify.note import COSIGNATURE_V1, Signer
from verify.policy import Group, Member, Policy, check_policy

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")

ORIGIN = "gongshi.example/anqing"


Witnesses = dict[str, tuple[SpecWitness | None, str | None]]


def _policy(log: Signer, witnesses: Witnesses, k: int) -> Policy:
    """Group ``departments``, k of the named witnesses at their URLs; a None witness is
    one that never answers (a key nobody holds)."""
    members = {}
    for name, (witness, url) in witnesses.items():
        if witness is None:
            key = Signer.generate(f"witness.down.example/{name}", COSIGNATURE_V1).verifier
        else:
            key = witness.signer.verifier
        members[name] = Member(key, url)
    group = Group(k, tuple(members))
    return Policy((Member(log.verifier),), members, {"departments": group}, "departments")


@pytest.fixture
def spec_witnesses(settings: Settings) -> Iterator[dict[str, SpecWitness]]:
    log = log_signer(settings, ORIGIN).verifier
    started = {
        "finance": SpecWitness("finance", log).start(),
        "audit": SpecWitness("audit", log, COSIGNATURE_V1).start(),
        "supervision": SpecWitness("supervision", log).start(),
    }
    yield started
    for witness in started.values():
        witness.stop()


def _wait(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.02)


def test_scheduler_signs_within_the_interval_and_serves_it_once_two_of_three_cosigned(
    ledger: Ledger, settings: Settings, spec_witnesses: dict[str, SpecWitness]
) -> None:
    log = log_signer(settings, ORIGIN)
    ws: Witnesses = {n: (w, w.url) for n, w in spec_witnesses.items()}
    write_policy(settings.home, _policy(log, ws, 2))
    spec_witnesses["supervision"].stop()  # one of three is down: 2 of 3 still witness
    fast = replace(settings, checkpoint_interval=0.3)
    app = create_app(fast, clock=system_clock, follow=True, interval=0.05)
    with TestClient(app) as client:
        assert client.get("/log/v1/checkpoint").status_code == 404
        registered(ledger, 3, "见证")
        written = time.monotonic()

        def served_size() -> int:
            answer = client.get("/log/v1/checkpoint")
            return int(answer.text.split("\n")[1]) if answer.status_code == 200 else 0

        _wait(lambda: served_size() == 3, 5, "size 3 witnessed")  # perhaps 1 or 2 first
        elapsed = time.monotonic() - written
        note = client.get("/log/v1/checkpoint").text
        policy = _policy(log, ws, 2)
        checkpoint, cosigners = check_policy(note, policy)
        assert checkpoint.size == 3 and sorted(cosigners) == ["audit", "finance"]
        assert elapsed < 3, elapsed
        registered(ledger, 2, "见证")  # the next one within the interval, with nothing run by hand
        _wait(lambda: latest_witnessed(ledger.log).checkpoint.size == 5, 5, "size 5")  # type: ignore[union-attr]
        served = client.get("/checkpoint").text
        assert check_policy(served, policy)[0].size == 5
        _wait(lambda: witness_status(ledger.log, policy)[2].state == "unreachable", 5, "down")
        metrics = client.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics) for s in family.samples
    }  # fmt: skip
    assert (
        samples["gongshi_witness_state", (("state", "unreachable"), ("witness", "supervision"))]
        == 1
    )
    assert samples["gongshi_witness_cosigned_size", (("witness", "finance"),)] == 5
    assert "# HELP gongshi_witness_state " in metrics
    assert samples["gongshi_checkpoint_size", (("kind", "witnessed"),)] == 5


def test_witness_down_or_refusing_does_not_stop_the_others(
    ledger: Ledger, settings: Settings, spec_witnesses: dict[str, SpecWitness]
) -> None:
    log = log_signer(settings, ORIGIN)
    forked = SpecWitness("forked", log.verifier, forked=True).start()
    try:
        ws: Witnesses = {n: (w, w.url) for n, w in spec_witnesses.items() if n != "supervision"}
        ws["forked"] = (forked, forked.url)
        ws["down"] = (None, f"http://127.0.0.1:{free_port()}")
        policy = _policy(log, ws, 2)
        registered(ledger, 4, "见证")
        signed = sign_checkpoint(ledger.log, log, ORIGIN, system_clock, policy)
        assert signed is not None and not signed.witnessed
        submitter = WitnessSubmitter(ledger.log, lambda: policy, system_clock, timeout=2)
        started = time.monotonic()
        assert len(submitter.submit_all()) == 4
        assert time.monotonic() - started < 2.5  # in parallel: the down one delays no one
        submitter.stop()
    finally:
        forked.stop()
    served = latest_witnessed(ledger.log)
    assert served is not None and served.checkpoint.size == 4
    assert sorted(check_policy(served.note, policy)[1]) == ["audit", "finance"]
    states = {s.name: s for s in witness_status(ledger.log, policy)}
    assert states["forked"].state == "refused" and "HTTP 422" in states["forked"].detail
    assert states["down"].state == "unreachable"
    assert (states["finance"].state, states["finance"].cosigned_size) == ("cosigning", 4)


def test_log_restarted_mid_submission_learns_the_size_from_a_409_and_loses_nothing(
    ledger: Ledger, settings: Settings, spec_witnesses: dict[str, SpecWitness]
) -> None:
    """The witness persisted and answered, the log died before storing the line: the next
    submitter (a new process: nothing in memory) is told the size by a 409, resubmits, and
    stores exactly one cosignature."""
    log = log_signer(settings, ORIGIN)
    finance = spec_witnesses["finance"]
    policy = _policy(log, {"finance": (finance, finance.url)}, 1)
    registered(ledger, 6, "见证")
    signed = sign_checkpoint(ledger.log, log, ORIGIN, system_clock, policy)
    assert signed is not None
    lost = WitnessClient(finance.url).add_checkpoint(add_checkpoint_body(0, [], signed.note))
    assert lost[0] == 200 and finance.size == 6  # cosigned, never stored by the log
    for _ in range(2):  # two restarts: the second finds nothing due, submits nothing
        submitter = WitnessSubmitter(ledger.log, lambda: policy, system_clock)
        submitter.submit_all()
        submitter.stop()
    assert finance.answers == [200, 409, 200]
    rows = ledger.db.execute("SELECT size FROM gongshi_log_cosignatures")
    assert rows == [(6,)]
    assert latest_witnessed(ledger.log) is not None
    registered(ledger, 3, "见证")  # the log grows: a proof from the learnt size 6
    sign_checkpoint(ledger.log, log, ORIGIN, system_clock, policy)
    submitter = WitnessSubmitter(ledger.log, lambda: policy, system_clock)
    submitter.submit_all()
    submitter.stop()
    assert finance.answers[-1] == 200 and finance.size == 9
    assert (finance.signer.name, finance.signer.verifier.key_id) in cosigned_by(ledger.log, 9)


def test_log_learns_a_smaller_size_from_a_409(
    ledger: Ledger, settings: Settings, spec_witnesses: dict[str, SpecWitness]
) -> None:
    """The database says the witness cosigned 5, but it starts afresh (size 0): its 409
    says 0 and the log resubmits from 0."""
    from ledger.log.witness_status import record_status

    log = log_signer(settings, ORIGIN)
    audit = spec_witnesses["audit"]
    policy = _policy(log, {"audit": (audit, audit.url)}, 1)
    registered(ledger, 7, "见证")
    sign_checkpoint(ledger.log, log, ORIGIN, system_clock, policy)
    record_status(ledger.log, "audit", "cosigning", "earlier", system_clock(), 5)
    submitter = WitnessSubmitter(ledger.log, lambda: policy, system_clock)
    submitter.submit_all()
    submitter.stop()
    assert audit.answers == [409, 200]
    assert latest_witnessed(ledger.log) is not None


def test_log_signs_only_consistent_checkpoints(
    ledger: Ledger, settings: Settings, clock: object
) -> None:
    """A stored hash tile changed after checkpoint 5 was signed: the tree now gives another
    root for the first 5 leaves, and the log refuses to sign a checkpoint that could not
    also be true with 5 (LogIntegrityError), rather than sign a fork."""
    log = log_signer(settings, ORIGIN)
    registered(ledger, 5, "见证")
    assert sign_checkpoint(ledger.log, log, ORIGIN, system_clock) is not None
    registered(ledger, 4, "见证")
    ledger.log.integrate()
    tile = ledger.log.tile(0, 0)
    assert tile is not None
    changed = tile[:64] + bytes(32) + tile[96:]  # leaf 2's hash
    ledger.db.execute("UPDATE gongshi_log_tiles SET hashes = ? WHERE id = ?",
                      (changed, tile_key(0, 0)))  # fmt: skip
    with pytest.raises(LogIntegrityError, match="not consistent with the signed checkpoint 5"):
        sign_checkpoint(ledger.log, log, ORIGIN, system_clock)
    assert [c.checkpoint.size for c in all_checkpoints(ledger.log)] == [5]


class StoppedClock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_checkpoint_waits_for_the_interval_since_the_stored_signed_at(
    ledger: Ledger, settings: Settings
) -> None:
    log = log_signer(settings, ORIGIN)
    clock = StoppedClock()
    every = timedelta(seconds=2)
    registered(ledger, 2, "见证")
    assert sign_checkpoint(ledger.log, log, ORIGIN, clock, min_interval=every) is not None
    registered(ledger, 1, "见证")
    clock.now += timedelta(seconds=1.9)
    assert sign_checkpoint(ledger.log, log, ORIGIN, clock, min_interval=every) is None
    clock.now += timedelta(seconds=0.1)
    signed = sign_checkpoint(ledger.log, log, ORIGIN, clock, min_interval=every)
    assert signed is not None and signed.checkpoint.size == 3
    clock.now += timedelta(seconds=60)  # the interval passed, but the tree did not grow
    assert sign_checkpoint(ledger.log, log, ORIGIN, clock, min_interval=every) is None


def test_two_schedulers_sign_each_interval_once(ledger: Ledger, settings: Settings) -> None:
    """Two processes' schedulers (here: two ledgers, each with its own connections) while
    records keep coming: the decision is made under the lock from the stored signed_at."""
    from ledger.ledger import open_ledger
    from ledger.log.scheduler import CheckpointScheduler

    log = log_signer(settings, ORIGIN)
    policy = Policy((Member(log.verifier),))  # quorum none
    others = [open_ledger(settings) for _ in range(2)]
    schedulers = [
        CheckpointScheduler(o.log, log, ORIGIN, system_clock, 0.4, lambda: policy, tick=0.01)
        for o in others
    ]
    try:
        for s in schedulers:
            s.start()
        started = time.monotonic()
        while time.monotonic() - started < 2.0:
            registered(ledger, 1, "见证")
            time.sleep(0.02)
    finally:
        for s in schedulers:
            s.stop()
        for o in others:
            o.close()
    rows = ledger.db.execute("SELECT signed_at FROM gongshi_log_checkpoints ORDER BY size")
    times = [parse_at(r[0]) for r in rows]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert 2 <= len(times) <= 6 and all(g >= 0.4 for g in gaps), gaps
    assert all(s.error is None for s in schedulers)
    newest = latest(ledger.log)
    assert newest is not None and newest.witnessed  # quorum none: witnessed when signed


def test_policy_file_urls_reach_a_running_server(
    ledger: Ledger, settings: Settings, tmp_path: Path, spec_witnesses: dict[str, SpecWitness]
) -> None:
    """``gongshi witness set-url`` writes the policy file; the server's next submission
    reads it (no restart)."""
    from ledger.log.witnesses import PolicyFile, set_witness_url

    log = log_signer(settings, ORIGIN)
    ws: Witnesses = {n: (w, None) for n, w in spec_witnesses.items()}
    write_policy(settings.home, _policy(log, ws, 2))
    current = PolicyFile(settings.home, log.verifier)
    assert all(m.url is None for m in current().witnesses.values())
    for name in ("finance", "audit"):
        set_witness_url(settings.home, log.verifier, name, spec_witnesses[name].url)
    time.sleep(0.01)
    assert current().witnesses["audit"].url == spec_witnesses["audit"].url
    registered(ledger, 2, "见证")
    sign_checkpoint(ledger.log, log, ORIGIN, system_clock, current())
    submitter = WitnessSubmitter(ledger.log, current, system_clock)
    assert len(submitter.submit_all()) == 2
    submitter.stop()
    assert latest_witnessed(ledger.log) is not None
