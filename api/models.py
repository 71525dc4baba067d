"""Request bodies: unknown members are refused, strings are bounded, numbers are integers
(money in integer fen: a JSON float is refused, never rounded). Integers in paths are ASCII
digits only ("2024", never "2024.0", "+2024", " 2024" or "２０２４")."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from ledger.carefund.config import MAX_TIER

ASCII_DIGITS = re.compile(r"[0-9]{1,18}")  # not \d: that matches every Unicode digit


def ascii_digits(value: object) -> object:
    """A path segment as an integer is ASCII digits only (pydantic alone would take "2024.0"
    or a full-width "２０２４" as 2024); the range is the parameter's own check."""
    if isinstance(value, str) and not ASCII_DIGITS.fullmatch(value):
        raise ValueError("an integer in the path is written with the ASCII digits 0-9 only")
    return value


YearPath = Annotated[int, BeforeValidator(ascii_digits), Path(ge=2000, le=2100)]

Text = Annotated[str, Field(min_length=1, max_length=500)]
ShortText = Annotated[str, Field(min_length=1, max_length=100)]
Fen = Annotated[StrictInt, Field(ge=0, le=10**12, description="an amount in integer fen")]
Day = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="YYYY-MM-DD")]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def example(body: dict[str, Any]) -> ConfigDict:
    """A request body's config: unknown members refused, ``body`` as its OpenAPI example."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [body]})


class Evidence(BaseModel):
    """A record this write saved (from the save itself): keep it as evidence of the write."""

    stream: UUID
    version: int
    record_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    leaf_index: int | None = Field(
        description="the record's leaf in the log; null while leaf_pending"
    )
    leaf_pending: bool = Field(
        default=False,
        description="true: the record is stored, but the log could not be read when answering"
        " (it becomes a leaf when the log next integrates); the write succeeded, don't repeat it",
    )


class Written(BaseModel):
    evidence: Evidence = Field(description="the caller's record on the stream it named or made")
    records: list[Evidence] = Field(
        default_factory=list, description="every record this request saved, in save order"
    )
    result: dict[str, Any] = Field(
        default_factory=dict,
        description="the command's result: a new resource's id under its name (application,"
        " subject, book, case, project, …), amounts, counts",
    )
    location: str | None = Field(
        default=None,
        description="the path of the resource this write made or changed (also the Location"
        " header); GET it to read the resource",
    )


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
    kind: Annotated[
        str, Field(pattern=r"^(worker|responsible_person|donor|cadre|unit_head|department_cadre)$")
    ]
    personal: PersonalData


class ErasureIn(Body):
    model_config = example({"reason": "本人申请删除"})
    reason: Text


Count = Annotated[StrictInt, Field(ge=-(10**12), le=10**12)]  # its rule: the domain's (409)
TierNumber = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,5}$")]  # a tiers_fen key: 1..MAX_TIER
# a requested or approved tier: any tier a fund year can have (one limit with tiers_fen's keys);
# a tier the year does not have is the domain's refusal (409 carefund.tier)
Tier = Annotated[StrictInt, Field(ge=1, le=MAX_TIER)]


class YearIn(Body):
    """A fund year and its parameters, set by finance when the year opens; each left out
    (or null) is the fund's default (the seed's: 50,000 yuan, tiers 500 / 800 / 1,500 yuan,
    posted 30 days, visits every 90 days for a year). Values outside the rules: 409
    ``carefund.year_params``."""

    model_config = example({
        "year": 2023, "budget_fen": 5000000, "tiers_fen": {"1": 50000, "2": 80000, "3": 150000},
        "posting_days": 30, "first_follow_up_days": 90, "follow_up_interval_days": 90,
        "follow_ups": 4,
    })  # fmt: skip
    year: Year
    budget_fen: Count | None = None
    tiers_fen: dict[TierNumber, Count] | None = None
    posting_days: Count | None = Field(None, description="the posting window (公示期) in days")
    first_follow_up_days: Count | None = None
    follow_up_interval_days: Count | None = None
    follow_ups: Count | None = Field(None, description="how many follow-up visits per grant")

    def params(self) -> dict[str, object]:
        """The parameters given, for CareFund.open_year (tiers keyed by tier number)."""
        given = self.model_dump(exclude={"year"}, exclude_none=True)
        if "tiers_fen" in given:
            given["tiers_fen"] = {int(tier): fen for tier, fen in given["tiers_fen"].items()}
        return given


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
    requested_tier: Tier
    priority: StrictBool


class ReviewIn(Body):
    model_config = example({"approve": True, "reason": ""})
    approve: StrictBool
    reason: Annotated[str, Field(max_length=500)] = ""


class ApprovalIn(Body):
    model_config = example({"tier": 2})
    tier: Tier


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
