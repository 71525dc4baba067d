"""HTTP caching of the public reads (api/http_cache.py, issue 16), on both backends: every
cached answer is keyed by the position it is built from, so a new record (the log grows,
the projections advance) changes its ETag and its body; If-None-Match answers 304; two
queries never share a body; the reader's date keys the date-dependent lists; an answer to a
request with a token is ``private``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cached_reads import UNDATED
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from tests.api.conftest import settle
from tests.api.test_page_truth import signed, witnesses  # noqa: F401 (fixture)
from tests.integration.helpers import disbursed, funded
from verify.note import Signer

LISTS = [
    "/api/v1/public/disbursements",
    "/api/v1/public/disbursements?format=csv",
    "/api/v1/public/disbursements?format=xlsx",
    "/api/v1/public/fund-ledger",
    "/api/v1/public/fund-ledger?format=csv",
    "/api/v1/public/audit-results",
    "/api/v1/public/points",
    "/api/v1/public/points?period=Q1&format=csv",
    "/api/v1/public/supervision",
    "/api/v1/public/key-projects",
    "/api/v1/public/lectures",
    "/api/v1/public/assessment-loops",
    "/api/v1/public/mentoring-pairs",
    "/api/v1/public/training-classes",
]
JSON_LISTS = [p for p in LISTS if "format=" not in p]


def grown(ledger: Ledger, client: TestClient, fund: CareFund) -> None:
    """A new record (a disbursement), integrated and projected."""
    disbursed(fund, 2)
    settle(client)


def test_a_new_record_changes_the_etag_and_the_body_of_every_list(
    ledger: Ledger, client: TestClient
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(client)
    before = {}
    for path in LISTS:
        first = client.get(path)
        assert first.status_code == 200, (path, first.text)
        tag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, max-age=2, must-revalidate", path
        again = client.get(path)  # the rendered cache's bytes: the same answer
        assert again.headers["etag"] == tag and again.content == first.content, path
        unchanged = client.get(path, headers={"If-None-Match": tag})
        assert unchanged.status_code == 304 and unchanged.content == b"", path
        assert unchanged.headers["etag"] == tag, path
        before[path] = (tag, first.content)
    grown(ledger, client, fund)
    for path in LISTS:
        tag, content = before[path]
        after = client.get(path, headers={"If-None-Match": tag})  # an old tag: the new answer
        assert after.status_code == 200 and after.headers["etag"] != tag, path
        if path in JSON_LISTS:
            assert after.json()["position"] == ledger.log.state().size, path
            assert after.content != content, path
        elif "disbursements" in path and "xlsx" not in path:  # the new grant is a new row
            assert after.content != content, path
        assert client.get(path, headers={"If-None-Match": after.headers["etag"]}).status_code \
            == 304  # fmt: skip


def test_two_queries_never_share_a_body(ledger: Ledger, client: TestClient) -> None:
    fund = funded(ledger)
    for tier in (1, 2, 1):
        disbursed(fund, tier)
    settle(client)
    path = "/api/v1/public/disbursements"
    queries: list[dict[str, int | str]] = [
        {}, {"tier": 1}, {"tier": 2}, {"limit": 1}, {"limit": 1, "offset": 1}, {"year": 2022},
        {"format": "csv"}, {"tier": 1, "format": "csv"},
    ]  # fmt: skip
    seen: dict[str, bytes] = {}
    for params in queries * 2:  # the second round is served from the cache
        got = client.get(path, params=params)
        key = repr(sorted(params.items()))
        if key in seen:
            assert got.content == seen[key], params
        seen[key] = got.content
    assert len(set(seen.values())) == len(queries)
    tags = {client.get(path, params=p).headers["etag"] for p in queries}
    assert len(tags) == len(queries)
    # one query, two spellings: one key; the Accept header chooses the format, and keys it
    one = client.get(path + "?tier=1&year=2023").headers["etag"]
    assert client.get(path + "?year=2023&tier=1").headers["etag"] == one
    csv = client.get(path, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["etag"] != client.get(path).headers["etag"]
    assert client.get(path).headers["content-type"] == "application/json"
    assert csv.headers["vary"] == "Accept"


def test_the_reader_date_keys_the_date_dependent_lists_and_a_token_makes_it_private(
    ledger: Ledger, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(client)
    audit = tokens["audit"]
    for path in ("/api/v1/public/disbursements", "/api/v1/public/supervision",
                 "/api/v1/public/fund-ledger", "/api/v1/public/key-projects",
                 "/api/v1/public/assessment-loops"):  # fmt: skip
        today = client.get(path)
        later = client.get(path, params={"today": "2031-01-01"}, headers=audit)
        assert later.status_code == 200, later.text
        assert later.json()["decided_on"] == "2031-01-01" != today.json()["decided_on"]
        assert later.headers["etag"] != today.headers["etag"], path
        assert later.headers["cache-control"].startswith("private,"), path
        assert today.headers["cache-control"].startswith("public,"), path
        # a cached answer is never served past the reader's date check
        refused = client.get(path, params={"today": "2031-01-01"},
                             headers={"If-None-Match": later.headers["etag"]})  # fmt: skip
        assert refused.status_code == 401, path
    window = client.get("/api/v1/public/disbursements", params={"today": "2031-01-01"},
                        headers=audit).json()  # fmt: skip
    assert window["total"] == 0  # the grant is past its posting window on that date
    assert client.get("/api/v1/public/disbursements").json()["total"] == 1


def test_a_warm_list_parses_no_row_and_a_new_position_parses_again(
    ledger: Ledger, client: TestClient
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(client)
    client.get("/api/v1/public/disbursements")
    cache = client.app.state.rows_cache  # type: ignore[attr-defined]
    reads = cache.reads
    for params in ({"tier": 1}, {"limit": 5}, {"format": "csv"}, {}):
        client.get("/api/v1/public/disbursements", params=params)
    assert cache.reads == reads  # other queries at the same position: the parsed rows
    grown(ledger, client, fund)
    assert client.get("/api/v1/public/disbursements").json()["total"] == 2
    assert cache.reads == reads + 1


def test_proofs_entries_and_tiles(ledger: Ledger, client: TestClient) -> None:
    fund = funded(ledger)
    settle(client)
    size = ledger.log.state().size
    proof = f"/log/v1/proof/inclusion?index=0&size={size}"
    first = client.get(proof)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(proof, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    ahead = f"/log/v1/proof/inclusion?index=0&size={size + 1}"
    assert client.get(ahead).status_code == 422  # beyond the log: refused, and not kept
    tile = f"/tile/0/000.p/{size + 1}"
    assert client.get(tile).status_code == 404
    entries = "/log/v1/entries?start=0&limit=1000"
    short = client.get(entries)
    assert short.headers["cache-control"] == "public, max-age=5, must-revalidate"
    grown(ledger, client, fund)
    now = client.get(ahead)
    assert now.status_code == 200 and now.json()["tree_size"] == size + 1
    assert client.get(proof).content == first.content  # a proof for a given size never changes
    assert client.get(consistency := f"/log/v1/proof/consistency?old={size}&new={size + 1}") \
        .status_code == 200  # fmt: skip
    assert client.get(consistency).headers["etag"] != client.get(
        f"/log/v1/proof/consistency?old=1&new={size + 1}").headers["etag"]  # fmt: skip
    found = client.get(tile)
    assert found.status_code == 200 and len(found.content) == 32 * (size + 1)
    assert found.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(tile, headers={"If-None-Match": found.headers["etag"]}).status_code == 304
    longer = client.get(entries, headers={"If-None-Match": short.headers["etag"]})
    assert longer.status_code == 200 and longer.content.count(b"\n") == ledger.log.state().size
    assert longer.content.startswith(short.content)


@pytest.fixture
def frozen() -> SteppingClock:
    """The app's clock, still until moved (the page's key has the clock to the second)."""
    return SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(0))


@pytest.fixture
def app(
    witnesses: dict[str, Signer],  # noqa: F811
    ledger: Ledger,
    settings: Settings,
    frozen: SteppingClock,
) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=frozen, follow=False)) as client:
        yield client


def test_the_page_and_the_checkpoint_change_with_the_log(
    ledger: Ledger, app: TestClient, settings: Settings, frozen: SteppingClock
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(app)
    signed(ledger, settings)
    page = app.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    tag = page.headers["etag"]
    assert app.get("/").content == page.content
    assert app.get("/", headers={"If-None-Match": tag}).status_code == 304
    other = app.get("/", params={"tier": 2})
    assert other.headers["etag"] != tag and other.content != page.content
    checkpoint = app.get("/log/v1/checkpoint?unwitnessed=true")
    assert checkpoint.status_code == 200
    again = {"If-None-Match": checkpoint.headers["etag"]}
    assert app.get("/log/v1/checkpoint?unwitnessed=true", headers=again).status_code == 304
    disbursed(fund, 2)
    settle(app)
    after = app.get("/", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert after.content != page.content and after.text.count("TX") >= page.text.count("TX")
    signed(ledger, settings)
    newer = app.get("/log/v1/checkpoint?unwitnessed=true",
                    headers={"If-None-Match": checkpoint.headers["etag"]})  # fmt: skip
    assert newer.status_code == 200 and newer.headers["etag"] != checkpoint.headers["etag"]
    # the clock alone (the checkpoint's age on the page) makes another page
    frozen.set(datetime(2023, 3, 1, 9, 5, tzinfo=UTC))
    aged = app.get("/", headers={"If-None-Match": after.headers["etag"]})
    assert aged.status_code == 200 and aged.headers["etag"] != after.headers["etag"]


def test_the_server_date_keys_the_date_dependent_lists_without_a_new_record(
    ledger: Ledger, app: TestClient, frozen: SteppingClock
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(app)
    dated = ("/api/v1/public/disbursements", "/api/v1/public/supervision",
             "/api/v1/public/fund-ledger", "/api/v1/public/key-projects",
             "/api/v1/public/assessment-loops")  # fmt: skip
    before = {path: app.get(path) for path in dated}
    assert before["/api/v1/public/disbursements"].json()["total"] == 1
    frozen.set(datetime(2023, 6, 1, 9, 0, tzinfo=UTC))  # the next days: no record written
    for path in dated:
        after = app.get(path, headers={"If-None-Match": before[path].headers["etag"]})
        assert after.status_code == 200, path
        assert after.json()["decided_on"] == "2023-06-01", path
        assert after.headers["etag"] != before[path].headers["etag"], path
    assert app.get(dated[0]).json()["total"] == 0  # past the grant's posting window


def test_a_kept_undated_list_is_answered_before_routing_with_the_routes_own_answer(
    ledger: Ledger, client: TestClient
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(client)
    state = client.app.state  # type: ignore[attr-defined]
    paths = [p + q for p in UNDATED for q in ("", "?limit=3", "?format=csv")]
    for path in paths:
        first = client.get(path)
        served = getattr(state, "served_before_routing", 0)
        again = client.get(path)
        assert getattr(state, "served_before_routing", 0) == served + 1, path
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == first.headers["cache-control"], path
        assert again.headers["vary"] == "Accept" and "x-request-id" in again.headers, path
        unchanged = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.content == b"", path
    # a token, today or min_position go to the route; a new position is a miss there too
    served = state.served_before_routing
    client.get("/api/v1/public/points", params={"min_position": 1})
    client.get("/api/v1/public/points", params={"today": "2023-03-01"})
    assert state.served_before_routing == served
    grown(ledger, client, fund)
    fresh = client.get("/api/v1/public/points")
    assert fresh.json()["position"] == ledger.log.state().size
    assert state.served_before_routing == served
    metrics = client.get("/metrics").text
    assert 'route="/api/v1/public/points"' in metrics


def test_kept_tiles_and_proofs_are_answered_before_routing(
    ledger: Ledger, client: TestClient
) -> None:
    funded(ledger)
    settle(client)
    size = ledger.log.state().size
    state = client.app.state  # type: ignore[attr-defined]
    paths = [f"/tile/0/000.p/{size}", f"/tile/entries/000.p/{size}",
             f"/log/v1/proof/inclusion?index=1&size={size}",
             f"/log/v1/proof/consistency?old=1&new={size}"]  # fmt: skip
    for path in paths:
        first = client.get(path)
        assert first.status_code == 200, path
        served = getattr(state, "served_before_routing", 0)
        again = client.get(path)
        assert state.served_before_routing == served + 1, path
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code \
            == 304  # fmt: skip
    served = state.served_before_routing
    # not the canonical query, or not the exact tile path: the route decides
    assert client.get(f"/log/v1/proof/inclusion?index=01&size={size}").status_code in (200, 422)
    assert client.get(f"/log/v1/proof/inclusion?index=1&size={size}&x=1").status_code == 200
    assert client.get(f"/tile/0/000.p/{size}%0A").status_code == 404
    assert state.served_before_routing == served
    assert 'route="/tile/{path:path}"' in client.get("/metrics").text
