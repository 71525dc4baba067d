"""c2sp.org/tlog-policy: parsing, what the spec rejects, and quorum evaluation."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.checkpoint import Checkpoint
from verify.note import COSIGNATURE_V1, MLDSA44_COSIGNATURE, NoteError, Signer
from verify.policy import (
    MAX_FUTURE_SECONDS,
    NONE,
    PolicyError,
    check_policy,
    departments_policy,
    open_under_policy,
    parse_policy,
)

ORIGIN = "gongshi.example/test"
LOG = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(32)))
ED = {
    n: Signer(f"w.example/{n}", Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32),
              COSIGNATURE_V1)
    for i, n in enumerate(["X1", "X2", "X3", "Y1", "Y2", "Y3"])
}  # fmt: skip
TEXT = Checkpoint(ORIGIN, 7, bytes(range(32))).text()
NOW = 1_700_000_000


def vkey(name: str) -> str:
    return ED[name].verifier.vkey()


SPEC_EXAMPLE = f"""log {LOG.verifier.vkey()}

witness X1 {vkey("X1")}
witness X2 {vkey("X2")}
witness X3 {vkey("X3")}
group X-witnesses 2 X1 X2 X3

witness Y1 {vkey("Y1")}
witness Y2 {vkey("Y2")}
witness Y3 {vkey("Y3")}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""


def note(*cosigners: str, time: int = NOW) -> str:
    return (
        TEXT + "\n" + LOG.sign_line(TEXT) + "".join(ED[c].sign_line(TEXT, time) for c in cosigners)
    )


def test_spec_example_parses_into_groups_and_quorum() -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    assert policy.log == LOG.verifier
    assert list(policy.witnesses) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert policy.groups["X-witnesses"].threshold == 2
    assert policy.groups["Y-witnesses"].threshold == 1
    assert policy.groups["X-and-Y"].threshold == 2
    assert policy.quorum == "X-and-Y"


@pytest.mark.parametrize(
    ("cosigners", "met"),
    [
        (("X1", "X2", "Y3"), True),
        (("X1", "X3", "Y1", "Y2"), True),
        (("X1", "Y1", "Y2", "Y3"), False),  # one X is not the X group's 2
        (("X1", "X2", "X3"), False),  # no Y at all
        ((), False),
    ],
)
def test_nested_groups_decide_the_quorum(cosigners: tuple[str, ...], met: bool) -> None:
    policy = parse_policy(SPEC_EXAMPLE)
    assert policy.satisfied(cosigners) is met
    assert open_under_policy(note(*cosigners), policy).quorum_met is met


def test_quorum_none_needs_no_witness() -> None:
    policy = parse_policy(f"log {LOG.verifier.vkey()}\nquorum none\n")
    assert policy.quorum == NONE
    checkpoint, cosigned = check_policy(note(), policy)
    assert checkpoint.size == 7 and cosigned == []


def test_quorum_on_a_single_witness() -> None:
    policy = parse_policy(f"log {LOG.verifier.vkey()}\nwitness X1 {vkey('X1')}\nquorum X1\n")
    assert check_policy(note("X1"), policy)[1] == ["X1"]
    with pytest.raises(PolicyError, match="do not satisfy quorum X1"):
        check_policy(note("X2"), policy)


def test_urls_tabs_comments_and_round_trip() -> None:
    text = (
        f"  # the departments\n\tlog\t{LOG.verifier.vkey()}  https://log.example/\n"
        f"witness X1 {vkey('X1')} http://127.0.0.1:9001\nwitness X2 {vkey('X2')}\n"
        "group g all X1 X2\nquorum g"
    )
    policy = parse_policy(text)
    assert policy.logs[0].url == "https://log.example/"
    assert policy.witnesses["X1"].url == "http://127.0.0.1:9001"
    assert policy.witnesses["X2"].url is None
    assert policy.groups["g"].threshold == 2
    assert parse_policy(policy.text()) == policy


def test_mldsa_witness_key_is_accepted_and_counts() -> None:
    witness = Signer.generate("w.example/pq", MLDSA44_COSIGNATURE)
    policy = parse_policy(
        f"log {LOG.verifier.vkey()}\nwitness pq {witness.verifier.vkey()}\nquorum pq\n"
    )
    signed = TEXT + "\n" + LOG.sign_line(TEXT) + witness.sign_line(TEXT, NOW)
    assert check_policy(signed, policy)[1] == ["pq"]


