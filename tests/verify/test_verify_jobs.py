"""``gongshi-verify bundle --jobs N`` (verify/parallel.py): the records' own checks on N
processes give the same report as one process, failures in the same order (by position) with
the same messages, on a clean bundle and on tampered ones. Chunks of 4 lines here, so that a
small bundle spans many chunks and the pool is used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Database, Settings
from tests.integration.bundles import (
    lines,
    make_bundle,
    no_pinned_policy,  # noqa: F401 (autouse)
    run,
    run_json,
    write_lines,
)
from verify.merkle import CompactRange, leaf_hash
from verify.parallel import KEPT, chunks

CHUNK = 4


@pytest.fixture
def database(sqlite_database: Database) -> Database:
    return sqlite_database  # the verifier reads files: one backend is enough


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("verify.parallel.CHUNK", CHUNK)


@pytest.fixture
def made(ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path) -> Path:
    make_bundle(ledger, settings, clock, tmp_path / "bundle")
    return tmp_path / "bundle"


def reports(capsys: pytest.CaptureFixture[str], bundle: Path) -> list[dict[str, Any]]:
    """The JSON report for --jobs 1, 2 and 3 (a fixed --now)."""
    pinned = str(bundle.parent / "pinned-policy")
    found = []
    for jobs in ("1", "2", "3"):
        code, report = run_json(capsys, "bundle", str(bundle), "--policy", pinned,
                                "--now", "1700000160", "--jobs", jobs)  # fmt: skip
        found.append(report | {"exit": code})
    return found


def test_clean_bundle_same_report_for_any_jobs(
    made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(lines(made)) > 3 * CHUNK  # the pool is used
    one, two, three = reports(capsys, made)
    assert one["result"] == "VALID" and one["exit"] == 0
    assert one == two == three


def test_tampered_bundle_same_failures_in_the_same_order(
    made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = lines(made)
    first_signed = min(int(p.name) for p in (made / "checkpoints").iterdir())
    at = next(i for i, r in enumerate(records) if b'"amount_fen":80000' in r)
    assert at < first_signed  # the earlier checkpoint's prefix root breaks too
    records[at] = records[at].replace(b'"amount_fen":80000', b'"amount_fen":80001')
    later = len(records) - 3  # in another chunk: not canonical
    records[later] = records[later].replace(b'{"actor":', b'{ "actor":', 1)
    write_lines(made, records)
    path = made / "records.jsonl"
    path.write_bytes(path.read_bytes().removesuffix(b"\n"))  # the last line truncated
    one, two, three = reports(capsys, made)
    assert one == two == three
    assert one["result"] == "INVALID" and one["exit"] == 1
    rules = [f["rule"] for f in one["failures"]]
    assert {"chain.prev", "checkpoint.prefix_root", "record.canonical", "records.newline",
            "records.root"} <= set(rules)  # fmt: skip
    assert one["failures"][0]["where"] == f"records.jsonl line {at + 1}"  # its amount's rule
    where = {f["rule"]: f["where"] for f in one["failures"]}
    assert where["record.canonical"] == f"records.jsonl line {later + 1}"
    assert where["records.newline"] == f"records.jsonl line {len(records)}"


def test_text_report_same_for_any_jobs(made: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = lines(made)
    del records[len(records) // 2]
    write_lines(made, records)
    pinned = str(made.parent / "pinned-policy")
    outs = {run(capsys, "bundle", str(made), "--policy", pinned, "--now", "1700000160",
                "--jobs", jobs) for jobs in ("1", "2")}  # fmt: skip
    assert len(outs) == 1 and next(iter(outs))[0] == 1


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(
    made: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    code, out = run(capsys, "bundle", str(made), "--jobs", jobs)
    assert code == 2 and "--jobs" in out


def test_chunk_edges_extend_to_the_same_tree() -> None:
    for size in range(0, 41):
        leaves = [leaf_hash(bytes([n])) for n in range(size)]
        whole, chunked = CompactRange(), CompactRange()
        for leaf in leaves:
            whole.append(leaf)
        for start in range(0, size, CHUNK):
            part = CompactRange()
            for leaf in leaves[start : start + CHUNK]:
                part.append(leaf)
            chunked.extend(part.edge())
        assert (chunked.size, chunked.root()) == (whole.size, whole.root())
        assert chunked.edge() == whole.edge()


@pytest.mark.parametrize("jobs", [1, 2])
def test_lines_are_read_as_the_chunks_are_taken(jobs: int) -> None:
    """Streaming: at most N + 2 chunks are read ahead of the one taken (in-process: two of
    KEPT lines), so memory does not grow with the records."""
    read, lines = 0, 4 * KEPT

    def source() -> Iterator[bytes]:
        nonlocal read
        for _ in range(lines):
            read += 1
            yield b"x\n"

    ahead, taken = 2 * KEPT if jobs == 1 else (jobs + 2) * CHUNK, 0
    for chunk in chunks(source(), jobs):
        taken += len(chunk.lines)
        assert len(chunk.bad) == len(chunk.lines)  # each line refused, in its chunk
        assert read - taken <= ahead
    assert taken == read == lines
