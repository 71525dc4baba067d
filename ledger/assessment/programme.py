"""A routine-assessment programme (平时考核) of one county's organisation department, one year.

Qianshan: "个人有小结、领导有评鉴、结果有反馈、改进有目标" — each quarter every cadre writes a
小结, the leadership appraises it (评鉴), the result is fed back (反馈) and a goal for the next
quarter is set (改进目标). The programme fixes the year and, per step, the days after the
quarter's last day by which it is due (``due_days``); lateness is read from them. Its stream
id is derived from the county and year (docs/FORMAT.md §4 "Stream ids"), so a county opens
one programme a year (``assessment.programme``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from verify.quarters import step_due
from verify.rules_assessment import due_days_problem
from verify.schema import ASSESSMENT_NAMESPACE, SCOPE_NAME_PATTERN, STEPS

PROGRAMME = "assessment.programme"
DEFAULT_DUE_DAYS = {"summary": 10, "appraisal": 20, "feedback": 25, "goal": 30}


def programme_id(county: str, year: int) -> UUID:
    """The stream id of ``county``'s programme of ``year`` (docs/FORMAT.md §4)."""
    return uuid.uuid5(ASSESSMENT_NAMESPACE, f"{county}/{year}")


def check_due_days(due_days: Mapping[str, Any]) -> dict[str, int]:
    """``due_days`` as recorded: exactly the four steps, each an int 1..90, strictly
    increasing in step order (小结 before 评鉴 before 反馈 before 改进目标): the verifier's
    rule (verify/rules_assessment.py ``due_days_problem``)."""
    if (problem := due_days_problem(due_days)) is not None:
        raise RuleViolation(PROGRAMME, f"due_days: {problem}")
    return {step: due_days[step] for step in STEPS}


class AssessmentProgramme(LedgerAggregate):
    if TYPE_CHECKING:
        county: str
        year: int
        department: str
        due_days: dict[str, int]

    @classmethod
    def open(
        cls,
        *,
        county: str,
        year: int,
        department: str,
        due_days: Mapping[str, Any] | None,
        actor: Actor,
        moment: datetime,
    ) -> AssessmentProgramme:
        """Open ``county``'s programme of ``year`` (organisation_department), run by
        ``department`` (e.g. 中共潜山市委组织部); ``due_days`` default DEFAULT_DUE_DAYS."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if type(year) is not int or not 2000 <= year <= 2100:
            raise RuleViolation(PROGRAMME, f"the year is 2000..2100, not {year!r}")
        if not SCOPE_NAME_PATTERN.fullmatch(county) or not department.strip():
            raise RuleViolation(PROGRAMME, "a programme names its county and department")
        days = check_due_days(DEFAULT_DUE_DAYS if due_days is None else due_days)
        return cls._start(
            cls.Opened,
            id=programme_id(county, year),
            actor=actor,
            moment=moment,
            county=county,
            year=year,
            department=department,
            due_days=days,
        )

    def due(self, quarter: int, step: str) -> date:
        """The day by which ``step`` of ``quarter`` is due: the quarter's last day plus
        ``due_days[step]``."""
        return step_due(self.year, quarter, self.due_days[step])

    class Opened(LedgerAggregate.Created):
        TOPIC = "assessment.ProgrammeOpened"
        county: str
        year: int
        department: str
        due_days: dict[str, int]

        def assign(self, aggregate: Any) -> None:
            aggregate.county = self.county
            aggregate.year = self.year
            aggregate.department = self.department
            aggregate.due_days = dict(self.due_days)