BASE = f"log {LOG.verifier.vkey()}\nwitness X1 {vkey('X1')}\nwitness X2 {vkey('X2')}\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (BASE, "no quorum line"),
        (BASE + "quorum X1\nquorum X2\n", "exactly one quorum"),
        (BASE + "quorum X9\n", "'X9' is not defined above"),
        ("quorum g\n" + BASE + "group g any X1 X2\n", "'g' is not defined above"),
        (BASE + "group g any X1 later\nwitness later " + vkey("X3") + "\nquorum g\n", "'later'"),
        (BASE + "group g any X1 X1\nquorum g\n", "listed twice"),
        (BASE + "group g 3 X1 X2\nquorum g\n", "threshold '3'"),
        (BASE + "group g 0 X1 X2\nquorum g\n", "threshold '0'"),
        (BASE + "group g some X1 X2\nquorum g\n", "threshold 'some'"),
        (BASE + "group g any none\nquorum g\n", "'none' is not defined"),
        (BASE + "witness none " + vkey("X3") + "\nquorum X1\n", "reserved"),
        (BASE + "witness X1 " + vkey("X3") + "\nquorum X1\n", "already defined"),
        (BASE + "group X1 any X2\nquorum X1\n", "already defined"),
        (BASE + "witness X3 " + vkey("X1") + "\nquorum X1\n", "duplicate witness"),
        (BASE + f"log {LOG.verifier.vkey()}\nquorum X1\n", "duplicate log"),
        (f"log {vkey('X1')}\nquorum none\n", "key type 0x04, expected 0x01"),
        (f"log {LOG.verifier.vkey()}\nwitness a {LOG.verifier.vkey()}\nquorum a\n", "0x04 or 0x06"),
        (BASE + "quorum X1\r\n", "control character 0x0d"),
        (BASE + "frobnicate\nquorum X1\n", "line 4: can't read"),
        (BASE + "quorum\u3000X1\n", "can't read"),  # only space and tab separate items
        (f"log {LOG.verifier.vkey()[:-4]}AAAA\nquorum none\n", "line 1"),
    ],
)
def test_policy_rejects_what_the_spec_rejects(text: str, why: str) -> None:
    with pytest.raises(PolicyError, match=why):
        parse_policy(text)


def test_checkpoint_of_another_origin_is_refused() -> None:
    other = Checkpoint("gongshi.example/other", 7, bytes(32)).text()
    policy = parse_policy(BASE + "quorum X1\n")
    with pytest.raises(PolicyError, match="no log of the policy"):
        check_policy(other + "\n" + ED["X1"].sign_line(other, NOW), policy)


def test_cosignature_dated_in_the_future_does_not_count() -> None:
    policy = parse_policy(BASE + "group g all X1 X2\nquorum g\n")
    late = note("X1", time=NOW) + ED["X2"].sign_line(TEXT, NOW + 3600)
    checked = open_under_policy(late, policy, now=NOW)
    assert checked.cosigners == ("X1",) and not checked.quorum_met
    assert "X2" in checked.set_aside[0]
    assert open_under_policy(late, policy, now=NOW + 3600).quorum_met


def test_known_witness_line_that_fails_rejects_the_note() -> None:
    policy = parse_policy(BASE + "quorum X1\n")
    garbage = ED["X1"].sign_line(TEXT, NOW)[:-10] + "AAAAAAAAA\n"
    with pytest.raises(NoteError, match="does not verify"):
        check_policy(note("X2") + garbage, policy)


