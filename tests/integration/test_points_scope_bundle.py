"""Points streams' place in ``gongshi-verify bundle`` (review defects 5, 6): a real bundle
with books, a plan and entries passes; one record changed — re-chained and
re-signed by an operator holding the log's key, so only the rule across records can catch
it — fails naming the rule, and that rule only. Named after the tampering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.log.checkpoints import sign_checkpoint
from ledger.log.keys import create_log_key, load_signer
from ledger.points.config import Component
from ledger.settings import Settings
from tests.integration.bundles import (
    ORIGIN,
    Keys,
    export_cosigned,
    forge_one,
    no_pinned_policy,  # noqa: F401 (autouse)
    rules,
    run_json,
)
from tests.integration.points_helpers import VILLAGE, cadre_book, points_ready
from tests.integration.test_points_scope import (
    OWN,
    QS_TOWNSHIP,
    QS_VILLAGE,
    other_county,
    own_account,
)

Made = tuple[Keys, Path, Path]


@pytest.fixture
def made(ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path) -> Made:
    """Taihu's 2023 scheme and th01 plan; two books of 晋熙镇01村, the first with no later
    record; on the second (whose cadre is OWN's) a 测评 entry by vc-01; Qianshan's
    committees of a same-named th01 and 晋熙镇01村 enrolled. Exported, signed."""
    other_county(ledger)
    create_log_key(settings.log_skey_path, settings.log_vkey_path, ORIGIN)
    keys = Keys.fresh(load_signer(settings.log_skey_path, ORIGIN))
    points = points_ready(ledger, clock)
    cadre_book(points, name="李四")
    book = cadre_book(points)
    own_account(ledger, points, book)
    points.enter(book, quarter=2, component=Component.EVALUATION, points_tenths=40,
                 reason="季度综合评价", actor=VILLAGE)  # fmt: skip
    sign_checkpoint(ledger.log, keys.log, ORIGIN, clock)
    return keys, tmp_path / "bundle", export_cosigned(ledger, settings, keys, tmp_path / "bundle")


def _named(made: Made, capsys: pytest.CaptureFixture[str]) -> tuple[int, set[str]]:
    _, bundle, pinned = made
    code, report = run_json(capsys, "bundle", str(bundle), "--policy", str(pinned))
    return code, rules(report)


FORGED: list[tuple[str, dict[str, Any], str, str]] = [  # type, change, rule, test id
    ("points.BookOpened", {"data.county": "qianshan", "actor.principal": QS_VILLAGE.principal},
     "principal.scope", "book-of-a-taihu-scheme-opened-in-qianshan-by-its-committee"),
    ("points.TaskPlanSet", {"data.county": "qianshan", "actor.principal": QS_TOWNSHIP.principal},
     "principal.scope", "plan-of-a-taihu-scheme-set-in-qianshan-by-its-committee"),
    ("points.ScoreEntered", {"actor.principal": QS_VILLAGE.principal},
     "principal.scope", "entry-in-a-taihu-book-by-a-same-named-qianshan-village"),
    ("points.ScoreEntered", {"actor.principal": OWN.principal},
     "principal.own_book", "entry-by-the-cadres-own-account"),
]  # fmt: skip


def test_a_bundle_of_placed_points_streams_passes(
    made: Made, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _named(made, capsys) == (0, set())


@pytest.mark.parametrize(("kind", "change", "rule"), [row[:3] for row in FORGED],
                         ids=[row[3] for row in FORGED])  # fmt: skip
def test_one_record_out_of_its_place_is_named_alone(
    made: Made, capsys: pytest.CaptureFixture[str], kind: str, change: dict[str, Any], rule: str
) -> None:
    keys, bundle, _ = made
    forge_one(bundle, keys, kind, change)
    assert _named(made, capsys) == (1, {rule})
