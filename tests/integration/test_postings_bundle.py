"""gongshi-verify on a bundle holding 公示 postings and objections (issue 15): the care fund's
2023 posting (two objections, one about a disbursed application, answered on time and late,
closed) and Taihu's 2023 points posting (an objection waiting). Clean, it passes and its
``postings`` and ``objections`` lists recompute; with one record changed to break a rule of
verify/rules_postings.py — re-chained and re-signed by an operator holding the log's keys, so
that only the rule across records can catch it — it fails naming that rule alone
(docs/FORMAT.md §4 rules 69-75)."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.db import Database
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.posting.service import Postings
from ledger.principal import Scope
from ledger.settings import Settings
from projections.publish import write_published
from tests.integration.bundles import (
    DROP,
    ORIGIN,
    Keys,
    export_cosigned,
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    rechain,
    resign,
    rules,
    run_json,
    write_lines,
)
from tests.integration.helpers import UNION, YEAR
from tests.integration.points_helpers import ORGANISATION, cadre_book, points_ready
from tests.integration.posting_helpers import FUND, HOW, UNIT_NAME, at
from tests.integration.projection_helpers import projected
from tests.support.principals import enrol
from verify.canonical import canonical_bytes
from verify.schema import POSTING_NAMESPACE

Records = list[dict[str, Any]]
QIANSHAN_ORG = Actor("org-qs", Role.ORGANISATION_DEPARTMENT)
CONTACT = {"phone": "13900000000"}


def _history(ledger: Ledger, clock: SteppingClock) -> None:
    """After make_bundle's care fund: Taihu's scheme and a book; the fund's posting (1-10
    March, objection 1 on 2 March about an application answered on 5 March, objection 2 on
    3 March answered late on 11 March, closed that day); Taihu's points posting (28 December
    to 5 January, an objection about nothing in particular, waiting)."""
    enrol(ledger, QIANSHAN_ORG, scope=Scope(county="潜山市"))
    (application, *_) = ledger.app.streams_of("carefund.ApplicationSubmitted")
    cadre_book(points_ready(ledger, clock))  # 10 January
    postings = Postings(ledger)
    at(clock, date(2023, 3, 1))
    postings.open("carefund", FUND, YEAR, UNIT_NAME, date(2023, 3, 1), date(2023, 3, 10), HOW,
                  UNION)  # fmt: skip
    at(clock, date(2023, 3, 2))
    postings.submit("carefund", FUND, YEAR, CONTACT, "异议一", "eligibility", application)
    at(clock, date(2023, 3, 3))
    postings.submit("carefund", FUND, YEAR, CONTACT, "异议二", "procedure")
    at(clock, date(2023, 3, 5))
    postings.answer("carefund", FUND, YEAR, 1, "经核实符合条件", UNION)
    at(clock, date(2023, 3, 11))
    assert postings.answer("carefund", FUND, YEAR, 2, "已按规定公示", UNION) is True
    postings.close("carefund", FUND, YEAR, UNION)
    at(clock, date(2023, 12, 28))
    postings.open("points", "taihu", YEAR, "中共太湖县委组织部", date(2023, 12, 28),
                  date(2024, 1, 5), HOW, ORGANISATION)  # fmt: skip
    at(clock, date(2023, 12, 29))
    postings.submit("points", "taihu", YEAR, CONTACT, "积分异议", "score")


_BUILT: dict[str, tuple[Keys, Path]] = {}  # per backend: the clean bundle, built once


@pytest.fixture
def made(
    database: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[Keys, Path, Path]:
    backend = request.node.callspec.params["database"]
    if backend not in _BUILT:
        ledger: Ledger = request.getfixturevalue("ledger")
        settings: Settings = request.getfixturevalue("settings")
        clock: SteppingClock = request.getfixturevalue("clock")
        where = tmp_path / "built"
        keys, _ = make_bundle(ledger, settings, clock, where / "first" / "bundle")
        _history(ledger, clock)
        sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
        export_cosigned(ledger, settings, keys, where / "bundle")
        size = json.loads((where / "bundle" / "MANIFEST.json").read_text())["tree_size"]
        projections = projected(ledger, settings)
        try:
            write_published(projections, where / "bundle", size)
        finally:
            projections.close()
        _BUILT[backend] = keys, where
    keys, where = _BUILT[backend]
    shutil.copytree(where / "bundle", tmp_path / "bundle")
    shutil.copy(where / "pinned-policy", tmp_path / "pinned-policy")
    return keys, tmp_path / "bundle", tmp_path / "pinned-policy"


def _check(capsys: pytest.CaptureFixture[str], bundle: Path, pinned: Path) -> tuple[int, set[str]]:
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    return code, rules(report)


Change = dict[str, Any] | str | Callable[[dict[str, Any], Records, Records], None]


def forge(bundle: Path, keys: Keys, kind: str, nth: int, change: Change) -> None:
    """The ``nth`` record of type ``kind`` changed (dotted paths, DROP, or a function of the
    record, the records before it and the records after it), the later records of its
    streams re-chained, one checkpoint signed and cosigned over the lines."""
    shutil.rmtree(bundle / "published")  # the lists are the clean test's: rules alone here
    records = lines(bundle)
    parsed = [json.loads(line) for line in records]
    index = [i for i, r in enumerate(parsed) if r["type"] == kind][nth]
    if change == DROP:  # the stream's later versions renumbered (a careful forger)
        del records[index], parsed[index]
        for i, later in enumerate(parsed[index:], start=index):
            if later["stream"] == json.loads(lines(bundle)[index])["stream"]:
                later["version"] -= 1
                records[i] = canonical_bytes(later)
    else:
        record = parsed[index]
        if callable(change):
            change(record, parsed[:index], parsed[index + 1 :])
            records[index + 1 :] = [canonical_bytes(r) for r in parsed[index + 1 :]]
        else:
            assert isinstance(change, dict)
            for path, value in change.items():
                *parents, last = path.split(".")
                target = record
                for name in parents:
                    target = target[name]
                target[last] = value
        records[index] = canonical_bytes(record)
    write_lines(bundle, rechain(records, index))
    for old in (bundle / "checkpoints").iterdir():
        old.unlink()
    resign(bundle, keys)


def _a_year_without_scheme(record: dict[str, Any], before: Records, after: Records) -> None:
    """Taihu's points posting re-dated to 2024 (no scheme of 2024), its stream re-derived
    and every later record of it moved along."""
    old, record["data"]["year"] = record["stream"], 2024
    record["stream"] = str(uuid.uuid5(POSTING_NAMESPACE, "points/taihu/2024"))
    for later in after:
        if later["stream"] == old:
            later["stream"] = record["stream"]


def _the_book(record: dict[str, Any], before: Records, after: Records) -> None:
    (record["data"]["about"],) = (r["stream"] for r in before if r["type"] == "points.BookOpened")


def _a_worker(record: dict[str, Any], before: Records, after: Records) -> None:
    record["data"]["subject"] = next(
        r["stream"] for r in before
        if r["type"] == "subject.Registered" and r["data"]["kind"] == "worker"
    )  # fmt: skip


def test_clean_bundle_with_postings_and_objections_passes(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, bundle, pinned = made
    assert _check(capsys, bundle, pinned) == (0, set())
    published = (bundle / "published" / "objections.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in published[1:]]
    assert sorted((r["kind"], r["number"], r["status"], r["late"]) for r in rows) == [
        ("carefund", 1, "answered", False), ("carefund", 2, "answered", True),
        ("points", 1, "waiting", None),
    ]  # fmt: skip
    postings = [json.loads(x) for x in (bundle / "published" / "postings.jsonl").read_text()
                .splitlines()[1:]]  # fmt: skip
    assert sorted((p["kind"], p["status"], p["objections"], p["late"]) for p in postings) == [
        ("carefund", "closed", 2, 1), ("points", "open", 1, 0),
    ]  # fmt: skip


OPENED, RECEIVED = "posting.Opened", "posting.ObjectionReceived"
ANSWERED, CLOSED = "posting.ObjectionAnswered", "posting.Closed"
EARLY = {"at": "2023-02-28T02:00:00.000000Z", "data.answer_due": "2023-03-07"}
BY_ORG = {"actor.principal": "org-01", "actor.role": "organisation_department"}


@pytest.mark.parametrize(
    ("kind", "nth", "change", "rule"),
    [
        pytest.param(ANSWERED, 0, BY_ORG, "posting.unit", id="carefund-answer-by-organisation"),
        pytest.param(OPENED, 1, {"actor.principal": "org-qs"}, "posting.unit",
                     id="points-posting-by-another-county"),
        pytest.param(OPENED, 1, _a_year_without_scheme, "posting.opened",
                     id="points-year-without-scheme"),
        pytest.param(RECEIVED, 0, EARLY, "posting.period", id="objection-before-the-period"),
        pytest.param(RECEIVED, 0, {"data.answer_due": "2023-03-10"}, "posting.objection",
                     id="answer-due-a-day-later"),
        pytest.param(RECEIVED, 0, _the_book, "posting.objection", id="about-a-points-book"),
        pytest.param(RECEIVED, 1, _a_worker, "posting.objection", id="objector-a-worker"),
        pytest.param(ANSWERED, 1, {"data.late": False}, "posting.answer",
                     id="late-answer-marked-on-time"),
        pytest.param(ANSWERED, 0, DROP, "posting.unanswered", id="answer-dropped"),
        pytest.param(CLOSED, 0, {"data.objections": 1}, "posting.closed",
                     id="close-counts-one-objection"),
        pytest.param(CLOSED, 0, {"at": "2023-03-10T02:00:00.000000Z"}, "posting.closed",
                     id="closed-on-the-last-day"),
    ],
)  # fmt: skip
def test_a_forged_posting_record_fails_its_rule(
    made: tuple[Keys, Path, Path], capsys: pytest.CaptureFixture[str],
    kind: str, nth: int, change: Change, rule: str,
) -> None:  # fmt: skip
    keys, bundle, pinned = made
    forge(bundle, keys, kind, nth, change)
    code, found = _check(capsys, bundle, pinned)
    assert code != 0
    assert found == {rule}, found
