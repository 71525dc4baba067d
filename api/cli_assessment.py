"""``gongshi assessment VERB ... --token T``: every step of the routine assessment of a county
organisation department's own cadres (issue 14), as ``/api/v1/assessment`` takes it, acting
as the token's principal (``--token`` or ``GONGSHI_TOKEN``); the domain checks the role, the
order of the steps and who may take them, and refuses with the rule's name (exit 2).

Qianshan's 平时考核 ("个人有小结、领导有评鉴、结果有反馈、改进有目标"): ``open-programme``,
``enrol``, then per quarter ``summary``, ``appraise``, ``feedback``, ``goal``; ``grade`` at the
year's end; ``file`` shows a cadre's 一人一档. Huaining's 讲组工 ("一人讲、大家听、现场测"):
``schedule-lecture``, ``rate``, ``comment``, ``test``, ``close-lecture``. 以老带新:
``start-pair``, ``pair-note``, ``end-pair``. Training classes: ``open-training``,
``enrol-trainees``, ``attendance``, ``completion``.

Free text (``--text``; ``-`` reads it from stdin, so that it stays out of the shell's history)
goes to the vault; the record carries its commitment only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from api.cadre_file import require_reader
from api.cli_output import HelpFormatter
from api.cli_principals import acting_step, add_token_argument
from ledger.actor import Actor
from ledger.assessment.service import Assessment
from verify.schema import INDICATORS

Step = Callable[[Assessment, argparse.Namespace, Actor], str]


def _text(value: str) -> str:
    """``--text``'s value; ``-``: stdin's."""
    return sys.stdin.read().strip() if value == "-" else value


def _due(text: str) -> tuple[str, int]:
    """``STEP=DAYS`` -> (STEP, DAYS); argparse reports a ValueError as a usage error."""
    step, _, days = text.partition("=")
    return step, int(days)


def _open_programme(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    due = dict(args.due) if args.due else None
    stream = a.open_programme(args.county, args.year, args.department, actor, due)
    return f"programme {stream}: {args.county} {args.year} opened"


def _enrol(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    record = a.enrol_cadre(args.programme, args.cadre, args.section, actor)
    return f"record {record}: cadre {args.cadre} enrolled ({args.section})"


def _summary(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.submit_summary(args.record, args.quarter, _text(args.text), actor)
    return f"record {args.record}: Q{args.quarter} 小结 recorded"


def _appraise(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.appraise(args.record, args.quarter, args.rating, _text(args.text), actor)
    return f"record {args.record}: Q{args.quarter} 评鉴 recorded ({args.rating})"


def _feedback(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.acknowledge_feedback(args.record, args.quarter, actor)
    return f"record {args.record}: Q{args.quarter} 反馈 acknowledged"


def _goal(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.set_goal(args.record, args.quarter, _text(args.text), actor)
    return f"record {args.record}: Q{args.quarter} 改进目标 recorded"


def _grade(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.record_annual_grade(args.record, args.grade, _text(args.reasons), actor)
    return f"record {args.record}: annual grade {args.grade} recorded; the record is closed"


def _schedule(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    lecture = a.schedule_lecture(
        args.programme, args.week, args.board, args.topic, args.speaker, actor
    )
    return f"lecture {lecture}: week of {args.week}, speaker {args.speaker}"


def _rate(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.rate_lecture(args.lecture, {k: getattr(args, k) for k in INDICATORS}, actor)
    return f"lecture {args.lecture}: rated by {actor.principal}"


def _comment(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.comment_lecture(args.lecture, args.capacity, _text(args.text), actor)
    return f"lecture {args.lecture}: 点评 by the {args.capacity} recorded"


def _test(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.record_lecture_test(args.lecture, args.takers, args.mean_tenths, actor)
    return f"lecture {args.lecture}: test of {args.takers} recorded"


def _close(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    result = a.close_lecture(args.lecture, actor)
    return f"lecture {args.lecture} closed: {json.dumps(result, ensure_ascii=False)}"


def _start_pair(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    pair = a.start_pair(args.programme, args.mentor, args.mentee, args.started_on, actor)
    return f"pair {pair}: mentor {args.mentor}, mentee {args.mentee}"


def _pair_note(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.record_pair_note(args.pair, args.quarter, args.side, _text(args.text), actor)
    return f"pair {args.pair}: the {args.side}'s Q{args.quarter} note recorded"


def _end_pair(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.end_pair(args.pair, args.ended_on, args.reason, actor)
    return f"pair {args.pair}: ended {args.ended_on}"


def _open_training(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    training = a.open_training(args.county, args.year, args.kind, args.name, args.sessions, actor)
    return f"training {training}: {args.name}, {args.sessions} sessions"


def _enrol_trainees(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.enrol_trainees(args.training, args.cadres, actor)
    return f"training {args.training}: {len(args.cadres)} participants enrolled"


def _attendance(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.record_attendance(args.training, args.session, sorted(args.present, key=str), actor)
    return f"training {args.training}: session {args.session}, {len(args.present)} present"


def _completion(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    a.record_completion(args.training, args.cadre, args.completed, actor)
    done = "completed" if args.completed else "not completed"
    return f"training {args.training}: {args.cadre} {done}"


def _file(a: Assessment, args: argparse.Namespace, actor: Actor) -> str:
    require_reader(a.ledger, actor, args.programme, args.cadre)
    return json.dumps(a.cadre_file(args.programme, args.cadre), ensure_ascii=False, indent=2)


def _text_argument(parser: Any) -> None:
    parser.add_argument(
        "--text", required=True, help="the text (to the vault); '-' reads it from stdin"
    )


def add_assessment_commands(sub: Any) -> None:
    top = sub.add_parser(
        "assessment", help="routine assessment of the department's own cadres (平时考核, 讲组工)",
        description=__doc__, formatter_class=HelpFormatter,
    )  # fmt: skip
    verbs = top.add_subparsers(dest="assessment_command", required=True, metavar="VERB")

    def verb(name: str, step: Step, what: str) -> Any:
        parser = verbs.add_parser(name, help=what, description=what)
        add_token_argument(parser)
        parser.set_defaults(run=acting_step(Assessment, step))
        return parser

    def record_quarter(parser: Any) -> None:
        parser.add_argument("record", type=UUID, help="the cadre's record id")
        parser.add_argument("quarter", type=int, help="1..4")

    p = verb("open-programme", _open_programme,
             "open a county's programme for a year (organisation_department)")  # fmt: skip
    p.add_argument("county")
    p.add_argument("year", type=int)
    p.add_argument("--department", required=True, help="e.g. 中共潜山市委组织部")
    p.add_argument("--due", type=_due, action="append", metavar="STEP=DAYS",
                   help="days after the quarter's end a step is due (summary, appraisal,"
                        " feedback, goal; give all four or none: 10, 20, 25, 30)")  # fmt: skip
    p = verb("enrol", _enrol, "enrol a department cadre: its record (organisation_department)")
    p.add_argument("programme", type=UUID)
    p.add_argument("cadre", type=UUID, help="a subject of kind department_cadre")
    p.add_argument("--section", required=True, help="the cadre's section (科室)")
    p = verb("summary", _summary, "个人有小结: the cadre's own account (department_cadre)")
    record_quarter(p)
    _text_argument(p)
    p = verb("appraise", _appraise, "领导有评鉴: an assessment_leader, never the cadre")
    record_quarter(p)
    p.add_argument("--rating", required=True, help="good | fairly_good | average | poor")
    _text_argument(p)
    p = verb("feedback", _feedback, "结果有反馈: the cadre's own account acknowledges")
    record_quarter(p)
    p = verb("goal", _goal, "改进有目标: the cadre's own account, for the next quarter")
    record_quarter(p)
    _text_argument(p)
    p = verb("grade", _grade, "the annual grade (assessment_leader), after four 评鉴")
    p.add_argument("record", type=UUID)
    p.add_argument("--grade", required=True,
                   help="excellent | competent | basically_competent | incompetent")  # fmt: skip
    p.add_argument("--reasons", required=True,
                   help="the reasons (to the vault); '-' reads them from stdin")  # fmt: skip
    p = verb("schedule-lecture", _schedule, "a week's lecture (organisation_department)")
    p.add_argument("programme", type=UUID)
    p.add_argument("--week", type=date.fromisoformat, required=True, help="its Monday")
    p.add_argument("--board", required=True, help="policy | business | plans")
    p.add_argument("--topic", required=True)
    p.add_argument("--speaker", type=UUID, required=True, help="an enrolled cadre")
    p = verb("rate", _rate, "a rater's form (department_cadre or assessment_leader)")
    p.add_argument("lecture", type=UUID)
    for indicator in INDICATORS:
        p.add_argument(f"--{indicator}", type=int, required=True, help="0..100")
    p = verb("comment", _comment, "点评 by the section head or deputy head (assessment_leader)")
    p.add_argument("lecture", type=UUID)
    p.add_argument("--as", dest="capacity", required=True, help="section_head | deputy_head")
    _text_argument(p)
    p = verb("test", _test, "the test after the lecture, 现场测 (organisation_department)")
    p.add_argument("lecture", type=UUID)
    p.add_argument("--takers", type=int, required=True)
    p.add_argument("--mean-tenths", dest="mean_tenths", type=int, required=True)
    p = verb("close-lecture", _close, "close a lecture with its result (organisation_department)")
    p.add_argument("lecture", type=UUID)
    p = verb("start-pair", _start_pair, "a mentoring pair, 以老带新 (organisation_department)")
    p.add_argument("programme", type=UUID)
    p.add_argument("--mentor", type=UUID, required=True)
    p.add_argument("--mentee", type=UUID, required=True)
    p.add_argument("--started-on", dest="started_on", type=date.fromisoformat, required=True)
    p = verb("pair-note", _pair_note, "a quarter's note by the mentor's or mentee's own account")
    p.add_argument("pair", type=UUID)
    p.add_argument("quarter", type=int)
    p.add_argument("--side", required=True, help="mentor | mentee")
    _text_argument(p)
    p = verb("end-pair", _end_pair, "end a mentoring pair (organisation_department)")
    p.add_argument("pair", type=UUID)
    p.add_argument("--ended-on", dest="ended_on", type=date.fromisoformat, required=True)
    p.add_argument("--reason", required=True)
    p = verb("open-training", _open_training, "open a training class (organisation_department)")
    p.add_argument("county")
    p.add_argument("year", type=int)
    p.add_argument("--kind", required=True,
                   help="induction | young_and_middle_aged | section_level")  # fmt: skip
    p.add_argument("--name", required=True)
    p.add_argument("--sessions", type=int, required=True)
    p = verb("enrol-trainees", _enrol_trainees, "enrol participants (organisation_department)")
    p.add_argument("training", type=UUID)
    p.add_argument("cadres", type=UUID, nargs="+")
    p = verb("attendance", _attendance, "a session's attendance (organisation_department)")
    p.add_argument("training", type=UUID)
    p.add_argument("session", type=int)
    p.add_argument("present", type=UUID, nargs="*", help="the enrolled cadres present")
    p = verb("completion", _completion, "a participant's completion (organisation_department)")
    p.add_argument("training", type=UUID)
    p.add_argument("cadre", type=UUID)
    done = p.add_mutually_exclusive_group(required=True)
    done.add_argument("--completed", dest="completed", action="store_true")
    done.add_argument("--not-completed", dest="completed", action="store_false")
    p = verb("file", _file, "a cadre's file, 一人一档 (its county's department, leaders; itself)")
    p.add_argument("programme", type=UUID)
    p.add_argument("cadre", type=UUID)
