"""Offline verifier throughput: ``gongshi-verify bundle`` over a bundle of 1M realistic records.

1. generate: a valid export bundle (docs/FORMAT.md §7) of --records records (default 1M;
   --quick: 100k) is written to a temp dir (or --out DIR, kept). Records are the project's own
   types and sizes (cadres registered with two years of points books, supervision cases,
   inspections, key projects, and care-fund applications from registered
   workers with their fund years), Chinese text included, copied from the demo bundle's
   shapes; about 8-10 records per stream. A few hundred scripted lifecycles run interleaved
   (seeded random), so streams' records are spread over the log as in a real ledger; the
   domain invariants (verify/invariants.py) hold. Records are streamed to records.jsonl while
   the RFC 9162 root is computed with CompactRange; a fresh Ed25519 log key signs a
   checkpoint at ~N/2 and one at N, three witnesses (cosignature/v1) cosign the final one,
   and the policy asks for 2 of them.
2. verify + time: ``python -m verify bundle DIR`` runs as a subprocess --repeat times; each
   run must exit 0 and print VALID (else its first failures are shown and the benchmark
   stops). Wall time, records/s, the child's CPU time and its peak RSS are reported against
   the targets: >= 200k records/s on one core, < 200 MB RSS. The peak RSS is
   getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux) taken around that single run, in a
   small launcher process (LAUNCHER) whose only child is the verifier: on Linux a child's
   ru_maxrss starts from the peak RSS of the process that started it (subprocess and
   posix_spawn use vfork, and exec keeps the old address space's high-water mark), so
   started from this process it would include the generator's and the profiler's memory.
3. profile: one in-process ``verify_bundle`` over a 100k-record bundle under cProfile: the top
   functions by own time, and the share of the main steps (parsing, canonical re-encoding,
   record validation, hashing, chains, invariants, tree).

    python bench/verify.py [--records N] [--quick] [--repeat N] [--out DIR] [--seed N]
                           [--profile-records N] [--no-profile]
"""

from __future__ import annotations

import base64
import cProfile
import hashlib
import io
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.bundle import own_policy, verify_bundle
from verify.canonical import canonical_bytes
from verify.checkpoint import Checkpoint
from verify.merkle import CompactRange, leaf_hash
from verify.note import COSIGNATURE_V1, Signer
from verify.policy import departments_policy
from verify.record import GENESIS_PREV

TARGET_RATE = 200_000  # records/s on one core
TARGET_RSS_MB = 200
ORIGIN = "gongshi.example/bench"
WITNESSES = ("finance", "audit", "supervision")
QUORUM = 2
ACTIVE = 400  # lifecycles in flight at once: how far a stream's records are spread
MiB = 1024 * 1024
CAREFUND_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/carefund")

# -- realistic content (from the demo bundle) ---------------------------------------------------

TASKS = (
    ("party-building", "党建引领", 100),
    ("industry", "产业发展", 100),
    ("governance", "乡村治理", 80),
    ("livelihood", "民生服务", 80),
    ("environment", "生态环境", 60),
    ("safety", "安全稳定", 60),
)
YEARS = (2022, 2023)  # schemes; records are dated 2023, on or after each 两委会议 they cite
BONUS_REASONS = ("获县级表彰", "招商引资突出", "获市级先进集体", "信访化解成效明显")
DEDUCTION_REASONS = ("会议缺席/工作推进迟缓", "督查通报", "提醒注意工作作风", "材料报送不及时")
CASE_REASONS = (  # bottom_ranking cases come only from a year's close (supervision.bottom_by_close)
    ("complaint", "群众来信反映村务公开不及时"),
    ("inspection", "政治素质考察发现担当作为不足"),
)
TALKS = ("约谈提醒：分析排名靠后原因，明确整改方向", "谈心谈话，督促落实整改责任")
GUIDANCE = ("驻村指导员现场指导", "镇党委组织委员上门指导")
LISTINGS = ("挂牌督办，限期整改", "列入重点督办事项，按月报告进展")
RECTIFIED = ("已按要求完成整改", "整改措施已落实，群众满意度回升")
OUTCOMES = ("no_finding", "no_finding", "no_finding", "reminder", "non_leading_post_observation")
CONTRIBUTORS = (
    "non_public_sector_work_committee",
    "trade_union",
    "youth_league",
    "womens_federation",
    "express_industry_party_committee",
)
INDUSTRIES = (
    ("express_delivery", "ipc-express-01"),
    ("food_delivery", "ipc-food-01"),
    ("ride_hailing", "ipc-ride-01"),
)
HARDSHIPS = ("illness", "disaster", "long_term_frontline_hardship")
TIERS_FEN = {"1": 50_000, "2": 80_000, "3": 150_000}
APPLICATIONS_PER_FUND_YEAR = 40  # 40 x the top tier (6,000,000 fen) < the budget
FUND_BUDGET_FEN = 8_000_000
FOLLOW_UPS = ("stable", "improved", "needs_further_help")

