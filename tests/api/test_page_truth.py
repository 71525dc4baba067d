"""The public page tells the truth about time (issue 11 §5): a row not yet in a witnessed
checkpoint is pending, not failed; the checkpoint box shows its age and only the departments
whose cosignature verifies under the log's policy; a refused or silent witness is named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock, parse_at
from ledger.ledger import Ledger
from ledger.log.checkpoints import SignedCheckpoint, latest, sign_checkpoint
from ledger.log.cosignatures import add_cosignature
from ledger.log.keys import create_log_key, load_signer
from ledger.log.witness_status import record_status
from ledger.log.witnesses import (
    DEPARTMENTS,
    create_witness_key,
    declared_policy,
    witness_paths,
)
from ledger.settings import Settings
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded
from verify.note import COSIGNATURE_V1, Signer, parse_skey, parse_vkey
from verify.policy import Policy

PENDING = re.compile(r"待纳入检查点（约 (\d+) 秒）")


@pytest.fixture
def witnesses(settings: Settings) -> dict[str, Signer]:
    """The log key and the three departments' witness keys (audit's Ed25519, the others
    ML-DSA-44), created before the app starts so that it loads the log's policy."""
    create_log_key(settings.log_skey_path, settings.log_vkey_path, settings.origin)
    for name in DEPARTMENTS:
        sig_type = {"audit": COSIGNATURE_V1}.get(name)
        create_witness_key(settings.keys_dir, name, *(() if sig_type is None else (sig_type,)))
    return {n: parse_skey(witness_paths(settings.keys_dir, n)[0].read_text()) for n in DEPARTMENTS}


@pytest.fixture
def page(
    witnesses: dict[str, Signer], ledger: Ledger, settings: Settings, clock: SteppingClock
) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, follow=False)
    with TestClient(app) as client:
        yield client


def policy_of(settings: Settings) -> Policy:
    return declared_policy(settings.home, parse_vkey(settings.log_vkey_path.read_text()))


def signed(ledger: Ledger, settings: Settings) -> SignedCheckpoint:
    signer = load_signer(settings.log_skey_path, settings.origin)
    made = sign_checkpoint(ledger.log, signer, settings.origin, ledger.clock, policy_of(settings))
    assert made is not None
    return made


def cosign(ledger: Ledger, settings: Settings, keys: dict[str, Signer], *names: str) -> None:
    """The named departments cosign the newest checkpoint; the log stores their lines."""
    newest = latest(ledger.log)
    assert newest is not None
    stamp = int(ledger.clock().timestamp())
    for name in names:
        line = keys[name].sign_line(newest.checkpoint.text(), stamp)
        add_cosignature(
            ledger.log, policy_of(settings), line, ledger.clock(), newest.checkpoint.size
        )


def witnessed_grant(
    ledger: Ledger, settings: Settings, keys: dict[str, Signer], *names: str
) -> tuple[CareFund, SignedCheckpoint]:
    """One grant paid, a checkpoint signed over it and cosigned by ``names``."""
    fund = funded(ledger)
    disbursed(fund)
    made = signed(ledger, settings)
    cosign(ledger, settings, keys, *names)
    return fund, made


def get(page: TestClient) -> str:
    settle(page)
    response = page.get("/", params={"today": "2023-03-01"})
    assert response.status_code == 200, response.text
    html: str = response.text
    return html


def rows(html: str) -> dict[int, str]:
    """Each disbursement row's HTML by its leaf index."""
    found = re.finditer(r'<tr data-leaf="(\d+)".*?</tr>', html, flags=re.S)
    return {int(m[1]): m[0] for m in found}


def box(html: str) -> str:
    return html[html.index('<section id="checkpoint">') : html.index('<section id="fund">')]


