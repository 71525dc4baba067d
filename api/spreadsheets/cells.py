"""How a row's member becomes a spreadsheet cell (the same for CSV and XLSX).

- ``null`` or a missing member: an empty cell.
- ``true``/``false``: 是 / 否.
- money in fen (columns.FEN): yuan with two decimals (12345 → 123.45); points in tenths
  (columns.TENTHS, in the lists of columns.TENTHS_LISTS): points with one decimal (935 → 93.5).
  Exact: a Decimal, never a float computation.
- a code with a Chinese label (columns.OWN_LABELS, LIST_LABELS, LABELS: api/labels.py's tables):
  the label; a code without one: the code as it is.
- a list of plain values: its entries joined by 、 (each labelled, ``null`` as —).
- any other list or object (a list of objects, e.g. a key project's ``items``): its JSON, keys
  sorted, UTF-8, no spaces (the list's own values and units, e.g. fen), so nothing is lost.
  The fund ledger's nested members are columns and sheets instead (fund_sheets.py).
- anything else (text, integers, dates as YYYY-MM-DD text): as it is.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from api import labels
from api.spreadsheets.columns import FEN, LABELS, LIST_LABELS, OWN_LABELS, TENTHS, TENTHS_LISTS

Cell = str | int | Decimal | None
PERIODS = {"Q1": "第一季度", "Q2": "第二季度", "Q3": "第三季度", "Q4": "第四季度", "year": "全年"}
_MISSING = object()


def value_at(row: dict[str, Any], key: str) -> Any:
    """The member at a dotted ``key`` (``revocation.recover_fen``), or None where any part of
    the path is missing or not an object."""
    found: Any = row
    for part in key.split("."):
        if not isinstance(found, dict):
            return None
        found = found.get(part, None)
    return found


def _labels(name: str, key: str) -> dict[str, str]:
    last = key.rsplit(".", 1)[-1]
    if name == "points" and last == "period":
        return PERIODS
    if (name, last) in OWN_LABELS:
        return OWN_LABELS[(name, last)]
    attr = LIST_LABELS.get((name, last)) or LABELS.get(last)
    found = getattr(labels, attr, None) if attr else None
    return found if isinstance(found, dict) else {}


def _plain(value: Any, names: dict[str, str]) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return names.get(value, str(value)) if isinstance(value, str) else str(value)


def cell(name: str, key: str, value: Any) -> Cell:
    """The cell of list ``name``'s column ``key`` for ``value`` (rules above)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    last = key.rsplit(".", 1)[-1]
    if isinstance(value, int):
        if last in FEN:
            return Decimal(value).scaleb(-2).quantize(Decimal("0.01"))
        if last in TENTHS and name in TENTHS_LISTS:
            return Decimal(value).scaleb(-1).quantize(Decimal("0.1"))
        return value
    if isinstance(value, str):
        return _labels(name, key).get(value, value)
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        names = _labels(name, key)
        return "、".join(_plain(v, names) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def row_cells(name: str, columns: list[tuple[str, str]], row: dict[str, Any]) -> list[Cell]:
    return [cell(name, key, value_at(row, key)) for key, _ in columns]
