"""POST /log/v1/cosignatures (the pull mode) under attack, on SQLite and PostgreSQL: each
accepted request adds exactly one verified line by a witness of the log's policy, by one
statement; a stored checkpoint always verifies; the cost of a request is bounded."""

from __future__ import annotations

import base64
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
from verify.policy import (
    MAX_FUTURE_SECONDS,
    Policy,
    check_policy,
    departments_policy,
    open_under_policy,
)

ORIGIN = "gongshi.example/anqing"
TYPES = {
    "finance": MLDSA44_COSIGNATURE,
    "audit": COSIGNATURE_V1,
    "supervision": MLDSA44_COSIGNATURE,
}
NOW = datetime(2024, 5, 1, tzinfo=UTC)
SIGNED = 1_677_600_000  # 2023-02-28 16:00 UTC: before the test clock (2023-03-01 09:00)


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

    def line(self, ledger: Ledger, name: str, size: int | None = None, at: int = SIGNED) -> str:
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
    elsewhere = log.witnesses[name].sign_line(f"{ORIGIN}\n{size}\n{'A' * 43}=\n", SIGNED)
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
    for line in (stranger.sign_line(signed.checkpoint.text(), SIGNED),
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


CLOCK = 1_677_661_200  # the test clock's start, 2023-03-01 09:00 UTC (it steps a minute a call)


def test_cosignature_dated_in_the_future_is_refused_and_never_replaces_the_genuine_one(
    log: Log, ledger: Ledger, server: TestClient
) -> None:
    """A witness line dated an hour ahead of the log's clock would win "newest timestamp"
    and then be set aside by every verifier (MAX_FUTURE_SECONDS): 422, nothing stored."""
    size = log.sign(ledger, 2)
    genuine = log.line(ledger, "finance")
    assert server.post("/log/v1/cosignatures", content=genuine).json()["stored"] is True
    for ahead in (log.line(ledger, "finance", at=CLOCK + 86_400),
                  log.line(ledger, "supervision", at=CLOCK + 86_400)):  # fmt: skip
        answer = server.post("/log/v1/cosignatures", content=ahead)
        assert answer.status_code == 422, answer.text
        assert "more than 300 s after the log's clock" in answer.text
    assert _stored(ledger) == [(size, "witness.gongshi.example/finance")]
    note = server.get("/log/v1/checkpoint", params={"unwitnessed": 1}).text
    assert open_under_policy(note, log.policy).times == {"finance": SIGNED}


def test_cosignature_more_than_max_future_seconds_ahead_is_refused_at_the_boundary(
    log: Log, ledger: Ledger
) -> None:
    size = log.sign(ledger, 2)
    now = int(NOW.timestamp())
    refused = log.line(ledger, "audit", at=now + MAX_FUTURE_SECONDS + 1)
    with pytest.raises(CosignatureError, match=f"dated {now + 301}, more than 300 s after"):
        add_cosignature(ledger.log, log.policy, refused, NOW, size)
    assert _stored(ledger) == []
    at_limit = log.line(ledger, "audit", at=now + MAX_FUTURE_SECONDS)
    assert add_cosignature(ledger.log, log.policy, at_limit, NOW, size).stored is True


def test_stored_future_line_does_not_make_a_checkpoint_witnessed(log: Log, ledger: Ledger) -> None:
    """A line stored before the log refused future dates (or by a log whose clock was
    ahead) counts for nothing when the log decides "witnessed" at its clock."""
    size = log.sign(ledger, 2)
    ahead = log.line(ledger, "audit", at=int(NOW.timestamp()) + 3600)
    ledger.db.execute(
        "INSERT INTO gongshi_log_cosignatures (size, name, key_id, timestamp, line)"
        " VALUES (?, ?, ?, ?, ?)",
        (size, log.witnesses["audit"].verifier.name, log.witnesses["audit"].verifier.key_id,
         int(NOW.timestamp()) + 3600, ahead),
    )  # fmt: skip
    added = add_cosignature(ledger.log, log.policy, log.line(ledger, "finance"), NOW, size)
    assert added.stored is True and added.witnessed is False
    assert latest_witnessed(ledger.log) is None


@pytest.mark.parametrize("name", ["finance", "audit"])  # ML-DSA-44 and Ed25519
def test_known_witness_line_with_a_signature_of_the_wrong_length_is_a_422(
    log: Log, ledger: Ledger, server: TestClient, name: str
) -> None:
    log.sign(ledger, 2)
    head, blob = log.line(ledger, name).rstrip("\n").rsplit(" ", 1)
    signature = base64.b64decode(blob)
    for wrong in (signature[:-1], signature + b"\0", signature[:6]):  # key ID + 2 bytes
        line = f"{head} {base64.b64encode(wrong).decode()}\n"
        answer = server.post("/log/v1/cosignatures", content=line)
        assert answer.status_code == 422, answer.text
        assert "is not 8 + 64 or 8 + 2420 bytes" in answer.text
    assert _stored(ledger) == []


@pytest.mark.parametrize("name", ["finance", "audit"])
def test_cosignature_with_a_zero_timestamp_is_refused(
    log: Log, ledger: Ledger, server: TestClient, name: str
) -> None:
    """A genuine signature by a policy witness over the checkpoint, dated 0: refused (0 is
    not a time a witness cosigns at, and a verifier would not count it)."""
    size = log.sign(ledger, 2)
    zero = log.line(ledger, name, at=0)
    answer = server.post("/log/v1/cosignatures", params={"size": size}, content=zero)
    assert answer.status_code == 422 and "non-zero timestamp" in answer.text, answer.text
    assert _stored(ledger) == []
