"""Property tests on the tile-backed log (SQLite): for random sizes across tile boundaries,
roots and proofs equal the RFC reference, verify, and fail on any one-bit change."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.ledger import Ledger, open_ledger
from ledger.log import tree
from ledger.settings import Settings, parse_database_url
from tests.integration.helpers import INTAKE
from tests.integration.test_log import _leaf_data
from tests.support.rfc9162 import mth, path, subproof
from verify.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion

# The log's mechanics over any records: no registry, actors not checked (tests/conftest.py).
pytestmark = pytest.mark.registry("unchecked")

SIZE = 700  # crosses two level-0 tile boundaries (256, 512)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, list[bytes]]]:
    home = tmp_path_factory.mktemp("log-properties")
    database = parse_database_url(f"sqlite:///{home / 'ledger.db'}")
    ledger = open_ledger(Settings(home, database, secrets.token_hex(32)))
    ledger.app.enforce_principals = False  # as pytestmark says: the log's mechanics
    for i in range(SIZE):
        ledger.register_subject({"name": f"p{i}"}, "worker", INTAKE)
    while ledger.log.integrate_step(123):
        pass
    yield ledger, _leaf_data(ledger)
    ledger.close()


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_inclusion_across_tiles(built: tuple[Ledger, list[bytes]], data: st.DataObject) -> None:
    ledger, leaves = built
    size = data.draw(st.integers(1, SIZE))
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index, size, ledger.log.fetch)
    root = tree.root(size, ledger.log.fetch)
    assert proof == path(index, leaves[:size]) and root == mth(leaves[:size])
    verify_inclusion(index, size, leaf_hash(leaves[index]), proof, root)
    if proof:
        target = data.draw(st.integers(0, len(proof) - 1))
        bad = [
            *proof[:target],
            _flip(proof[target], data.draw(st.integers(0, 255))),
            *proof[target + 1 :],
        ]
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf_hash(leaves[index]), bad, root)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_consistency_across_tiles(built: tuple[Ledger, list[bytes]], data: st.DataObject) -> None:
    ledger, leaves = built
    new = data.draw(st.integers(2, SIZE))
    old = data.draw(st.integers(1, new - 1))
    proof = tree.consistency_proof(old, new, ledger.log.fetch)
    assert proof == subproof(old, leaves[:new], True)
    r1, r2 = tree.root(old, ledger.log.fetch), tree.root(new, ledger.log.fetch)
    verify_consistency(old, new, proof, r1, r2)
    with pytest.raises(ProofError):
        verify_consistency(old, new, proof, _flip(r1, data.draw(st.integers(0, 255))), r2)
