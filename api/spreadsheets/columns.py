"""The columns of every exported list: its rows' members, in order, with Chinese headers.

A column's key is a member of the row (docs/FORMAT.md §8, and the members a public read adds
when it decides against today's date: ``overdue_follow_ups``, ``overdue_items``, a loop step's
``missing``/``overdue``, the supervision board's ``overdue``), or a dotted path into a nested
object (``revocation.recover_fen``: the member ``recover_fen`` of the member ``revocation``).
How each value becomes a cell is api/spreadsheets/cells.py.
"""

from __future__ import annotations

Columns = list[tuple[str, str]]

_LOOP = [
    (f"{step}.{part}", f"{title}{what}")
    for step, title in (("summary", "个人小结"), ("appraisal", "领导评鉴"),
                        ("feedback", "结果反馈"), ("goal", "改进目标"))
    for part, what in (("due", "截止日"), ("done", "已完成"), ("late", "逾期完成"),
                       ("missing", "未完成"), ("overdue", "已逾期"))
]  # fmt: skip
_NOTES = [
    (f"notes.{q}.{side}", f"{q} {who}记录")
    for q in ("Q1", "Q2", "Q3", "Q4")
    for side, who in (("mentor", "导师"), ("mentee", "青年干部"))
]

COLUMNS: dict[str, Columns] = {
    "disbursements": [
        ("application", "申请编号"), ("fund", "基金"), ("year", "年度"),
        ("masked_name", "申请人"), ("industry", "行业"), ("tier", "档次"),
        ("amount_fen", "发放金额（元）"), ("submitted_on", "申请日期"),
        ("reviewed_on", "审核日期"), ("approved_on", "审批日期"),
        ("disbursed_on", "发放日期"), ("approval_chain", "审批链"),
        ("follow_ups", "回访次数"), ("revocation.violation", "撤销原因"),
        ("revocation.recover_fen", "应追回（元）"), ("revocation.recovered_fen", "已追回（元）"),
        ("posted_on", "公示开始"), ("withdrawn_on", "公示结束"), ("leaf", "日志叶序号"),
        ("fund_year", "基金年度编号"),
    ],
    "fund-ledger": [
        ("fund", "基金"), ("year", "年度"), ("budget_fen", "预算（元）"),
        ("received_fen", "收入（元）"), ("granted_fen", "已承诺（元）"),
        ("disbursed_fen", "已发放（元）"), ("recovered_fen", "已追回（元）"),
        ("remaining_budget_fen", "剩余预算（元）"), ("cash_on_hand_fen", "结余资金（元）"),
        ("fund_year", "基金年度编号"),
    ],  # the nested members: columns and sheets of api/spreadsheets/fund_sheets.py
    "audit-results": [
        ("fund", "基金"), ("year", "年度"), ("title", "标题"), ("conclusion", "结论"),
        ("findings", "发现的问题"), ("recorded_on", "记录日期"), ("leaf", "日志叶序号"),
        ("fund_year", "基金年度编号"),
    ],
    "points": [
        ("county", "县（市、区）"), ("year", "年度"), ("period", "期间"),
        ("township", "乡镇"), ("village", "村"), ("category", "类别"), ("name", "姓名"),
        ("work", "工作实绩"), ("evaluation", "评议"), ("bonus", "加分"),
        ("deduction", "减分"), ("total", "总分"), ("rank", "名次"), ("bottom", "末位10%"),
        ("excellent_candidate", "优秀候选"), ("grade", "等次"),
        ("base_pay_fen", "基本报酬（元）"), ("pay_percent", "报酬比例（%）"),
        ("adjusted_pay_fen", "核定报酬（元）"), ("closed_total", "年终总分"),
        ("closed_rank", "年终名次"), ("closed_bottom", "年终末位"),
        ("closed_top", "年终优秀"), ("book", "积分卡编号"), ("cadre", "干部编号"),
        ("scheme", "方案编号"),
    ],
    "supervision": [
        ("county", "县（市、区）"), ("target_kind", "对象类型"), ("target_name", "对象"),
        ("reason", "事由"), ("stage", "阶段"), ("opened_on", "立案日期"),
        ("talks", "约谈次数"), ("guidance", "指导次数"), ("listed_on", "挂牌日期"),
        ("deadline", "整改期限"), ("overdue", "已逾期"), ("rectified_on", "整改日期"),
        ("closed_on", "销号日期"), ("evidence", "销号依据"), ("trigger", "触发规则"),
        ("source", "来源"), ("case", "案件编号"),
    ],
    "key-projects": [
        ("county", "县（市、区）"), ("year", "年度"), ("name", "项目"),
        ("owner_unit", "责任单位"), ("lead", "牵头领导"), ("items", "任务清单"),
        ("overdue_items", "逾期任务"), ("progress", "进度报告"), ("amendments", "调整"),
        ("project", "项目编号"),
    ],
    "lectures": [
        ("county", "县（市、区）"), ("week", "周次"), ("board", "讲台"), ("topic", "题目"),
        ("name", "主讲人"), ("forms", "评价表份数"),
        ("comments.section_head", "科室负责人点评"), ("comments.deputy_head", "分管部长点评"),
        ("test_mean_tenths", "测试平均分"), ("means.preparation", "课前准备"),
        ("means.grounding", "业务功底"), ("means.expression", "语言表达"),
        ("means.results", "实际成效"), ("overall_tenths", "综合得分"), ("closed", "已结束"),
        ("lecture", "讲台编号"), ("programme", "考核编号"), ("speaker", "主讲人编号"),
    ],
    "assessment-loops": [
        ("county", "县（市、区）"), ("year", "年度"), ("quarter", "季度"),
        ("section", "科室"), ("cadres", "干部人数"), *_LOOP, ("programme", "考核编号"),
    ],
    "mentoring-pairs": [
        ("county", "县（市、区）"), ("mentor_name", "导师"), ("mentee_name", "青年干部"),
        ("started_on", "结对日期"), ("ended_on", "结束日期"), *_NOTES,
        ("pair", "对子编号"), ("programme", "考核编号"),
    ],
    "training-classes": [
        ("county", "县（市、区）"), ("year", "年度"), ("kind", "班次类型"), ("name", "班名"),
        ("sessions", "课次"), ("participants", "参训人数"), ("attendance", "每次出勤人数"),
        ("completed", "结业人数"), ("training", "培训班编号"),
    ],
    "objections": [
        ("kind", "公示类别"), ("scope", "范围"), ("year", "年度"), ("number", "序号"),
        ("received_on", "收到日期"), ("about", "所涉条目"), ("category", "类别"),
        ("status", "状态"), ("answer_due", "答复期限"), ("answered_on", "答复日期"),
        ("answer", "答复内容"), ("late", "逾期答复"), ("objection", "异议编号"),
        ("posting", "公示编号"),
    ],
}  # fmt: skip
ALIASES = {"supervision-cases": "supervision"}

