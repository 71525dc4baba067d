"""What the demo prints about points and supervision, read back from the store."""

from __future__ import annotations

from collections import Counter

from ledger.demo.supervision import DEMO_TODAY
from ledger.ledger import Ledger
from ledger.points.config import format_points
from ledger.points.ranking import bottom_share
from ledger.points.service import Points
from ledger.supervision.cadre_post import CadrePost
from ledger.supervision.case import Reason, Stage, SupervisionCase
from ledger.supervision.inspection import Inspection, Outcome
from ledger.supervision.project import KeyProject
from ledger.supervision.selection_inspection import SelectionInspection


def other_summary(ledger: Ledger) -> list[str]:
    """Lines on the points year, the supervision cases, the projects and the inspection."""
    app = ledger.app
    points = Points(ledger)
    books = points.books()
    scheme = points.scheme()
    categories = Counter(b.category for b in books)
    at_cap = sum(1 for b in books if b.bonus_remaining_tenths == 0)
    corrections = sum(len(b.corrected) for b in books)
    evaluations = sum(c == "evaluation" for b in books for c, _, _ in b.entries.values())
    share = scheme.bottom_share_percent
    bottom = {
        c: len(bottom_share({b.cadre: b.total_tenths for b in books if b.category == c}, share))
        for c in sorted(categories)
    }
    grades = Counter(b.grade for b in books)
    cases = [app.get(SupervisionCase, c) for c in app.streams_of(SupervisionCase.Opened.TOPIC)]
    ranking = [c for c in cases if c.reason == Reason.BOTTOM_RANKING]
    projects = [app.get(KeyProject, p) for p in app.streams_of(KeyProject.Registered.TOPIC)]
    inspections = [app.get(Inspection, i) for i in app.streams_of(Inspection.Opened.TOPIC)]
    lines = [
        f"Taihu {scheme.year} points (太湖县村干部积分制): {len(books):,} cadres "
        + ", ".join(f"{n} {scheme.categories[c]}" for c, n in sorted(categories.items()))
        + f"; {at_cap} with bonus at the {format_points(scheme.bonus_cap_tenths)}-point cap,"
        f" {corrections} corrections, {evaluations:,} 测评 entries",
        "  grades: " + ", ".join(f"{g} {n}" for g, n in sorted(grades.items())),
        "  bottom tenth per category: "
        + ", ".join(f"{scheme.categories[c]} {n}" for c, n in bottom.items())
        + f" -> {len(ranking)} supervision cases, "
        f"{sum(c.stage == Stage.CLOSED for c in ranking)} closed, "
        f"{sum(c.is_overdue(DEMO_TODAY) for c in ranking)} overdue on {DEMO_TODAY}",
        f"Yuexi key projects (岳西县组织工作十大重点项目): {len(projects)} projects, "
        f"{sum(len(p.items) for p in projects)} checklist items, "
        f"{sum(len(p.verified) for p in projects)} verified (盘点销号), "
        f"{sum(len(p.escalated) for p in projects)} overdue items escalated to listed supervision"
        f" ({sum(len(p.escalated.keys() & p.verified) for p in projects)} since verified,"
        " their cases closed)",
    ]
    for inspection in inspections:
        outcomes = inspection.outcome_counts()
        lines.append(
            f"Wangjiang inspection (望江县政治素质考察): {len(inspection.examined)} cadres examined"
            f" across {len(inspection.branches)} party branches;"
            f" {outcomes[Outcome.NON_LEADING_POST]} moved to non-leading posts for observation,"
            f" {outcomes[Outcome.PROMOTION_DEFERRED]} promotion deferred,"
            f" {outcomes[Outcome.REMINDER]} reminders"
        )
    posts = [app.get(CadrePost, p) for p in app.streams_of(CadrePost.Assigned.TOPIC)]
    if posts:
        lines.append(
            f"  posts: {sum(p.leading for p in posts)} leading of {len(posts)};"
            f" observation periods under way {sum(bool(p.observing_until) for p in posts)},"
            f" reviewed at their end {sum(p.reviewed for p in posts)}"
        )
    specials = [
        app.get(SelectionInspection, i) for i in app.streams_of(SelectionInspection.Opened.TOPIC)
    ]
    for special in specials:
        lines.append(
            f"Wangjiang special inspection of cadre selection (选人用人专项检查):"
            f" {sum(special.visited.values())} unit visits, {special.findings} findings,"
            f" {special.talks} talks with unit heads (约谈人次)"
        )
    return lines
