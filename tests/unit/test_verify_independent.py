"""verify/ imports only the standard library and cryptography."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

VERIFY = Path(__file__).resolve().parents[2] / "verify"
FORBIDDEN = (
    "ledger",
    "projections",
    "api",
    "eventsourcing",
    "psycopg",
    "fastapi",
    "starlette",
    "pydantic",
)


def test_importing_verify_loads_no_writer_side_package() -> None:
    code = (
        "import sys, pkgutil, importlib, verify;"
        "names = [m.name for m in pkgutil.iter_modules(verify.__path__)];"
        "[importlib.import_module('verify.' + n) for n in names if n != '__main__'];"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=VERIFY.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_sources_import_only_stdlib_and_cryptography() -> None:
    allowed = set(sys.stdlib_module_names) | {"cryptography", "verify", "__future__"}
    for path in VERIFY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_verify_stays_small_enough_to_read_in_an_afternoon() -> None:
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in VERIFY.rglob("*.py"))
    # 2,400 until issue 11 added the tlog-policy parser, ML-DSA-44, the witness's HTTP service
    # (c2sp.org/tlog-witness) and the record schema of FORMAT.md §4: a department runs the
    # witness from this package, so it lives here under the same import rule. 4,000 -> 5,000:
    # the schema of §4 (schema.py ~310), stream references (streams.py), the rules across
    # records at every prefix (invariants.py) and the lists' params (params.py), which an
    # auditor otherwise had to guess; each small module reads on its own. 5,000 -> 6,200:
    # issue 13 made the verifier check the domain's own rules, 38 rules across records
    # (FORMAT.md §4), so a record that breaks one can't be slipped in by writing to the
    # database: one module per domain (rules_points.py ~470: allocations, the year-end close
    # and its ranking; rules_supervision.py ~360: bottom cases in order and by the right
    # hands, key projects, the special inspection, posts; rules_carefund.py ~190;
    # rules_principals.py ~170; rules_subjects.py ~100: erasure) and the schema of their new
    # records; 5,949 lines after taking out what they repeated (failure.mismatches, one
    # Handler, one table of case steps). 6,200 -> 6,400: carefund.pair (rule 42, ~70 lines in
    # rules_carefund.py) checks that the fund year's and the application's record of one
    # command agree, and the end-of-bundle check it needs (Invariants.end). 6,400 -> 7,200:
    # issue 14, the routine assessment of a county organisation department's own cadres, 24
    # rules across records (FORMAT.md §4 rules 45-68), one module per programme as in
    # ledger/assessment/: rules_assessment.py ~340 (programmes, the quarterly loop, the annual
    # grade, assessment.account), rules_lectures.py ~190, rules_mentoring.py ~115,
    # rules_training.py ~90, quarters.py ~30 (one calendar for the verifier, the lists and the
    # ledger); the four new lists' recomputation (lists.py ~+110) and the 19 record types of
    # the schema (~+70); 7,198 lines after the ledger's copies became imports of these.
    # 7,200 -> 8,000: issue 15, the posting (公示) and its objections (异议/举报) as records
    # the verifier checks and a list it recomputes, and the spreadsheet import's batch record.
    # 8,000 -> 8,300: issue 16, records bounded by an entry bundle: the year close's ranking
    # parts and the import batch's parts (rules 77, 79) and the size rule (78,
    # rules_records.py ~25); --jobs N (parallel.py ~110: each record's own checks and the tree
    # on N processes, the report the same for any N); the close without erased cadres.
    assert lines < 8300, f"verify/ has {lines} lines"
