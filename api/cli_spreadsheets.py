"""``gongshi import FILE --kind KIND --token T``: import a spreadsheet as
``POST /api/v1/imports/KIND`` does (every row checked first; nothing written if any is bad;
the same file twice is written once); ``gongshi export-list NAME --format csv|xlsx --out FILE``:
a public list (or the fund ledger) with every row matching the filters, as the list's
``?format=`` answers it.

KIND: points-entries (季度积分; township party committee, village committee) or
carefund-applications (帮扶申请; intake). Templates: GET /api/v1/imports/templates/KIND.xlsx.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from api.cli_output import add_json_flag, print_json, progress, say, wants_json
from api.cli_principals import add_token_argument, token_actor
from api.spreadsheets.columns import COLUMNS
from api.spreadsheets.export import csv_bytes, xlsx_bytes
from api.spreadsheets.importer import KINDS, import_file
from ledger.carefund.config import FundConfig
from ledger.ledger import Ledger, open_ledger
from ledger.settings import Settings
from projections import queries
from projections.queries import ListReader, Row
from projections.registry import projections_of

EXIT_REFUSED = 2
PROJECTION = {"supervision": "supervision-cases"}  # the list's projection, where named apart


@dataclass
class _Local:
    """What an import needs of a server's services, for a command run on the server."""

    ledger: Ledger
    carefund_config: FundConfig


def _import(settings: Settings, args: argparse.Namespace) -> int:
    data = Path(args.file).read_bytes()
    ledger = open_ledger(settings)
    try:
        actor = token_actor(ledger, args)
        today = ledger.clock().date()
        with progress(f"importing {Path(args.file).name}", unit="rows"):
            outcome = import_file(_Local(ledger, FundConfig()), actor, args.kind,
                                  Path(args.file).name, data, today)  # fmt: skip
    finally:
        ledger.close()
    if wants_json(args):
        print_json({"errors": [e.to_json() for e in outcome.errors], "already": outcome.already,
                    "written": outcome.written})  # fmt: skip
        return EXIT_REFUSED if outcome.errors else 0
    if outcome.errors:
        for e in outcome.errors:
            where = (
                "文件" if e.row == 0 else f"第 {e.row} 行" + (f"「{e.column}」" if e.column else "")
            )
            print(f"{where}：{e.message}", file=sys.stderr)
        n = len(outcome.errors)
        print(say(f"共 {n} 处问题，未写入任何记录", f"{n} problems; nothing was written"),
              file=sys.stderr)  # fmt: skip
        return EXIT_REFUSED
    written: dict[str, Any] = outcome.written or {}
    result, evidence = written.get("result", {}), written.get("evidence", {})
    leaf = evidence.get("leaf_index")
    if outcome.already:
        print(say(f"该文件已导入过（批次 {result['batch']}，{result['row_count']} 行），未重复写入",
                  f"already imported (batch {result['batch']}, {result['row_count']} rows); nothing"
                  " written"))  # fmt: skip
    else:
        print(say(f"已导入 {result['row_count']} 行：批次 {result['batch']}",
                  f"imported {result['row_count']} rows: batch {result['batch']}"))  # fmt: skip
    print(f"sha256 {result['sha256']}  record {evidence.get('record_hash')}  leaf {leaf}")
    return 0


