"""The record schema of docs/FORMAT.md §4 (verify/schema.py): held to the ledger's event
classes and to FORMAT.md itself, and every kind of rejection, each named after what is wrong
with the record and each failing if its check is removed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ledger
from ledger.chained import LedgerAggregate
from tests.support.format_cells import cell_members, spec_shape
from tests.support.records import Log, enrolled, sid
from tests.unit.test_verify_published import verified, write_bundle
from verify.record import GENESIS_PREV, RecordError, encode_record, parse_record
from verify.schema import EVENTS, ROLES
from verify.spec import MAX, OrNull, Spec, integer, one_of

FORMAT_MD = Path(__file__).resolve().parents[2] / "docs" / "FORMAT.md"
ROLE_GROUPS = {
    "*subject roles*": "intake finance supervision township_party_committee village_committee"
    " organisation_department",
    "*points roles*": "township_party_committee village_committee",
    "*supervision roles*": "supervision township_party_committee",
    "*case roles*": "supervision township_party_committee organisation_department",
}


def event_classes() -> dict[str, type[LedgerAggregate.Event]]:
    """Every event class of ledger/ by its TOPIC (every module imported first)."""
    for module in pkgutil.walk_packages(ledger.__path__, "ledger."):
        importlib.import_module(module.name)

    def below(cls: type) -> Iterator[type]:
        sub: type
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {
        cls.__dict__["TOPIC"]: cls
        for cls in below(LedgerAggregate.Event)
        if "TOPIC" in cls.__dict__
    }


def test_every_event_class_of_the_ledger_has_a_schema_entry_with_its_members() -> None:
    classes = event_classes()
    assert sorted(classes) == sorted(EVENTS)
    for topic, cls in classes.items():
        annotations: dict[str, Any] = inspect.get_annotations(cls)
        members = {name for name in annotations if name != "TOPIC"}
        assert members == set(EVENTS[topic].data.members), topic
        creates = issubclass(cls, LedgerAggregate.Created)
        assert EVENTS[topic].creates is creates, topic
        for name, annotation in annotations.items():
            if name != "TOPIC":  # "X | None" in the class is exactly "or null" in §4
                takes_null = EVENTS[topic].data.members[name].find(None, name) is None
                assert takes_null == ("None" in str(annotation)), (topic, name)


def section_4() -> str:
    text = FORMAT_MD.read_text(encoding="utf-8")
    return text[text.index("## 4. Record types") : text.index("## 5. ")]


def table_rows() -> dict[str, list[str]]:
    """FORMAT.md §4's table rows by type: [stream, roles, data] cells."""
    rows = {}
    for line in section_4().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if len(cells) == 4 and re.fullmatch(r"`[a-z]+\.[A-Z]\w+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_format_md_section_4_has_every_type_its_roles_stream_and_members() -> None:
    """Each row of §4 against verify/schema.py: stream, roles, and every `data` member with
    its JSON type and range (the cell and the Spec read into one normal form:
    tests/support/format_cells.py), so a type or range changed on one side only fails."""
    rows = table_rows()
    assert sorted(rows) == sorted(EVENTS)
    for topic, (stream, roles, data) in rows.items():
        spec = EVENTS[topic]
        assert stream.startswith("**new**") is spec.creates, topic
        named = ROLE_GROUPS.get(roles, roles.replace(",", " ")).split()
        assert set(named) == spec.roles and spec.roles <= ROLES, topic
        documented = cell_members(data)
        assert sorted(documented) == sorted(spec.data.members), topic
        for member, member_spec in spec.data.members.items():
            assert documented[member] == spec_shape(member_spec), (topic, member)


@pytest.mark.parametrize(
    ("cell", "shape"),
    [
        ("`a` *int 1..4*; `b` *fen*", {"a": ("int", 1, 4), "b": ("int", 1, MAX)}),
        ("`a` *int −MAX..MAX*", {"a": ("int", -MAX, MAX)}),
        ("`a` *code* or `null`; `b` *id* (a subject) or `null`",
         {"a": ("null-or", ("code",)), "b": ("null-or", ("id",))}),
        ("`a` `x` (甲) \\| `y`; `b` [{`c` *date*, `d` *string*}]",
         {"a": ("one of", frozenset("xy")),
          "b": ("array", ("object", (("c", ("date",)), ("d", ("string",)))))}),
        ("`a` {`x`, `y`: *int 0..100*}; `b` *string* `^[a-z]{2}$` (two letters)",
         {"a": ("object", (("x", ("int", 0, 100)), ("y", ("int", 0, 100)))),
          "b": ("pattern", "[a-z]{2}")}),
    ],
)  # fmt: skip
def test_format_md_cells_are_read_into_their_normal_form(
    cell: str, shape: dict[str, tuple[Any, ...]]
) -> None:
    """The reader the test above relies on, on cells whose reading is known."""
    assert cell_members(cell) == shape


@pytest.mark.parametrize(
    ("drift", "old", "new"),
    [
        ("a range in FORMAT.md", "`quarter` *int 1..4*; `component`",
         "`quarter` *int 0..4*; `component`"),
        ("a type in FORMAT.md", "`donor` *id* (a subject)", "`donor` *string* (a subject)"),
        ("a value in FORMAT.md", "`decision` `approve` \\| `reject`",
         "`decision` `approve` \\| `refuse`"),
        ("null in FORMAT.md", "`task` *code* or `null`", "`task` *code*"),
    ],
)  # fmt: skip
def test_format_md_type_or_range_drifted_from_the_schema_is_caught(
    drift: str, old: str, new: str
) -> None:
    """One cell of §4 changed (as a careless edit would): its normal form is no longer the
    schema's."""
    rows = table_rows()
    [(topic, cells)] = [(t, c) for t, c in rows.items() if old in c[2]]
    before, after = cell_members(cells[2]), cell_members(cells[2].replace(old, new))
    spec = EVENTS[topic].data.members
    assert before == {m: spec_shape(s) for m, s in spec.items()}, drift
    assert after != before, drift


def test_schema_range_drifted_from_format_md_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side: a Spec's range changed in verify/schema.py only."""
    members = EVENTS["carefund.GrantCommitted"].data.members
    documented = cell_members(table_rows()["carefund.GrantCommitted"][2])
    assert documented["tier"] == spec_shape(members["tier"])
    monkeypatch.setitem(members, "tier", integer(0))
    assert documented["tier"] != spec_shape(members["tier"])


def record(kind: str, data: dict[str, Any], **change: Any) -> dict[str, Any]:
    """A record of ``kind`` in a fresh random stream, version 2 unless ``kind`` opens one."""
    creates = EVENTS[kind].creates
    value = {
        "stream": sid("stream"), "version": 1 if creates else 2, "type": kind,
        "at": "2023-03-01T08:00:00.000000Z",
        "actor": {"principal": "p-01", "role": sorted(EVENTS[kind].roles)[0]},
        "data": data, "prev": GENESIS_PREV if creates else "ab" * 32,
    }  # fmt: skip
    return value | change


GRANT = {"amount_fen": 80_000, "reference": "TX", "disbursed_on": "2023-03-01",
         "follow_up_due": "2023-05-30"}  # fmt: skip


def rejected(value: dict[str, Any]) -> RecordError:
    with pytest.raises(RecordError) as refused:
        parse_record(encode_record(value))
    return refused.value


def test_a_record_of_each_valid_shape_passes() -> None:
    assert parse_record(encode_record(record("carefund.GrantDisbursed", GRANT))).data == GRANT


def test_unknown_role_is_refused() -> None:
    error = rejected(record("carefund.GrantDisbursed", GRANT, actor={"principal": "p-01",
                                                                     "role": "mayor"}))  # fmt: skip
    assert error.field == "actor.role"


def test_known_role_not_allowed_for_the_type_is_refused() -> None:
    """§4: `carefund.GrantDisbursed` is recorded by finance only (the approver's union may not)."""
    value = record(
        "carefund.GrantDisbursed", GRANT, actor={"principal": "u-01", "role": "trade_union"}
    )
    error = rejected(value)
    assert (error.field, error.expected, error.computed) == (
        "actor.role",
        "a role of finance",
        '"trade_union"',
    )


def test_unknown_data_member_is_refused() -> None:
    error = rejected(record("carefund.GrantDisbursed", GRANT | {"bank_account": "6222"}))
    assert (error.field, error.computed) == ("data.bank_account", '"6222"')
    assert "no such member" in str(error.expected)


def test_missing_data_member_is_refused() -> None:
    data = {k: v for k, v in GRANT.items() if k != "follow_up_due"}
    error = rejected(record("carefund.GrantDisbursed", data))
    assert (error.field, error.expected, error.computed) == (
        "data.follow_up_due", "a calendar date YYYY-MM-DD", "(absent)")  # fmt: skip


@pytest.mark.parametrize(
    ("member", "value", "expected"),
    [
        ("amount_fen", "80000", "an integer 1..9007199254740991"),
        ("amount_fen", 0, "an integer 1..9007199254740991"),
        ("amount_fen", True, "an integer 1..9007199254740991"),
        ("reference", 7, "a string"),
        ("disbursed_on", None, "a calendar date YYYY-MM-DD"),
    ],
    ids=[
        "string-for-integer",
        "zero-amount",
        "bool-for-integer",
        "integer-for-string",
        "null-date",
    ],
)
def test_wrong_json_type_or_value_is_refused(member: str, value: Any, expected: str) -> None:
    error = rejected(record("carefund.GrantDisbursed", GRANT | {member: value}))
    assert (error.field, error.expected) == (f"data.{member}", expected)


@pytest.mark.parametrize(
    "day", ["2023-02-30", "2023-13-01", "2023-02-29", "2023-3-01", "２０２３-03-01"]
)
def test_impossible_calendar_date_is_refused(day: str) -> None:
    """§4: *date* is "a day of the Gregorian calendar (`2023-02-30` and `2023-13-01` are
    invalid)"."""
    error = rejected(record("carefund.GrantDisbursed", GRANT | {"disbursed_on": day}))
    assert error.field == "data.disbursed_on"
    assert parse_record(
        encode_record(record("carefund.GrantDisbursed", GRANT | {"disbursed_on": "2024-02-29"}))
    )


def test_impossible_month_is_refused() -> None:
    data = {"item": "a1", "done": True, "note": "n", "month": "2023-13"}
    assert rejected(record("keyproject.ProgressReported", data)).field == "data.month"


def test_nested_member_is_named_with_its_path() -> None:
    tasks = [{"task": "t1", "title": "党建", "points_tenths": 50}, {"task": "T2", "title": "x",
                                                                   "points_tenths": 5}]  # fmt: skip
    stream = str(uuid.uuid5(uuid.UUID(sid("scheme")), "plan/t"))
    data = {"scheme": sid("scheme"), "year": 2023, "county": "c", "township": "t", "tasks": tasks}
    value = record("points.TaskPlanSet", data, stream=stream)
    assert rejected(value).field == "data.tasks[1].task"


PLACED = sorted(  # the types whose county is a value (a principal's scope may be null)
    kind
    for kind, spec in EVENTS.items()
    if "county" in spec.data.members and not isinstance(spec.data.members["county"], OrNull)
)


@pytest.mark.parametrize("kind", PLACED)
@pytest.mark.parametrize("blank", ["", " taihu"])
def test_county_is_a_name_never_blank(kind: str, blank: str) -> None:
    """A blank county would pass principal.scope (no level to compare): every type that
    carries a county (and a place's township and village) takes the NAME pattern."""
    for member in ("county", "township", "village"):
        spec = EVENTS[kind].data.members.get(member)
        if spec is not None:
            assert spec.find(blank, f"data.{member}") is not None, (kind, member)


@pytest.mark.parametrize("kind,data", [
    ("inspection.Opened", {"name": "n", "county": ""}),
    ("points.BookOpened", {"scheme": sid("scheme"), "cadre": sid("cadre"), "county": "",
                           "township": "t", "village": "v", "category": "principal",
                           "year": 2023, "bonus_cap_tenths": 50}),
])  # fmt: skip
def test_record_with_a_blank_county_is_refused(kind: str, data: dict[str, Any]) -> None:
    assert rejected(record(kind, data)).field == "data.county"


def test_type_that_opens_a_stream_at_a_later_version_is_refused() -> None:
    value = record("inspection.Opened", {"name": "n", "county": "c"}, version=2, prev="ab" * 32)
    assert rejected(value).field == "version"


def test_later_type_as_the_first_record_of_a_stream_is_refused() -> None:
    value = record("supervision.TalkHeld", {"note": "n"}, version=1, prev=GENESIS_PREV)
    assert rejected(value).field == "version"


def test_fund_year_in_a_stream_other_than_its_derived_id_is_refused() -> None:
    """§4 "Stream ids": "A record whose stream id is not the one derived from its data … is
    invalid"."""
    data: dict[str, Any] = {"fund": "tongcheng-pioneer-care", "year": 2023, "budget_fen": 5_000_000,
            "tiers_fen": {"1": 50_000}, "first_follow_up_days": 90, "posting_days": 30,
            "follow_up_interval_days": 90, "follow_ups": 4}  # fmt: skip
    log = Log()
    derived = log.add("fund", "carefund.FundYearOpened", **data)
    assert parse_record(log.lines[0]).stream == derived
    error = rejected(record("carefund.FundYearOpened", data, stream=sid("fund")))
    assert (error.field, error.computed) == ("stream", f'"{sid("fund")}"')
    assert derived in str(error.expected)


def test_random_stream_id_of_another_uuid_version_is_refused() -> None:
    """§4 "Stream ids": a random stream id is "a UUID of version 4"."""
    v5 = str(uuid.uuid5(uuid.NAMESPACE_URL, "subject"))
    value = record("subject.Registered", {"commitment": "0" * 64, "kind": "worker"}, stream=v5)
    assert rejected(value).field == "stream"


def test_unknown_type_is_refused() -> None:
    value = record("carefund.GrantDisbursed", GRANT, type="carefund.GrantDoubled")
    assert rejected(value).field == "type"


def test_the_withdrawn_points_evaluation_form_is_refused() -> None:
    """Issue 14: the 《评价表》 left Taihu's points; its types, ``ScoreEntered.form`` and
    ``SchemeOpened.evaluation_form_percent`` are no longer §4's."""
    for kind in ("points.EvaluationFormOpened", "points.EvaluationScored",
                 "points.EvaluationFormClosed", "points.EvaluationFormFed"):  # fmt: skip
        assert kind not in EVENTS
        assert rejected(record("carefund.GrantDisbursed", GRANT, type=kind)).field == "type"
    entry = {"entry": 1, "quarter": 4, "component": "evaluation", "points_tenths": 42,
             "reason": "测评", "task": None, "corrects": None}  # fmt: skip
    assert parse_record(encode_record(record("points.ScoreEntered", entry))).data == entry
    assert rejected(record("points.ScoreEntered", entry | {"form": None})).field == "data.form"


def test_spec_helpers_describe_what_they_expect() -> None:
    assert OrNull(Spec("a string", lambda v: type(v) is str)).find(None, "x") is None
    assert one_of("a", None).find("b", "x") == ("x", "one of a, null", "b")


def test_bundle_reports_a_record_against_the_schema_with_its_evidence(tmp_path: Path) -> None:
    """A bundle whose record breaks §4 is INVALID, the failure naming line, member, expected
    and found (the operator signed it all: only the schema catches it)."""
    log = Log()
    log.add("case", "supervision.CaseOpened", county="taihu", target_kind="unit", target="某站点",
            reason="complaint", detail="d", trigger=None, source=None)  # fmt: skip
    log.add("case", "supervision.CaseListed", deadline="2023-02-30", note="挂牌督办")
    log = enrolled(log)  # its registry first (rule principal.role): 2 lines
    (failure,) = verified(write_bundle(tmp_path, log, publish=False)).failures
    assert (failure.where, failure.rule, failure.expected, failure.computed) == (
        "records.jsonl line 4", "record", "a calendar date YYYY-MM-DD", '"2023-02-30"')  # fmt: skip
    assert failure.message.startswith("record data.deadline: expected a calendar date")
    log = Log()
    log.add("subject", "subject.Registered", commitment="0" * 64, kind="worker", hardship="病")
    log = enrolled(log)  # its registry first: 2 lines
    (failure,) = verified(write_bundle(tmp_path / "2", log, publish=False)).failures
    expected = "no such member (the members are commitment, kind)"
    assert (failure.where, failure.expected, failure.computed) == (
        "records.jsonl line 3", expected, '"病"')  # fmt: skip