def test_row_beyond_the_witnessed_checkpoint_is_pending_not_a_failing_button(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    fund, _ = witnessed_grant(ledger, settings, witnesses, "finance", "audit")
    disbursed(fund)  # after the witnessed checkpoint
    html = get(page)
    size = int(re.search(r'id="tree-size">(\d+)<', html)[1])  # type: ignore[index]
    by_leaf = rows(html)
    covered = [leaf for leaf in by_leaf if leaf < size]
    beyond = [leaf for leaf in by_leaf if leaf >= size]
    assert len(covered) == 1 and len(beyond) == 1
    assert 'class="verify"' in by_leaf[covered[0]] and not PENDING.search(by_leaf[covered[0]])
    pending = by_leaf[beyond[0]]
    assert 'class="verify"' not in pending and "验证失败" not in pending
    assert 'class="pending"' in pending and PENDING.search(pending)


def test_pending_estimate_counts_down_from_the_newest_checkpoint(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    """The server's clock steps a minute per read, so the newest checkpoint is always
    older than the 2 s interval here: the next one is due, the estimate is the minimum."""
    fund = funded(ledger)
    disbursed(fund)
    signed(ledger, settings)
    html = get(page)
    (seconds,) = PENDING.findall(html)
    assert int(seconds) == 1


def test_no_witnessed_checkpoint_leaves_every_row_pending(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    fund = funded(ledger)
    disbursed(fund)
    disbursed(fund)
    signed(ledger, settings)
    cosign(ledger, settings, witnesses, "supervision")  # one of the two the quorum needs
    html = get(page)
    assert 'id="tree-root"' not in html and "尚无经见证部门联署的检查点" in html
    assert len(PENDING.findall(html)) == 2 and 'class="verify"' not in html


def test_pending_row_with_two_of_three_witnesses_down_says_they_do_not_answer(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    fund, _ = witnessed_grant(ledger, settings, witnesses, "finance", "audit")
    disbursed(fund)  # after the witnessed checkpoint
    for name in ("finance", "supervision"):
        record_status(ledger.log, name, "unreachable", "ConnectionRefusedError", ledger.clock())
    html = get(page)
    assert "待纳入检查点（见证部门无响应）" in html and not PENDING.search(html)
    record_status(ledger.log, "supervision", "cosigning", "cosigned size 1", ledger.clock(), 1)
    assert len(PENDING.findall(get(page))) == 1  # audit and supervision can make 2 of 3


def test_checkpoint_box_shows_age_and_the_departments_that_cosigned(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    witnessed_grant(ledger, settings, witnesses, "finance", "audit")  # ML-DSA-44, Ed25519
    shown = box(get(page))
    assert re.search(r"\d+ (秒|分钟|小时|天)前签署", shown), shown
    # in the policy's order (the default policy: finance, audit, supervision)
    assert re.search(r"签名已按见证策略验证）：<strong>财政局、审计局</strong>", shown), shown
    assert "满足见证策略" in shown
    assert "财政局：已联署" in shown and "审计局：已联署" in shown
    # never heard from, and the newest checkpoint is minutes old by the stepping clock
    assert re.search(r'class="witness-silent"[^>]*>纪委监委：无响应', shown), shown


def test_replayed_audit_line_and_unknown_key_show_no_fourth_department(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    """Lines that reached the store without being verified (a database written by an
    older version, or by hand) still count for nothing on the page."""
    fund = funded(ledger)
    disbursed(fund)
    first = signed(ledger, settings)
    stamp = int(ledger.clock().timestamp())
    replayed = witnesses["audit"].sign_line(first.checkpoint.text(), stamp)  # for size N
    disbursed(fund)
    second = signed(ledger, settings)
    cosign(ledger, settings, witnesses, "finance", "supervision")
    stranger = Signer.generate("witness.gongshi.example/planning", COSIGNATURE_V1)
    for signer, line in (
        (witnesses["audit"], replayed),
        (stranger, stranger.sign_line(second.checkpoint.text(), stamp)),
    ):
        ledger.log.db.execute(
            "INSERT INTO gongshi_log_cosignatures (size, name, key_id, timestamp, line)"
            " VALUES (?, ?, ?, ?, ?)",
            (second.checkpoint.size, signer.name, signer.verifier.key_id, stamp, line),
        )  # fmt: skip
    shown = box(get(page))
    assert f'id="tree-size">{second.checkpoint.size}<' in shown
    assert re.search(r"签名已按见证策略验证）：<strong>财政局、纪委监委</strong>", shown), shown
    assert "planning" not in shown and "审计局：已联署" not in shown
    assert "另有 2 条签名无法验证或不属于见证策略，未计入" in shown


def test_refused_and_silent_witnesses_are_shown(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    fund, first = witnessed_grant(ledger, settings, witnesses, "finance", "audit")
    now = ledger.clock()
    evidence = "422: same size 9, different root"
    record_status(ledger.log, "supervision", "refused", evidence, now)
    disbursed(fund)
    signed(ledger, settings)  # newer than the one audit cosigned; the page's clock moves on
    record_status(ledger.log, "finance", "unreachable", "connection refused", now)
    shown = box(get(page))
    assert f'id="tree-size">{first.checkpoint.size}<' in shown
    assert re.search(r'class="witness-refused"[^>]*>纪委监委：拒绝联署（发现分叉证据）', shown)
    assert evidence in shown
    assert re.search(r'class="witness-silent"[^>]*>财政局：无响应', shown), shown
    assert "connection refused" in shown
    # audit cosigned the shown checkpoint but not the newest, signed a minute (of the
    # stepping clock) before the page was read: behind for longer than 5 intervals
    assert re.search(r'class="witness-silent"[^>]*>审计局：无响应', shown), shown


def test_page_without_a_log_key_still_renders(client: TestClient, ledger: Ledger) -> None:
    funded(ledger)
    settle(client)
    response = client.get("/")
    assert response.status_code == 200 and "尚无经见证部门联署的检查点" in response.text
    assert 'id="witness-states"' not in response.text


def test_malformed_policy_file_leaves_nothing_verifiable(
    page: TestClient, ledger: Ledger, settings: Settings, witnesses: dict[str, Signer]
) -> None:
    witnessed_grant(ledger, settings, witnesses, "finance", "audit")
    (settings.home / "policy").write_text("quorum departments\n")  # names nothing defined
    html = get(page)
    assert "尚无经见证部门联署的检查点" in html and 'class="verify"' not in html
    assert len(PENDING.findall(html)) == 1


def test_age_is_taken_from_the_app_clock(
    witnesses: dict[str, Signer], ledger: Ledger, settings: Settings
) -> None:
    _, made = witnessed_grant(ledger, settings, witnesses, "finance", "audit")
    fixed = SteppingClock(parse_at(made.signed_at) + timedelta(seconds=12), timedelta(0))
    with TestClient(create_app(settings, clock=fixed, follow=False)) as client:
        settle(client)
        html = client.get("/", params={"today": "2023-03-01"}).text
    assert "<strong>12 秒前签署</strong>" in box(html)
