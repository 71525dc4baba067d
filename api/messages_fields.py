"""A Chinese message's fields by their names, not their codes: a county ``taihu`` as 太湖县, a
township ``th02`` by its name, a case's reason, an objection's category, and a posting's key
``points/taihu/2031`` as its title (太湖县村（社区）干部积分 2031 年度积分结果公示). English
messages, for operators, keep the codes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from api.labels import COUNTIES, OBJECTION_CATEGORIES, REASONS, TOWNSHIPS, posting_title

NAMES: dict[str, Mapping[str, str]] = {
    "county": COUNTIES, "township": TOWNSHIPS, "reason": REASONS,
    "objection_category": OBJECTION_CATEGORIES,
}  # fmt: skip
POSTING_KEY = re.compile(r"(carefund|points)/([^/]+)/(\d{4})(?:/(\d+))?")


def named(code: str, fields: Mapping[str, object]) -> dict[str, object]:
    """``fields`` with each code the user would not read replaced by its Chinese name (a value
    the tables don't know stays as given); for ``not_found.posting`` and
    ``not_found.objection`` the fields ``posting`` (the title) and ``objection`` too."""
    shown = {
        name: NAMES[name].get(str(value), value) if name in NAMES else value
        for name, value in fields.items()
    }
    key = POSTING_KEY.fullmatch(str(fields.get("key", "")))
    if code in ("not_found.posting", "not_found.objection"):
        if key is not None:
            kind, scope, year, number = key.groups()
            shown.setdefault("posting", posting_title(kind, scope, int(year)))
            if number is not None:
                shown.setdefault("objection", f"{shown['posting']}第 {number} 号异议")
        shown.setdefault("posting", f"公示 {fields.get('key', '')}".strip())
        shown.setdefault("objection", f"异议 {fields.get('key', '')}".strip())
    return shown
