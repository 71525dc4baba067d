"""The principal registry through the service (ledger/principal.py): enrolment, bootstrap,
role changes with history, subject links, and the rules every record keeps (principal.role,
principal.scope, principal.own_book), each refused with nothing
stored. Each test fails if its check is removed."""

from __future__ import annotations

from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.carefund.config import Hardship, Industry
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope, principal_id
from tests.integration.helpers import FINANCE, INTAKE, IPC, UNION, funded, rejected, subject
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, cadre_book, points_ready
from tests.support.principals import ADMIN, enrol, enrolled

STRANGER = Actor("stranger-01", Role.INTAKE)


@pytest.fixture(autouse=True)
def enforced(ledger: Ledger) -> None:
    ledger.app.enforce_principals = True


@pytest.fixture
def registry(ledger: Ledger) -> Principals:
    enrolled(ledger)
    return Principals(ledger)


@pytest.mark.registry("empty")
def test_the_first_admin_enrols_itself_once_and_then_only_admins_enrol(ledger: Ledger) -> None:
    registry = Principals(ledger)
    rejected(ledger, "principal.role",
             lambda: registry.enrol("x-01", Role.INTAKE, Scope(), ADMIN))  # fmt: skip
    stream = registry.enrol("root", Role.ADMIN, Scope(), Actor("root", Role.ADMIN))
    assert stream == principal_id("root")
    rejected(
        ledger,
        "principal.role",
        lambda: registry.enrol("root2", Role.ADMIN, Scope(), Actor("root2", Role.ADMIN)),
    )
    rejected(ledger, "principal.enrolled", lambda: registry.bootstrap("root2"), "not empty")
    rejected(ledger, "role", lambda: registry.enrol("x-01", Role.INTAKE, Scope(), INTAKE))
    rejected(
        ledger,
        "principal.account",  # an account id, never a person's name
        lambda: registry.enrol("张三", Role.INTAKE, Scope(), Actor("root", Role.ADMIN)),
    )
    registry.enrol("x-01", Role.INTAKE, Scope(), Actor("root", Role.ADMIN))
    rejected(
        ledger,
        "principal.enrolled",
        lambda: registry.enrol("x-01", Role.AUDIT, Scope(), Actor("root", Role.ADMIN)),
    )
    assert [p.account for p in registry.listed()] == ["root", "x-01"]


def test_a_record_by_a_principal_never_enrolled_is_refused(registry: Principals) -> None:
    ledger = registry.ledger
    rejected(ledger, "principal.role",
             lambda: ledger.register_subject({"name": "甲"}, "worker", STRANGER))  # fmt: skip


def test_a_role_change_is_an_event_and_the_old_role_no_longer_acts(registry: Principals) -> None:
    ledger = registry.ledger
    rejected(ledger, "principal.reason", lambda: registry.change_role(
        "intake-01", Role.AUDIT, Scope(), " ", ADMIN))  # fmt: skip
    rejected(ledger, "principal.reason", lambda: registry.change_role(
        "intake-01", Role.INTAKE, Scope(), "same desk", ADMIN), "already holds")  # fmt: skip
    registry.change_role("intake-01", Role.AUDIT, Scope(), "moved to the audit office", ADMIN)
    assert registry.get("intake-01").roles_held == ["intake", "audit"]
    rejected(ledger, "principal.role",
             lambda: ledger.register_subject({"name": "甲"}, "worker", INTAKE))  # fmt: skip


def test_a_role_is_given_the_scope_it_needs_and_no_other(registry: Principals) -> None:
    ledger = registry.ledger
    rejected(
        ledger,
        "principal.scope",
        lambda: registry.enrol(
            "vc-02", Role.VILLAGE_COMMITTEE, Scope(county="taihu", township="th01"), ADMIN
        ),
    )
    rejected(ledger, "principal.scope", lambda: registry.enrol(
        "fin-09", Role.FINANCE, Scope(county="taihu"), ADMIN))  # fmt: skip
    blank = Scope(county=" ")  # a scope value is a name: not blank, nor space-led
    rejected(ledger, "principal.scope", lambda: registry.enrol(
        "org-09", Role.ORGANISATION_DEPARTMENT, blank, ADMIN))  # fmt: skip