def _rows(reader: ListReader, name: str, today: date, a: argparse.Namespace) -> list[Row]:
    """Every row of list ``name`` matching the filters given, in the list's order."""
    if name == "disbursements":
        return queries.disbursements(reader, today, year=a.year, industry=a.industry,
                                     tier=a.tier, month=a.month, limit=None).rows  # fmt: skip
    if name == "fund-ledger":
        return queries.fund_ledger(reader, today, a.year)
    if name == "audit-results":
        return queries.audit_results(reader, a.year)
    if name == "points":
        return queries.points(reader, period=a.period, county=a.county, township=a.township,
                              village=a.village, category=a.category,
                              bottom_only=a.bottom_only, year=a.year)  # fmt: skip
    if name == "supervision":
        return queries.supervision_cases(reader, today)
    if name == "key-projects":
        return queries.key_projects(reader, today)
    if name == "lectures":
        return queries.lectures(reader, county=a.county, limit=None).rows
    if name == "assessment-loops":
        return queries.assessment_loops(reader, today, county=a.county, year=a.year,
                                        quarter=a.quarter, limit=None).rows  # fmt: skip
    if name == "mentoring-pairs":
        return queries.mentoring_pairs(reader, county=a.county, limit=None).rows
    if name == "training-classes":
        return queries.training_classes(reader, county=a.county, year=a.year, limit=None).rows
    rows = reader.rows("objections")  # by posting, then number
    return [r for r in rows if a.year is None or r["year"] == a.year]


def _export(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        ledger.log.integrate()
        with (
            projections_of(ledger, settings) as projections,
            progress(f"bringing {args.name} up to the log", unit="leaves") as update,
        ):
            projections.catch_up([PROJECTION.get(args.name, args.name)], progress=update)
        rows = _rows(ListReader(ledger.db), args.name, ledger.clock().date(), args)
    finally:
        ledger.close()
    with progress(f"writing {len(rows):,} rows", unit="rows"):
        body = csv_bytes(args.name, rows) if args.format == "csv" else xlsx_bytes(args.name, rows)
    Path(args.out).write_bytes(body)
    if wants_json(args):
        print_json({"list": args.name, "format": args.format, "rows": len(rows), "out": args.out})
    else:
        print(say(f"{args.name}：{len(rows)} 行已写入 {args.out}",
                  f"{args.name}: {len(rows)} rows written to {args.out}"))  # fmt: skip
    return 0


def add_spreadsheet_commands(sub: Any) -> None:
    """``import`` and ``export-list``."""
    imp = sub.add_parser("import", help="import score entries or care-fund applications from "
                         "an XLSX or CSV file (all rows or none; once per file)")  # fmt: skip
    imp.add_argument("file", help="the XLSX or CSV file (CSV: UTF-8, UTF-8 with BOM or GBK)")
    imp.add_argument("--kind", required=True, choices=KINDS,
                     help="points-entries (季度积分) or carefund-applications "
                          "(帮扶申请)")  # fmt: skip
    add_token_argument(imp)
    add_json_flag(imp, "errors ([{row, column, message}]), already, written (the receipt)")
    imp.set_defaults(run=_import)
    exp = sub.add_parser("export-list", help="write a public list or the fund ledger as CSV "
                         "(UTF-8 with BOM) or XLSX: every row matching the filters")  # fmt: skip
    exp.add_argument("name", choices=sorted(COLUMNS), help="the list")
    exp.add_argument("--format", required=True, choices=("csv", "xlsx"), help="the file's format")
    exp.add_argument("--out", required=True, help="the file to write")
    exp.add_argument("--year", type=int, help="only this year")
    exp.add_argument("--county", help="only this county (points, issue-14 lists)")
    exp.add_argument("--township", help="points: only this township (code)")
    exp.add_argument("--village", help="points: only this village")
    exp.add_argument("--category", help="points: principal, deputy or reserve")
    exp.add_argument("--period", default="year", choices=("Q1", "Q2", "Q3", "Q4", "year"),
                     help="points: the period")  # fmt: skip
    exp.add_argument("--bottom-only", action="store_true", help="points: only the 末位 rows")
    exp.add_argument("--industry", help="disbursements: only this industry")
    exp.add_argument("--tier", type=int, help="disbursements: only this tier")
    exp.add_argument("--month", help="disbursements: only this month, YYYY-MM")
    exp.add_argument("--quarter", type=int, choices=(1, 2, 3, 4),
                     help="assessment-loops: the quarter")  # fmt: skip
    add_json_flag(exp, "list, format, rows, out")
    exp.set_defaults(run=_export)
