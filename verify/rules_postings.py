"""公示 postings and objections (异议/举报), the rules across records (docs/FORMAT.md §4 rules
69-75, ``posting.*``): "对先锋关爱基金使用情况和审计结果及时向社会公示", "利用党务公开栏等多种
形式，即时公示公开" — a posting opened by its responsible unit for a fund year or a points year
that exists, objections received during its period, numbered, each with its answer due
``answer_days`` after receipt, answered once by the unit (``late`` when after the due date),
the posting closed after its period with every objection answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

from verify.days import DEFAULT_TIMEZONE, business_day, zone_named
from verify.failure import Failure, Handler
from verify.record import Record
from verify.rules_assessment import named

UNIT, OPENED, PERIOD = "posting.unit", "posting.opened", "posting.period"
OBJECTION, ANSWER = "posting.objection", "posting.answer"
UNANSWERED, CLOSED = "posting.unanswered", "posting.closed"
RESPONSIBLE = {"carefund": "trade_union", "points": "organisation_department"}


@dataclass
class _Objection:
    answer_due: str
    received: str  # its record (named)
    answered: str | None = None  # the answer's record (named)
    late: bool = False


@dataclass
class _Posting:
    data: dict[str, Any]  # the posting.Opened data
    objections: dict[int, _Objection] = field(default_factory=dict)
    closed: str | None = None  # the close's record (named)


@dataclass
class PostingRules:
    registry: Any = None  # verify.rules_principals.PrincipalRules: a points unit's county
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))
    postings: dict[str, _Posting] = field(default_factory=dict)
    funds: set[tuple[str, int]] = field(default_factory=set)  # (fund, year)
    schemes: set[tuple[str, int]] = field(default_factory=set)  # (county, year)
    rows: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # stream -> posted row
    objectors: set[str] = field(default_factory=set)  # subjects of kind objector

    def handlers(self) -> dict[str, Handler]:
        return {
            "carefund.FundYearOpened": self._fund,
            "carefund.ApplicationSubmitted": self._application,
            "points.SchemeOpened": self._scheme,
            "points.BookOpened": self._book,
            "subject.Registered": self._subject,
            "posting.Opened": self._opened,
            "posting.ObjectionReceived": self._received,
            "posting.ObjectionAnswered": self._answered,
            "posting.Closed": self._closed,
        }

    # --- what can be posted and objected to -------------------------------------------------

    def _fund(self, r: Record, where: str) -> list[Failure]:
        self.funds.add((r.data["fund"], r.data["year"]))
        self.rows[r.stream] = ("fund_year", r.data["fund"], r.data["year"])
        return []

    def _application(self, r: Record, where: str) -> list[Failure]:
        fund = self.rows.get(r.data["fund_year"])
        if fund is not None:
            self.rows[r.stream] = ("carefund", fund[1], fund[2])
        return []

    def _scheme(self, r: Record, where: str) -> list[Failure]:
        self.schemes.add((r.data["county"], r.data["year"]))
        return []

    def _book(self, r: Record, where: str) -> list[Failure]:
        self.rows[r.stream] = ("points", r.data["county"], r.data["year"])
        return []

    def _subject(self, r: Record, where: str) -> list[Failure]:
        if r.data["kind"] == "objector":
            self.objectors.add(r.stream)
        return []

    # --- the posting ------------------------------------------------------------------------

    def _unit(self, r: Record, where: str, opened: dict[str, Any]) -> list[Failure]:
        kind, scope = opened["kind"], opened["scope"]
        message = f"{r.type} of the {kind} posting {scope}/{opened['year']} by {r.principal}"
        if r.role != RESPONSIBLE[kind]:
            return [Failure(where, UNIT, message, RESPONSIBLE[kind], r.role)]
        principal = None if self.registry is None else self.registry.principals.get(r.principal)
        county = None if principal is None else principal.scope.get("county")
        if kind == "points" and county != scope:
            return [Failure(where, UNIT, message, f"the organisation department of {scope}",
                            f"of {county}")]  # fmt: skip
        return []

    def _opened(self, r: Record, where: str) -> list[Failure]:
        d = dict(r.data)
        self.postings[r.stream] = _Posting(d)
        found = self._unit(r, where, d)
        message = f"posting {d['kind']}/{d['scope']}/{d['year']}"
        posted = self.funds if d["kind"] == "carefund" else self.schemes
        if (d["scope"], d["year"]) not in posted:
            what = "a fund year" if d["kind"] == "carefund" else "a points scheme of the county"
            found.append(
                Failure(
                    where, OPENED, f"{message}: nothing to post", f"{what} opened earlier", "none"
                )
            )
        if d["period_end"] < d["period_start"]:
            found.append(
                Failure(
                    where,
                    OPENED,
                    f"{message}: its period",
                    "start <= end",
                    f"{d['period_start']}..{d['period_end']}",
                )
            )
        return found

    def _received(self, r: Record, where: str) -> list[Failure]:
        if (posting := self.postings.get(r.stream)) is None:
            return []
        d, o, found = r.data, posting.data, []
        day = business_day(r.at, self.zone)
        message = f"posting {r.stream}: objection {d['number']}"
        if posting.closed is not None or not o["period_start"] <= day <= o["period_end"]:
            shown = day if posting.closed is None else f"{day}, after the close at {posting.closed}"
            found.append(
                Failure(
                    where,
                    PERIOD,
                    message,
                    f"received {o['period_start']}..{o['period_end']}",
                    shown,
                )
            )
        due = (date.fromisoformat(day) + timedelta(days=o["answer_days"])).isoformat()
        expected_number = len(posting.objections) + 1
        problem = None
        if d["number"] != expected_number:
            problem = f"number {expected_number}", f"number {d['number']}"
        elif d["answer_due"] != due:
            problem = f"answer due {due} ({day} + {o['answer_days']} days)", d["answer_due"]
        elif d["subject"] not in self.objectors:
            problem = "a subject of kind objector registered earlier", d["subject"]
        elif d["about"] is not None and self.rows.get(d["about"]) != (
            o["kind"],
            o["scope"],
            o["year"],
        ):
            problem = "a row of this posting (an application, a points book) or null", d["about"]
        if problem is not None:
            found.append(Failure(where, OBJECTION, message, *problem))
        posting.objections.setdefault(d["number"], _Objection(d["answer_due"], named(where, r)))
        return found

    def _answered(self, r: Record, where: str) -> list[Failure]:
        if (posting := self.postings.get(r.stream)) is None:
            return []
        found = self._unit(r, where, posting.data)
        d = r.data
        message = f"posting {r.stream}: the answer to objection {d['number']}"
        objection = posting.objections.get(d["number"])
        day = business_day(r.at, self.zone)
        if objection is None:
            found.append(Failure(where, ANSWER, message, "a received objection", "none"))
        elif objection.answered is not None:
            found.append(
                Failure(
                    where,
                    ANSWER,
                    message,
                    "answered once",
                    f"a second; the first at {objection.answered}",
                )
            )
        elif d["late"] != (late := day > objection.answer_due):
            found.append(
                Failure(
                    where,
                    ANSWER,
                    f"{message} on {day}, due {objection.answer_due}",
                    f"late {str(late).lower()}",
                    f"late {str(d['late']).lower()}",
                )
            )
        if objection is not None and objection.answered is None:
            # the close counts the answers late by their dates, not by their flags
            objection.answered, objection.late = named(where, r), day > objection.answer_due
        return found

    def _closed(self, r: Record, where: str) -> list[Failure]:
        if (posting := self.postings.get(r.stream)) is None:
            return []
        found = self._unit(r, where, posting.data)
        d, o = r.data, posting.data
        day = business_day(r.at, self.zone)
        message = f"posting {r.stream}: its close"
        objections = posting.objections.values()
        late = sum(x.late for x in objections)
        problem = None
        if posting.closed is not None:
            problem = "closed once", f"a second; the first at {posting.closed}"
        elif day <= o["period_end"]:
            problem = f"a day after the period's end {o['period_end']}", day
        elif (d["objections"], d["late"]) != (len(posting.objections), late):
            problem = (
                f"{len(posting.objections)} objections, {late} late",
                f"{d['objections']} objections, {d['late']} late",
            )
        if problem is not None:
            found.append(Failure(where, CLOSED, message, *problem))
        waiting = [n for n, x in sorted(posting.objections.items()) if x.answered is None]
        if waiting:
            found.append(
                Failure(
                    where,
                    UNANSWERED,
                    message,
                    "every objection answered",
                    f"not answered: {waiting}",
                )
            )
        posting.closed = posting.closed or named(where, r)
        return found
