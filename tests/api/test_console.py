"""The clerks' console (/console/): sign-in with a bearer token, the session cookie's flags,
the session re-checked on every request (sign-out, revocation, role change, expiry), CSRF on
every POST (refused: 403 and nothing stored), the role's forms only, a write's receipt and a
refused write's problem on the form with the values kept, and a stream's history."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from ledger.clock import SteppingClock
from tests.api.conftest import ROLES, settle

Headers = dict[str, dict[str, str]]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def token_of(header: dict[str, str]) -> str:
    return header["Authorization"].removeprefix("Bearer ")


def signed_in(client: TestClient, header: dict[str, str]) -> tuple[TestClient, str]:
    """A new browser (cookie jar) on the same app, signed in with ``header``'s token; and
    its session's CSRF token. The projections are brought up to the log first, as a
    served app's followers keep them (the queue reads the points and cases lists)."""
    settle(client)
    browser = TestClient(client.app, follow_redirects=False)
    nonce = CSRF.search(browser.get("/console/signin").text)
    assert nonce is not None
    answer = browser.post("/console/signin", data={"csrf": nonce[1], "token": token_of(header)})
    assert answer.status_code == 303, answer.text
    home = browser.get("/console/")
    assert home.status_code == 200, home.text
    found = CSRF.search(home.text)
    assert found is not None
    return browser, found[1]


def send(browser: TestClient, csrf: str, key: str, **values: Any) -> Any:
    """Submit form ``key`` as a browser would (the form's own idempotency key)."""
    page = browser.get(f"/console/forms/{key}")
    assert page.status_code == 200, page.text
    idem = KEY.search(page.text)
    assert idem is not None
    data = {"csrf": csrf, "idempotency_key": idem[1], **{k: str(v) for k, v in values.items()}}
    return browser.post(f"/console/forms/{key}", data=data)


def stored(client: TestClient) -> int:
    ledger = client.app.state.services.ledger  # type: ignore[attr-defined]
    return len(ledger.app.recorder.select_notifications(start=1, limit=100_000))


def test_sign_in_sets_a_strict_httponly_cookie_and_stores_only_its_hash(
    client: TestClient, tokens: Headers
) -> None:
    browser = TestClient(client.app, follow_redirects=False)
    assert browser.get("/console/").headers["location"] == "/console/signin"
    nonce = CSRF.search(browser.get("/console/signin").text)
    assert nonce is not None
    answer = browser.post(
        "/console/signin", data={"csrf": nonce[1], "token": token_of(tokens["intake"])}
    )
    assert answer.status_code == 303
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("gongshi_console=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/console"} <= flags
    assert "secure" not in flags  # http here; https sets Secure
    session_id = cookie.split(";")[0].split("=", 1)[1]
    db = client.app.state.services.ledger.db  # type: ignore[attr-defined]
    rows = db.execute("SELECT session_hash, token_box FROM gongshi_console_sessions")
    assert len(rows) == 1 and session_id not in str(rows[0])
    assert token_of(tokens["intake"]) not in str(rows[0])
    home = browser.get("/console/")
    assert home.status_code == 200 and "intake-01" in home.text and "待办" in home.text
    assert home.headers["cache-control"] == "no-store"


def test_https_sets_secure(client: TestClient, tokens: Headers) -> None:
    browser = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    nonce = CSRF.search(browser.get("/console/signin").text)
    assert nonce is not None
    answer = browser.post(
        "/console/signin", data={"csrf": nonce[1], "token": token_of(tokens["intake"])}
    )
    assert "secure" in answer.headers["set-cookie"].lower()


def test_a_bad_token_is_refused(client: TestClient, tokens: Headers) -> None:
    browser = TestClient(client.app, follow_redirects=False)
    nonce = CSRF.search(browser.get("/console/signin").text)
    assert nonce is not None
    answer = browser.post("/console/signin", data={"csrf": nonce[1], "token": "gst_" + "A" * 43})
    assert answer.status_code == 401 and "gongshi_console=" not in answer.headers.get(
        "set-cookie", ""
    )


def test_sign_in_without_its_csrf_value_is_refused(client: TestClient, tokens: Headers) -> None:
    browser = TestClient(client.app, follow_redirects=False)
    browser.get("/console/signin")
    answer = browser.post(
        "/console/signin", data={"csrf": "forged", "token": token_of(tokens["intake"])}
    )
    assert answer.status_code == 403
    db = client.app.state.services.ledger.db  # type: ignore[attr-defined]
    assert db.execute("SELECT COUNT(*) FROM gongshi_console_sessions")[0][0] == 0


def test_a_post_without_the_csrf_token_stores_nothing(client: TestClient, tokens: Headers) -> None:
    browser, csrf = signed_in(client, tokens["intake"])
    before = stored(client)
    data = {"kind": "worker", "personal.name": "欧阳娜娜"}
    for sent in ({}, {"csrf": "0" * 64}, {"csrf": csrf[:-1]}):
        answer = browser.post("/console/forms/subjects", data={**data, **sent})
        assert answer.status_code == 403, sent
    assert stored(client) == before
    assert send(browser, csrf, "subjects", **data).status_code == 201
    assert stored(client) == before + 1


def test_another_sessions_csrf_token_is_refused(client: TestClient, tokens: Headers) -> None:
    browser, _ = signed_in(client, tokens["intake"])
    _, other = signed_in(client, tokens["intake"])
    answer = browser.post(
        "/console/forms/subjects", data={"csrf": other, "kind": "worker", "personal.name": "李四"}
    )
    assert answer.status_code == 403