# -- the generator ------------------------------------------------------------------------------


@dataclass(slots=True)
class Stream:
    """A stream being written: its id, last version and the hash of its last record."""

    id: str
    version: int = 0
    prev: str = GENESIS_PREV


Actor = dict[str, str]
Event = tuple[Stream, str, Actor, dict[str, Any]]
Script = Iterator[Event]


def actor(principal: str, role: str) -> Actor:
    return {"principal": principal, "role": role}


class Content:
    """Seeded ids and content; the fund years shared by the care-fund applications."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        points = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/points")
        self.schemes = {  # docs/FORMAT.md §4
            year: uuid.uuid5(points, f"taihu/{year}/village_cadres") for year in YEARS
        }
        self.registers: dict[tuple[int, int, int], Stream] = {}  # year, township, village
        self.fund_year: Stream | None = None
        self.fund_applications = 0
        self.fund_years = 0
        self.recent_cadres: list[str] = []
        self.recent_books: list[str] = []
        self.places: dict[str, dict[str, str]] = {}  # book -> its county, township, village
        self.cases = 0

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex64(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def cadre(self) -> str:
        """A registered cadre (the preamble registers the first one)."""
        return self.rng.choice(self.recent_cadres)


def preamble(c: Content) -> Script:
    """What the lifecycles name: both years' schemes and a first cadre (FORMAT.md §4: a
    record names only streams opened before it)."""
    org = actor("taihu-org-01", "organisation_department")
    tpc = actor("taihu-tpc-01", "township_party_committee")
    for year, scheme in c.schemes.items():
        opened = {
            "bonus_cap_tenths": 50, "bottom_share_percent": 10, "county": "taihu",
            "excellent_share_percent": 15,
            "categories": {"deputy": "副职", "principal": "正职", "reserve": "后备"},
            "staff": "village_cadres", "year": year,
            "pay_percent": {"basically_competent": 100, "competent": 100, "excellent": 105,
                            "incompetent": 95},
        }  # fmt: skip
        yield Stream(str(scheme)), "points.SchemeOpened", org, opened
        for township in range(1, 13):  # values with room for every village's allocations
            code = f"th{township:02d}"
            tasks = [{"task": task, "title": title, "points_tenths": 1_000_000}
                     for task, title, _ in TASKS]  # fmt: skip
            plan = {"scheme": str(scheme), "tasks": tasks, "county": "taihu", "township": code,
                    "year": year}  # fmt: skip
            yield Stream(str(uuid.uuid5(scheme, f"plan/{code}"))), "points.TaskPlanSet", tpc, plan
    subject = Stream(c.uuid4())
    yield subject, "subject.Registered", tpc, {"commitment": c.hex64(), "kind": "cadre"}
    c.recent_cadres.append(subject.id)


def cadre(c: Content) -> Script:
    """A village cadre registered, then their points books for two years."""
    rng = c.rng
    township = rng.randrange(1, 13)
    village = rng.randrange(1, 21)
    org = actor(f"tpc-th{township:02d}", "township_party_committee")
    vc = actor(f"vc-th{township:02d}-{village:02d}", "village_committee")
    subject = Stream(c.uuid4())
    yield subject, "subject.Registered", org, {"commitment": c.hex64(), "kind": "cadre"}
    c.recent_cadres = [*c.recent_cadres[-63:], subject.id]
    for year in YEARS:
        yield from book(c, subject.id, year, (township, village), org, vc)


def book(
    c: Content, cadre: str, year: int, place: tuple[int, int], org: Actor, vc: Actor
) -> Script:
    """A year's points book: tasks allocated, four quarters of scores, the appraisal."""
    rng = c.rng
    township, village = place
    scheme = c.schemes[year]
    books = Stream(str(uuid.uuid5(scheme, f"book/{cadre}")))
    c.recent_books = [*c.recent_books[-63:], books.id]
    place = {
        "county": "taihu",
        "township": f"th{township:02d}",
        "village": f"晋熙镇{village:02d}村",
    }
    c.places[books.id] = place
    cap = 50
    yield (
        books,
        "points.BookOpened",
        vc,
        {
            "bonus_cap_tenths": cap,
            "cadre": cadre,
            "category": rng.choice(("principal", "deputy", "reserve")),
            "scheme": str(scheme),
            **place,
            "year": year,
        },
    )
    tasks = rng.sample(TASKS, 3)
    name = f"晋熙镇{village:02d}村"
    register = c.registers.get((year, township, village))
    if register is None:
        register = c.registers[(year, township, village)] = Stream(
            str(uuid.uuid5(scheme, f"allocations/th{township:02d}/{name}"))
        )
        opened = {"scheme": str(scheme), **place, "year": year}
        yield register, "points.AllocationRegisterOpened", vc, opened
    entry = 0
    bonus = 0
    bonuses: list[tuple[int, int, int]] = []  # entry, points, quarter

    def score(
        component: str, points: int, quarter: int, reason: str, task: str | None, corrects: int
    ) -> dict[str, Any]:
        nonlocal entry
        entry += 1
        return {
            "component": component,
            "corrects": corrects or None,
            "entry": entry,
            "points_tenths": points,
            "quarter": quarter,
            "reason": reason,
            "task": task,
        }

    for quarter in range(1, 5):
        task = rng.choice(tasks)[0]
        reason = f"{quarter}季度责任任务完成情况"
        work = rng.randrange(15, 30)
        allocation = {
            "book": books.id, "meeting_on": f"{year}-01-03",
            "minutes": f"{name}两委〔{year}〕{quarter}号",
            "points_tenths": work + rng.randrange(3), "quarter": quarter, "task": task,
        }  # fmt: skip
        yield register, "points.ResponsibilityAllocated", vc, allocation
        yield books, "points.ScoreEntered", vc, score("work", work, quarter, reason, task, 0)
        evaluation = score("evaluation", rng.randrange(38, 50), quarter, "季度综合评价", None, 0)
        yield books, "points.ScoreEntered", org, evaluation
        if rng.random() < 0.3:
            points = rng.choice((10, 20, 30))
            if bonus + points <= cap:
                bonus += points
                data = score("bonus", points, quarter, rng.choice(BONUS_REASONS), None, 0)
                bonuses.append((entry, points, quarter))
                yield books, "points.ScoreEntered", org, data
        if rng.random() < 0.2:
            data = score(
                "deduction", rng.randrange(5, 25), quarter, rng.choice(DEDUCTION_REASONS), None, 0
            )
            yield books, "points.ScoreEntered", org, data
    if bonuses and rng.random() < 0.3:  # a correction (minus what it reverses) of a bonus
        corrected, points, quarter = bonuses[-1]  # in the reversed entry's quarter
        data = score("bonus", -points, quarter, "表彰文件重复计分，予以冲正", None, corrected)
        yield books, "points.ScoreEntered", org, data
    # No Appraised: grades refer to a year's close (points.grade), which this synthetic
    # history does not record (its ranking would have to be recomputed here).


