"""The rules of the published lists (docs/FORMAT.md §8): a fold over the records alone.

``Lists`` is fed records in leaf order and keeps per-stream state, never the records;
``rows(name, params)`` builds one list at the current size without changing that state, so one
fold serves every tree size of a bundle. Names from the vault can't be recomputed: a recomputed
row holds ``VAULT`` there (``已删除`` once the subject is erased) and ``compare`` checks only
the published value's shape.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import date, timedelta, tzinfo
from typing import Any

from verify.days import DEFAULT_TIMEZONE, business_day, zone_named
from verify.lists_cadres import CadreLists
from verify.lists_postings import PostingLists
from verify.params import DEFAULTS, check_params
from verify.record import Record, parse_record
from verify.rules_supervision import STEP as STAGES

Row = dict[str, Any]
FORMAT = "gongshi-published/v1"
HEADER_KEYS = frozenset({"digest", "format", "list", "params", "rows", "tree_size"})
ERASED = "已删除"
VAULT = "<a name from the vault>"  # a recomputed vault member: only its shape can be checked
_SURNAMES = (
    "欧阳太史端木上官司马东方独孤南宫万俟闻人夏侯诸葛尉迟公羊赫连澹台皇甫宗政濮阳公冶太叔申屠公孙"
    "慕容仲孙钟离长孙宇文司徒鲜于司空闾丘子车亓官司寇巫马公西颛孙壤驷公良漆雕乐正宰父谷梁拓跋夹谷"
    "轩辕令狐段干百里呼延东郭南门羊舌微生公户公玉公仪梁丘公仲公上公门公山公坚左丘公伯西门公祖第五"
    "公乘贯丘公皙南荣东里东宫仲长子书子桑即墨达奚褚师"
)
COMPOUND_SURNAMES = frozenset(_SURNAMES[i : i + 2] for i in range(0, len(_SURNAMES), 2))


# Unicode's White_Space property: what §8 strips from both ends of a name before masking it
WHITE_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


def mask_name(name: str) -> str:
    """§8's masked name: 张三 -> 张*, 欧阳娜娜 -> 欧阳*, 欧阳 -> 欧*, " 王 " -> 王*. The name is
    stripped of WHITE_SPACE first; characters are code points. Requires a name left non-empty
    (the projections show 已删除 for a blank one)."""
    name = name.strip(WHITE_SPACE)
    if not name:
        raise ValueError("an empty name can't be masked")
    surname = name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[:1]
    return surname + "*"


PERIODS = ("Q1", "Q2", "Q3", "Q4", "year")
COMPONENTS = ("work", "evaluation", "bonus", "deduction")
APPRAISAL = ("grade", "base_pay_fen", "pay_percent", "adjusted_pay_fen")
CLOSED = ("close", "closed_total", "closed_rank", "closed_bottom", "closed_top")  # YearClosed
BOOKED = {
    "carefund.GrantCommitted": "granted_fen",
    "carefund.DisbursementBooked": "disbursed_fen",
    "carefund.RecoveryBooked": "recovered_fen",
}
MONTH = {"disbursed_fen": 0, "disbursements": 0, "received_fen": 0, "recovered_fen": 0}
TALLY = {"amount_fen": 0, "count": 0}
_ABSENT = object()


def _pick(data: Mapping[str, Any], *names: str) -> Row:
    return {name: data[name] for name in names}


def _project_item(data: Mapping[str, Any]) -> Row:
    """A key project's checklist item as registered or added (§8 ``key-projects``)."""
    return _pick(data, "due", "item", "title") | {
        "done": False, "done_month": None, "escalated_case": None, "verified": False,
    }  # fmt: skip


def _add(table: Row, key: Any, zero: Row, **amounts: int) -> None:
    entry = table.setdefault(key, dict(zero))
    for member, amount in amounts.items():
        entry[member] += amount


def _next_visit(first_due: str, visits: int, schedule: Row) -> str:
    """The due date of visit ``visits`` + 1: the first due + visits x the interval."""
    step = timedelta(days=visits * schedule["follow_up_interval_days"])
    return (date.fromisoformat(first_due) + step).isoformat()


