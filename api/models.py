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


def example(body: dict[str, Any]) -> ConfigDict:
    """A request body's config: unknown members refused, ``body`` as its OpenAPI example."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [body]})


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
    model_config = example({"kind": "worker", "personal": {"name": "张三", "phone": "13800000000"}})
    kind: Annotated[str, Field(pattern=r"^(worker|responsible_person|donor|cadre|unit_head)$")]
    personal: PersonalData


class ErasureIn(Body):
    model_config = example({"reason": "本人申请删除"})
    reason: Text


class YearIn(Body):
    model_config = example({"year": 2023})
    year: Year


class ContributionIn(Body):
    model_config = example(
        {"source": "trade_union", "amount_fen": 2000000, "reference": "TU-2023-01"}
    )
    source: ShortText
    amount_fen: Annotated[StrictInt, Field(ge=1, le=10**12)]
    reference: ShortText
    donor: UUID | None = None


class ApplicationIn(Body):
    model_config = example(
        {
            "year": 2023,
            "subject": "6f1c2a4e-8a0b-4c3d-9e1f-0a1b2c3d4e5f",
            "industry": "food_delivery",
            "hardship": "illness",
            "requested_tier": 2,
            "priority": False,
        }
    )
    year: Year
    subject: UUID
    industry: ShortText
    hardship: ShortText
    requested_tier: Annotated[StrictInt, Field(ge=1, le=9)]
    priority: StrictBool


class ReviewIn(Body):
    model_config = example({"approve": True, "reason": ""})
    approve: StrictBool
    reason: Annotated[str, Field(max_length=500)] = ""


class ApprovalIn(Body):
    model_config = example({"tier": 2})
    tier: Annotated[StrictInt, Field(ge=1, le=9)]


class ReasonIn(Body):
    model_config = example({"reason": "材料不全"})
    reason: Text


class DisbursementIn(Body):
    model_config = example({"reference": "BANK-TX-0001"})
    reference: ShortText


class FollowUpIn(Body):
    model_config = example(
        {"visited_on": "2023-07-01", "outcome": "stable", "note": "家中情况稳定"}
    )
    visited_on: Day
    outcome: ShortText
    note: Annotated[str, Field(min_length=1, max_length=2000)]


class RevocationIn(Body):
    model_config = example(
        {
            "violation": "rules",
            "reason": "虚报困难情况",
            "recover_fen": 80000,
            "discipline_referral": False,
            "judicial_referral": False,
            "accountable_organisation": "快递行业党委",
            "responsible": [],
        }
    )
    violation: ShortText
    reason: Text
    recover_fen: Fen
    discipline_referral: StrictBool
    judicial_referral: StrictBool
    accountable_organisation: ShortText
    responsible: Annotated[list[UUID], Field(max_length=20)] = []


class RecoveryIn(Body):
    model_config = example({"amount_fen": 80000, "reference": "REC-0001"})
    amount_fen: Annotated[StrictInt, Field(ge=1, le=10**12)]
    reference: ShortText


class AuditResultIn(Body):
    model_config = example(
        {
            "title": "2023年度关爱基金审计",
            "conclusion": "资金使用合规",
            "findings": ["台账完整"],
        }
    )
    title: Text
    conclusion: Text
    findings: Annotated[list[Text], Field(max_length=50)]
