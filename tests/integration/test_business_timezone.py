"""One timezone for dates (issue 13, item 14): business dates are in GONGSHI_TIMEZONE
(default Asia/Shanghai), a record's ``at`` stays UTC.

"An entry made at 07:00 Beijing time is dated the day before" was the bug: each test below
sits on the date boundary (23:00 UTC = 07:00 Beijing the next day, 16:00 UTC = midnight
Beijing) and fails when dates are taken in UTC again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.clock import SteppingClock, format_at
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.settings import ConfigError, Settings, load_settings
from projections.base import Leaf
from tests.integration.bundles import lines, make_bundle, rules, run_json
from tests.integration.helpers import INTAKE, disbursed, funded
from verify.canonical import canonical_bytes
from verify.days import zone_named
from verify.lists import recompute

BEIJING_0700 = datetime(2023, 3, 21, 23, 0, tzinfo=UTC)  # 2023-03-22 07:00 in Beijing
BUNDLE_0700 = datetime(2023, 2, 28, 23, 0, tzinfo=UTC)  # make_bundle visits on 2023-03-01


def _records(ledger: Ledger) -> list[dict[str, object]]:
    found = ledger.app.recorder.select_notifications(1, 10_000)
    return [json.loads(unpack_state(n.state)[1]) for n in found]


def test_the_ledger_clock_is_in_the_business_timezone_and_at_stays_utc(
    ledger: Ledger, clock: SteppingClock
) -> None:
    clock.set(BEIJING_0700)
    moment = ledger.clock()
    assert moment.date().isoformat() == "2023-03-22"
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 8 * 3600
    assert format_at(moment) == "2023-03-21T23:00:00.000000Z"


def test_an_entry_at_0700_beijing_is_dated_the_beijing_day(
    ledger: Ledger, clock: SteppingClock
) -> None:
    clock.set(BEIJING_0700)
    fund = funded(ledger)
    case = disbursed(fund)
    paid = fund.application(case)
    assert paid.disbursed_on == "2023-03-22"  # UTC would say 2023-03-21
    disbursement = [r for r in _records(ledger) if r["type"] == "carefund.GrantDisbursed"]
    assert len(disbursement) == 1
    at = str(disbursement[0]["at"])
    assert at.startswith("2023-03-21T23:") and at.endswith("Z")  # at stays UTC
    assert disbursement[0]["data"]["disbursed_on"] == "2023-03-22"  # type: ignore[index]


def test_a_visit_on_the_beijing_day_is_not_in_the_future(
    ledger: Ledger, clock: SteppingClock
) -> None:
    """The follow-up rule: a visit dated after today is refused. At 07:00 Beijing on the
    22nd (23:00 UTC on the 21st) a visit on the 22nd is today's; on the 23rd, the future."""
    clock.set(BEIJING_0700)
    fund = funded(ledger)
    case = disbursed(fund)
    with pytest.raises(RuleViolation, match="today \\(2023-03-22\\)"):
        fund.follow_up(case, "2023-03-23", "stable", "回访", INTAKE)
    fund.follow_up(case, "2023-03-22", "stable", "回访", INTAKE)  # UTC: refused as the future


@pytest.mark.parametrize(
    ("utc", "listed"),
    [(datetime(2023, 4, 20, 15, 59, tzinfo=UTC), True),  # 2023-04-20 23:59 Beijing
     (datetime(2023, 4, 20, 16, 0, tzinfo=UTC), False)],  # 2023-04-21 00:00 Beijing
    ids=["last-minute-of-the-window", "first-minute-after"],
)  # fmt: skip
def test_the_posting_window_closes_at_beijing_midnight(
    ledger: Ledger, settings: Settings, clock: SteppingClock, utc: datetime, listed: bool
) -> None:
    """Paid on 2023-03-22 (Beijing), the 30-day window withdraws it on 2023-04-21: the public
    list is decided on the server's Beijing date, which turns at 16:00 UTC."""
    clock.set(BEIJING_0700)
    case = disbursed(funded(ledger))
    app = create_app(settings, clock=clock, follow=False)
    with TestClient(app) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        services.ledger.log.integrate()
        services.projections.catch_up()
        clock.set(utc)
        body = client.get("/api/v1/public/disbursements").json()
    assert body["decided_on"] == ("2023-04-20" if listed else "2023-04-21")
    assert (str(case) in {str(r["application"]) for r in body["rows"]}) is listed
    row = next(r for r in body["rows"]) if listed else None
    assert row is None or row["disbursed_on"] == "2023-03-22"


def test_the_bundle_states_its_timezone_and_the_verifier_refuses_an_unknown_one(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    clock.set(BUNDLE_0700)
    _, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    bundle = tmp_path / "bundle"
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    assert manifest["timezone"] == "Asia/Shanghai"
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 0 and rules(report) == set()
    manifest["timezone"] = "Asia/Beijing"  # not an IANA name
    (bundle / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    assert code == 1 and rules(report) == {"manifest.timezone"}


def test_the_lists_dates_are_the_records_dates_in_the_bundles_timezone(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> None:
    """A record at 23:00 UTC is dated the next day in Beijing, by the projections and by the
    verifier's recomputation alike; in UTC it would be the day before."""
    clock.set(BUNDLE_0700)
    make_bundle(ledger, settings, clock, tmp_path / "bundle")
    records = lines(tmp_path / "bundle")
    first = next(json.loads(r) for r in records if b'"type":"carefund.ApplicationSubmitted"' in r)
    assert str(first["at"]).startswith("2023-02-28T23:")
    assert Leaf(0, first, settings.zone).date == "2023-03-01"
    assert Leaf(0, first, zone_named("UTC")).date == "2023-02-28"
    beijing = recompute(records, zone=settings.zone)["disbursements"]
    utc = recompute(records, zone=zone_named("UTC"))["disbursements"]
    assert {r["submitted_on"] for r in beijing} == {"2023-03-01"}
    assert {r["submitted_on"] for r in utc} == {"2023-02-28"}


def test_an_unknown_gongshi_timezone_is_refused() -> None:
    with pytest.raises(ConfigError, match="GONGSHI_TIMEZONE: 'Beijing' is not an IANA"):
        load_settings({"GONGSHI_TIMEZONE": "Beijing"})
    with pytest.raises(ConfigError, match="GONGSHI_TIMEZONE"):
        load_settings({"GONGSHI_TIMEZONE": "../../etc/passwd"})
    assert load_settings({}).timezone == "Asia/Shanghai"
    assert load_settings({"GONGSHI_TIMEZONE": "Asia/Urumqi"}).zone.key == "Asia/Urumqi"


def test_the_readme_settings_table_lists_gongshi_timezone() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "| `GONGSHI_TIMEZONE` | `Asia/Shanghai` |" in readme
