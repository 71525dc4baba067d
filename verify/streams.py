"""Which stream each record goes to, and which streams its data names (docs/FORMAT.md §4).

A stream's aggregate is set by its version-1 record (verify/schema.py says which types open
which aggregate); every later record of the stream must be a type of the same aggregate, so
``subject.Erased`` goes to the subject's own stream. A member that names another stream must
name one opened earlier in the log, of the right aggregate: a subject id is the stream id of
its ``subject.Registered``, and a subject named in a record is registered, not erased, and of
the kind the record needs.

Fed one record at a time; memory grows with streams (one short string each), not records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verify.failure import Failure
from verify.record import Record
from verify.schema import EVENTS

# type -> (member, aggregate it names, subject kind required or "" for any); "[]": each item
REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "carefund.ContributionReceived": (("donor", "subject", ""),),
    "carefund.ApplicationQueued": (("application", "application", ""),),
    "carefund.GrantCommitted": (("application", "application", ""),),
    "carefund.DisbursementBooked": (("application", "application", ""),),
    "carefund.RecoveryBooked": (("application", "application", ""),),
    "carefund.ApplicationSubmitted": (("fund_year", "fund_year", ""), ("subject", "subject", "")),
    "carefund.GrantRevoked": (("responsible[]", "subject", ""),),
    "points.TaskPlanSet": (("scheme", "scheme", ""),),
    "points.BookOpened": (("scheme", "scheme", ""), ("cadre", "subject", "cadre")),
    "points.AllocationRegisterOpened": (("scheme", "scheme", ""),),
    "points.ResponsibilityAllocated": (("book", "book", ""),),
    "inspection.CadreExamined": (("cadre", "subject", ""),),
    "selection.UnitHeadTalked": (("head", "subject", "unit_head"),),
    "cadrepost.Assigned": (("cadre", "subject", "cadre"),),
    "assessment.CadreEnrolled": (
        ("programme", "programme", ""),
        ("cadre", "subject", "department_cadre"),
    ),
    "lecture.Scheduled": (
        ("programme", "programme", ""),
        ("speaker", "subject", "department_cadre"),
    ),
    "mentoring.PairStarted": (
        ("programme", "programme", ""),
        ("mentor", "subject", "department_cadre"),
        ("mentee", "subject", "department_cadre"),
    ),
    "training.ParticipantEnrolled": (("cadre", "subject", "department_cadre"),),
    "cadrepost.ObservationStarted": (("inspection", "inspection", ""),),
    "principal.SubjectLinked": (("subject", "subject", ""),),
}
NAMED_TARGETS = ("cadre", "unit_head")
REFERENCE = "stream.reference"  # a case's target_kind that names a subject


def _named(record: Record) -> list[tuple[str, Any, str, str]]:
    """(member, stream id, aggregate, subject kind) of every stream ``record`` names."""
    found = []
    for member, aggregate, kind in REFERENCES.get(record.type, ()):
        name = member.removesuffix("[]")
        values = record.data[name] if member.endswith("[]") else [record.data[name]]
        found += [(name, value, aggregate, kind) for value in values if value is not None]
    data: Mapping[str, Any] = record.data
    if record.type == "supervision.CaseOpened" and data["target_kind"] in NAMED_TARGETS:
        found.append(("target", data["target"], "subject", data["target_kind"]))
    return found


class StreamCheck:
    """Streams and the references between them, checked as the records go by."""

    def __init__(self) -> None:
        self.aggregates: dict[str, str] = {}  # stream -> aggregate of its version-1 record
        self.subject_kinds: dict[str, str] = {}  # subject -> kind ("" once erased)

    def add(self, record: Record, where: str) -> list[Failure]:
        """Apply one record (well-formed, of a type in EVENTS); returns the rules it breaks."""
        aggregate = EVENTS[record.type].aggregate
        found = []
        opened = self.aggregates.setdefault(record.stream, aggregate)
        if opened != aggregate:
            message = f"{record.type} in stream {record.stream}, opened by another aggregate"
            found.append(Failure(where, "stream.aggregate", message, aggregate, opened))
        for member, stream, wanted, kind in _named(record):
            has = self.aggregates.get(stream)
            subject_kind = self.subject_kinds.get(stream)
            message = f"data.{member} {stream}"
            if has != wanted:
                message += " names no stream of its kind opened before it"
                found.append(Failure(where, REFERENCE, message, wanted, has or "no stream"))
            elif subject_kind == "":
                message += " names an erased subject"
                found.append(Failure(where, REFERENCE, message, "a subject not erased", "erased"))
            elif kind and subject_kind != kind:
                message += " names a subject of another kind"
                found.append(Failure(where, REFERENCE, message, kind, subject_kind))
        if record.type == "subject.Registered":
            self.subject_kinds[record.stream] = record.data["kind"]
        elif record.type == "subject.Erased":
            self.subject_kinds[record.stream] = ""
        return found