def case(c: Content) -> Script:
    """A supervision case from opening to closing (some stop earlier)."""
    rng = c.rng
    c.cases += 1
    county = rng.choice(("taihu", "wangjiang", "yuexi"))
    jw = actor(f"jw-{county}-01", "supervision")
    s = Stream(c.uuid4())
    reason, detail = rng.choice(CASE_REASONS)
    opened = {
        "detail": detail,
        "reason": reason,
        "source": None,
        "target": c.cadre(),
        "target_kind": "cadre",
        "county": county,
        "trigger": None,
    }
    yield s, "supervision.CaseOpened", jw, opened
    yield s, "supervision.TalkHeld", jw, {"note": rng.choice(TALKS)}
    if rng.random() < 0.6:
        guidance = {
            "instructor": f"instructor-{rng.randrange(1, 9):02d}",
            "note": rng.choice(GUIDANCE),
        }
        yield s, "supervision.GuidanceGiven", jw, guidance
    if rng.random() < 0.4:
        listed = {"deadline": f"2024-{rng.randrange(3, 10):02d}-30", "note": rng.choice(LISTINGS)}
        yield s, "supervision.CaseListed", jw, listed
    rectified = {"note": rng.choice(RECTIFIED), "evidence": f"整改报告〔2024〕{c.cases}号"}
    yield s, "supervision.RectificationReported", jw, rectified
    evidence = f"太纪监〔2024〕{c.cases}号 销号审批表"
    yield s, "supervision.CaseClosed", jw, {"evidence": evidence}


