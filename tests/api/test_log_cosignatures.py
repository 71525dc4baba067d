"""POST /log/v1/cosignatures (the pull mode) under attack, on SQLite and PostgreSQL: each
accepted request adds exactly one verified line by a witness of the log's policy, by one
statement; a stored checkpoint always verifies; the cost of a request is bounded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.clock import SteppingClock
from ledger.ledger import Ledger, open_ledger
from ledger.log.checkpoints import latest, latest_witnessed, sign_checkpoint
from ledger.log.cosignatures import RECENT, CosignatureError, add_cosignature
from ledger.log.keys import create_log_key, load_signer
from ledger.log.witness_status import witness_status
from ledger.log.witnesses import write_policy
from ledger.settings import Settings
from tests.integration.helpers import INTAKE
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, Signer, Verifier
from verify.policy import Policy, check_policy, departments_policy, open_under_policy

ORIGIN = "gongshi.example/anqing"
TYPES = {
    "finance": MLDSA44_COSIGNATURE,
    "audit": COSIGNATURE_V1,
    "supervision": MLDSA44_COSIGNATURE,
}
NOW = datetime(2024, 5, 1, tzinfo=UTC)


class Log:
    def __init__(self, settings: Settings) -> None:
        create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
        self.signer = load_signer(settings.log_skey_path, ORIGIN)
        self.witnesses = {
            n: Signer.generate(f"witness.gongshi.example/{n}", t) for n, t in TYPES.items()
        }
        verifiers = {n: s.verifier for n, s in self.witnesses.items()}
        self.policy: Policy = departments_policy(self.signer.verifier, verifiers)
        write_policy(settings.home, self.policy)

    def sign(self, ledger: Ledger, records: int) -> int:
        for i in range(records):
            ledger.register_subject({"name": f"联署{i}"}, "worker", INTAKE)
        signed = sign_checkpoint(ledger.log, self.signer, ORIGIN, ledger.clock, self.policy)
        assert signed is not None
        return signed.checkpoint.size

    def line(
        self, ledger: Ledger, name: str, size: int | None = None, at: int = 1_714_521_600
    ) -> str:
        signed = latest(ledger.log)
        assert signed is not None
        text = signed.checkpoint.text() if size is None else _text(ledger, size)
        return self.witnesses[name].sign_line(text, at)


def _text(ledger: Ledger, size: int) -> str:
    from ledger.log.checkpoints import checkpoint_at

    found = checkpoint_at(ledger.log, size)
    assert found is not None
    return found.checkpoint.text()


@pytest.fixture
def log(settings: Settings) -> Log:
    return Log(settings)


@pytest.fixture
def server(
    log: Log, ledger: Ledger, settings: Settings, clock: SteppingClock
) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, follow=False, max_body_bytes=16384)
    with TestClient(app) as test_client:
        yield test_client


def _stored(ledger: Ledger) -> list[tuple[int, str]]:
    return [(int(s), str(n)) for s, n in ledger.db.execute(
        "SELECT size, name FROM gongshi_log_cosignatures ORDER BY size, name")]  # fmt: skip


def test_genuine_line_followed_by_a_forged_log_line_is_refused_and_stores_nothing(
    log: Log, ledger: Ledger, server: TestClient
) -> None:
    size = log.sign(ledger, 3)
    genuine = log.line(ledger, "audit")
    forged_log_line = log.signer.sign_line("other text\n")[:-20] + "AAAAAAAAAAAAAAAAAAA=\n"
    answer = server.post("/log/v1/cosignatures", content=genuine + forged_log_line)
    assert answer.status_code == 422 and "exactly one signature line" in answer.text
    assert _stored(ledger) == []
    note = server.get("/log/v1/checkpoint", params={"unwitnessed": 1}).text
    assert open_under_policy(note, log.policy).checkpoint.size == size  # still verifies
    accepted = server.post("/log/v1/cosignatures", params={"size": size}, content=genuine)
    assert accepted.status_code == 200 and accepted.json()["witness"] == "audit"
    assert _stored(ledger) == [(size, "witness.gongshi.example/audit")]


@pytest.mark.parametrize("name", ["finance", "audit"])  # ML-DSA-44 and Ed25519
def test_cosignature_endpoint_never_attaches_an_unverified_line(
    log: Log, ledger: Ledger, server: TestClient, name: str
) -> None:
    """A witness's name and key ID with a signature that does not verify: over garbage,
    or genuine but over another checkpoint text. Refused, nothing stored."""
    size = log.sign(ledger, 2)
    genuine = log.line(ledger, name)
    head, blob = genuine.rsplit(" ", 1)
    garbage = head + " " + blob[:12] + ("A" if blob[12] != "A" else "B") + blob[13:]
    elsewhere = log.witnesses[name].sign_line(f"{ORIGIN}\n{size}\n{'A' * 43}=\n", 1_714_521_600)
    for line in (garbage, elsewhere):
        for params in ({}, {"size": size}):
            answer = server.post("/log/v1/cosignatures", params=params, content=line)
            assert answer.status_code == 422 and "does not verify" in answer.text, answer.text
    assert _stored(ledger) == []


def test_line_by_a_key_outside_the_policy_is_refused(
    log: Log, ledger: Ledger, server: TestClient
) -> None:
    log.sign(ledger, 2)
    signed = latest(ledger.log)
    assert signed is not None
    stranger = Signer.generate("witness.gongshi.example/audit", COSIGNATURE_V1)  # same name
    for line in (stranger.sign_line(signed.checkpoint.text(), 1_714_521_600),
                 log.signer.sign_line(signed.checkpoint.text()),
                 "\u2014 nobody.example AAAAAAAAAAAA\n"):  # fmt: skip
        answer = server.post("/log/v1/cosignatures", content=line)
        assert answer.status_code == 422 and "not a known witness" in answer.text
    assert server.post("/log/v1/cosignatures", content="not a line").status_code == 422
    assert _stored(ledger) == []


def test_concurrent_posts_from_three_witnesses_all_land(
    log: Log, ledger: Ledger, settings: Settings
) -> None:
    """Three witnesses at the same instant, ten checkpoints in a row, each from its own
    connection: every line stored, every checkpoint witnessed and verifying."""
    sizes = [log.sign(ledger, 1) for _ in range(10)]
    lines = {n: [log.line(ledger, n, s) for s in sizes] for n in TYPES}
    ledgers = {n: open_ledger(settings) for n in TYPES}
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def post(name: str) -> None:
        try:
            for size, line in zip(sizes, lines[name], strict=True):
                barrier.wait(timeout=30)
                add_cosignature(ledgers[name].log, log.policy, line, NOW, size)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=post, args=(n,)) for n in TYPES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for other in ledgers.values():
        other.close()
    assert errors == []
    assert len(_stored(ledger)) == 30
    witnessed = latest_witnessed(ledger.log)
    assert witnessed is not None and witnessed.checkpoint.size == sizes[-1]
    assert sorted(check_policy(witnessed.note, log.policy)[1]) == sorted(TYPES)


def test_older_cosignature_never_replaces_a_newer_one(
    log: Log, ledger: Ledger, server: TestClient
) -> None:
    size = log.sign(ledger, 2)
    newer, older = log.line(ledger, "finance", at=2000), log.line(ledger, "finance", at=1000)
    assert server.post("/log/v1/cosignatures", content=newer).json()["stored"] is True
    replay = server.post("/log/v1/cosignatures", content=older)
    assert replay.status_code == 200 and replay.json()["stored"] is False
    note = server.get("/log/v1/checkpoint", params={"unwitnessed": 1}).text
    assert open_under_policy(note, log.policy).times == {"finance": 2000}
    newest = log.line(ledger, "finance", at=3000)
    assert server.post("/log/v1/cosignatures", content=newest).json()["stored"] is True
    assert add_cosignature(ledger.log, log.policy, older, NOW, size).stored is False
    note = server.get("/log/v1/checkpoint", params={"unwitnessed": 1}).text
    assert open_under_policy(note, log.policy).times == {"finance": 3000}
    assert note.count("witness.gongshi.example/finance") == 1


def test_cosignature_request_cost_is_bounded_by_the_newest_checkpoints(
    log: Log, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line naming no size is tried against the RECENT newest checkpoints only, one naming
    its size against that one: never against the whole history."""
    sizes = [log.sign(ledger, 1) for _ in range(RECENT + 12)]
    calls = []
    real = Verifier.verify

    def counted(self: Verifier, text: bytes, signature: bytes) -> bool:
        calls.append(1)
        return real(self, text, signature)

    monkeypatch.setattr(Verifier, "verify", counted)
    old = log.line(ledger, "audit", sizes[0])
    with pytest.raises(CosignatureError, match=f"the {RECENT} newest checkpoints"):
        add_cosignature(ledger.log, log.policy, old, NOW)
    assert len(calls) == RECENT
    calls.clear()
    assert add_cosignature(ledger.log, log.policy, old, NOW, sizes[0]).size == sizes[0]
    assert len(calls) == 3  # one try; the witnessed check opens the note: log line and this one
    with pytest.raises(CosignatureError, match="no signed checkpoint of size 999"):
        add_cosignature(ledger.log, log.policy, old, NOW, 999)


def test_witnessed_once_two_of_three_cosigned_and_status_seen_by_another_process(
    log: Log, ledger: Ledger, server: TestClient, settings: Settings
) -> None:
    size = log.sign(ledger, 4)
    assert server.get("/log/v1/checkpoint").status_code == 404  # signed, not witnessed
    assert server.get("/checkpoint").status_code == 404
    first = server.post("/log/v1/cosignatures", content=log.line(ledger, "finance")).json()
    assert first == {"tree_size": size, "witness": "finance", "stored": True, "witnessed": False}
    second = server.post("/log/v1/cosignatures", content=log.line(ledger, "supervision")).json()
    assert second["witnessed"] is True
    for path in ("/log/v1/checkpoint", "/checkpoint"):
        assert check_policy(server.get(path).text, log.policy)[0].size == size
    other = open_ledger(settings)
    try:
        states = {s.name: s for s in witness_status(other.log, log.policy)}
    finally:
        other.close()
    assert (states["finance"].state, states["finance"].cosigned_size) == ("cosigning", size)
    assert states["audit"].state == "unknown"
