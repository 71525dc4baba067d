"""Chinese words of the console: the forms' titles, the fields' labels, the record types."""

from __future__ import annotations

from api import labels

ROLES = {
    **labels.ROLES, "organisation_department": "县委组织部",
    "party_building_instructor": "包村党建指导员",
    "assessment_leader": "评鉴领导",
    "department_cadre": "组工干部",
    "data_protection": "个人信息保护",
}  # fmt: skip
V1 = "/api/v1/"
FORMS = {
    "carefund/years": "开立基金年度",
    "carefund/years/{year}/contributions": "登记资金收入",
    "carefund/years/{year}/audit-results": "公布审计结果",
    "carefund/applications": "提交帮扶申请",
    "carefund/applications/{application}/review": "行业党委审核",
    "carefund/applications/{application}/approval": "工会审批（核定档次）",
    "carefund/applications/{application}/rejection": "工会不予批准",
    "carefund/applications/{application}/disbursement": "财政发放",
    "carefund/applications/{application}/follow-ups": "登记回访",
    "carefund/applications/{application}/revocation": "撤销违规资助",
    "carefund/applications/{application}/recoveries": "登记追回资金",
    "points/{county}/{year}/scheme": "开立积分年度方案",
    "points/{county}/{year}/closure": "年度结算排名",
    "points/{county}/{year}/reopening": "重新开放年度",
    "points/{county}/{year}/plans": "制定乡镇任务清单",
    "points/{county}/{year}/plans/{township}/amendments": "调整任务清单",
    "points/{county}/{year}/books": "建立干部积分卡",
    "points/{county}/{year}/books/{book}/allocations": "两委会议分配任务积分",
    "points/{county}/{year}/books/{book}/entries": "季度记分",
    "points/{county}/{year}/books/{book}/corrections": "冲正记分",
    "points/{county}/{year}/books/{book}/appraisal": "年度考核定等",
    "supervision/cases": "立案督办",
    "supervision/cases/{case}/talks": "约谈提醒",
    "supervision/cases/{case}/guidance": "现场指导",
    "supervision/cases/{case}/listing": "挂牌督办",
    "supervision/cases/{case}/rectification": "报告整改",
    "supervision/cases/{case}/closure": "销号",
    "supervision/projects": "登记重点项目",
    "supervision/projects/{project}/progress": "报告项目进度",
    "supervision/projects/{project}/amendments": "调整项目事项",
    "supervision/projects/{project}/verifications": "核验项目事项",
    "supervision/escalations": "执行逾期项目督办",
    "subjects": "登记当事人（个人信息入保险库）",
    "subjects/{subject}/erasure": "申请删除个人信息",
    "subjects/{subject}/erasure/approval": "批准删除个人信息",
    "postings": "发布公示",
    "postings/{kind}/{scope}/{year}/objections/{objection}/answer": "答复异议",
    "postings/{kind}/{scope}/{year}/close": "结束公示",
}  # fmt: skip
FIELDS = {
    "year": "年度",
    "county": "县（市、区）",
    "township": "乡镇",
    "village": "村",
    "application": "申请编号",
    "subject": "当事人编号",
    "book": "积分卡编号",
    "case": "案件编号",
    "project": "项目编号",
    "industry": "行业",
    "hardship": "困难类型",
    "requested_tier": "申请档次",
    "priority": "优先考虑",
    "approve": "审核通过",
    "reason": "理由",
    "tier": "核定档次",
    "reference": "凭证号",
    "visited_on": "回访日期",
    "outcome": "回访结果",
    "note": "说明",
    "quarter": "季度",
    "component": "积分类别",
    "points_tenths": "分值",
    "task": "任务",
    "title": "名称",
    "entry": "记分序号",
    "grade": "等次",
    "base_pay_fen": "基本报酬（元）",
    "category": "类别",
    "cadre": "干部编号",
    "kind": "类型",
    "personal.name": "姓名",
    "personal.id_number": "身份证号",
    "personal.phone": "电话",
    "personal.bank_account": "银行账号",
    "personal.address": "住址",
    "personal.hardship_details": "困难情况",
    "amount_fen": "金额（元）",
    "source": "来源",
    "donor": "捐赠人编号",
    "budget_fen": "预算（元）",
    "tiers_fen": "档次金额（分）",
    "posting_days": "公示天数",
    "first_follow_up_days": "首次回访天数",
    "follow_up_interval_days": "回访间隔天数",
    "follow_ups": "回访次数",
    "deadline": "整改期限",
    "evidence": "证明材料",
    "instructor": "党建指导员",
    "meeting_on": "会议日期",
    "minutes": "会议纪要号",
    "tasks": "任务清单",
    "conclusion": "结论",
    "findings": "发现问题",
    "violation": "违规性质",
    "recover_fen": "应追回（元）",
    "done": "已完成",
    "item": "事项",
}  # fmt: skip
CHOICES = {
    **labels.INDUSTRIES, **labels.CATEGORIES, **labels.GRADES, **labels.VIOLATIONS,
    **labels.REASONS, **labels.OBJECTION_CATEGORIES, **labels.POSTING_KINDS,
    "work": "工作实绩", "evaluation": "评议", "bonus": "加分", "deduction": "减分",
    "worker": "新就业群体劳动者", "responsible_person": "责任人", "donor": "捐赠人",
    "cadre": "村干部", "unit_head": "单位负责人", "department_cadre": "组工干部",
    "unit": "单位",
    # the care fund's hardships ("就因病、因灾导致生活困难以及长期在苦脏累险艰苦行业岗位一线奋斗")
    # and sources ("由市委非公工委牵头，市总工会、团市委、市妇联及快递、外卖送餐等行业党委共同设立")
    "illness": "因病致困", "disaster": "因灾致困",
    "long_term_frontline_hardship": "长期在艰苦行业岗位一线",
    "non_public_sector_work_committee": "市委非公工委", "trade_union": "市总工会",
    "youth_league": "团市委", "womens_federation": "市妇联",
    "express_industry_party_committee": "快递行业党委",
    "food_delivery_industry_party_committee": "外卖送餐行业党委", "social_donor": "社会捐赠",
}  # fmt: skip
APPLICATION_STAGES = {
    "submitted": "已受理", "reviewed": "已审核", "approved": "已审批", "rejected": "不予批准",
    "disbursed": "已发放", "revoked": "已撤销",
}  # fmt: skip
RECORDS = labels.RECORD_TYPES


def form_title(path: str, summary: str | None) -> str:
    """The Chinese title of the write route at ``path`` (its summary if none is known)."""
    return FORMS.get(path.removeprefix(V1), summary or path)


def field_label(name: str) -> str:
    return FIELDS.get(name, FIELDS.get(name.rsplit(".", 1)[-1], name))