def inspection(c: Content) -> Script:
    """A political-quality inspection: opened, branches visited, cadres examined."""
    rng = c.rng
    jw = actor("jw-wangjiang-01", "supervision")
    s = Stream(c.uuid4())
    yield s, "inspection.Opened", jw, {"county": "wangjiang", "name": "望江县政治素质考察"}
    for _ in range(rng.randrange(2, 5)):
        branch = f"望江县第{rng.randrange(1, 400):03d}党支部"
        yield s, "inspection.BranchVisited", jw, {"branch": branch}
        for _ in range(rng.randrange(2, 5)):
            outcome = rng.choice(OUTCOMES)
            reason = "" if outcome == "no_finding" else "政治素质考察发现担当作为不足"
            examined = {"branch": branch, "cadre": c.cadre(), "outcome": outcome, "reason": reason}
            yield s, "inspection.CadreExamined", jw, examined


def key_project(c: Content) -> Script:
    """A key project with 12 monthly items, each reported."""
    rng = c.rng
    owner = actor("tpc-yuexi-01", "township_party_committee")
    s = Stream(c.uuid4())
    items = [
        {"due": f"2023-{m:02d}-28", "item": f"m{m:02d}", "title": f"{m}月节点任务"}
        for m in range(1, 13)
    ]
    registered = {
        "items": items,
        "name": rng.choice(("大别山旅游公路", "县城污水管网改造", "乡村振兴示范片区")),
        "owner_unit": "岳西县重点工程建设指挥部",
        "year": 2023,
    }
    yield s, "keyproject.Registered", owner, registered
    for m in range(1, 13):
        done = rng.random() < 0.9
        report = {
            "done": done,
            "item": f"m{m:02d}",
            "month": f"2023-{m:02d}",
            "note": "按期完成" if done else "进度滞后，正在赶工",
        }
        yield s, "keyproject.ProgressReported", owner, report


