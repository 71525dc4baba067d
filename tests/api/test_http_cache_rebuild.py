"""The public lists' caches after a rebuild (review16 item 5): ``gongshi rebuild`` in another
process replays a projection back to the SAME position under a new generation, maybe with
other rows (changed params, a projection code fix). The rendered answers (api/http_cache.py)
and the parsed rows (api/rows_cache.py) are keyed by the position AND the generation, so a
running server answers the rebuilt rows with another ETag, not the old bytes; and the ETag
salt holds a digest of the code that renders answers."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.http_cache import SALT, code_digest
from ledger.ledger import Ledger
from projections.rebuild import drop
from projections.rows import ROW
from tests.api.conftest import settle
from tests.integration.helpers import disbursed, funded

LIST = "/api/v1/public/disbursements"


def rebuilt_with_changed_row(client: TestClient, name: str) -> int:
    """What a rebuild with other params does to ``name``'s table, as another process would:
    drop it (a new generation), replay to the same position, and (the other params) one
    public row differs. Returns the position, unchanged."""
    services = client.app.state.services  # type: ignore[attr-defined]
    runner = services.projections.runner(name)
    db = services.projections.db
    with db.transaction() as cur:
        runner.lock(cur)
        position, generation = runner.read_position(cur)
        drop(cur, runner, generation + 1)
    runner.catch_up(stop=position)
    with db.transaction() as cur:
        runner.lock(cur)
        assert runner.read_position(cur) == (position, generation + 1)
        key, body = cur.execute(
            f"SELECT key, body FROM {runner.table} WHERE kind = ? ORDER BY key LIMIT 1", (ROW,)
        )[0]
        row = json.loads(body)
        row["industry"] = "rebuilt_with_other_params"
        cur.execute(
            f"UPDATE {runner.table} SET body = ? WHERE kind = ? AND key = ?",
            (json.dumps(row, ensure_ascii=False), ROW, key),
        )
    return int(position)


def test_a_rebuild_at_the_same_position_changes_the_etag_and_the_body(
    ledger: Ledger, client: TestClient
) -> None:
    fund = funded(ledger)
    disbursed(fund, 1)
    settle(client)
    before = client.get(LIST)
    assert before.status_code == 200 and before.json()["total"] == 1
    assert client.get(LIST).content == before.content  # kept
    position = before.json()["position"]
    assert rebuilt_with_changed_row(client, "disbursements") == position
    after = client.get(LIST)
    assert after.status_code == 200 and after.json()["position"] == position
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["rows"][0]["industry"] == "rebuilt_with_other_params", after.json()
    old_tag = {"If-None-Match": before.headers["etag"]}
    assert client.get(LIST, headers=old_tag).status_code == 200  # the old copy is stale
    # a query not asked before: no rendered answer, the parsed rows are the rebuilt ones
    other = client.get(LIST, params={"limit": 7})
    assert other.json()["rows"][0]["industry"] == "rebuilt_with_other_params"


def test_the_salt_holds_a_digest_of_the_code_that_renders_answers(tmp_path: Path) -> None:
    assert code_digest() in SALT
    (tmp_path / "api").mkdir()
    page = tmp_path / "api" / "listing.py"
    page.write_text("A = 1\n")
    first = code_digest([tmp_path / "api"])
    assert code_digest([tmp_path / "api"]) == first  # the same code, the same tags
    page.write_text("A = 2\n")
    assert code_digest([tmp_path / "api"]) != first