# Money in fen is shown in yuan, points in tenths as points (one decimal): by the last part
# of the column's key. Every other number is shown as it is.
FEN = {"amount_fen", "recover_fen", "recovered_fen", "budget_fen", "received_fen",
       "granted_fen", "disbursed_fen", "remaining_budget_fen", "cash_on_hand_fen",
       "base_pay_fen", "adjusted_pay_fen"}  # fmt: skip
TENTHS = {"work", "evaluation", "bonus", "deduction", "total", "closed_total",
          "test_mean_tenths", "overall_tenths", "preparation", "grounding", "expression",
          "results"}  # fmt: skip
TENTHS_LISTS = {"points", "lectures"}  # the lists whose TENTHS keys are tenths

# Codes shown with their Chinese label (api/labels.py, by the name of its dict) where the
# label exists; a code without one is shown as it is.
LABELS = {
    "industry": "INDUSTRIES", "approval_chain": "ROLES", "violation": "VIOLATIONS",
    "category": "CATEGORIES", "grade": "GRADES", "stage": "STAGES", "board": "BOARDS",
    "reason": "REASONS", "township": "TOWNSHIPS", "county": "COUNTIES", "fund": "FUNDS",
}  # fmt: skip
# Codes api/labels.py has no table for (yet): this module's own.
OWN_LABELS = {
    ("supervision", "target_kind"): {"cadre": "干部", "unit_head": "单位负责人", "unit": "单位"},
    ("objections", "status"): {"waiting": "待答复", "answered": "已答复"},
}  # fmt: skip
LIST_LABELS = {("training-classes", "kind"): "TRAINING_KINDS",
               ("objections", "kind"): "POSTING_KINDS",
               ("objections", "category"): "OBJECTION_CATEGORIES"}  # fmt: skip


def columns_for(name: str) -> Columns:
    """The columns of list ``name`` (KeyError for a name that is no exported list)."""
    return COLUMNS[ALIASES.get(name, name)]
