"""The ``Location`` of a write whose answer is rebuilt from its records (api/idempotency.py:
the process died between the write and storing its answer), so that the rebuilt answer
names the resource as the first one did.

A write route names the resource it made or changed (``api.evidence.written``'s
``location``: a path the API answers GET on); its key's row keeps the records the write saved,
in save order, not the location. The location is derived from them: the write's own stream
is the first saved stream that is not a subject's (a write that registers a person first —
an objector, an applicant — saves the subject before the record it was for; a subject's own
writes save only its stream), and its path follows from that stream's opening record as the
routes build it (api/resources.py; a posting's public read; an allocation register's book).
A stream of any other aggregate (principals, inspections, assessment records …) has no
location, as those routes give none: None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from api.resources import (
    application_path,
    book_path,
    case_path,
    fund_year_path,
    plan_path,
    project_path,
    scheme_path,
    subject_path,
)
from ledger.ledger import Ledger
from ledger.mapper import unpack_state

Data = dict[str, Any]
# opening record type -> path of (stream, opening data, data of the write's records there)
LOCATORS: dict[str, Callable[[str, Data, list[Data]], str | None]] = {
    "carefund.FundYearOpened": lambda s, d, _: fund_year_path(d["year"]),
    "carefund.ApplicationSubmitted": lambda s, d, _: application_path(s),
    "subject.Registered": lambda s, d, _: subject_path(s),
    "points.SchemeOpened": lambda s, d, _: scheme_path(d["county"], d["year"]),
    "points.TaskPlanSet": lambda s, d, _: plan_path(d["county"], d["year"], d["township"]),
    "points.BookOpened": lambda s, d, _: book_path(d["county"], d["year"], s),
    "points.AllocationRegisterOpened": lambda s, d, saved: next(
        (book_path(d["county"], d["year"], r["book"]) for r in saved if "book" in r), None
    ),
    "supervision.CaseOpened": lambda s, d, _: case_path(s),
    "keyproject.Registered": lambda s, d, _: project_path(s),
    "posting.Opened": lambda s, d, _: (
        f"/api/v1/public/postings/{d['kind']}/{d['scope']}/{d['year']}"
    ),
    "imports.BatchImported": lambda s, d, _: f"/api/v1/imports/batches/{s}",
}


def _record(ledger: Ledger, stream: str, version: int) -> Data:
    (stored,) = ledger.app.recorder.select_events(UUID(stream), gt=version - 1, lte=version)
    found: Data = json.loads(unpack_state(stored.state)[1])
    return found


def rebuilt_location(ledger: Ledger, saved: Sequence[tuple[str, int]]) -> str | None:
    """The location of the write that saved ``saved`` ((stream, version) in save order):
    from its own stream (the first that is not a subject's, else the subject's), None for
    a stream whose routes give none."""
    streams = list(dict.fromkeys(str(stream) for stream, _ in saved))
    if not streams:
        return None
    opened = {s: _record(ledger, s, 1) for s in streams}
    own = next((s for s in streams if opened[s]["type"] != "subject.Registered"), streams[0])
    locate = LOCATORS.get(opened[own]["type"])
    if locate is None:
        return None
    data = [_record(ledger, s, v)["data"] for s, v in saved if str(s) == own]
    return locate(own, opened[own]["data"], data)
