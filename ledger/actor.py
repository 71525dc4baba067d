"""Who records what: a principal acting in one role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ledger.errors import RuleViolation

PRINCIPAL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class Role(StrEnum):
    INTAKE = "intake"
    INDUSTRY_PARTY_COMMITTEE = "industry_party_committee"
    TRADE_UNION = "trade_union"
    FINANCE = "finance"
    AUDIT = "audit"
    SUPERVISION = "supervision"
    TOWNSHIP_PARTY_COMMITTEE = "township_party_committee"
    VILLAGE_COMMITTEE = "village_committee"
    ORGANISATION_DEPARTMENT = "organisation_department"
    PARTY_BUILDING_INSTRUCTOR = "party_building_instructor"
    ASSESSMENT_LEADER = "assessment_leader"  # 评鉴, 点评, the annual grade (issue 14)
    DEPARTMENT_CADRE = "department_cadre"  # an organisation-department cadre's own account
    DATA_PROTECTION = "data_protection"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """A principal id (an account name, never a person's name) and the role it acts in."""

    principal: str
    role: Role

    def __post_init__(self) -> None:
        if not PRINCIPAL_PATTERN.fullmatch(self.principal):
            raise ValueError(f"principal {self.principal!r} must match {PRINCIPAL_PATTERN.pattern}")
        if not isinstance(self.role, Role):
            object.__setattr__(self, "role", Role(self.role))

    def require(self, *roles: Role) -> None:
        """Raise RuleViolation("role") unless this actor holds one of ``roles``."""
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise RuleViolation(
                "role", f"role {self.role.value} may not do this; allowed: {allowed}"
            )
