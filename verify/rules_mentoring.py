"""以老带新 mentoring pairs, the rules across records (docs/FORMAT.md §4, ``mentoring.*``):
"由11名老组工与22名年轻干部结成帮带对子" — a pair of two cadres enrolled in the programme (a
mentee in one unended pair at a time), the mentor's and the mentee's quarterly notes, the end.
The programme, its cadres and the accounts' holders are the routine assessment's
(verify/rules_assessment.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from verify.failure import Failure, Handler
from verify.quarters import quarter_of, quarter_start
from verify.record import Record
from verify.rules_assessment import AssessmentRules, named

PAIR, NOTE, ENDED = "mentoring.pair", "mentoring.note", "mentoring.ended"


@dataclass
class _Pair:
    programme: str
    mentor: str
    mentee: str
    started_on: str
    year: int
    ended: str = ""  # the end's record (named; "" while the pair lasts)
    notes: dict[tuple[int, str], str] = field(default_factory=dict)  # (quarter, side) -> record


@dataclass
class MentoringRules:
    """The mentoring pairs of the routine assessment's programmes (``assessment``: its
    programmes, the accounts' holders, the business date; ``assessment.account`` first)."""

    assessment: AssessmentRules
    pairs: dict[str, _Pair] = field(default_factory=dict)
    mentored: dict[tuple[str, str], str] = field(default_factory=dict)  # unended pair

    def handlers(self) -> dict[str, Handler]:
        held = self.assessment.held
        return {
            "mentoring.PairStarted": held(self._started),
            "mentoring.NoteRecorded": held(self._note),
            "mentoring.PairEnded": held(self._ended),
        }

    def _started(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        if (programme := self.assessment.programmes.get(d["programme"])) is None:
            return []  # reported by the stream check
        mentor, mentee = d["mentor"], d["mentee"]
        self.pairs[r.stream] = _Pair(d["programme"], mentor, mentee, d["started_on"], d["year"])
        found, message = self.assessment.place(r, where, programme), f"pair {r.stream}"
        today = self.assessment.today(r).isoformat()
        problem = None
        if mentor == mentee:
            problem = "a mentor other than the mentee", mentor
        elif not {mentor, mentee} <= programme.enrolled:
            shown = " ".join(c for c in (mentor, mentee) if c not in programme.enrolled)
            problem = "mentor and mentee enrolled in the programme", shown
        elif (other := self.mentored.get((d["programme"], mentee))) is not None:
            problem = "a mentee without an unended pair", f"pair {other}"
        elif d["year"] != programme.year or int(d["started_on"][:4]) != programme.year:
            problem = f"year {programme.year}", f"year {d['year']} started {d['started_on']}"
        elif d["started_on"] > today:
            problem = f"started on or before {today}", d["started_on"]
        self.mentored[(d["programme"], mentee)] = r.stream
        if problem is not None:
            found.append(Failure(where, PAIR, message, *problem))
        return found

    def _note(self, r: Record, where: str) -> list[Failure]:
        """The mentor's and the mentee's quarterly notes, each by its own account, once per
        quarter, from the quarter the pair started and once the quarter has begun, while the
        pair lasts."""
        if (pair := self.pairs.get(r.stream)) is None:
            return []
        d = r.data
        quarter, side = d["quarter"], d["side"]
        cadre = pair.mentor if side == "mentor" else pair.mentee
        first = quarter_of(date.fromisoformat(pair.started_on))
        problem = None
        if pair.ended:
            problem = "a note while the pair lasts", f"after mentoring.PairEnded at {pair.ended}"
        elif not self.assessment.linked(r.principal, cadre):
            problem = f"the {side}'s own account (linked to {cadre})", r.principal
        elif (earlier := pair.notes.get((quarter, side))) is not None:
            problem = f"one {side} note for Q{quarter}", f"a second; the first at {earlier}"
        elif quarter < first:
            problem = f"a quarter from Q{first} (started {pair.started_on})", f"Q{quarter}"
        elif (today := self.assessment.today(r)) < (begun := quarter_start(pair.year, quarter)):
            problem = f"on or after {begun}, when Q{quarter} begins", today.isoformat()
        pair.notes.setdefault((quarter, side), named(where, r))
        if problem is None:
            return []
        return [Failure(where, NOTE, f"pair {r.stream}: Q{quarter} {side} note", *problem)]

    def _ended(self, r: Record, where: str) -> list[Failure]:
        if (pair := self.pairs.get(r.stream)) is None:
            return []
        ended_on, today = r.data["ended_on"], self.assessment.today(r).isoformat()
        problem = None
        if pair.ended:
            problem = "ended once", f"ended again; first at {pair.ended}"
        elif not pair.started_on <= ended_on <= today:
            problem = f"ended on {pair.started_on}..{today}", ended_on
        pair.ended = pair.ended or named(where, r)
        if self.mentored.get((pair.programme, pair.mentee)) == r.stream:
            del self.mentored[(pair.programme, pair.mentee)]
        if problem is None:
            return []
        return [Failure(where, ENDED, f"pair {r.stream} ended", *problem)]