def care_fund(c: Content) -> Script:
    """A worker's care-fund application: registered, submitted, reviewed, and either rejected
    or approved (grant committed on the fund year), disbursed (booked) and followed up."""
    rng = c.rng
    finance = actor("finance-tc-01", "finance")
    union = actor("union-tc-01", "trade_union")
    intake = actor("intake-tc-01", "intake")
    fund = c.fund_year
    if fund is None or c.fund_applications >= APPLICATIONS_PER_FUND_YEAR:
        # Opened here, before this or any other application can touch it. A fund year's id
        # is UUID v5 of fund/year (docs/FORMAT.md §4); each 40 applications get a new fund.
        c.fund_years += 1
        name = f"pioneer-care-{c.fund_years:04d}"
        stream_id = uuid.uuid5(CAREFUND_NAMESPACE, f"{name}/2023")
        fund = Stream(str(stream_id))  # shared once its money is in (§4: cash on hand)
        opened = {
            "budget_fen": FUND_BUDGET_FEN,
            "first_follow_up_days": 90,
            "fund": name,
            "tiers_fen": TIERS_FEN,
            "year": 2023,
        }
        yield fund, "carefund.FundYearOpened", finance, opened
        for source in rng.sample(CONTRIBUTORS, 3):
            received = {
                "amount_fen": rng.randrange(20, 30) * 100_000,  # 3 x >= 6,000,000: cash
                "donor": None,
                "reference": f"2023-{source}-{c.fund_years:04d}",
                "source": source,
            }
            yield fund, "carefund.ContributionReceived", finance, received
        c.fund_year, c.fund_applications = fund, 0
    c.fund_applications += 1
    worker = Stream(c.uuid4())
    yield worker, "subject.Registered", intake, {"commitment": c.hex64(), "kind": "worker"}
    app = Stream(c.uuid4())
    industry, reviewer = rng.choice(INDUSTRIES)
    tier = rng.randrange(1, 4)
    submitted = {
        "fund_year": fund.id,
        "hardship": rng.choice(HARDSHIPS),
        "industry": industry,
        "priority": rng.random() < 0.3,
        "requested_tier": tier,
        "subject": worker.id,
    }
    yield app, "carefund.ApplicationSubmitted", intake, submitted
    ipc = actor(reviewer, "industry_party_committee")
    if rng.random() < 0.1:  # reviewed, then rejected by the union (§4 rule 4)
        yield (
            app,
            "carefund.ApplicationReviewed",
            ipc,
            {"decision": "approve", "reason": "符合帮扶条件"},
        )
        yield (
            app,
            "carefund.ApplicationRejected",
            union,
            {"reason": "同一事由本年度已获其他渠道救助"},
        )
        return
    yield (
        app,
        "carefund.ApplicationReviewed",
        ipc,
        {"decision": "approve", "reason": "符合帮扶条件"},
    )
    amount = TIERS_FEN[str(tier)]
    yield (
        fund,
        "carefund.GrantCommitted",
        union,
        {"amount_fen": amount, "application": app.id, "tier": tier},
    )
    yield app, "carefund.ApplicationApproved", union, {"amount_fen": amount, "tier": tier}
    yield (
        fund,
        "carefund.DisbursementBooked",
        finance,
        {"amount_fen": amount, "application": app.id},
    )
    disbursed = {
        "amount_fen": amount,
        "disbursed_on": "2023-03-05",
        "follow_up_due": "2023-06-03",
        "reference": f"TC-2023-{rng.randrange(1, 1000):03d}",
    }
    yield app, "carefund.GrantDisbursed", finance, disbursed
    followed = {
        "note_commitment": c.hex64(),
        "outcome": rng.choice(FOLLOW_UPS),
        "visited_on": "2023-04-04",
    }
    yield app, "carefund.FollowUpRecorded", intake, followed


LIFECYCLES: tuple[tuple[Callable[[Content], Script], int], ...] = (
    (cadre, 60),
    (case, 14),
    (care_fund, 10),
    (key_project, 5),
    (inspection, 4),
)


@dataclass
class Generated:
    records: int
    streams: int
    types: dict[str, int]
    size_bytes: int
    root: bytes
    half: tuple[int, bytes]
    seconds: float


