"""Supervision case rules across records (docs/FORMAT.md §4 "Rules across records").

"年度得分处于同类别后 10% 的村干部，乡镇党委及时约谈提醒，包村党建指导员现场指导、挂牌督办、
销号管理": a ``bottom_ranking`` case is opened only by a points scheme's ``YearClosed``, in its
commit: right after it, one ``CaseOpened`` per cadre of the close's ``cases``, in that
order, naming the close (``source`` SCHEME/close-N, ``trigger`` ``points.year_close``); such
a case takes every step in order (talk, guidance, listing, rectification, closure; talks and
guidance may repeat), the talk by the party committee of the cadre's township, the guidance
by the party-building instructor of the cadre's village in person (the principal registry's
scope, verify/rules_principals.py, against the township and village of the book the close
ranked), the rectification with evidence, the closure by another principal than the reporter.
Every other case's steps go forward only, as
ledger/supervision/case.py writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from verify.days import DEFAULT_TIMEZONE, business_day, zone_named
from verify.failure import Failure, Handler
from verify.record import Record
from verify.rules_principals import PrincipalRules
from verify.schema import EVIDENCE_PATTERN, OVERDUE_RULE, YEAR_CLOSE_RULE

BY_CLOSE, ORDER = "supervision.bottom_by_close", "supervision.order"
HANDS, EVIDENCE, SEPARATION = "supervision.hands", "supervision.evidence", "supervision.separation"
DEADLINE = "supervision.deadline"
STAGES = ("opened", "talk", "guidance", "listed", "rectified", "closed")
STEP = {
    "supervision.TalkHeld": "talk",
    "supervision.GuidanceGiven": "guidance",
    "supervision.CaseListed": "listed",
    "supervision.RectificationReported": "rectified",
    "supervision.CaseClosed": "closed",
}
REPEATABLE = ("talk", "guidance")
HAND_OF = {"talk": "township_party_committee", "guidance": "party_building_instructor"}


@dataclass(slots=True)
class _Case:
    bottom: bool
    stage: int = 0  # index in STAGES
    actions: int = 0
    reporter: str = ""
    place: tuple[str, str] | None = None  # the cadre's (township, village), from the book


@dataclass
class CaseRules:
    cases: dict[str, _Case] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # the close's cadres still to be opened
    source: str = ""  # SCHEME/close-N of the close whose commit is being read
    books: dict[str, tuple[str, str]] = field(default_factory=dict)  # book -> (township, village)
    ranked: dict[str, str] = field(default_factory=dict)  # bottom cadre -> book, of the close
    parts: list[tuple[list[str], list[dict[str, Any]]]] = field(default_factory=list)  # coming
    registry: PrincipalRules | None = None  # the principals' state (Invariants wires it)
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))  # the bundle's

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it (``every`` sees every record first)."""
        return {
            "supervision.CaseOpened": self._opened,
            "points.BookOpened": self._book,
            **dict.fromkeys(STEP, self._step),
        }

    def _book(self, r: Record, where: str) -> list[Failure]:
        self.books[r.stream] = (r.data["township"], r.data["village"])
        return []

    def every(self, r: Record, where: str) -> list[Failure]:
        """The commit of a close: after a ``points.YearClosed``, its bottom cases come next."""
        found: list[Failure] = []
        d = r.data
        bottom_open = r.type == "supervision.CaseOpened" and d["reason"] == "bottom_ranking"
        if self.pending:
            want = self.pending[0]
            expected = (want, self.source, YEAR_CLOSE_RULE)
            if bottom_open and (d["target"], d["source"], d["trigger"]) == expected:
                self.pending.pop(0)
                return []
            message = f"close {self.source}: the bottom case of cadre {want} is not next"
            found.append(Failure(where, BY_CLOSE, message, f"CaseOpened bottom_ranking {want}",
                                 f"{r.type} {d.get('target', '')}".strip()))  # fmt: skip
            self.pending.clear()
        if bottom_open:
            message = f"case {r.stream}: a bottom_ranking case opened outside a close's commit"
            found.append(Failure(where, BY_CLOSE, message, "opened by points.YearClosed",
                                 f"opened by {r.role} {r.principal}"))  # fmt: skip
        if r.type == "points.RankingPart":  # the close's cases are its parts' (one commit)
            self.parts += [(d["cases"], d["rows"])]
        if r.type == "points.YearClosed":
            parts, self.parts = self.parts, []
            self.pending = sorted(c for cases, _ in parts for c in cases)  # opened in this order
            self.source = f"{r.stream}/close-{d['close']}"
            bottom = set(self.pending)
            rows = [row for _, part in parts for row in part]
            self.ranked = {row["cadre"]: row["book"] for row in rows if row["cadre"] in bottom}
        return found

    def _opened(self, r: Record, where: str) -> list[Failure]:
        bottom = r.data["reason"] == "bottom_ranking"
        place = self.books.get(self.ranked.get(r.data["target"], "")) if bottom else None
        self.cases[r.stream] = _Case(bottom=bottom, place=place)
        return []

    def _deadline(self, r: Record, where: str) -> list[Failure]:
        """挂牌督办 with a deadline not before the business date of the listing's ``at``
        (``supervision.deadline``, as ledger/supervision/case.py ``list_case`` refuses)."""
        today = business_day(r.at, self.zone)
        if r.type != "supervision.CaseListed" or r.data["deadline"] >= today:
            return []
        message = f"case {r.stream}: listed with a deadline before the day it was listed"
        return [Failure(where, DEADLINE, message, f"a deadline on or after {today}",
                        r.data["deadline"])]  # fmt: skip

    def _step(self, r: Record, where: str) -> list[Failure]:
        if (case := self.cases.get(r.stream)) is None:  # reported by the stream check
            return []
        step = STEP[r.type]
        found = _order(case, step, r, where) + self._deadline(r, where)
        if case.bottom:
            found += _bottom_step(case, step, r, where) + self._place(case, step, r, where)
        case.stage = STAGES.index(step)
        case.actions += step in ("talk", "guidance", "listed")
        if step == "rectified":
            case.reporter = r.principal
        return found

    def _place(self, case: _Case, step: str, r: Record, where: str) -> list[Failure]:
        """The talk by the committee of the cadre's township, the guidance by the instructor
        of the cadre's village: the acting principal's registry scope (an actor not enrolled
        is reported by principal.role, which checks every record from the log's first)."""
        levels = {"talk": ("township",), "guidance": ("township", "village")}.get(step)
        if levels is None or case.place is None or r.role != HAND_OF[step]:
            return []  # another role: reported by _bottom_step
        if self.registry is None:  # CaseRules on its own, without Invariants' registry
            return []
        actor = self.registry.principals.get(r.principal)
        want = dict(zip(("township", "village"), case.place, strict=True))
        if actor is None or all(actor.scope.get(level) == want[level] for level in levels):
            return []
        expected = " ".join(f"{level} {want[level]}" for level in levels)
        found = " ".join(f"{level} {actor.scope.get(level)}" for level in levels)
        message = f"bottom_ranking {r.stream}: {step} by {r.principal}, outside the cadre's place"
        return [Failure(where, HANDS, message, expected, found)]