class Lists:
    """Every list's state, fed one record at a time in leaf order (``None``: unparseable)."""

    def __init__(self, zone: tzinfo | None = None) -> None:
        """``zone``: the business timezone a record's date is taken in (the bundle's
        MANIFEST.json ``timezone``; default Asia/Shanghai)."""
        self.zone = zone_named(DEFAULT_TIMEZONE) if zone is None else zone
        self.erased: set[str] = set()
        self.funds: dict[str, Row] = {}
        self.fund_params: dict[str, Row] = {}  # posting window and follow-up schedule
        self.apps: dict[str, Row] = {}
        self.audits: dict[str, Row] = {}
        self.schemes: dict[str, Row] = {}
        self.books: dict[str, Row] = {}
        self.cases: dict[str, Row] = {}
        self.projects: dict[str, Row] = {}
        self.cadres = CadreLists()  # issue 14 (verify/lists_cadres.py)
        self.posted = PostingLists()  # issue 15: 公示 postings, objections (lists_postings.py)
        self.problems: list[str] = []

    def add(self, index: int, record: Record | None) -> None:
        if record is None:
            return
        try:
            day = business_day(record.at, self.zone)
            self._fold(index, record, record.stream, record.data, day)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            self.problems.append(
                f"records.jsonl line {index + 1}: {record.type} of stream {record.stream} can't "
                f"be folded into the published lists ({type(e).__name__}: {e})"
            )

    def _fold(self, i: int, r: Record, s: str, d: Row, day: str) -> None:
        match r.type:
            case "subject.Erased":
                self.erased.add(s)
            case "carefund.FundYearOpened":
                self.funds[s] = _pick(d, "fund", "year", "budget_fen") | dict.fromkeys(
                    ("received_fen", "granted_fen", "disbursed_fen", "recovered_fen"), 0
                )
                self.funds[s] |= {"received_by_source": {}, "by_tier": {}, "by_industry": {}}
                self.funds[s]["monthly"] = {}
                self.fund_params[s] = _pick(
                    d, "posting_days", "follow_up_interval_days", "follow_ups"
                )
            case "carefund.ContributionReceived":
                fund, amount, source = self.funds[s], d["amount_fen"], d["source"]
                fund["received_fen"] += amount
                fund["received_by_source"][source] = fund["received_by_source"].get(source, 0)
                fund["received_by_source"][source] += amount
                _add(fund["monthly"], day[:7], MONTH, received_fen=amount)
            case "carefund.GrantCommitted" | "carefund.DisbursementBooked":
                self.funds[s][BOOKED[r.type]] += d["amount_fen"]
            case "carefund.RecoveryBooked":
                self.funds[s]["recovered_fen"] += d["amount_fen"]
                _add(self.funds[s]["monthly"], day[:7], MONTH, recovered_fen=d["amount_fen"])
            case "carefund.AuditResultRecorded":
                key = f"{s}/{r.version:010d}"
                row = {"key": key, "fund_year": s, "recorded_on": day, "leaf": i}
                self.audits[key] = row | _pick(d, "title", "conclusion", "findings")
            case "carefund.ApplicationSubmitted":
                self.apps[s] = _pick(d, "fund_year", "subject", "industry") | {
                    "submitted_on": day,
                    **dict.fromkeys(("reviewed_on", "approved_on", "tier", "revocation", "grant")),
                    **{"roles": [r.role, None, None, None], "follow_ups": 0, "recovered": 0},
                }
            case "carefund.ApplicationReviewed":
                self.apps[s]["reviewed_on"], self.apps[s]["roles"][1] = day, r.role
            case "carefund.ApplicationApproved":
                app = self.apps[s]
                app["approved_on"], app["roles"][2], app["tier"] = day, r.role, d["tier"]
            case "carefund.GrantDisbursed":
                app, amount = self.apps[s], d["amount_fen"]
                app["roles"][3] = r.role
                app["grant"] = _pick(d, "amount_fen", "disbursed_on", "follow_up_due") | {"leaf": i}
                fund, tier = self.funds[app["fund_year"]], app["tier"]
                tier = "null" if tier is None else str(tier)
                _add(fund["by_tier"], tier, TALLY, amount_fen=amount, count=1)
                _add(fund["by_industry"], app["industry"], TALLY, amount_fen=amount, count=1)
                month = d["disbursed_on"][:7]
                _add(fund["monthly"], month, MONTH, disbursed_fen=amount, disbursements=1)
            case "carefund.FollowUpRecorded":
                self.apps[s]["follow_ups"] += 1
            case "carefund.GrantRevoked":
                self.apps[s]["revocation"] = _pick(d, "recover_fen", "violation")
            case "carefund.RecoveryReceived":
                self.apps[s]["recovered"] += d["amount_fen"]
            case "points.SchemeOpened":
                self.schemes[s] = _pick(d, "county", "year", "bottom_share_percent")
            case "points.BookOpened":
                self.books[s] = _pick(d, "scheme", "township", "village", "category", "cadre") | {
                    "sums": {period: dict.fromkeys(COMPONENTS, 0) for period in PERIODS},
                    "appraisal": dict.fromkeys(APPRAISAL),
                    "closed": dict.fromkeys(CLOSED),
                }
            case "points.ScoreEntered":
                if d["component"] not in COMPONENTS:
                    raise ValueError(f"component {d['component']!r}")
                for period in (f"Q{d['quarter']}", "year"):
                    self.books[s]["sums"][period][d["component"]] += d["points_tenths"]
            case "points.Appraised":
                self.books[s]["appraisal"] = _pick(d, *APPRAISAL)
            case "points.RankingPart":  # rows of the close saved with it (one commit)
                for ranked in d["rows"]:
                    self.books[ranked["book"]]["closed"] = {
                        "close": d["close"], "closed_total": ranked["total_tenths"],
                        "closed_rank": ranked["rank"], "closed_bottom": ranked["bottom"],
                        "closed_top": ranked["top"],
                    }  # fmt: skip
            case "supervision.CaseOpened":
                self.cases[s] = _pick(
                    d, "target_kind", "target", "reason", "county", "trigger", "source"
                )
                self.cases[s] |= {"key": s, "case": s, "opened_on": day, "stage": "opened"}
                self.cases[s] |= {"talks": 0, "guidance": 0} | dict.fromkeys(
                    ("deadline", "listed_on", "rectified_on", "closed_on", "evidence")
                )
            case kind if kind in STAGES:
                case = self.cases[s]
                case["stage"] = stage = STAGES[kind]
                if stage in ("talk", "guidance"):
                    case["talks" if stage == "talk" else "guidance"] += 1
                elif stage == "listed":
                    case["deadline"], case["listed_on"] = d["deadline"], day
                elif stage == "rectified":
                    case["rectified_on"] = day
                else:
                    case["closed_on"], case["evidence"] = day, d["evidence"]
            case "keyproject.Registered":
                self.projects[s] = _pick(d, "county", "lead", "name", "owner_unit", "year") | {
                    "key": s, "project": s, "progress": [], "amendments": [],
                    "items": [_project_item(item) for item in d["items"]],
                }  # fmt: skip
            case "keyproject.Amended":
                project = self.projects[s]
                project["amendments"].append(_pick(d, "change", "due", "item", "reason"))
                if d["change"] == "add":
                    project["items"].append(_project_item(d))
                elif d["change"] == "drop":
                    project["items"] = [i for i in project["items"] if i["item"] != d["item"]]
                else:
                    for item in project["items"]:
                        if item["item"] == d["item"]:
                            item["due"] = d["due"]
            case "keyproject.ItemVerified":
                for item in self.projects[s]["items"]:
                    if item["item"] == d["item"]:
                        item["verified"] = True
            case "keyproject.ProgressReported":
                self.projects[s]["progress"].append(_pick(d, "done", "item", "month"))
                for item in self.projects[s]["items"]:
                    if item["item"] == d["item"] and d["done"] is True:  # the last one
                        item["done"], item["done_month"] = True, d["month"]
            case "keyproject.ItemEscalated":
                for item in self.projects[s]["items"]:
                    if item["item"] == d["item"]:
                        item["escalated_case"] = d["case"]
            case _ if r.type.split(".")[0] in ("assessment", "lecture", "mentoring", "training"):
                self.cadres.fold(r, s, d, day)
            case _ if r.type.startswith("posting."):
                self.posted.fold(r, s, d, day)

    def rows(self, name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """List ``name`` at the current size, in key order; ParamError for params that break
        §8's rule (verify/params.py), whose defaults fill in what ``params`` leaves out."""
        merged = check_params(name, params)
        rows = getattr(self, "_" + name.replace("-", "_"))(merged)
        return sorted(copy.deepcopy(list(rows)), key=lambda row: row["key"].encode())

    def _name(self, subject: Any) -> str:
        return ERASED if subject in self.erased else VAULT

    def _fund_of(self, fund_year: Any) -> Row:
        fund = self.funds.get(fund_year, {})
        return {"fund_year": fund_year, "fund": fund.get("fund"), "year": fund.get("year")}

    def _audit_results(self, params: Row) -> Iterable[Row]:
        return (row | self._fund_of(row["fund_year"]) for row in self.audits.values())

    def _disbursements(self, params: Row) -> Iterable[Row]:
        for key, app in self.apps.items():
            if (grant := app["grant"]) is None:
                continue
            on, revoked = grant["disbursed_on"], app["revocation"]
            row = _pick(app, "industry", "tier", "submitted_on", "reviewed_on", "approved_on")
            row |= _pick(app, "follow_ups") | _pick(grant, "amount_fen", "disbursed_on", "leaf")
            row |= {"key": key, "application": key, "masked_name": self._name(app["subject"])}
            row |= {"approval_chain": app["roles"], "posted_on": on}
            row["revocation"] = revoked and revoked | {"recovered_fen": app["recovered"]}
            window = self.fund_params.get(app["fund_year"], {}).get("posting_days")
            later = date.fromisoformat(on) + timedelta(window or params["posting_window_days"])
            yield row | self._fund_of(app["fund_year"]) | {"withdrawn_on": later.isoformat()}

    def _fund_ledger(self, params: Row) -> Iterable[Row]:
        for key, fund in self.funds.items():
            schedule = self.fund_params[key]
            pending = sorted(
                (_next_visit(app["grant"]["follow_up_due"], app["follow_ups"], schedule), app_id)
                for app_id, app in self.apps.items()
                if app["fund_year"] == key and app["grant"] and app["revocation"] is None
                and app["follow_ups"] < schedule["follow_ups"]
            )  # fmt: skip
            row = fund | {"key": key, "fund_year": key}
            row["remaining_budget_fen"] = fund["budget_fen"] - fund["granted_fen"]
            row["cash_on_hand_fen"] = fund["received_fen"] - fund["disbursed_fen"]
            row["cash_on_hand_fen"] += fund["recovered_fen"]
            row["pending_follow_ups"] = [{"application": a, "due": due} for due, a in pending]
            yield row

    def _points(self, params: Row) -> list[Row]:
        groups: dict[tuple[Any, ...], list[Row]] = {}
        for key, book in self.books.items():
            scheme = self.schemes.get(book["scheme"], {})
            for period in PERIODS:
                sums = book["sums"][period]
                row = _pick(book, "scheme", "township", "village", "category", "cadre") | sums
                row |= {"key": f"{key}/{period}", "book": key, "period": period}
                row |= {"county": scheme.get("county"), "year": scheme.get("year")}
                row |= {"name": self._name(book["cadre"]), "rank": None, "bottom": None}
                row["total"] = sums["work"] + sums["evaluation"] + sums["bonus"] - sums["deduction"]
                row |= book["appraisal"] if period == "year" else dict.fromkeys(APPRAISAL)
                row |= book["closed"] if period == "year" else dict.fromkeys(CLOSED)
                row["excellent_candidate"] = row["closed_top"]  # the close's top set, not a count
                groups.setdefault((book["scheme"], period, book["category"]), []).append(row)
        for (scheme_id, _, _), group in groups.items():  # an erased cadre is not ranked (rule 29)
            ranked = [row for row in group if row["cadre"] not in self.erased]
            totals = sorted(row["total"] for row in ranked)
            ranks = {t: n for n, t in enumerate(sorted(set(totals), reverse=True), start=1)}
            share = self.schemes.get(scheme_id, {}).get("bottom_share_percent")
            cut = None if share is None else min(-(-share * len(ranked) // 100), len(ranked))
            for row in ranked:
                row["rank"] = ranks[row["total"]]
                row["bottom"] = None if cut is None else cut > 0 and row["total"] <= totals[cut - 1]
        return [row for group in groups.values() for row in group]

    def _supervision_cases(self, params: Row) -> Iterable[Row]:
        for case in self.cases.values():
            kind, target = case["target_kind"], case["target"]
            name = self._name(target) if kind in ("cadre", "unit_head") else None
            yield case | {"target_name": target if kind == "unit" else name}

    def _key_projects(self, params: Row) -> Iterable[Row]:
        return self.projects.values()

    def _lectures(self, params: Row) -> Iterable[Row]:
        return self.cadres.lecture_rows(self._name)

    def _assessment_loops(self, params: Row) -> Iterable[Row]:
        return self.cadres.loop_rows()

    def _mentoring_pairs(self, params: Row) -> Iterable[Row]:
        return self.cadres.pair_rows(self._name)

    def _training_classes(self, params: Row) -> Iterable[Row]:
        return self.cadres.training_rows()

    def _postings(self, params: Row) -> Iterable[Row]:
        return self.posted.posting_rows()

    def _objections(self, params: Row) -> Iterable[Row]:
        return self.posted.objection_rows()


def recompute(
    lines: Iterable[bytes],
    params: Mapping[str, Mapping[str, Any]] | None = None,
    zone: tzinfo | None = None,
) -> dict[str, list[Row]]:
    """Every list from record lines in leaf order (a final LF is ignored), ``params`` by list
    name, dates in ``zone`` (default Asia/Shanghai); CanonicalError/RecordError for a line
    that is no record, ValueError if unfoldable."""
    fold = Lists(zone)
    for index, line in enumerate(lines):
        fold.add(index, parse_record(line.removesuffix(b"\n")))
    if fold.problems:
        raise ValueError("; ".join(fold.problems))
    return {name: fold.rows(name, (params or {}).get(name)) for name in DEFAULTS}
