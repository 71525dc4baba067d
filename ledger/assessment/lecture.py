"""Huaining's "讲组工" lectures: "一人讲、大家听、现场测".

"每周安排1名组工干部上讲台，科室负责人及分管部长集中点评" — one speaker a week (the stream id is
derived from the programme and the week's Monday: ``lecture.week``), a cadre enrolled in the
programme (``lecture.speaker``), on a topic from one of the 板块 "科长讲政策、骨干讲业务、新兵讲
打算". The audience rates it on the 《评价表》: "设置“课前准备、业务功底、语言表达、实际成效”4个
指标，由参学人员现场打分，打分结果作为组工干部平时考核和评先评优的参考依据" — one form per rater
(a person: the account's holder, ``lecture.one_form``), never by the speaker's own account
(``lecture.rater``), each indicator 0..100 (``lecture.score``). The section head and the
deputy head, two people, comment (点评; text in the vault: ``lecture.comment``), a short test
follows (现场测), and the lecture closes with its figures, computed as ledger/rating_form.py
does (``lecture.result``; ``forms``: how many forms). Nothing before the week's Monday or
after the close (``lecture.order``). Raters and commenters are known by their account's
holder (ledger/assessment/account.py, ``assessment.account``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.assessment.account import Holders, holder
from ledger.assessment.programme import AssessmentProgramme
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.rating_form import INDICATORS, form_result
from verify.schema import COMMENTERS  # 点评: "科室负责人及分管部长"

WEEK, SPEAKER, RATER = "lecture.week", "lecture.speaker", "lecture.rater"
ONE_FORM, SCORE, COMMENT = "lecture.one_form", "lecture.score", "lecture.comment"
ORDER, TOPIC = "lecture.order", "lecture.topic"  # lecture.topic: Deviations (A)
RATERS = (Role.DEPARTMENT_CADRE, Role.ASSESSMENT_LEADER)  # 参学人员


class Board(StrEnum):
    """The 板块: "科长讲政策、骨干讲业务、新兵讲打算"."""

    POLICY = "policy"  # 科长讲政策
    BUSINESS = "business"  # 骨干讲业务
    PLANS = "plans"  # 新兵讲打算


def lecture_id(programme: UUID, week: date) -> UUID:
    """The stream id of the lecture of ``week`` (its Monday) in ``programme`` (FORMAT §4)."""
    return uuid5(programme, f"lecture/{week.isoformat()}")


def check_scores(scores: Any) -> dict[str, int]:
    """The four indicators, each an int 0..100, exactly these keys (``lecture.score``)."""
    if not isinstance(scores, dict) or set(scores) != set(INDICATORS):
        found = sorted(scores) if isinstance(scores, dict) else scores
        raise RuleViolation(SCORE, f"a form scores exactly {list(INDICATORS)}, not {found}")
    for key in INDICATORS:
        value = scores[key]
        if type(value) is not int or not 0 <= value <= 100:
            raise RuleViolation(SCORE, f"{key} is an integer 0..100, not {value!r}")
    return {key: scores[key] for key in INDICATORS}


class Lecture(LedgerAggregate):
    if TYPE_CHECKING:
        programme: str
        county: str
        year: int
        week: str
        board: str
        topic: str
        speaker: str
        raters: list[str]  # the principals who rated, in order
        scores: list[dict[str, int]]
        comments: dict[str, bool]
        commenters: dict[str, str]  # capacity -> the principal who commented
        test: dict[str, int] | None
        result: dict[str, Any] | None  # the Closed record's figures

    @classmethod
    def schedule(
        cls,
        *,
        programme: AssessmentProgramme,
        week: date,
        board: Board | str,
        topic: str,
        speaker: UUID,
        speaker_enrolled: bool,
        actor: Actor,
        moment: datetime,
    ) -> Lecture:
        """Schedule the lecture of ``week`` (a Monday in the programme's year); the speaker
        is a cadre enrolled in the programme (the service says: ``speaker_enrolled``)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if week.weekday() != 0 or week.year != programme.year:
            raise RuleViolation(
                WEEK, f"a lecture week is a Monday in {programme.year}, not {week}"
                f" (a {week.strftime('%A')})",
            )  # fmt: skip
        if board not in set(Board):
            raise RuleViolation(TOPIC, f"{board!r} is not a 板块: {', '.join(Board)}")
        if not topic.strip():
            raise RuleViolation(TOPIC, "a lecture has a topic")
        if not speaker_enrolled:
            raise RuleViolation(
                SPEAKER, f"speaker {speaker} is not a cadre enrolled in programme {programme.id}"
            )
        return cls._start(
            cls.Scheduled,
            id=lecture_id(programme.id, week),
            actor=actor,
            moment=moment,
            programme=str(programme.id),
            county=programme.county,
            year=programme.year,
            week=week.isoformat(),
            board=str(board),
            topic=topic,
            speaker=str(speaker),
        )

    @property
    def closed(self) -> bool:
        return self.result is not None

    def _check_open(self, moment: datetime, what: str) -> None:
        if self.closed:
            raise RuleViolation(ORDER, f"lecture {self.id} is closed: no {what} after")
        if moment.date().isoformat() < self.week:
            raise RuleViolation(
                ORDER, f"the lecture is in the week of {self.week}: no {what} before it"
            )

    def rate(
        self, scores: dict[str, int], actor: Actor, moment: datetime, holders: Holders
    ) -> None:
        """One rater's 《评价表》 (the rater is the record's actor, never a name): one per
        person, whichever of their accounts (``holders``: the registry's lookup)."""
        actor.require(*RATERS)
        own = holder(actor, holders)
        self._check_open(moment, "rating")
        if own == self.speaker:
            raise RuleViolation(
                RATER, f"{actor.principal} is the speaker's own account: no rating of one's own"
                " lecture",
            )  # fmt: skip
        earlier = next((p for p in self.raters if p == actor.principal or own in holders(p)), None)
        if earlier is not None:
            raise RuleViolation(
                ONE_FORM, f"{own} has rated this lecture already (as {earlier}), not again as"
                f" {actor.principal}",
            )  # fmt: skip
        checked = check_scores(scores)
        self._append(self.Rated, actor=actor, moment=moment, scores=checked)

    def check_comment(self, capacity: str, actor: Actor, moment: datetime, holders: Holders) -> str:
        """The rules of a comment, before its text goes to the vault: "科室负责人及分管部长",
        two people, neither the speaker."""
        actor.require(Role.ASSESSMENT_LEADER)
        own = holder(actor, holders)
        self._check_open(moment, "comment")
        if capacity not in COMMENTERS:
            raise RuleViolation(
                COMMENT, f"{capacity!r} comments as none of {', '.join(COMMENTERS)}"
            )
        if own == self.speaker:
            raise RuleViolation(
                COMMENT, f"{actor.principal} is the speaker's own account: no comment on oneself"
            )
        if self.comments[capacity]:
            raise RuleViolation(
                COMMENT, f"the {capacity} has commented already ({self.commenters[capacity]})"
            )
        for other, principal in self.commenters.items():
            if principal == actor.principal or own in holders(principal):
                raise RuleViolation(
                    COMMENT, f"{own} commented as the {other} already ({principal}): the"
                    f" {capacity} is another person",
                )  # fmt: skip
        return capacity

    def comment(
        self,
        capacity: str,
        commitment: str,
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> None:
        """点评 by the section head or the deputy head, once each (text in the vault)."""
        checked = self.check_comment(capacity, actor, moment, holders)
        self._append(
            self.Commented, actor=actor, moment=moment, capacity=checked,
            commitment=commitment,
        )  # fmt: skip

    def record_test(self, takers: int, mean_tenths: int, actor: Actor, moment: datetime) -> None:
        """现场测: how many took the test and their mean score, in tenths (once)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        self._check_open(moment, "test")
        if self.test is not None:
            raise RuleViolation(ORDER, f"lecture {self.id}'s test is recorded already")
        if type(takers) is not int or not 1 <= takers <= 500:
            raise RuleViolation(SCORE, f"takers are 1..500, not {takers!r}")
        if type(mean_tenths) is not int or not 0 <= mean_tenths <= 1000:
            raise RuleViolation(SCORE, f"the test mean is 0..1000 tenths, not {mean_tenths!r}")
        self._append(
            self.TestRecorded, actor=actor, moment=moment, takers=takers, mean_tenths=mean_tenths
        )

    def close(self, actor: Actor, moment: datetime) -> dict[str, Any]:
        """Close the lecture with its result (at least one form, both comments, the test):
        the means per indicator and overall in tenths, half-up, as ledger/rating_form.py."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if self.closed:
            raise RuleViolation(ORDER, f"lecture {self.id} is closed already")
        missing = [c for c, done in self.comments.items() if not done]
        if not self.scores or missing or self.test is None:
            raise RuleViolation(
                ORDER,
                f"a lecture closes after at least one rating ({len(self.scores)}), both"
                f" comments (missing: {missing}) and the test ({self.test is not None})",
            )
        means, overall = form_result(self.scores, ORDER)
        result = {
            "speaker": self.speaker,
            "forms": len(self.scores),
            "means": means,
            "overall_tenths": overall,
            "test_mean_tenths": self.test["mean_tenths"],
        }
        self._append(self.Closed, actor=actor, moment=moment, **result)
        return result

    class Scheduled(LedgerAggregate.Created):
        TOPIC = "lecture.Scheduled"
        programme: str
        county: str
        year: int
        week: str
        board: str
        topic: str
        speaker: str

        def assign(self, aggregate: Any) -> None:
            aggregate.programme = self.programme
            aggregate.county = self.county
            aggregate.year = self.year
            aggregate.week = self.week
            aggregate.board = self.board
            aggregate.topic = self.topic
            aggregate.speaker = self.speaker
            aggregate.raters = []
            aggregate.scores = []
            aggregate.comments = dict.fromkeys(COMMENTERS, False)
            aggregate.commenters = {}
            aggregate.test = None
            aggregate.result = None

    class Rated(LedgerAggregate.Event):
        TOPIC = "lecture.Rated"
        scores: dict[str, int]

        def assign(self, aggregate: Any) -> None:
            aggregate.raters = [*aggregate.raters, self.principal]
            aggregate.scores = [*aggregate.scores, dict(self.scores)]

    class Commented(LedgerAggregate.Event):
        TOPIC = "lecture.Commented"
        capacity: str
        commitment: str

        def assign(self, aggregate: Any) -> None:
            aggregate.comments = {**aggregate.comments, self.capacity: True}
            aggregate.commenters = {**aggregate.commenters, self.capacity: self.principal}

    class TestRecorded(LedgerAggregate.Event):
        TOPIC = "lecture.TestRecorded"
        takers: int
        mean_tenths: int

        def assign(self, aggregate: Any) -> None:
            aggregate.test = {"takers": self.takers, "mean_tenths": self.mean_tenths}

    class Closed(LedgerAggregate.Event):
        TOPIC = "lecture.Closed"
        speaker: str
        forms: int
        means: dict[str, int]
        overall_tenths: int
        test_mean_tenths: int

        def assign(self, aggregate: Any) -> None:
            aggregate.result = {
                "speaker": self.speaker,
                "forms": self.forms,
                "means": dict(self.means),
                "overall_tenths": self.overall_tenths,
                "test_mean_tenths": self.test_mean_tenths,
            }
