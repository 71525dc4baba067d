"""The README's flow through the real console script: demo, demo again, check (both backends)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from ledger.settings import Database
from verify.params import LISTS


def _gongshi(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_demo_prints_nine_grants_and_is_idempotent(database: Database, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GONGSHI_HOME": str(tmp_path / "home"),
        "GONGSHI_DATABASE_URL": database.url,
    }
    env.pop("GONGSHI_VAULT_KEY", None)
    first = _gongshi(["demo"], env)
    assert first.returncode == 0, first.stderr
    assert "2023: 9 grants, 7,800.00 yuan disbursed" in first.stdout
    assert "remaining budget 42,200.00 yuan" in first.stdout
    assert "2024: 3 grants, 2,800.00 yuan disbursed, 300.00 yuan recovered" in first.stdout
    out = first.stdout
    assert "1,296 cadres 648 副职, 432 正职, 216 后备" in out
    assert "58 with bonus at the 5.0-point cap" in out and "5,184 测评 entries" in out
    assert "10 projects, 120 checklist items" in out and "their cases closed" in out
    assert (
        "208 cadres examined across 152 party branches; 2 moved to non-leading posts for "
        "observation, 1 promotion deferred" in out
    )
    # "目前已累计约谈 30 余人次": the special inspection of cadre selection, not the other one
    assert "special inspection of cadre selection" in out and "33 talks with unit heads" in out
    # issue 14: Qianshan's 平时考核 (one Q4 goal missing, five steps late) and Huaining's 讲组工
    assert "20 cadres in 4 sections; 319 of 320 loop steps" in out and "5 late, 1 missing" in out
    assert "basically_competent 1, competent 15, excellent 4; 3 training classes" in out
    assert "13 weekly lectures (policy 5, business 4, plans 4)" in out and "13 closed" in out
    assert "11 mentors, 22 mentees, 1 pair ended, 174 quarterly notes" in out
    # Huaining's 平时考核 too: the lectures are references of the speakers' Q2 appraisals
    assert "33 cadres in 5 sections; 528 of 528 loop steps" in out and "3 late, 0 missing" in out
    assert (
        "basically_competent 1, competent 26, excellent 6; 13 appraisals refer to a lecture" in out
    )
    key = tmp_path / "home" / "keys" / "vault.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    check = _gongshi(["check"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    records = check.stdout.split()[1]

    again = _gongshi(["demo"], env)
    assert again.returncode == 0 and "already loaded" in again.stdout
    assert "2023: 9 grants, 7,800.00 yuan disbursed" in again.stdout
    assert _gongshi(["check"], env).stdout.split()[1] == records  # nothing doubled

    if database.kind == "postgresql":
        refused = _gongshi(["demo", "--reset"], env)
        assert refused.returncode == 2 and "--yes" in refused.stderr
    reset = _gongshi(["demo", "--reset", "--yes"], env)
    assert reset.returncode == 0 and "already loaded" not in reset.stdout
    assert _gongshi(["check"], env).stdout.split()[1] == records


def test_bad_database_url_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "GONGSHI_HOME": str(tmp_path), "GONGSHI_DATABASE_URL": "mysql://x/y"}
    result = _gongshi(["check"], env)
    assert result.returncode == 2
    assert "scheme must be sqlite:/// or postgresql://" in result.stderr


def test_followups_and_erase_commands(sqlite_database: Database, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GONGSHI_HOME": str(tmp_path / "home"),
        "GONGSHI_DATABASE_URL": sqlite_database.url,
        "GONGSHI_LANG": "en",  # an operator's English (the lines read below; codes as is)
    }
    assert _gongshi(["demo"], env).returncode == 0
    early = _gongshi(["followups", "--year", "2023", "--today", "2023-04-01"], env)
    assert early.returncode == 0 and early.stdout.startswith("0 grants of 2023")
    late = _gongshi(["followups", "--year", "2023", "--today", "2024-06-01"], env)
    # 9 paid by 22 March 2023: 3 never visited, 6 visited once, whose second visit (every 90
    # days for a year) is due by September 2023
    assert late.stdout.startswith("9 grants of 2023"), late.stdout
    assert late.stdout.count("visit 1 due") == 3 and late.stdout.count("visit 2 due") == 6

    overdue = _gongshi(["overdue", "--today", "2024-04-30"], env)
    assert overdue.returncode == 0
    count = int(overdue.stdout.split()[0])
    assert count > 8 and "bottom_ranking" in overdue.stdout and "overdue_project" in overdue.stdout
    _escalate_as_a_supervisor_would(env)
    boundary = _gongshi(["overdue", "--today", "2024-03-31"], env)  # ranking deadline day
    assert "bottom_ranking" not in boundary.stdout

    from tests.integration.store_access import rows

    stored = rows(sqlite_database)
    paid = {r[1] for r in stored if r[3] == "carefund.GrantDisbursed"}
    subject = next(
        json.loads(r[4].split(b"\n", 1)[1])["data"]["subject"]
        for r in stored
        if r[3] == "carefund.ApplicationSubmitted" and r[1] in paid
    )  # a paid applicant: the public list shows their masked name until the erasure
    _erase_as_a_sysadmin_would(env, subject)
    assert [r[3] for r in rows(sqlite_database)[-3:]] == [
        "subject.ErasureRequested", "subject.ErasureApproved", "subject.Erased"
    ]  # fmt: skip
    check = _gongshi(["check"], env)
    assert check.returncode == 0 and check.stdout.startswith("OK: ")
    _projection_commands(env)
    _export_before_the_erasure_is_signed(env, tmp_path)
    _log_commands(env, tmp_path)


def _token(env: dict[str, str], principal: str) -> str:
    created = _gongshi(["tokens", "create", "--principal", principal], env)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def _escalate_as_a_supervisor_would(env: dict[str, str]) -> None:
    """``gongshi escalate`` acts as a principal only with a token, a supervision principal's
    (Yuexi's, for its county's projects: the demo's policy ran monthly, nothing is left); the
    system account the daily job acts as gets no token."""
    escalate = ["escalate", "--today", "2024-04-30"]
    unsigned = _gongshi(escalate, env)
    assert unsigned.returncode == 2 and "--token" in unsigned.stderr, unsigned.stderr
    system = _gongshi(["tokens", "create", "--principal", "policy-keyproject"], env)
    assert system.returncode == 2 and "principal.system" in system.stderr, system.stderr
    assert system.stdout == ""
    intake = _gongshi([*escalate, "--token", _token(env, "intake-tc-01")], env)
    assert intake.returncode == 2 and "supervision" in intake.stderr, intake.stderr
    yuexi = _gongshi([*escalate, "--token", _token(env, "jw-yuexi-01")], env)
    assert yuexi.returncode == 0, yuexi.stderr
    assert yuexi.stdout.startswith("0 overdue key-project items escalated on 2024-04-30")


def _erase_as_a_sysadmin_would(env: dict[str, str], subject: str) -> None:
    """The CLI acts only with a token: the demo's admin enrols two data-protection officers;
    one requests the erasure with its reason, the other approves it (PIPL art. 47), and the
    approval carries it out; the batched job then compacts, the demo's held request waiting."""
    admin = _token(env, "demo-admin")
    for officer in ("dpo-ops-01", "dpo-ops-02"):
        enrolled = _gongshi(["principals", "enrol", "--account", officer, "--role",
                             "data_protection", "--token", admin], env)  # fmt: skip
        assert enrolled.returncode == 0, enrolled.stderr
    first, second = _token(env, "dpo-ops-01"), _token(env, "dpo-ops-02")
    request = ["erase", subject, "--reason", "本人申请删除个人信息"]
    unsigned = _gongshi(request, env)
    assert unsigned.returncode == 2 and "--token" in unsigned.stderr
    intake = _gongshi([*request, "--token", _token(env, "intake-tc-01")], env)
    assert intake.returncode == 2 and "data_protection" in intake.stderr, intake.stderr
    too_early = _gongshi(["erase", subject, "--approve", "--token", second], env)
    assert too_early.returncode == 2 and "subject.erasure_approval" in too_early.stderr
    requested = _gongshi([*request, "--token", first], env)
    assert requested.returncode == 0 and "second principal" in requested.stdout, requested.stderr
    own = _gongshi(["erase", subject, "--approve", "--token", first], env)
    assert own.returncode == 2 and "subject.erasure_approval" in own.stderr, own.stderr
    approved = _gongshi(["erase", subject, "--approve", "--token", second], env)
    assert approved.returncode == 0 and approved.stdout.startswith(f"erased subject {subject}")
    job = _gongshi(["erase", "--run"], env)  # the demo's cadre stays held by its open case
    assert job.returncode == 0, job.stderr
    assert job.stdout.startswith("erased 0, held 1, compacted: yes"), job.stdout
    assert "supervision case" in job.stdout


def _export_before_the_erasure_is_signed(env: dict[str, str], tmp_path: Path) -> None:
    """The lists are past the checkpoint (the erasure); the export rebuilds them to the
    checkpoint's size, where the vault has forgotten the name already: 已删除 is accepted."""
    bundle = tmp_path / "before-signing"
    assert _gongshi(["export", str(bundle)], env).returncode == 0
    published = (bundle / "published" / "disbursements.jsonl").read_text()
    assert "已删除" in published
    checked = _verify(["bundle", str(bundle), "--policy", _pinned(env, bundle)])
    assert checked.returncode == 0, checked.stdout


def _projection_commands(env: dict[str, str]) -> None:
    """rebuilds after the erasure (which the erase command integrated), then status."""
    rebuilt = _gongshi(["rebuild", "--all"], env)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert rebuilt.stdout.count("is identical") == len(LISTS)
    shadow = _gongshi(["rebuild", "points", "--shadow"], env)
    assert shadow.returncode == 0 and "swapped in" in shadow.stdout
    status = _gongshi(["projections", "status"], env).stdout.splitlines()
    assert len(status) == len(LISTS) + 1  # a header, a line per list
    assert status[0].split()[:4] == ["projection", "position", "log", "lag"]
    assert all(line.split()[3] == "0" for line in status[1:]), status
    assert {line.split()[0] for line in status[1:]} >= {"disbursements", "points"}
    for bad in (["rebuild"], ["rebuild", "points", "--all"], ["rebuild", "nosuch"]):
        refused = _gongshi(bad, env)
        assert refused.returncode == 2, bad


def _log_commands(env: dict[str, str], tmp_path: Path) -> None:
    """checkpoint, proof and export on the demo; the RFC reference recomputes the root."""
    import base64
    import json

    from tests.support.rfc9162 import mth
    from verify.checkpoint import open_checkpoint
    from verify.merkle import leaf_hash, verify_consistency, verify_inclusion
    from verify.note import parse_vkey
    from verify.tlogproof import parse_tlog_proof

    signed = _gongshi(["checkpoint"], env)  # the erasure grew the tree
    assert signed.returncode == 0 and signed.stdout.startswith("gongshi.example/anqing\n")
    again = _gongshi(["checkpoint"], env)
    assert "tree did not grow" in again.stdout
    size = int(signed.stdout.split("\n")[1])
    status = _gongshi(["log", "status"], env)  # no witness URL in the demo's policy
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"newest signed    checkpoint: size {size}," in status.stdout
    # since the demo's witnessed checkpoint: two enrolments, the request, approval, erasure
    assert f"newest witnessed checkpoint: size {size - 5}," in status.stdout
    bundle, tiles = tmp_path / "bundle", tmp_path / "tiles"
    exported = _gongshi(["export", "--unwitnessed", "--tiles", str(tiles), str(bundle)], env)
    assert exported.returncode == 0, exported.stderr
    lines = (bundle / "records.jsonl").read_bytes().split(b"\n")[:-1]
    assert max(map(len, lines)) <= 65_535  # every record fits an entry bundle (rule 78)
    assert _entry_bundles(tiles, len(lines)) == lines  # the static tiles serve every record
    vkey = parse_vkey((bundle / "keys" / "log.vkey").read_text())
    checkpoint = open_checkpoint(
        (bundle / "checkpoint").read_text(), "gongshi.example/anqing", vkey
    )
    assert checkpoint.size == len(lines) and checkpoint.root == mth(lines)

    b64 = base64.b64decode
    inclusion = json.loads(_gongshi(["proof", "inclusion", "1234"], env).stdout)
    assert inclusion["tree_size"] == checkpoint.size
    assert b64(inclusion["leaf_hash"]) == leaf_hash(lines[1234])
    verify_inclusion(1234, checkpoint.size, leaf_hash(lines[1234]),
                     [b64(h) for h in inclusion["proof"]], checkpoint.root)  # fmt: skip
    older = sorted(int(p.name) for p in (bundle / "checkpoints").iterdir())[0]
    consistency = json.loads(
        _gongshi(["proof", "consistency", str(older), str(len(lines))], env).stdout
    )
    verify_consistency(older, len(lines), [b64(h) for h in consistency["proof"]],
                       b64(consistency["old_root"]), checkpoint.root)  # fmt: skip
    record = json.loads(lines[4321])
    text = _gongshi(["proof", "record", record["stream"], str(record["version"])], env).stdout
    proof = parse_tlog_proof(text)
    signed_cp = open_checkpoint(proof.checkpoint, "gongshi.example/anqing", vkey)
    verify_inclusion(
        proof.index, signed_cp.size, leaf_hash(lines[4321]), proof.proof, signed_cp.root
    )
    out = tmp_path / "record-proof"
    written = _gongshi(["proof", "record", record["stream"], str(record["version"]),
                        "--out", str(out)], env)  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert (out / "record").read_bytes() == lines[4321]
    assert (out / "proof").read_text() == text
    checked = _verify(["proof", str(out / "proof"), "--record", str(out / "record"),
                       "--policy", _pinned(env, bundle)])  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for bad in (["proof", "inclusion", str(len(lines))], ["proof", "consistency", "5", "4"],
                ["proof", "consistency", "0", "4"], ["proof", "inclusion", "0", "--size", "0"],
                ["proof", "record", record["stream"], "999"]):  # fmt: skip
        refused = _gongshi(bad, env)
        line = refused.stderr  # one line, no traceback: "gongshi proof KIND: error: ..."
        assert refused.returncode == 2 and line.startswith(f"gongshi proof {bad[1]}: error: "), bad
        assert line.count("\n") == 1, line
    _witness_round(env, tmp_path, bundle)


def _entry_bundles(tiles: Path, size: int) -> list[bytes]:
    """The records of the exported entry bundles (c2sp.org/tlog-tiles: each a big-endian
    uint16 length then the record), the full ones and the partial one at ``size``."""
    from ledger.log.tiles import TileId

    found = []
    for index in range(-(-size // 256)):
        data = tiles / TileId(None, index, min(256, size - index * 256)).path()
        body, at = data.read_bytes(), 0
        while at < len(body):
            length = int.from_bytes(body[at : at + 2], "big")
            found.append(body[at + 2 : at + 2 + length])
            at += 2 + length
    return found


def _pinned(env: dict[str, str], bundle: Path) -> str:
    """The departments' policy as an auditor pins it: the demo's $GONGSHI_HOME/policy (the
    demo holds every department's key), else the one the first export declared."""
    home = Path(env["GONGSHI_HOME"]) / "policy"
    return str(home if home.exists() else bundle / "policy")


def _verify(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verify", *args], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip


def _witness_round(env: dict[str, str], tmp_path: Path, bundle: Path) -> None:
    """The new checkpoint has no cosignatures yet: the bundle fails the default policy until
    two departments cosign it (from the bundle) and the operator attaches their lines."""
    home = Path(env["GONGSHI_HOME"])
    first = _verify(["bundle", str(bundle), "--policy", _pinned(env, bundle)])
    assert first.returncode == 1 and "0 witness cosignatures" in first.stdout
    for name in ("finance", "audit"):
        key, state = home / "keys" / f"witness-{name}.skey", home / "witness" / f"{name}.json"
        cosigned = _verify([
            "witness", "cosign", "--name", name, "--key", str(key), "--state", str(state),
            "--bundle", str(bundle),
        ])  # fmt: skip
        assert cosigned.returncode == 0, cosigned.stdout + cosigned.stderr
        attached = _gongshi(["witness", "add-cosignature", cosigned.stdout], env)
        assert attached.returncode == 0, attached.stderr
    again = tmp_path / "bundle2"
    assert _gongshi(["export", str(again)], env).returncode == 0
    final = _verify(["bundle", str(again), "--policy", _pinned(env, bundle)])
    assert final.returncode == 0, final.stdout
    line = next(x for x in final.stdout.splitlines() if x.startswith("cosigned by: "))
    assert "finance (" in line and "audit (" in line, line
    assert f"{len(LISTS)} published lists" in final.stdout
    _changed_published_amount_is_named(again)
    bogus = _gongshi(["witness", "add-cosignature", "\u2014 nobody.example AAAAAAAAAAAA"], env)
    assert bogus.returncode == 2 and "not a known witness" in bogus.stderr


def _changed_published_amount_is_named(bundle: Path) -> None:
    """The demo's published lists are recomputed by gongshi-verify; one changed amount in
    the disbursement list (header digest fixed up too) fails, naming the row and member."""
    import hashlib
    import json

    from verify.canonical import canonical_bytes

    path = bundle / "published" / "disbursements.jsonl"
    header, *rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert header["rows"] == 12 and header["tree_size"] > 0
    rows[3]["amount_fen"] += 100
    lines = [canonical_bytes(row) for row in rows]
    header["digest"] = hashlib.sha256(b"".join(line + b"\n" for line in lines)).hexdigest()
    path.write_bytes(b"".join(line + b"\n" for line in [canonical_bytes(header), *lines]))
    tampered = _verify(["bundle", str(bundle), "--policy", str(bundle / "policy")])
    assert tampered.returncode == 1
    assert f"published/disbursements.jsonl row {rows[3]['key']}: member amount_fen" in (
        tampered.stdout
    ), tampered.stdout
