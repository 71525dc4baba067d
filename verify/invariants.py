"""Rules across records an auditor recomputes from the records alone (docs/FORMAT.md §4,
"Rules across records"), checked after every record: at every prefix of the log, not only
at its end, so a rule broken and later made good again is still reported where it broke.

One object per domain holds that domain's running state and checks (one module each):
- streams: each record in a stream of its type's aggregate; references to earlier streams
  (verify/streams.py);
- care fund (verify/rules_carefund.py): money per fund year, the steps of an application;
- points (verify/rules_points.py): bonus cap, entry numbering, corrections, pay; the
  year-end close (YearCloseRules: snapshot, closed year, grades);
- supervision cases (verify/rules_supervision.py CaseRules): bottom cases by the close, steps
  in order and by the right hands;
- principals (verify/rules_principals.py): every record's actor enrolled, in its current role
  and scope, never in its own book; checked on every record, whatever its type;
- subjects (verify/rules_subjects.py): an erasure only after an approval by a different
  principal, and never while the subject has an open case or application (PIPL art. 47).

Key projects, the special inspection of cadre selection and cadres' posts
(verify/rules_supervision.py ProjectRules): amendments, verification by the lead, an
overdue case closed with its item, findings and talks, observation periods.

The routine assessment of a county organisation department's own cadres
(verify/rules_assessment.py AssessmentRules): the quarterly loop in order and by the right
hands, the annual grade, the accounts' holders; its lectures (verify/rules_lectures.py),
mentoring pairs (verify/rules_mentoring.py) and training classes (verify/rules_training.py).

公示 postings and the objections received during them (verify/rules_postings.py): opened by
the responsible unit, objections in the period, answered once, closed after the period with
every objection answered.

Fed one record at a time; state is per stream (and per book entry: 12 bytes, see _Book), so
memory grows with streams and score entries, not with other records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from verify.days import DEFAULT_TIMEZONE, zone_named
from verify.failure import Failure, Handler
from verify.record import Record
from verify.rules_assessment import AssessmentRules
from verify.rules_carefund import CareFundRules
from verify.rules_imports import ImportRules
from verify.rules_lectures import LectureRules
from verify.rules_mentoring import MentoringRules
from verify.rules_points import PointsRules, YearCloseRules
from verify.rules_postings import PostingRules
from verify.rules_principals import PrincipalRules
from verify.rules_records import entry_size
from verify.rules_subjects import SubjectRules
from verify.rules_supervision import CaseRules, ProjectRules
from verify.rules_training import TrainingRules
from verify.streams import StreamCheck


@dataclass
class Invariants:
    streams: StreamCheck = field(default_factory=StreamCheck)
    carefund: CareFundRules = field(default_factory=CareFundRules)
    points: PointsRules = field(default_factory=PointsRules)
    year_close: YearCloseRules = field(default_factory=YearCloseRules)
    cases: CaseRules = field(default_factory=CaseRules)
    projects: ProjectRules = field(default_factory=ProjectRules)
    principals: PrincipalRules = field(default_factory=PrincipalRules)
    subjects: SubjectRules = field(default_factory=SubjectRules)
    assessment: AssessmentRules = field(default_factory=AssessmentRules)
    lectures: LectureRules = field(init=False)  # of the assessment's programmes
    mentoring: MentoringRules = field(init=False)  # of the assessment's programmes
    training: TrainingRules = field(default_factory=TrainingRules)
    imports: ImportRules = field(default_factory=ImportRules)  # spreadsheet batches
    postings: PostingRules = field(default_factory=PostingRules)  # 公示 and objections
    checked: int = 0
    # The business timezone (the bundle's MANIFEST.json ``timezone``): a rule comparing a
    # business date with a record's ``at`` takes the date of ``at`` in it
    # (verify/days.py business_date). A domain object with a ``zone`` member is given it.
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))
    _handlers: dict[str, list[Handler]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.cases.registry = self.principals  # supervision.hands: the hands' scope
        self.assessment.registry = self.principals  # assessment.*: accounts linked to cadres
        self.postings.registry = self.principals  # posting.unit: a points unit's county
        self.lectures = LectureRules(self.assessment)
        self.mentoring = MentoringRules(self.assessment)
        owners = (self.carefund, self.points, self.projects, self.cases, self.subjects,
                  self.assessment, self.postings)  # fmt: skip
        for owner in owners:
            if hasattr(owner, "zone"):
                owner.zone = self.zone
        for domain in (
            self.carefund, self.points, self.year_close, self.cases, self.projects, self.subjects,
            self.assessment, self.lectures, self.mentoring, self.training, self.postings,
            self.imports,
        ):  # fmt: skip
            for record_type, handler in domain.handlers().items():
                self._handlers.setdefault(record_type, []).append(handler)

    def add(self, record: Record, where: str) -> list[Failure]:
        """Apply one record (well-formed, §4); returns the rules it breaks, with evidence."""
        found = self.streams.add(record, where)
        found += entry_size(record, where)  # any record, whatever its type
        found += self.cases.every(record, where)  # a close's commit holds its bottom cases
        found += self.projects.every(record, where)  # a verification's commit closes its case
        found += self.carefund.every(record, where)  # a pair's two records: one commit
        found += self.principals.add(record, where, record.version == 1)
        handlers = self._handlers.get(record.type)
        if handlers:
            self.checked += 1
            for handler in handlers:
                found += handler(record, where)
        return found

    def end(self) -> list[Failure]:
        """After the last record: what was still waiting for its other half."""
        return self.carefund.end() + self.imports.end() + self.year_close.end()