def write_records(path: Path, count: int, seed: int) -> Generated:
    """Write ``count`` records to ``path`` (streamed), returning the roots at N/2 and N."""
    rng = random.Random(seed)
    content = Content(rng)
    makers = [maker for maker, _ in LIFECYCLES]
    weights = [weight for _, weight in LIFECYCLES]
    first = list(preamble(content))
    active: list[Script] = [rng.choices(makers, weights)[0](content) for _ in range(ACTIVE)]
    tree = CompactRange()
    half_size, half_root = count // 2, b""
    clock = datetime(2023, 1, 3, 9, 0, 0)
    types: dict[str, int] = {}
    streams = 0
    written = 0
    sha256 = hashlib.sha256
    start = time.perf_counter()
    with path.open("wb", buffering=4 * MiB) as out:
        while written < count:
            i = rng.randrange(ACTIVE)
            try:
                stream, kind, who, data = first.pop(0) if first else next(active[i])
            except StopIteration:
                active[i] = rng.choices(makers, weights)[0](content)
                continue
            clock += timedelta(microseconds=rng.randrange(60_000_000))
            stream.version += 1
            streams += stream.version == 1
            record = {
                "actor": who,
                "at": clock.isoformat(timespec="microseconds") + "Z",
                "data": data,
                "prev": stream.prev,
                "stream": stream.id,
                "type": kind,
                "version": stream.version,
            }
            raw = canonical_bytes(record)
            stream.prev = sha256(raw).hexdigest()
            out.write(raw)
            out.write(b"\n")
            tree.append(leaf_hash(raw))
            types[kind] = types.get(kind, 0) + 1
            written += 1
            if written == half_size:
                half_root = tree.root()
        size = out.tell()
    seconds = time.perf_counter() - start
    return Generated(written, streams, types, size, tree.root(), (half_size, half_root), seconds)


def generate(out: Path, count: int, seed: int) -> Generated:
    """A complete bundle in ``out`` (created; must not hold a bundle already)."""
    (out / "keys").mkdir(parents=True)
    (out / "checkpoints").mkdir()
    generated = write_records(out / "records.jsonl", count, seed)
    log = Signer(ORIGIN, Ed25519PrivateKey.generate())
    witnesses = {
        name: Signer(
            f"witness.gongshi.example/{name}", Ed25519PrivateKey.generate(), COSIGNATURE_V1
        )
        for name in WITNESSES
    }
    now = int(time.time())
    half_size, half_root = generated.half
    if 0 < half_size < generated.records:
        text = Checkpoint(ORIGIN, half_size, half_root).text()
        (out / "checkpoints" / str(half_size)).write_text(text + "\n" + log.sign_line(text))
    text = Checkpoint(ORIGIN, generated.records, generated.root).text()
    note = text + "\n" + log.sign_line(text)
    note += "".join(w.sign_line(text, now) for w in witnesses.values())
    (out / "checkpoint").write_text(note)
    (out / "checkpoints" / str(generated.records)).write_text(note)
    (out / "keys" / "log.vkey").write_text(log.verifier.vkey() + "\n")
    for name, witness in witnesses.items():
        (out / "keys" / f"witness-{name}.vkey").write_text(witness.verifier.vkey() + "\n")
    witness_keys = {name: w.verifier for name, w in witnesses.items()}
    policy = departments_policy(log.verifier, witness_keys, threshold=QUORUM)
    (out / "policy").write_text(policy.text())
    manifest = {
        "format": "gongshi-bundle/v1",
        "origin": ORIGIN,
        "tree_size": generated.records,
        "root": base64.b64encode(generated.root).decode(),
        "files": {
            "records.jsonl": "leaf data, one record per line (gongshi record, docs/FORMAT.md)",
            "checkpoint": "latest signed checkpoint (c2sp.org/tlog-checkpoint) over all lines",
            "checkpoints/": "every signed checkpoint, file named by tree size",
            "keys/log.vkey": "the log's Ed25519 verifier key (c2sp.org/signed-note vkey)",
            "keys/witness-NAME.vkey": "the witnesses' cosignature/v1 verifier keys",
            "policy": "the operator's declared policy: log key, witness keys, quorum",
        },
    }
    (out / "MANIFEST.json").write_bytes(canonical_bytes(manifest) + b"\n")
    return generated