def _order(case: _Case, step: str, r: Record, where: str) -> list[Failure]:
    now, to = case.stage, STAGES.index(step)
    if now == STAGES.index("closed"):
        allowed = "nothing after closed"
    elif case.bottom:
        allowed = "" if to == now + 1 or (to == now and step in REPEATABLE) else "the next step"
    elif to < now or (to == now and step not in REPEATABLE):
        allowed = "a later step"
    elif step == "rectified" and case.actions == 0:
        allowed = "an action before rectification"
    elif step == "closed" and STAGES[now] != "rectified":
        allowed = "rectified before closed"
    else:
        allowed = ""
    if not allowed:
        return []
    kind = "bottom_ranking" if case.bottom else "case"
    message = f"{kind} {r.stream}: {step} after {STAGES[now]}"
    return [Failure(where, ORDER, message, allowed, step)]


def _bottom_step(case: _Case, step: str, r: Record, where: str) -> list[Failure]:
    d, found = r.data, []
    hand = HAND_OF.get(step)
    if hand is not None and r.role != hand:
        message = f"bottom_ranking {r.stream}: {step} by the wrong hand"
        found.append(Failure(where, HANDS, message, hand, r.role))
    if step == "guidance" and d["instructor"] != r.principal:
        message = f"bottom_ranking {r.stream}: guidance recorded for another instructor"
        found.append(Failure(where, HANDS, message, r.principal, d["instructor"]))
    if step == "rectified" and not re.fullmatch(EVIDENCE_PATTERN, d["evidence"]):
        message = f"bottom_ranking {r.stream}: rectification without evidence"
        found.append(Failure(where, EVIDENCE, message, "a document reference", d["evidence"]))
    if step == "closed" and r.principal == case.reporter:
        message = f"bottom_ranking {r.stream}: closed by the principal who reported rectification"
        found.append(Failure(where, SEPARATION, message, f"not {case.reporter}", r.principal))
    return found


