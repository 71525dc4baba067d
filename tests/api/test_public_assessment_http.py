"""The public reads of issue 14 (GET /api/v1/public/lectures, /assessment-loops,
/mentoring-pairs, /training-classes) and the public page's section for them: position,
paging and filters as the other lists; a loop's missing and overdue steps decided on the
server's date (another date for the audit role only); no content of 小结 or 评鉴."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ledger.ledger import Ledger
from tests.api.conftest import settle
from tests.integration.assessment_helpers import SECTION
from tests.integration.test_assessment_lists import OTHER_SECTION, History

PROBLEM = "application/problem+json"
URL = "/api/v1/public"


@pytest.fixture
def history(ledger: Ledger, client: TestClient) -> History:
    """The department's history; the server's date is then 15 April 2023."""
    made = History(ledger)
    settle(client)
    assert ledger.clock().date().isoformat() == "2023-04-15"
    return made


def test_lectures_pairs_and_classes_page_and_filter(
    client: TestClient, ledger: Ledger, history: History
) -> None:
    size = ledger.log.state().size
    body = client.get(f"{URL}/lectures", params={"min_position": size}).json()
    assert (body["position"], body["total"], body["offset"]) == (size, 2, 0)
    assert [r["lecture"] for r in body["rows"]] == [str(history.closed), str(history.open_lecture)]
    closed = client.get(f"{URL}/lectures", params={"closed": "true"}).json()["rows"]
    assert [r["lecture"] for r in closed] == [str(history.closed)]
    plans = client.get(f"{URL}/lectures", params={"board": "plans"}).json()["rows"]
    assert [r["name"] for r in plans] == ["组工干部3"]
    second = client.get(f"{URL}/lectures", params={"offset": 1, "limit": 1}).json()
    assert second["total"] == 2 and [r["lecture"] for r in second["rows"]] == [
        str(history.open_lecture)
    ]
    other = client.get(f"{URL}/lectures", params={"programme": str(history.pair)}).json()
    assert other["total"] == 0

    pairs = client.get(f"{URL}/mentoring-pairs").json()
    assert pairs["total"] == 2
    ongoing = client.get(f"{URL}/mentoring-pairs", params={"ongoing": "true"}).json()["rows"]
    assert [r["pair"] for r in ongoing] == [str(history.pair)]
    ended = client.get(f"{URL}/mentoring-pairs", params={"ongoing": "false"}).json()["rows"]
    assert [r["pair"] for r in ended] == [str(history.ended)]

    classes = client.get(f"{URL}/training-classes", params={"year": 2023}).json()
    assert classes["total"] == 2
    induction = client.get(f"{URL}/training-classes", params={"kind": "induction"}).json()
    assert [r["attendance"] for r in induction["rows"]] == [[3, None, 1]]


def test_loops_missing_and_overdue_are_decided_on_the_server_date(
    client: TestClient, history: History, tokens: dict[str, dict[str, str]]
) -> None:
    body = client.get(f"{URL}/assessment-loops", params={"quarter": 1}).json()
    assert body["decided_on"] == "2023-04-15" and body["total"] == 2
    rows = {r["section"]: r for r in body["rows"]}
    q1 = rows[SECTION]
    # 4 cadres: 3 summaries (due 10 April: the one missing is overdue), 2 appraisals (due 20th)
    assert q1["summary"] == {"due": "2023-04-10", "done": 3, "late": 1, "missing": 1,
                             "overdue": 1}  # fmt: skip
    assert q1["appraisal"] == {"due": "2023-04-20", "done": 2, "late": 0, "missing": 2,
                               "overdue": 0}  # fmt: skip
    assert rows[OTHER_SECTION]["summary"]["missing"] == 0
    assert "commitment" not in str(body) and "小结" not in str(body)  # counts, no content
    assert "ratings" not in q1  # nor the section's ratings (personal results, §8)
    later = {"quarter": 1, "today": "2023-05-01"}
    assert client.get(f"{URL}/assessment-loops", params=later).status_code == 401
    audited = client.get(f"{URL}/assessment-loops", params=later, headers=tokens["audit"])
    q1_later = next(r for r in audited.json()["rows"] if r["section"] == SECTION)
    assert audited.json()["decided_on"] == "2023-05-01"
    assert [q1_later[s]["overdue"] for s in ("summary", "appraisal", "feedback", "goal")] == [
        1, 2, 2, 2
    ]  # fmt: skip
    by_year = client.get(f"{URL}/assessment-loops", params={"year": 2024}).json()
    assert by_year["total"] == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("assessment-loops", {"quarter": 5}),
        ("assessment-loops", {"programme": "not-a-uuid"}),
        ("lectures", {"board": "gossip"}),
        ("lectures", {"limit": 0}),
        ("mentoring-pairs", {"offset": -1}),
        ("training-classes", {"kind": "DROP TABLE"}),
        ("training-classes", {"year": 1999}),
    ],
)
def test_malformed_query_is_a_problem(
    client: TestClient, path: str, params: dict[str, object]
) -> None:
    response = client.get(f"{URL}/{path}", params=params)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_empty_lists_answer(client: TestClient) -> None:
    settle(client)
    for path in ("lectures", "assessment-loops", "mentoring-pairs", "training-classes"):
        body = client.get(f"{URL}/{path}").json()
        assert (body["rows"], body["total"]) == ([], 0), path


def test_the_page_has_the_section(client: TestClient, history: History) -> None:
    html = client.get("/").text
    section = html[html.index('<section id="department-cadres">') :]
    for shown in ("讲组工", "骨干讲业务", "组工干部0", "干部档案专项审核实务", "84.7", "87.3",
                  "第1季度", SECTION, "逾期完成 1", "超期未完成 1",
                  "组工干部1", "组工干部3", "2023-04-15", "公务员初任培训班", "3 / — / 1",
                  "科级干部培训班"):  # fmt: skip
        assert shown in section, shown
    assert "第1季度小结" not in html and "准备充分" not in html  # no content, no 点评 text
    assert "评鉴等次" not in section and "较差" not in section  # no ratings: personal results


def test_the_empty_page_says_so(client: TestClient) -> None:
    settle(client)
    html = client.get("/").text
    for empty in ("暂无讲组工安排", "暂无平时考核", "暂无帮带对子", "暂无培训班"):
        assert empty in html
