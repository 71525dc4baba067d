"""Chinese labels for the public page and the printable notices: roles, industries, stages,
reasons, categories, departments, witness states, townships, counties and funds, and how long
ago. ``label(table, code)`` shows a code the table does not know as 未知（code） rather than
bare."""

from __future__ import annotations

from ledger.demo.points import TOWNSHIPS as TAIHU_TOWNSHIPS
from ledger.demo.points import township_code

# The glossary: one Chinese word per thing, the source's own (anqing-organisation-newsletter-
# 2023-06.txt). The care fund helps: "帮扶资金", "分三个档次设立帮扶资金", "明确申请帮扶内容"; an
# application is a 帮扶申请, its tier a 帮扶档次. A cadre's points book is the card each cadre
# is given: "为每名村（社区）干部发放积分卡" (一村一册 is the village's register, 分配登记簿).
# Console, messages, exports, templates and forms use these; tests/unit/test_glossary.py
# refuses each SYNONYMS word anywhere under api/ (救助 is other relief, not this fund's).
TERMS = {
    "application": "帮扶申请", "tier": "帮扶档次", "grant": "帮扶资金", "points_book": "积分卡",
}  # fmt: skip
SYNONYMS = {
    "救助": "帮扶", "关爱基金申请": TERMS["application"], "积分台账": TERMS["points_book"],
    "积分簿": TERMS["points_book"], "积分册": TERMS["points_book"],
}  # fmt: skip
ROLES = {
    "intake": "受理", "industry_party_committee": "行业党委审核", "trade_union": "工会审批",
    "finance": "财政发放", "audit": "审计", "supervision": "纪检监察",
    "township_party_committee": "乡镇党委", "village_committee": "村委会", "admin": "管理员",
    "organisation_department": "组织部", "party_building_instructor": "包村党建指导员",
    "assessment_leader": "考核领导", "department_cadre": "组工干部", "data_protection": "数据保护",
}  # fmt: skip
INDUSTRIES = {
    "express_delivery": "快递", "food_delivery": "外卖", "ride_hailing": "网约车",
    "other": "其他",
}  # fmt: skip
STAGES = {
    "opened": "已立案", "talk": "约谈提醒", "guidance": "现场指导", "listed": "挂牌督办",
    "rectified": "已整改", "closed": "已销号",
}  # fmt: skip
CATEGORIES = {"principal": "正职", "deputy": "副职", "reserve": "后备"}
# supervision.CaseOpened reason (ledger/supervision/case.py Reason)
REASONS = {
    "bottom_ranking": "年度积分同类别后10%", "complaint": "群众举报", "inspection": "巡察发现",
    "carefund_violation": "关爱基金违规", "overdue_project": "重点项目逾期",
}  # fmt: skip
# the domain keeps a township as its code (th01 ...); the names are the county's (the demo's
# Taihu county: ledger/demo/points.py TOWNSHIPS, th01 = 晋熙镇)
TOWNSHIPS = {township_code(i): name for i, name in enumerate(TAIHU_TOWNSHIPS)}
COUNTIES = {
    "taihu": "太湖县", "huaining": "怀宁县", "qianshan": "潜山市", "yuexi": "岳西县",
    "wangjiang": "望江县", "tongcheng": "桐城市",
}  # fmt: skip
POSTING_KINDS = {"carefund": "关爱基金发放公示", "points": "积分结果公示"}
# posting.ObjectionReceived category (verify/schema.py OBJECTION_CATEGORIES)
OBJECTION_CATEGORIES = {
    "eligibility": "资格条件", "amount": "金额档次", "score": "积分计算", "procedure": "程序",
    "misconduct": "违规违纪", "other": "其他",
}  # fmt: skip
# record types (FORMAT §4) of the streams the console shows: an application, a points book, a
# supervision case, a key project, a posting
RECORD_TYPES = {
    "carefund.ApplicationSubmitted": "提交申请", "carefund.ApplicationQueued": "进入审核队列",
    "carefund.ApplicationReviewed": "行业党委审核", "carefund.ApplicationApproved": "工会审批",
    "carefund.ApplicationRejected": "不予批准", "carefund.GrantDisbursed": "发放",
    "carefund.FollowUpRecorded": "回访", "carefund.GrantRevoked": "撤销资助",
    "carefund.RecoveryReceived": "追回资金",
    "points.BookOpened": "建立积分卡", "points.ScoreEntered": "记分",
    "points.Appraised": "年度定等",
    "points.BookSealed": "年度结算封存", "points.BookUnsealed": "重新开放",
    "supervision.CaseOpened": "立案", "supervision.TalkHeld": "约谈提醒",
    "supervision.GuidanceGiven": "现场指导", "supervision.CaseListed": "挂牌督办",
    "supervision.RectificationReported": "报告整改", "supervision.CaseClosed": "销号",
    "keyproject.Registered": "登记重点项目", "keyproject.ProgressReported": "报告进度",
    "keyproject.Amended": "调整事项", "keyproject.ItemVerified": "核验销号",
    "keyproject.ItemEscalated": "逾期督办",
    "posting.Opened": "发布公示", "posting.ObjectionReceived": "收到异议",
    "posting.ObjectionAnswered": "答复异议", "posting.Closed": "结束公示",
}  # fmt: skip
FUNDS = {"tongcheng-pioneer-care": "桐城市新业态新就业群体先锋关爱基金"}
# the unit that issues a posting's notice when the posting record names none (before issue 15's
# postings): the care fund's approving trade union, the county's organisation department
FUND_UNITS = {"tongcheng-pioneer-care": "桐城市总工会"}
GRADES = {
    "excellent": "优秀", "competent": "称职", "basically_competent": "基本称职",
    "incompetent": "不称职",
}  # fmt: skip
DEPARTMENTS = {"finance": "财政局", "audit": "审计局", "supervision": "纪委监委"}
WITNESS_STATES = {
    "cosigned": "已联署", "refused": "拒绝联署（发现分叉证据）",
    "silent": "无响应（近期未联署）", "waiting": "待联署",
}  # fmt: skip
VIOLATIONS = {"rules": "违规", "discipline": "违纪", "law": "违法"}
# issue 14: an organisation department's own cadres (讲组工, 平时考核, 以老带新, 培训)
BOARDS = {"policy": "科长讲政策", "business": "骨干讲业务", "plans": "新兵讲打算"}
INDICATORS = {
    "preparation": "课前准备", "grounding": "业务功底", "expression": "语言表达",
    "results": "实际成效",
}  # fmt: skip
LOOP_STEPS = {
    "summary": "个人小结", "appraisal": "领导评鉴", "feedback": "结果反馈", "goal": "改进目标",
}  # fmt: skip
TRAINING_KINDS = {
    "induction": "公务员初任培训班", "young_and_middle_aged": "中青年干部培训班",
    "section_level": "科级干部培训班",
}  # fmt: skip


def posting_title(kind: str, scope: str, year: int) -> str:
    """A posting's title: '桐城市…先锋关爱基金 2023 年度帮扶资金发放公示',
    '太湖县村（社区）干部积分 2023 年度积分结果公示'."""
    if kind == "carefund":
        return f"{FUNDS.get(scope, scope)} {year} 年度帮扶资金发放公示"
    return f"{COUNTIES.get(scope, scope)}村（社区）干部积分 {year} 年度积分结果公示"


def label(table: dict[str, str], code: object) -> str:
    """The Chinese label of ``code``; an unknown one as 未知（code）, an empty one as —."""
    if code is None or code == "":
        return "—"
    return table.get(str(code), f"未知（{code}）")


def yuan(fen: int) -> str:
    """12345 -> '123.45' (integer arithmetic, never floats)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def ago(seconds: int) -> str:
    """How long ago, in whole units: 12 -> '12 秒前', 150 -> '2 分钟前', 0 -> '刚刚'."""
    if seconds <= 0:
        return "刚刚"
    for size, unit in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds >= size:
            return f"{seconds // size} {unit}前"
    return f"{seconds} 秒前"


def points(tenths: int) -> str:
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{sign}{whole}.{tenth}"