def test_a_village_committee_writes_only_its_own_villages_books(
    registry: Principals, clock: SteppingClock
) -> None:
    ledger = registry.ledger
    points = points_ready(ledger, clock)
    other = Actor("vc-02", Role.VILLAGE_COMMITTEE)
    enrol(ledger, other, scope=Scope(county="taihu", township="th01", village="晋熙镇02村"))
    cadre = ledger.register_subject({"name": "乙"}, "cadre", TOWNSHIP)
    rejected(ledger, "principal.scope", lambda: points.open_book(
        cadre, "th01", "晋熙镇01村", "principal", other))  # fmt: skip
    points.open_book(cadre, "th01", "晋熙镇01村", "principal", VILLAGE)


def test_an_industry_party_committee_reviews_only_its_industrys_applications(
    registry: Principals,
) -> None:
    ledger = registry.ledger
    fund = funded(ledger)
    food = Actor("ipc-food-01", Role.INDUSTRY_PARTY_COMMITTEE)
    enrol(ledger, food, scope=Scope(industry="food_delivery"))
    case = fund.submit(year=2023, subject=subject(ledger), industry=Industry.EXPRESS_DELIVERY,
                       hardship=Hardship.ILLNESS, requested_tier=1, priority=False,
                       actor=INTAKE)  # fmt: skip
    rejected(ledger, "principal.scope", lambda: fund.review(case, True, "", food))


def test_no_principal_enters_in_its_own_book(registry: Principals, clock: SteppingClock) -> None:
    ledger = registry.ledger
    points = points_ready(ledger, clock)
    book = cadre_book(points)
    cadre = UUID(points.book(book).cadre)
    registry.link_subject("tpc-01", cadre, ADMIN)
    assert registry.get("tpc-01").subjects == [str(cadre)]
    rejected(ledger, "principal.linked", lambda: registry.link_subject("tpc-01", cadre, ADMIN))
    rejected(
        ledger,
        "principal.own_book",
        lambda: points.enter(
            book, quarter=1, component="bonus", points_tenths=10, reason="r", actor=TOWNSHIP
        ),
    )


def test_submitter_reviewer_approver_and_payer_are_four_principals(
    registry: Principals,
) -> None:
    """ "个人申请-所属行业党务审核-市总工会审批": an account that took one step of an
    application takes no other, in whatever role it holds by then."""
    ledger = registry.ledger
    fund = funded(ledger)
    case = fund.submit(year=2023, subject=subject(ledger), industry=Industry.EXPRESS_DELIVERY,
                       hardship=Hardship.ILLNESS, requested_tier=1, priority=False,
                       actor=INTAKE)  # fmt: skip
    registry.change_role("intake-01", Role.INDUSTRY_PARTY_COMMITTEE,
                         Scope(industry="express_delivery"), "调任快递行业党委", ADMIN)  # fmt: skip
    as_reviewer = Actor("intake-01", Role.INDUSTRY_PARTY_COMMITTEE)
    rejected(ledger, "carefund.separation_of_duties",
             lambda: fund.review(case, True, "", as_reviewer), match="submitted")  # fmt: skip
    fund.review(case, True, "", IPC)
    fund.approve(case, 1, UNION)
    registry.change_role("ipc-01", Role.FINANCE, Scope(), "调任财政", ADMIN)
    rejected(ledger, "carefund.separation_of_duties", lambda: fund.disburse(
        case, "TX", Actor("ipc-01", Role.FINANCE)), match="reviewed")  # fmt: skip
    fund.disburse(case, "TX", FINANCE)
