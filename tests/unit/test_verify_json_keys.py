"""``gongshi-verify … --json``: the object has exactly the keys its help names (verify/cli.py
JSON_KEYS), the rows' keys included, so an auditor's script can rely on them."""

from __future__ import annotations

import json
import re

from verify.checkpoint import Checkpoint
from verify.cli import JSON_KEYS
from verify.failure import Failure
from verify.report import Report


def documented() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {"": set()}
    for name, inner in re.findall(r"(\w+)(?: \(([^)]*)\))?", " ".join(JSON_KEYS.split())):
        keys[""].add(name)
        if inner:
            keys[name] = {k.strip() for k in inner.split(",")}
    return keys


def test_report_json_has_the_documented_keys() -> None:
    report = Report(
        policy_source="--policy p", checkpoint=Checkpoint("gongshi.example/t", 3, b"\0" * 32),
        cosigners=("audit",), times={"audit": 100},
        failures=[Failure("checkpoint", "policy.quorum", "no quorum", "departments", "audit")],
        differences=[Failure("policy", "declared.policy", "differs")], summary=["records: 3"],
    )  # fmt: skip
    value = json.loads(json.dumps(report.to_json(160)))
    keys = documented()
    assert set(value) == keys[""]
    for name, inner in keys.items():
        if name:
            rows = value[name] if isinstance(value[name], list) else [value[name]]
            assert rows and all(set(row) == inner for row in rows), name