@pytest.mark.parametrize("witness", ["X2", "M"], ids=["ed25519", "ml-dsa-44"])
def test_cosignature_dated_0_does_not_count(witness: str) -> None:
    """c2sp.org/tlog-witness: "the timestamp MUST NOT be zero"; c2sp.org/tlog-cosignature: a
    zero timestamp makes no statement that this is the largest tree the cosigner has seen.
    A verified 0-dated line is set aside (named), never counted toward the quorum."""
    mldsa = Signer.generate("w.example/M", MLDSA44_COSIGNATURE)
    signer = mldsa if witness == "M" else ED["X2"]
    policy = parse_policy(
        f"log {LOG.verifier.vkey()}\nwitness X1 {vkey('X1')}\n"
        f"witness {witness} {signer.verifier.vkey()}\ngroup g all X1 {witness}\nquorum g\n"
    )
    undated = note("X1") + signer.sign_line(TEXT, 0)
    checked = open_under_policy(undated, policy, now=NOW)
    assert checked.cosigners == ("X1",) and not checked.quorum_met
    assert checked.set_aside == (f"{witness}: cosignature dated 0, which states no largest tree",)
    assert open_under_policy(undated, policy).set_aside == checked.set_aside  # no now: still
    with pytest.raises(PolicyError, match=f"set aside {witness}: cosignature dated 0"):
        check_policy(undated, policy, now=NOW)
    assert open_under_policy(note("X1") + signer.sign_line(TEXT, 1), policy, NOW).quorum_met


# Mutation testing (bench/mutation-survivors.md): the evidence a refusal carries, and edges.

FOUR = (
    BASE
    + f"witness X3 {vkey('X3')}\nwitness Y1 {vkey('Y1')}\n"
    + "group g all X1 X2 X3 Y1\nquorum g\n"
)


def test_quorum_refusal_names_every_cosigner_and_every_line_set_aside() -> None:
    late = note("X1", "X2") + ED["X3"].sign_line(TEXT, 0) + ED["Y1"].sign_line(TEXT, NOW + 3600)
    with pytest.raises(PolicyError) as refused:
        check_policy(late, parse_policy(FOUR), now=NOW)
    assert str(refused.value) == (
        "2 witness cosignatures (X1, X2) do not satisfy quorum g"
        "; set aside X3: cosignature dated 0, which states no largest tree"
        f"; set aside Y1: cosignature dated {NOW + 3600}, after {NOW}"
    )
    with pytest.raises(PolicyError) as refused:
        check_policy(note(), parse_policy(FOUR), now=NOW)
    assert str(refused.value) == "0 witness cosignatures (none) do not satisfy quorum g"


def test_check_policy_sets_aside_a_cosignature_from_the_future() -> None:
    policy = parse_policy(BASE + "quorum X1\n")
    future = note("X1", time=NOW + MAX_FUTURE_SECONDS + 1)
    with pytest.raises(PolicyError, match="set aside X1"):
        check_policy(future, policy, now=NOW)
    assert check_policy(future, policy)[1] == ["X1"]  # no clock given: nothing is in the future


def test_cosignature_exactly_max_future_seconds_ahead_still_counts() -> None:
    policy = parse_policy(BASE + "quorum X1\n")
    at_limit = note("X1", time=NOW + MAX_FUTURE_SECONDS)
    assert open_under_policy(at_limit, policy, now=NOW).cosigners == ("X1",)
    assert MAX_FUTURE_SECONDS == 300


def test_departments_policy_keeps_the_witness_urls() -> None:
    policy = departments_policy(
        LOG.verifier, {"X1": ED["X1"].verifier, "X2": ED["X2"].verifier},
        {"X1": "http://127.0.0.1:9001"},
    )  # fmt: skip
    assert policy.witnesses["X1"].url == "http://127.0.0.1:9001"
    assert policy.witnesses["X2"].url is None
    assert policy.quorum == "departments" and policy.groups["departments"].threshold == 2


def test_policy_text_writes_all_any_and_k_as_parsed() -> None:
    policy = parse_policy(BASE + "group one all X1\ngroup two all X1 X2\ngroup k 2 X1 X2 one\n"
                          "quorum k\n")  # fmt: skip
    assert "group one any X1\ngroup two all X1 X2\ngroup k 2 X1 X2 one\n" in policy.text()


def test_two_lines_by_one_witness_keep_the_newest_time() -> None:
    policy = parse_policy(BASE + "quorum X1\n")
    twice = note("X1", time=NOW) + ED["X1"].sign_line(TEXT, NOW - 50)
    assert open_under_policy(twice, policy, now=NOW).times == {"X1": NOW}