# --- key projects, the special inspection, cadres' posts (docs/FORMAT.md §4 "Rules across
# records": keyproject.*, selection.*, cadrepost.*) -------------------------------------------

AMENDMENT, VERIFICATION = "keyproject.amendment", "keyproject.verification"
CASE_CLOSURE, OVERDUE = "keyproject.case_closure", OVERDUE_RULE  # the policy's trigger
ESCALATION = "keyproject.escalation"
SELECTION_VISIT, SELECTION_TALK = "selection.visit", "selection.talk"
OBSERVATION, REVIEW = "cadrepost.observation", "cadrepost.review"
NON_LEADING = "non_leading_post_observation"


@dataclass(slots=True)
class _Project:
    lead: str
    year: int
    items: dict[str, str]  # item -> due, on the checklist now
    ever: set[str]  # every code it ever held
    reporter: dict[str, str] = field(default_factory=dict)  # item reported done -> principal
    verified: set[str] = field(default_factory=set)
    escalated: dict[str, str] = field(default_factory=dict)  # item -> case


@dataclass(slots=True)
class _Post:
    leading: bool
    until: str = ""  # the end of the observation in progress, or ""


@dataclass
class ProjectRules:
    """Key projects (Yuexi), the special inspection of cadre selection and cadres' posts
    (Wangjiang): amendments, verification by the lead, an overdue item escalated once, its
    case opened by the escalation's commit and closed with its item's verification, findings
    in visited units, talks after a weak-work finding, observation
    periods started from leading posts and reviewed at their end."""

    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))
    projects: dict[str, _Project] = field(default_factory=dict)
    overdue_cases: dict[str, tuple[str, str]] = field(default_factory=dict)  # case -> item
    expect_closure: str | None = None  # the case the next record must close
    expect_case: tuple[str, str] | None = None  # (case, PROJECT/ITEM) the next record opens
    escalation_case: str = ""  # the case the escalation just before this record names
    last_verified: tuple[str, str] | None = None  # (project, item) if this record verified
    previous: tuple[str, str] | None = None  # last_verified of the record just before
    visited: dict[str, set[str]] = field(default_factory=dict)  # inspection -> units
    weak: dict[tuple[str, str], int] = field(default_factory=dict)  # findings awaiting a talk
    posts: dict[str, _Post] = field(default_factory=dict)  # post stream -> post
    post_of: dict[str, str] = field(default_factory=dict)  # cadre -> post stream
    observed: set[tuple[str, str]] = field(default_factory=set)  # (inspection, post stream)

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it."""
        return {
            "keyproject.Registered": self._registered,
            "keyproject.Amended": self._amended,
            "keyproject.ProgressReported": self._progress,
            "keyproject.ItemVerified": self._verified,
            "keyproject.ItemEscalated": self._escalated,
            "supervision.CaseOpened": self._case_opened,
            "supervision.CaseClosed": self._case_closed,
            "selection.UnitVisited": self._visit,
            "selection.FindingRecorded": self._finding,
            "selection.UnitHeadTalked": self._talk,
            "inspection.CadreExamined": self._examined,
            "cadrepost.Assigned": self._post,
            "cadrepost.ObservationStarted": self._observation,
            "cadrepost.ObservationReviewed": self._review,
        }

    def every(self, r: Record, where: str) -> list[Failure]:
        """Before the handlers, on every record: an escalation's case is opened by the very
        next record, and a verified escalated item's case is closed by it (the same commit)."""
        self.previous, self.last_verified = self.last_verified, None
        found = self._escalation_commit(r, where)
        if self.expect_closure is None:
            return found
        case, self.expect_closure = self.expect_closure, None
        if r.type == "supervision.CaseClosed" and r.stream == case:
            return found
        message = "a verified escalated item's case is closed by the next record"
        expected = f"supervision.CaseClosed of {case}"
        return [*found, Failure(where, CASE_CLOSURE, message, expected, f"{r.type} {r.stream}")]

    def _escalation_commit(self, r: Record, where: str) -> list[Failure]:
        """The policy's commit: the record after an ``ItemEscalated`` opens its ``case`` with
        the policy's trigger and the escalated item as source."""
        self.escalation_case = ""
        if self.expect_case is None:
            return []
        (case, source), self.expect_case = self.expect_case, None
        self.escalation_case = case
        d = r.data
        opened = r.type == "supervision.CaseOpened" and r.stream == case
        if opened and (d["trigger"], d["source"]) == (OVERDUE, source):
            return []
        message = "an escalation's case is opened by the next record"
        expected = f"supervision.CaseOpened of {case}, trigger {OVERDUE}, source {source}"
        found = f"{r.type} {r.stream} trigger {d.get('trigger')} source {d.get('source')}"
        return [Failure(where, ESCALATION, message, expected, found)]

    def _registered(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        items = {i["item"]: i["due"] for i in d["items"]}
        self.projects[r.stream] = _Project(d["lead"], d["year"], items, set(items))
        return []

    def _amended(self, r: Record, where: str) -> list[Failure]:
        p, d = self.projects.get(r.stream), r.data
        if p is None:
            return []
        item, change, due = d["item"], d["change"], d["due"]
        problem = None
        if not d["reason"].strip():
            problem = "a reason", "no reason"
        elif change == "add":
            if item in p.ever or due is None or int(due[:4]) != p.year or not d["title"].strip():
                problem = f"a new item with a title due in {p.year}", f"{item} due {due}"
        elif item not in p.items or item in p.reporter or item in p.escalated:
            problem = "an item on the checklist, not reported done, not escalated", item
        elif d["title"] != "":
            problem = 'title "" (only an added item has one)', d["title"]
        elif change == "move" and (due is None or int(due[:4]) != p.year or due == p.items[item]):
            problem = f"another due date in {p.year}", f"{due} (was {p.items[item]})"
        elif change == "drop" and due is not None:
            problem = "due null", due
        if problem is not None:
            message = f"project {r.stream}: {change} {item}"
            return [Failure(where, AMENDMENT, message, problem[0], str(problem[1]))]
        if change == "drop":
            p.items.pop(item)
        else:
            p.items[item] = due
            p.ever.add(item)
        return []

    def _progress(self, r: Record, where: str) -> list[Failure]:
        p, d = self.projects.get(r.stream), r.data
        if p is not None and d["done"] is True:
            p.reporter.setdefault(d["item"], r.principal)
        return []

    def _verified(self, r: Record, where: str) -> list[Failure]:
        p, item = self.projects.get(r.stream), r.data["item"]
        if p is None:
            return []
        message, problem = f"project {r.stream}: item {item} verified", None
        if item not in p.items or item not in p.reporter or item in p.verified:
            problem = "an item on the checklist reported done, not yet verified", item
        elif r.principal != p.lead:
            problem = f"the project's lead {p.lead}", r.principal
        elif r.principal == p.reporter[item]:
            problem = f"someone other than the reporter {p.reporter[item]}", r.principal
        p.verified.add(item)
        if item in p.escalated:
            self.expect_closure = p.escalated[item]
        self.last_verified = (r.stream, item)
        return [] if problem is None else [Failure(where, VERIFICATION, message, *problem)]

    def _escalated(self, r: Record, where: str) -> list[Failure]:
        """Only "对规定时限内未完成的持续跟踪、挂牌督办": the escalated item is on the
        checklist, past its due date on the record's business date and not reported done."""
        if (p := self.projects.get(r.stream)) is None:
            return []
        item, today = r.data["item"], business_day(r.at, self.zone)
        again = item in p.escalated
        p.escalated[item] = r.data["case"]
        self.expect_case = (r.data["case"], f"{r.stream}/{item}")
        if not again and item in p.items and item not in p.reporter and p.items[item] < today:
            return []
        found = (
            "escalated before" if again
            else "not on the checklist" if item not in p.items
            else "reported done" if item in p.reporter
            else f"due {p.items[item]}"
        )  # fmt: skip
        message = f"project {r.stream}: item {item} escalated on {today}"
        return [Failure(where, ESCALATION, message, f"an item due before {today}, not done", found)]

    def _case_opened(self, r: Record, where: str) -> list[Failure]:
        """A case with the policy's trigger is opened only by an escalation's commit."""
        if r.data["trigger"] != OVERDUE:
            return []
        if r.data["source"] is not None:
            project, _slash, item = r.data["source"].partition("/")
            self.overdue_cases[r.stream] = (project, item)
        if r.stream == self.escalation_case:  # checked by _escalation_commit
            return []
        message = f"case {r.stream} with trigger {OVERDUE} opened outside an escalation's commit"
        return [Failure(where, ESCALATION, message, "right after its ItemEscalated",
                        f"opened by {r.role} {r.principal}")]  # fmt: skip

    def _case_closed(self, r: Record, where: str) -> list[Failure]:
        source, previous = self.overdue_cases.get(r.stream), self.previous
        if source is None or previous == source:
            return []
        message = f"case {r.stream} opened by {OVERDUE} closes right after its item's verification"
        shown = "/".join(previous) if previous else "no verification just before"
        return [Failure(where, CASE_CLOSURE, message, "/".join(source), shown)]

    def _visit(self, r: Record, where: str) -> list[Failure]:
        self.visited.setdefault(r.stream, set()).add(r.data["unit"])
        return []

    def _finding(self, r: Record, where: str) -> list[Failure]:
        unit = r.data["unit"]
        if r.data["weak_work"] is True:
            self.weak[(r.stream, unit)] = self.weak.get((r.stream, unit), 0) + 1
        if unit in self.visited.get(r.stream, set()):
            return []
        message = f"inspection {r.stream}: a finding in a unit not visited"
        return [Failure(where, SELECTION_VISIT, message, "a unit visited before", unit)]

    def _talk(self, r: Record, where: str) -> list[Failure]:
        key = (r.stream, r.data["unit"])
        waiting = self.weak.get(key, 0)
        if waiting > 0:
            self.weak[key] = waiting - 1
            return []
        message = f"inspection {r.stream}: a talk with {r.data['unit']}'s head"
        expected = "a weak-work finding in the unit not yet followed by a talk"
        return [Failure(where, SELECTION_TALK, message, expected, "none")]

    def _examined(self, r: Record, where: str) -> list[Failure]:
        if r.data["outcome"] != NON_LEADING:
            return []
        cadre = r.data["cadre"]
        self.observed.add((r.stream, self.post_of.get(cadre, "")))
        post = self.posts.get(self.post_of.get(cadre, ""))
        if post is not None and post.leading:
            return []
        message = f"cadre {cadre} moved to a non-leading post for observation"
        found = "no post" if post is None else "a non-leading post"
        return [Failure(where, OBSERVATION, message, "a leading post", found)]

    def _post(self, r: Record, where: str) -> list[Failure]:
        self.posts[r.stream] = _Post(r.data["leading"] is True)
        self.post_of[r.data["cadre"]] = r.stream
        return []

    def _observation(self, r: Record, where: str) -> list[Failure]:
        post, d = self.posts.get(r.stream), r.data
        if post is None:
            return []
        today = business_day(r.at, self.zone)
        problem = None
        if not post.leading or post.until:
            problem = "a leading post, not under observation", "not leading"
        elif d["until"] <= today:
            problem = f"an end after {today}", d["until"]
        elif d["inspection"] is not None and (d["inspection"], r.stream) not in self.observed:
            problem = f"{NON_LEADING} of this cadre in inspection {d['inspection']}", "none"
        post.leading, post.until = False, d["until"]
        if problem is None:
            return []
        return [Failure(where, OBSERVATION, f"post {r.stream}: observation started", *problem)]

    def _review(self, r: Record, where: str) -> list[Failure]:
        post = self.posts.get(r.stream)
        if post is None:
            return []
        today, until = business_day(r.at, self.zone), post.until
        post.leading, post.until = r.data["decision"] == "restored_leading", ""
        if until and today >= until:
            return []
        message = f"post {r.stream}: observation reviewed"
        expected = f"on or after {until}" if until else "an observation in progress"
        return [Failure(where, REVIEW, message, expected, today)]
