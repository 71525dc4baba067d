"""Request bodies: unknown members are refused, strings are bounded, numbers are integers
(money in integer fen: a JSON float is refused, never rounded)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

Text = Annotated[str, Field(min_length=1, max_length=500)]
ShortText = Annotated[str, Field(min_length=1, max_length=100)]
Fen = Annotated[StrictInt, Field(ge=0, le=10**12, description="an amount in integer fen")]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(BaseModel):
    """The newest record of the stream written: keep it as evidence of the write."""

    stream: UUID
    version: int
    record_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    leaf_index: int | None


class Written(BaseModel):
    evidence: Evidence
    result: dict[str, Any] = Field(default_factory=dict)


class PersonalData(Body):
    """Goes to the encrypted vault only; the record carries a pseudonym and a commitment."""

    name: ShortText
    id_number: Annotated[str, Field(max_length=40)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    bank_account: Annotated[str, Field(max_length=60)] | None = None
    address: Annotated[str, Field(max_length=200)] | None = None
    hardship_details: Annotated[str, Field(max_length=2000)] | None = None


class SubjectIn(Body):
    kind: Annotated[str, Field(pattern=r"^(worker|responsible_person|donor|cadre|unit_head)$")]
    personal: PersonalData


class ErasureIn(Body):
    reason: Text


class YearIn(Body):
    year: Year


class ContributionIn(Body):
    source: ShortText
    amount_fen: Annotated[StrictInt, Field(ge=1, le=10**12)]
    reference: ShortText
    donor: UUID | None = None


class ApplicationIn(Body):
    year: Year
    subject: UUID
    industry: ShortText
    hardship: ShortText
    requested_tier: Annotated[StrictInt, Field(ge=1, le=9)]
    priority: StrictBool


class ReviewIn(Body):
    approve: StrictBool
    reason: Annotated[str, Field(max_length=500)] = ""


class ApprovalIn(Body):
    tier: Annotated[StrictInt, Field(ge=1, le=9)]


class ReasonIn(Body):
    reason: Text


class DisbursementIn(Body):
    reference: ShortText


class FollowUpIn(Body):
    visited_on: Day
    outcome: ShortText
    note: Annotated[str, Field(min_length=1, max_length=2000)]


class RevocationIn(Body):
    violation: ShortText
    reason: Text
    recover_fen: Fen
    discipline_referral: StrictBool
    judicial_referral: StrictBool
    accountable_organisation: ShortText
    responsible: Annotated[list[UUID], Field(max_length=20)] = []


class RecoveryIn(Body):
    amount_fen: Annotated[StrictInt, Field(ge=1, le=10**12)]
    reference: ShortText


class AuditResultIn(Body):
    title: Text
    conclusion: Text
    findings: Annotated[list[Text], Field(max_length=50)]
