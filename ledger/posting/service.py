"""公示 postings and objections: load, check, record, save; each all or nothing.

The posting's unit (the trade union for the care fund, the county's organisation department
for the points: ``posting.unit``) opens, answers and closes; the public submits objections
without an account, recorded by the system account ``public-objection``
(ledger/principal.py OBJECTION_ACTOR). An objection's contact details go to the vault as a
subject of kind ``objector`` and its text as a vault document of that subject (label
``posting/{posting}/objection/{number}``); the ``subject.Registered`` and the
``posting.ObjectionReceived`` are saved together, and the vault entries are erased if the
save fails. An answer is published as the unit wrote it: the service refuses one that
repeats the objector's name, phone or address (``posting.personal``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from ledger.actor import Actor
from ledger.app import LedgerApp, retry_on_conflict
from ledger.carefund.application import Application
from ledger.carefund.fund import fund_year_id
from ledger.errors import NotFound, RuleViolation
from ledger.ledger import Ledger
from ledger.points.book import PointsBook
from ledger.points.scheme import Scheme
from ledger.posting.posting import (
    DEFAULT_ANSWER_DAYS,
    OBJECTION,
    OPENED,
    UNIT,
    Posting,
    objection_id,
    posting_id,
    require_unit,
)
from ledger.principal import OBJECTION_ACTOR, principal_of
from ledger.subject import Subject
from verify.days import business_day

OBJECTOR = "objector"  # the subject kind
CONTACT, TEXT, PERSONAL = "posting.contact", "posting.text", "posting.personal"
CONTACT_FIELDS = ("name", "phone", "address")
MAX_TEXT = 2000
PHONE = re.compile(r"\+?[0-9][0-9 -]*[0-9]", re.ASCII)  # digits, 7..20 of them
MIN_ADDRESS = 5  # 龙眠村五组, 文城街道1号: a place, not a word


def plausible_contact(given: dict[str, str]) -> None:
    """``posting.contact``: a phone given is 7..20 digits (with ``+``, ``-`` or spaces
    between), an address given has MIN_ADDRESS characters at least — the unit must be able
    to reach the objector with its answer ("1" reaches no one)."""
    phone, address = given.get("phone"), given.get("address")
    if phone is not None:
        digits = sum(c.isdigit() for c in phone)
        if not PHONE.fullmatch(phone) or not 7 <= digits <= 20:
            raise RuleViolation(
                CONTACT, f"{phone!r} is no phone number (7..20 digits, +, - or spaces)"
            )
    if address is not None and len("".join(address.split())) < MIN_ADDRESS:
        raise RuleViolation(CONTACT, f"an address has {MIN_ADDRESS} characters at least")


@dataclass(frozen=True)
class Received:
    """What a submission recorded: the objection's id and number, the posting's stream."""

    posting: UUID
    objection: UUID
    number: int
    subject: UUID


class Postings:
    """The postings' command handlers and reads over a Ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    def posting(self, kind: str, scope: str, year: int) -> Posting:
        """The posting; NotFound (naming kind/scope/year) if it was never opened."""
        try:
            return self._app.get(Posting, posting_id(kind, scope, year))
        except NotFound:
            raise NotFound("posting", f"{kind}/{scope}/{year}") from None

    def _county_unit(self, kind: str, scope: str, actor: Actor) -> None:
        """``posting.unit``: the responsible role and, for points, the county's."""
        require_unit(kind, actor)
        if kind == "points":
            found = principal_of(self._app, actor.principal)
            county = None if found is None else found.scope.get("county")
            if county != scope:
                raise RuleViolation(
                    UNIT, f"{actor.principal} is the organisation department of {county},"
                    f" not of {scope}",
                )  # fmt: skip

    def _posted_exists(self, kind: str, scope: str, year: int) -> None:
        """``posting.opened``: the fund year or the county's points year exists."""
        if kind == "carefund":
            if self._app.exists(fund_year_id(scope, year)):
                return
            raise RuleViolation(OPENED, f"{year} 年度基金 {scope} 未开立: nothing to post")
        for stream in self._app.streams_of(Scheme.Opened.TOPIC):
            scheme = self._app.get(Scheme, stream)
            if scheme.county == scope and scheme.year == year:
                return
        raise RuleViolation(OPENED, f"{scope} has no points scheme of {year}: nothing to post")

    def open(
        self, kind: str, scope: str, year: int, issuing_unit: str, period_start: date,
        period_end: date, how_to_object: str, actor: Actor,
        answer_days: int = DEFAULT_ANSWER_DAYS,
    ) -> UUID:  # fmt: skip
        """Open the posting of ``kind``/``scope``/``year`` (once); its stream id."""
        if kind in ("carefund", "points"):
            self._county_unit(kind, scope, actor)
        posting = Posting.open(
            kind=kind, scope=scope, year=year, issuing_unit=issuing_unit,
            period_start=period_start, period_end=period_end, answer_days=answer_days,
            how_to_object=how_to_object, actor=actor, moment=self.ledger.clock(),
        )  # fmt: skip
        self._posted_exists(kind, scope, year)
        if self._app.exists(posting.id):
            raise RuleViolation(OPENED, f"the {kind} posting {scope}/{year} is open already")
        self._app.save(posting)
        return posting.id

    def _check_about(self, posting: Posting, about: UUID | None) -> None:
        """``posting.objection``: ``about`` is a row of what is posted (an application of
        the fund year, a points book of the county's year), or None."""
        if about is None:
            return
        found: Any = None
        try:
            found = self._app.repository.get(about)
        except Exception:  # no such stream: refused below
            found = None
        if posting.kind == "carefund":
            fits = isinstance(found, Application) and found.fund_year == str(
                fund_year_id(posting.scope, posting.year)
            )
        else:
            fits = (
                isinstance(found, PointsBook)
                and found.county == posting.scope
                and found.year == posting.year
            )
        if not fits:
            raise RuleViolation(OBJECTION, f"{about} is no row of this posting")

    def submit(
        self, kind: str, scope: str, year: int, contact: dict[str, str], text: str,
        category: str, about: UUID | None = None,
    ) -> Received:  # fmt: skip
        """An objection of the public (no account: recorded by OBJECTION_ACTOR)."""
        given = {k: v.strip() for k, v in contact.items() if isinstance(v, str) and v.strip()}
        if set(contact) - set(CONTACT_FIELDS):
            raise RuleViolation(CONTACT, f"contact details are {', '.join(CONTACT_FIELDS)}")
        if not (given.get("phone") or given.get("address")):
            raise RuleViolation(
                CONTACT, "an objection gives a phone or an address (for the answer)"
            )
        if any(len(v) > 200 for v in given.values()):
            raise RuleViolation(CONTACT, "contact details are up to 200 characters each")
        plausible_contact(given)
        if not text.strip() or len(text) > MAX_TEXT:
            raise RuleViolation(TEXT, f"an objection says what is objected to, 1..{MAX_TEXT} chars")
        actor = OBJECTION_ACTOR

        def attempt() -> Received:
            posting = self.posting(kind, scope, year)
            moment = self.ledger.clock()
            number = posting.check_objection(category, moment)  # before the vault writes
            self._check_about(posting, about)
            subject_id = self.ledger.new_id()
            vault = self.ledger.vault
            commitment = vault.store_subject(str(subject_id), given)
            try:
                label = f"posting/{posting.id}/objection/{number}"
                document = vault.attach(str(subject_id), label, {"text": text})
                subject = Subject._start(
                    Subject.Registered, id=subject_id, actor=actor, moment=moment,
                    commitment=commitment, kind=OBJECTOR,
                )  # fmt: skip
                posting.receive(
                    subject=subject_id, commitment=document, about=about, category=category,
                    actor=actor, moment=moment,
                )  # fmt: skip
                self._app.save(subject, posting)  # one transaction: both or neither
            except BaseException:
                vault.erase(str(subject_id))  # no record, so no personal data either
                raise
            return Received(posting.id, objection_id(posting.id, number), number, subject_id)

        return retry_on_conflict(attempt)

    def answer(
        self, kind: str, scope: str, year: int, number: int, answer: str, actor: Actor
    ) -> bool:
        """The unit's published answer to objection ``number``; whether it is late."""
        self._county_unit(kind, scope, actor)

        def change(posting: Posting) -> bool:
            objection = posting.check_answer(number, answer, actor)
            self._no_personal_data(objection["subject"], answer)
            return posting.answer(number, answer, actor, self.ledger.clock())

        return self._app.update(Posting, self.posting(kind, scope, year).id, change)

    def _no_personal_data(self, subject: str, answer: str) -> None:
        """``posting.personal``: the answer repeats none of the objector's details."""
        try:
            personal = self.ledger.vault.read_subject(subject)
        except NotFound:  # erased: nothing left to repeat
            return
        for field, value in personal.items():
            if isinstance(value, str) and len(value.strip()) >= 2 and value.strip() in answer:
                raise RuleViolation(
                    PERSONAL, f"the answer repeats the objector's {field}: it is published"
                )

    def close(self, kind: str, scope: str, year: int, actor: Actor) -> None:
        """Close the posting after its period, every objection answered."""
        self._county_unit(kind, scope, actor)
        self._app.update(
            Posting,
            self.posting(kind, scope, year).id,
            lambda p: p.close(actor, self.ledger.clock()),
        )

    def read_objection(
        self, kind: str, scope: str, year: int, objection: int | UUID, actor: Actor
    ) -> dict[str, Any]:
        """Objection ``objection`` (its number or id) as the posting's unit reads it, to answer
        it: checked first as an answer is (``posting.unit``: the role and, for points, the
        county), then its members, its text and the objector's contact from the vault;
        ``erased`` with neither once the objector was erased. Never public."""
        self._county_unit(kind, scope, actor)
        posting = self.posting(kind, scope, year)
        number = objection if isinstance(objection, int) else next(
            (n for n in posting.objections if objection_id(posting.id, n) == objection), -1
        )  # fmt: skip
        found = posting.objections.get(number)
        if found is None:
            raise NotFound("objection", f"{kind}/{scope}/{year}/{objection}")
        subject, vault = str(found["subject"]), self.ledger.vault
        try:
            contact: dict[str, str] | None = vault.read_subject(subject)
            label = f"posting/{posting.id}/objection/{number}"
            text: str | None = vault.read_document(subject, label)["text"]
        except NotFound:
            if vault.has_subject(subject):
                raise  # the subject is there, its document not: no erasure explains that
            contact = text = None
        return {
            "posting": str(posting.id), "objection": str(objection_id(posting.id, number)),
            "number": number, "category": found["category"], "about": found["about"],
            "received_on": business_day(str(found["received_at"]), self.ledger.zone),
            "answer_due": found["answer_due"],
            "status": "waiting" if found["answered_on"] is None else "answered",
            "answered_on": None if found["answered_on"] is None
            else business_day(str(found["answered_on"]), self.ledger.zone),
            "answer": found["answer"], "erased": text is None, "text": text, "contact": contact,
        }  # fmt: skip

    def objection_text(self, kind: str, scope: str, year: int, number: int) -> str:
        """Objection ``number``'s text from the vault (the unit's read, not public)."""
        posting = self.posting(kind, scope, year)
        objection = posting.objections.get(number)
        if objection is None:
            raise NotFound("objection", f"{kind}/{scope}/{year}/{number}")
        label = f"posting/{posting.id}/objection/{number}"
        text: str = self.ledger.vault.read_document(objection["subject"], label)["text"]
        return text