def describe(g: Generated) -> None:
    print(
        f"  {g.records:,} records in {g.streams:,} streams ({g.records / g.streams:.1f} per "
        f"stream), {g.size_bytes / MiB:.1f} MB ({g.size_bytes / g.records:.0f} bytes per line "
        "incl. LF), "
        f"written in {g.seconds:.1f} s ({g.records / g.seconds:,.0f} records/s)"
    )
    top = sorted(g.types.items(), key=lambda kv: -kv[1])
    print("  types: " + ", ".join(f"{kind} {n / g.records:.1%}" for kind, n in top[:8]))
    print(f"  ({len(g.types)} types; checkpoints at {g.half[0]:,} and {g.records:,})")


# -- timing the verifier ------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    output: str
    seconds: float
    cpu: float
    max_rss_kib: int


# Starts the verifier and measures it. Run as a small process of its own (python -S, no
# imports beyond os/sys/time/resource): the verifier is its only child, and the peak RSS it
# can pass on at exec (see the module docstring) is this launcher's, well under the
# verifier's. Writes "exit-code wall-seconds cpu-seconds max-rss-KiB" to argv[1].
LAUNCHER = """
import os, resource, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as f:
    f.write(f"{code} {seconds} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
"""


def run_verifier(bundle: Path) -> Run:
    """``python -m verify bundle DIR`` in a child (through LAUNCHER): its exit code, output,
    wall and CPU time and peak RSS (getrusage(RUSAGE_CHILDREN) after that single run)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as scratch:
        figures, output = Path(scratch) / "figures", Path(scratch) / "output"
        # The generator holds the departments' keys, so its policy file is the pinned one.
        pinned = ["--policy", str(bundle / "policy")]
        command = [sys.executable, "-m", "verify", "bundle", str(bundle), *pinned]
        with output.open("wb") as out:
            subprocess.run(
                [sys.executable, "-S", "-c", LAUNCHER, str(figures), *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
                check=True,
            )
        code, seconds, cpu, max_rss = figures.read_text().split()
        text = output.read_text(errors="replace")
    return Run(int(code), text, float(seconds), float(cpu), int(max_rss))


def time_verifier(bundle: Path, records: int, repeat: int) -> bool:
    """Run and time the verifier ``repeat`` times; False (failures shown) if it isn't VALID."""
    for n in range(1, repeat + 1):
        run = run_verifier(bundle)
        lines = run.output.splitlines()
        if run.code != 0 or "VALID" not in lines:
            print(f"  run {n}: exit {run.code}, not VALID: a generator or a verifier bug")
            for line in lines[:25]:
                print(f"    {line}")
            return False
        rate = records / run.seconds
        rss = run.max_rss_kib / 1024
        print(
            f"  run {n}: VALID in {run.seconds:.2f} s (CPU {run.cpu:.2f} s, "
            f"{run.cpu / run.seconds:.2f} cores): {rate:,.0f} records/s = "
            f"{rate / TARGET_RATE:.2f}x target {TARGET_RATE:,}; peak RSS {rss:.1f} MB = "
            f"{rss / TARGET_RSS_MB:.2f}x limit {TARGET_RSS_MB} MB "
            f"[{'ok' if rate >= TARGET_RATE else 'SLOW'}, {'ok' if rss < TARGET_RSS_MB else 'BIG'}]"
        )
    summary = next((line for line in lines if line.startswith("records:")), "")
    print(f"  verifier: {summary}")
    return True


# -- profile ------------------------------------------------------------------------------------

