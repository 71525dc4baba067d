"""gongshi-verify on an exported bundle holding a points year of three cadres — a bonus
entered twice and corrected, work within its allocation by the village and the township
committee, a 测评 entry, a village committee member's account linked to the cadre it is, a
fourth cadre without a book — closed, graded, and the bottom cadre's case taken through its
four steps: clean, it passes; with one record changed (or one slipped in) — re-chained and
re-signed by an operator holding the keys, so only the rules across records can catch it —
it fails naming the rule, and that rule only (docs/FORMAT.md §4 rules 6, 8-11, 14, 29-36,
44)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.points.config import Component, Grade
from ledger.principal import Principals, Scope
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from tests.integration.bundles import (
    ORIGIN,
    Keys,
    export_cosigned,
    forge_one,
    lines,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run_json,
    write_lines,
)
from tests.integration.points_helpers import (
    ORGANISATION,
    TOWNSHIP,
    VILLAGE,
    allocated,
    points_ready,
)
from tests.support.principals import ADMIN, COUNTY, enrol
from verify.canonical import canonical_bytes
from verify.record import GENESIS_PREV
from verify.rules_points import half_up
from verify.schema import DERIVED_STREAMS

SUP = Actor("jw-01", Role.SUPERVISION)
INSTRUCTOR = Actor("pbi-01", Role.PARTY_BUILDING_INSTRUCTOR)
OTHER_TOWNSHIP = Actor("tpc-02", Role.TOWNSHIP_PARTY_COMMITTEE)  # the committee of th02
MEMBER = Actor("member-2", Role.VILLAGE_COMMITTEE)  # the top cadre's own account
BASE_PAY = 1_800_000
GRADES = (Grade.INCOMPETENT, Grade.COMPETENT, Grade.EXCELLENT)  # bottom, middle, top


@pytest.fixture
def made(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    """Three cadres of 晋熙镇01村 with 1.0, 2.0 and 3.0 of bonus; the middle one's bonus
    entered a second time and corrected; the top one's 6.0 of work within its allocation
    (half by the village committee, half by the township's) and a Q4 测评 of 4.1; the top
    cadre is village committee member-2, whose account is linked to it; a fourth cadre,
    elected late, has no 2023 book. The 2023 close (the lowest gets a case), the case closed
    after its four steps, the three graded; one signed, cosigned checkpoint; exported."""
    enrol(ledger, SUP, INSTRUCTOR)
    enrol(ledger, OTHER_TOWNSHIP, scope=Scope(county=COUNTY, township="th02"))
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    keys = Keys.fresh(load_signer(settings.log_skey_path, ORIGIN))
    points = points_ready(ledger, clock)
    books = []
    for i in range(3):
        cadre = ledger.register_subject({"name": f"干部{i}"}, "cadre", TOWNSHIP)
        book = points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)
        points.enter(book, quarter=2, component=Component.BONUS, points_tenths=10 * (i + 1),
                     reason="表彰", actor=TOWNSHIP)  # fmt: skip
        books.append(book)
    Principals(ledger).link_subject(MEMBER.principal, cadre, ADMIN)
    ledger.register_subject({"name": "干部3"}, "cadre", TOWNSHIP)  # elected late: no 2023 book
    points.enter(books[1], quarter=3, component=Component.BONUS, points_tenths=5,
                 reason="表彰（重复录入）", actor=TOWNSHIP)  # fmt: skip
    points.correct(books[1], 2, "重复录入", TOWNSHIP)
    allocated(points, books[2], "industry", 60)
    for hand in (VILLAGE, TOWNSHIP):
        points.enter(books[2], quarter=1, component=Component.WORK, points_tenths=30,
                     reason="完成", task="industry", actor=hand)  # fmt: skip
    points.enter(books[2], quarter=4, component=Component.EVALUATION, points_tenths=41,
                 reason="第四季度测评", actor=TOWNSHIP)  # fmt: skip
    clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    (case,) = points.close_year(ORGANISATION).cases.values()
    sup = Supervision(ledger)
    sup.talk(case, "约谈提醒", TOWNSHIP)
    sup.guide(case, None, "现场指导", INSTRUCTOR)
    sup.list_case(case, date(2024, 3, 31), "挂牌督办", SUP)
    sup.report_rectification(case, "已整改", TOWNSHIP, "整改报告〔2024〕1号")
    sup.close(case, "销号审批表〔2024〕1号", SUP)
    for book, grade in zip(books, GRADES, strict=True):
        reason = "年度积分末位，履职不力" if grade is Grade.INCOMPETENT else ""
        points.appraise(book, grade, BASE_PAY, TOWNSHIP, reason)
    sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
    return keys, tmp_path / "bundle", export_cosigned(ledger, settings, keys, tmp_path / "bundle")


def _check(capsys: pytest.CaptureFixture[str], bundle: Path, pinned: Path) -> tuple[int, set[str]]:
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    return code, rules(report)


Record = dict[str, Any]
Pick = Callable[[Record], bool]
Change = Callable[[Record], None]
Added = Callable[[Record, list[Record]], None]  # a copied record and the log it is added to


def _slip_in(bundle: Path, keys: Keys, kind: str, change: Added, pick: Pick) -> None:
    """Append a copy of the first record of type ``kind`` that ``pick`` accepts, changed, as
    the next version of its stream (what a forger writing to the database adds: a stream
    derived from the data, §4, is derived again, a new one starting at version 1); chain
    it; sign one checkpoint over the lines in place of the bundle's."""
    records = lines(bundle)
    parsed = [json.loads(x) for x in records]
    record = json.loads(next(x for x, r in zip(records, parsed, strict=True)
                             if r["type"] == kind and pick(r)))  # fmt: skip
    record["at"] = parsed[-1]["at"]
    change(record, parsed)
    if (derive := DERIVED_STREAMS.get(kind)) is not None:
        record["stream"] = derive(record["data"])
    versions = [r["version"] for r in parsed if r["stream"] == record["stream"]]
    record["version"] = max(versions, default=0) + 1
    record["prev"] = GENESIS_PREV  # a later version's: set by rechain
    write_lines(bundle, rechain([*records, canonical_bytes(record)], len(records)))
    for old in (bundle / "checkpoints").iterdir():
        old.unlink()
    resign(bundle, keys)


def test_clean_bundle_with_a_closed_year_passes(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    assert _check(capsys, bundle, pinned) == (0, set())


def _is(kind: str, by: str = "", corrected: bool | None = None, **data: Any) -> tuple[str, Pick]:
    """The records of type ``kind`` whose data has ``data``; ``by``: recorded by that
    principal; ``corrected``: a correction (True) or an original entry (False)."""

    def pick(r: Record) -> bool:
        d = r["data"]
        return (
            by in ("", r["actor"]["principal"])
            and (corrected is None or (d["corrects"] is not None) == corrected)
            and all(d[k] == v for k, v in data.items())
        )

    return kind, pick


def _total_raised(record: Record) -> None:
    record["data"]["rows"][0]["total_tenths"] += 1


def _closed_by_reporter(record: Record) -> None:
    record["actor"] = {"principal": "tpc-01", "role": "township_party_committee"}


def _guidance_first(record: Record) -> None:  # the talk becomes a second guidance
    record["type"] = "supervision.GuidanceGiven"
    record["actor"] = {"principal": "pbi-01", "role": "party_building_instructor"}
    record["data"] = {"instructor": "pbi-01", "note": "指导"}


def _opened_by_hand(record: Record) -> None:  # a complaint case made a bottom case
    record["data"]["trigger"] = None


def _late_entry(record: Record, log: list[Record]) -> None:  # the bottom cadre's, once more
    record["data"]["entry"] = 2
    record["data"]["reason"] = "补录表彰"


def _late_book(record: Record, log: list[Record]) -> None:  # for the cadre without a book
    booked = {r["data"]["cadre"] for r in log if r["type"] == "points.BookOpened"}
    cadres = [r["stream"] for r in log if r["data"].get("kind") == "cadre"]
    (record["data"]["cadre"],) = (c for c in cadres if c not in booked)


def _graded_excellent(record: Record) -> None:  # pay moved with the grade: points.pay holds
    record["data"] |= {"grade": "excellent", "pay_percent": 105,
                       "adjusted_pay_fen": half_up(BASE_PAY * 105, 100)}  # fmt: skip


def _reason_blanked(record: Record) -> None:
    record["data"]["reason"] = " "


def _pay_raised(record: Record) -> None:  # 不称职's pay at 称职's 100%: the grade kept
    record["data"]["adjusted_pay_fen"] = BASE_PAY


def _correction_made_original(record: Record) -> None:  # the -0.5 bonus stands alone
    record["data"]["corrects"] = None


def _corrects_first(record: Record) -> None:  # 2.0 of Q2 "reversed" by -0.5 of Q3
    record["data"]["corrects"] = 1


def _entry_repeated(record: Record) -> None:
    record["data"]["entry"] -= 1


def _work_as_bonus(record: Record) -> None:  # the total stays; the bonus reaches 6.0 of 5.0
    record["data"] |= {"component": "bonus", "task": None}


def _cap_doubled(record: Record) -> None:  # the scheme's 5.0 stays; this book gets 10.0
    record["data"]["bonus_cap_tenths"] *= 2


def _next_close(record: Record) -> None:  # the scheme has had one close
    record["data"]["close"] += 1


def _talk_by_supervision(record: Record) -> None:  # 约谈提醒 is the township committee's
    record["actor"] = {"principal": SUP.principal, "role": SUP.role.value}


def _by_own_account(record: Record) -> None:
    record["actor"] = {"principal": MEMBER.principal, "role": MEMBER.role.value}


def _talk_by_other_township(record: Record) -> None:
    record["actor"] = {"principal": OTHER_TOWNSHIP.principal, "role": "township_party_committee"}


def _guidance_for_another(record: Record) -> None:
    record["data"]["instructor"] = "pbi-02"


def _no_evidence(record: Record) -> None:
    record["data"]["evidence"] = "无"


def _deadline_before_listing(record: Record) -> None:  # listed on 2024-01-10 (Beijing)
    record["data"]["deadline"] = "2024-01-09"


FORGED = [  # (how, which record, change, rule, test id)
    (forge_one, _is("points.RankingPart"), _total_raised, "points.year_close",
     "year-closed-with-a-wrong-total"),
    (forge_one, _is("supervision.CaseClosed"), _closed_by_reporter, "supervision.separation",
     "case-closed-by-its-reporter"),
    (forge_one, _is("supervision.TalkHeld"), _guidance_first, "supervision.order", "talk-skipped"),
    (forge_one, _is("supervision.CaseOpened"), _opened_by_hand, "supervision.bottom_by_close",
     "bottom-case-not-from-the-close"),
    (_slip_in, _is("points.ScoreEntered", points_tenths=10), _late_entry, "points.year_closed",
     "entry-slipped-in-after-the-close"),
    (_slip_in, _is("points.BookOpened"), _late_book, "points.year_closed",
     "book-slipped-in-after-the-close"),
    (forge_one, _is("points.Appraised", grade="competent"), _graded_excellent, "points.grade",
     "grade-excellent-outside-the-top-share"),
    (forge_one, _is("points.Appraised", grade="incompetent"), _reason_blanked, "points.grade",
     "incompetent-without-a-reason"),
    (forge_one, _is("points.Appraised", grade="excellent"), _next_close, "points.grade",
     "grade-of-a-close-never-made"),
    (forge_one, _is("points.Appraised", grade="incompetent"), _pay_raised, "points.pay",
     "incompetent-paid-in-full"),
    (forge_one, _is("points.ScoreEntered", corrected=True), _correction_made_original,
     "points.amount", "negative-bonus-entered-as-an-original"),
    (forge_one, _is("points.ScoreEntered", corrected=True), _corrects_first, "points.correction",
     "correction-reversing-another-entry"),
    (forge_one, _is("points.ScoreEntered", corrected=True), _entry_repeated, "points.entry",
     "entry-number-repeated"),
    (forge_one, _is("points.ScoreEntered", TOWNSHIP.principal, component="work"),
     _work_as_bonus, "points.bonus_cap", "work-relabelled-bonus-beyond-the-cap"),
    (forge_one, _is("points.BookOpened"), _cap_doubled, "points.bonus_cap",
     "book-cap-above-its-schemes"),
    (forge_one, _is("points.ScoreEntered", VILLAGE.principal, component="work"),
     _by_own_account, "principal.own_book", "work-entered-by-the-cadres-own-account"),
    (forge_one, _is("supervision.TalkHeld"), _talk_by_other_township, "supervision.hands",
     "talk-by-another-townships-committee"),
    (forge_one, _is("supervision.TalkHeld"), _talk_by_supervision, "supervision.hands",
     "talk-by-the-supervision-office"),
    (forge_one, _is("supervision.GuidanceGiven"), _guidance_for_another, "supervision.hands",
     "guidance-recorded-for-another-instructor"),
    (forge_one, _is("supervision.RectificationReported"), _no_evidence, "supervision.evidence",
     "rectification-without-evidence"),
    (forge_one, _is("supervision.CaseListed"), _deadline_before_listing, "supervision.deadline",
     "case-listed-with-a-deadline-before-the-day-it-was-listed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tamper", "chosen", "change", "rule"),
    [row[:4] for row in FORGED],
    ids=[row[4] for row in FORGED],
)
def test_one_record_breaking_a_rule_is_named_alone(
    made: tuple[Keys, Path, Path],
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[Path, Keys, str, Any, Pick], None],
    chosen: tuple[str, Pick],
    change: Change | Added,
    rule: str,
) -> None:
    """Each tampering breaks its rule and no other, so without that rule's check the
    forged bundle would pass."""
    keys, bundle, pinned = made
    kind, pick = chosen
    tamper(bundle, keys, kind, change, pick)
    assert _check(capsys, bundle, pinned) == (1, {rule})
