"""The log's own policy never ends up trusting nothing by accident: ``add_witness`` (``gongshi
witness add``) puts a department's key in the ``departments`` group with a threshold that
only grows; ``ensure_policy`` (the demo) turns a ``quorum none`` policy into the three
departments; the default policy lists finance, audit, supervision in that order."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.log.witnesses import (
    DEPARTMENTS,
    WitnessError,
    add_witness,
    create_witness_key,
    default_policy,
    ensure_policy,
    witness_key_name,
    witness_verifiers,
    write_policy,
)
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, Signer, Verifier
from verify.policy import Group, Member, Policy, parse_policy

LOG = Signer.generate("gongshi.example/anqing").verifier


def _key(name: str, sig_type: int = COSIGNATURE_V1) -> Verifier:
    return Signer.generate(witness_key_name(name), sig_type).verifier


def test_witness_added_to_a_policy_that_trusted_nothing_makes_a_quorum() -> None:
    nothing = Policy((Member(LOG),))
    one = add_witness(nothing, "finance", _key("finance"), "http://127.0.0.1:7380")
    assert one.quorum == "departments" and one.groups["departments"] == Group(1, ("finance",))
    assert one.witnesses["finance"].url == "http://127.0.0.1:7380"
    two = add_witness(one, "audit", _key("audit", MLDSA44_COSIGNATURE))
    assert two.groups["departments"] == Group(2, ("finance", "audit"))
    three = add_witness(two, "supervision", _key("supervision"))
    assert three.groups["departments"] == Group(2, ("finance", "audit", "supervision"))
    assert "group departments 2 finance audit supervision\nquorum departments\n" in three.text()
    assert parse_policy(three.text()) == three


def test_witness_added_never_lowers_the_threshold_nor_changes_another_quorum() -> None:
    keys = {n: _key(n) for n in ("a", "b", "c", "d")}
    all_three = Policy((Member(LOG),), {n: Member(keys[n]) for n in "abc"},
                       {"departments": Group(3, ("a", "b", "c"))}, "departments")  # fmt: skip
    assert add_witness(all_three, "d", keys["d"]).groups["departments"].threshold == 3
    custom = Policy((Member(LOG),), {"a": Member(keys["a"])}, {"mine": Group(1, ("a",))}, "mine")
    added = add_witness(custom, "b", keys["b"])
    assert added.quorum == "mine" and added.groups == custom.groups and "b" in added.witnesses


def test_witness_quorum_none_with_witnesses_listed_gets_them_all_in_the_group() -> None:
    listed = Policy((Member(LOG),), {"finance": Member(_key("finance"))})
    added = add_witness(listed, "audit", _key("audit"))
    assert added.groups["departments"] == Group(2, ("finance", "audit"))


def test_witness_add_refuses_a_name_or_key_already_there_a_log_key_and_a_bad_url() -> None:
    finance = _key("finance")
    policy = add_witness(Policy((Member(LOG),)), "finance", finance)
    with pytest.raises(WitnessError, match="'finance' is already in the policy"):
        add_witness(policy, "finance", _key("finance"))
    with pytest.raises(WitnessError, match="is already witness 'finance'"):
        add_witness(policy, "audit", finance)
    with pytest.raises(WitnessError, match="can't be added"):
        add_witness(policy, "audit", Signer.generate("witness.gongshi.example/x").verifier)
    with pytest.raises(WitnessError, match="not an http"):
        add_witness(policy, "audit", _key("audit"), "ftp://x")


def test_demo_policy_that_trusted_nothing_ends_with_the_three_departments(tmp_path: Path) -> None:
    """What ``gongshi keys init`` wrote before: only ``quorum none``. The demo adds its three
    witness keys; a department already in the policy (its own key) is kept."""
    for name in DEPARTMENTS:
        create_witness_key(tmp_path / "keys", name)
    write_policy(tmp_path, Policy((Member(LOG),)))
    policy = ensure_policy(tmp_path, LOG)
    assert list(policy.witnesses) == list(DEPARTMENTS) and policy.quorum == "departments"
    assert policy.groups["departments"] == Group(2, DEPARTMENTS)
    assert parse_policy((tmp_path / "policy").read_text()) == policy
    own = _key("finance")
    group = {"departments": Group(1, ("finance",))}
    own_policy = Policy((Member(LOG),), {"finance": Member(own, "http://f.example")}, group)
    write_policy(tmp_path, replace(own_policy, quorum="departments"))
    kept = ensure_policy(tmp_path, LOG)
    assert kept.witnesses["finance"] == Member(own, "http://f.example")
    assert kept.groups["departments"] == Group(2, DEPARTMENTS)


def test_default_policy_lists_the_departments_in_the_issue_order(tmp_path: Path) -> None:
    for name in sorted(DEPARTMENTS):  # audit, finance, supervision on disk
        create_witness_key(tmp_path / "keys", name)
    assert list(witness_verifiers(tmp_path / "keys")) == sorted(DEPARTMENTS)
    text = default_policy(tmp_path, LOG).text()
    assert "group departments 2 finance audit supervision\n" in text