ProfileEntry = tuple[int, int, float, float, Any]  # pstats: cc, calls, tottime, cumtime, callers
STEPS = (  # (label, function, file suffix): its cumulative time; steps not seen are left out
    ("parse_record (all per-line record work)", "parse_record", "verify/record.py"),
    ("  parse_canonical", "parse_canonical", "verify/canonical.py"),
    ("    JSONDecoder.decode", "decode", "json/decoder.py"),
    ("      _short_int (parse_int hook)", "_short_int", "verify/canonical.py"),
    ("    json.loads", "loads", "json/__init__.py"),
    ("      _no_duplicates (object_pairs_hook)", "_no_duplicates", "verify/canonical.py"),
    ("    JSONEncoder.encode (re-encode, compare)", "encode", "json/encoder.py"),
    ("    canonical_bytes (re-encode, compare)", "canonical_bytes", "verify/canonical.py"),
    ("      _fast_check", "_fast_check", "verify/canonical.py"),
    ("    _parse_carefully (slow path)", "_parse_carefully", "verify/canonical.py"),
    ("  validate_record", "validate_record", "verify/record.py"),
    ("    uuid.UUID (stream id)", "__init__", "uuid.py"),
    ("    re fullmatch (all callers)", "<method 'fullmatch' of 're.Pattern' objects>", "~"),
    ("  record_hash", "record_hash", "verify/record.py"),
    ("leaf_hash", "leaf_hash", "verify/merkle.py"),
    ("CompactRange.append", "append", "verify/merkle.py"),
    ("ChainChecker.add", "add", "verify/chain.py"),
    ("Invariants.add", "add", "verify/invariants.py"),
    ("SHA-256 (all callers)", "<built-in method _hashlib.openssl_sha256>", "~"),
)


def profile(bundle: Path) -> None:
    """verify_bundle in-process under cProfile: top functions by own time, step shares."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    report = verify_bundle(bundle, own_policy(bundle))
    profiler.disable()
    seconds = time.perf_counter() - start
    assert report.ok, report.failures[:5]
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[tuple[str, int, str], ProfileEntry] = getattr(stats, "stats")  # noqa: B009
    total = sum(tt for _, _, tt, _, _ in raw.values())
    print(
        f"  {report.records:,} records in {seconds:.2f} s under cProfile "
        f"({report.records / seconds:,.0f} records/s; profiled time {total:.2f} s)"
    )
    print(f"  {'step':44} {'cumulative':>10} {'share':>6} {'calls':>10}")
    for label, name, suffix in STEPS:
        found = [
            (calls, ct)
            for (file, _, func), (_, calls, _, ct, _) in raw.items()
            if func == name and file.replace(os.sep, "/").endswith(suffix)
        ]
        if found:
            calls, ct = max(found, key=lambda f: f[1])
            print(f"  {label:44} {ct:9.2f}s {ct / total:6.1%} {calls:>10,}")
    buffer = io.StringIO()
    top = pstats.Stats(profiler, stream=buffer)
    top.sort_stats(pstats.SortKey.TIME).print_stats(15)
    lines = buffer.getvalue().splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    print("  top 15 by own time (tottime):")
    for line in lines[header:]:
        if line.strip():
            print("  " + line.replace(str(ROOT) + os.sep, ""))


# -- main ---------------------------------------------------------------------------------------


def parse_args() -> Namespace:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the bundle")
    parser.add_argument("--quick", action="store_true", help="100,000 records")
    parser.add_argument("--repeat", type=int, default=1, help="timed verifier runs")
    parser.add_argument("--out", type=Path, help="write (and keep) the bundle here")
    parser.add_argument("--seed", type=int, default=2023, help="seed of the records' content")
    parser.add_argument("--profile-records", type=int, default=100_000, help="profiled bundle")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    args = parser.parse_args()
    if args.quick:
        args.records = 100_000
    if args.records < 2 or args.repeat < 1:
        parser.error("--records must be >= 2 and --repeat >= 1")
    if args.out is not None and args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out {args.out} is not empty")
    return args


def main() -> int:
    args = parse_args()
    began = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="gongshi-bench-verify-"))
    try:
        bundle = args.out if args.out is not None else scratch / "bundle"
        print(f"generate: {args.records:,} records into {bundle}")
        generated = generate(bundle, args.records, args.seed)
        describe(generated)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  generator (this process) peak RSS {rss:.1f} MB")

        print(f"verify: python -m verify bundle {bundle} (x{args.repeat})")
        if not time_verifier(bundle, generated.records, args.repeat):
            return 1

        if not args.no_profile:
            target = bundle
            if args.profile_records != args.records:
                target = scratch / "profiled"
                print(f"profile: generate {args.profile_records:,} records into {target}")
                describe(generate(target, args.profile_records, args.seed + 1))
            print(f"profile: verify_bundle({target}) in-process")
            profile(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"total {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