def test_sign_out_deletes_the_session(client: TestClient, tokens: Headers) -> None:
    browser, csrf = signed_in(client, tokens["finance"])
    assert browser.post("/console/signout", data={}).status_code == 403  # no CSRF: stays
    assert browser.get("/console/").status_code == 200
    cookie = browser.cookies.get("gongshi_console")
    assert browser.post("/console/signout", data={"csrf": csrf}).status_code == 303
    browser.cookies.set("gongshi_console", cookie or "", path="/console")
    assert browser.get("/console/").headers["location"] == "/console/signin"


def test_a_revoked_token_ends_the_session(client: TestClient, tokens: Headers) -> None:
    browser, _ = signed_in(client, tokens["finance"])
    services = client.app.state.services  # type: ignore[attr-defined]
    services.tokens.revoke("finance-01", services.ledger.clock())
    assert browser.get("/console/").headers["location"] == "/console/signin"
    db = services.ledger.db
    assert db.execute("SELECT COUNT(*) FROM gongshi_console_sessions")[0][0] == 0


def test_a_role_change_ends_the_session(client: TestClient, tokens: Headers) -> None:
    browser, _ = signed_in(client, tokens["audit"])
    change = {"role": "supervision", "county": "taihu", "reason": "调岗"}
    answer = client.post("/api/v1/principals/audit-01/role", json=change, headers=tokens["admin"])
    assert answer.status_code in (200, 201), answer.text
    assert browser.get("/console/forms").headers["location"] == "/console/signin"


def test_an_expired_session_ends(client: TestClient, tokens: Headers, clock: SteppingClock) -> None:
    browser, _ = signed_in(client, tokens["finance"])
    clock.set(clock() + timedelta(hours=8, seconds=1))
    assert browser.get("/console/").headers["location"] == "/console/signin"


def test_a_role_sees_only_its_own_forms(client: TestClient, tokens: Headers) -> None:
    intake, _ = signed_in(client, tokens["intake"])
    finance, _ = signed_in(client, tokens["finance"])
    mine = intake.get("/console/forms").text
    assert '/console/forms/carefund.applications"' in mine and "disbursement" not in mine
    theirs = finance.get("/console/forms").text
    assert "carefund.applications.application.disbursement" in theirs
    assert '/console/forms/carefund.applications"' not in theirs
    assert (
        intake.get("/console/forms/carefund.applications.application.disbursement").status_code
        == 404
    )
    forms = client.app.state.console_forms  # type: ignore[attr-defined]
    assert len(forms) >= 36 and all(f.roles for f in forms)


def test_every_write_route_has_a_form_for_exactly_its_roles(
    client: TestClient, tokens: Headers
) -> None:
    """Each role's 办理 lists a form for every write route whose roles include it and no
    other; each of its forms renders with a field per path parameter and body member."""
    from fastapi.routing import APIRoute

    from api.console.forms import route_roles
    from tests.api.test_authorisation import _all_routes

    routes = {
        route.path: route_roles(route)
        for route in _all_routes(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and "POST" in (route.methods or ()) and route_roles(route)
        and route.path.startswith("/api/") and not route.path.startswith("/api/v1/imports")
    }  # fmt: skip
    for role in ROLES:
        browser, _ = signed_in(client, tokens[role])
        listed = browser.get("/console/forms").text
        forms = client.app.state.console_forms  # type: ignore[attr-defined]
        for form in forms:
            shown = f'href="/console/forms/{form.key}"' in listed
            assert shown == (role in routes[form.path]), (role, form.path)
            if shown:
                page = browser.get(f"/console/forms/{form.key}")
                assert page.status_code == 200, (role, form.key)
                assert all(f'name="{f.name}"' in page.text for f in form.fields), form.key


def test_a_post_after_the_session_ended_stores_nothing(client: TestClient, tokens: Headers) -> None:
    """A form sent once the session has ended (revoked here), with its valid CSRF token:
    back to sign-in, nothing stored."""
    browser, csrf = signed_in(client, tokens["intake"])
    page = browser.get("/console/forms/subjects")
    key = KEY.search(page.text)
    assert key is not None
    services = client.app.state.services  # type: ignore[attr-defined]
    services.tokens.revoke("intake-01", services.ledger.clock())
    before = stored(client)
    data = {"csrf": csrf, "idempotency_key": key[1], "kind": "worker", "personal.name": "李四"}
    answer = browser.post("/console/forms/subjects", data=data)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/signin"
    assert stored(client) == before
    anonymous = TestClient(client.app, follow_redirects=False)
    assert anonymous.post("/console/forms/subjects", data=data).status_code == 303
    assert stored(client) == before


def test_console_requests_log_the_signed_in_principal(
    client: TestClient, tokens: Headers, caplog: Any
) -> None:
    import logging

    browser, _ = signed_in(client, tokens["finance"])
    caplog.set_level(logging.INFO, logger="gongshi.request")
    assert browser.get("/console/").status_code == 200
    assert browser.get("/console/forms").status_code == 200
    lines = [r.fields for r in caplog.records if r.name == "gongshi.request"]
    assert [(x["route"], x["principal"]) for x in lines] == [
        ("/console/", "finance-01"), ("/console/forms", "finance-01"),
    ]  # fmt: skip
    signed_out = TestClient(client.app, follow_redirects=False)
    caplog.clear()
    assert signed_out.get("/console/").status_code == 303
    assert [r.fields["principal"] for r in caplog.records if r.name == "gongshi.request"] == [None]
