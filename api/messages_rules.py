"""One sentence per domain rule, under ``rule.<the RuleViolation's name>`` (Chinese, English).

The sentence says which rule was broken, in the words of the work; the ``RuleViolation``'s
own message stays the evidence (the problem body's ``evidence`` member: the figures, the
stage found, the earlier record). A test collects every rule name raised in ledger/ and
api/ and requires its entry here (tests/unit/test_messages.py).
"""

from __future__ import annotations

_RULES: dict[str, tuple[str, str]] = {
    # who may act
    "role": ("当前角色无权执行此操作", "the caller's role may not do this"),
    "public.reader_date": (
        "只有审计角色可以按服务器日期以外的日期查阅公开名单",
        "only the audit role reads the public lists on another date than the server's",
    ),
    "principal.account": ("账户名不符合规定格式", "the account name is not valid"),
    "principal.enrolled": ("该账户已经登记", "the account is already enrolled"),
    "principal.linked": ("该账户已关联此对象", "the account is already linked to this subject"),
    "principal.own_book": (
        "不得在本人的积分卡上记分",
        "no one records in the book of the cadre they are",
    ),
    "principal.reason": ("变更角色须说明理由", "a role change needs a reason"),
    "principal.role": ("该账户未以此角色登记", "the account is not enrolled in this role"),
    "principal.scope": ("超出该账户的工作范围（县、镇、村）", "outside the account's scope"),
    "principal.system": ("系统账户只能执行其专属操作", "a system account records only its own job"),
    # subjects and the vault
    "subject.fields": ("个人信息字段有误：至少须有姓名", "the personal fields are not valid"),
    "subject.kind": ("对象类别不符", "the subject is not of the kind required"),
    "subject.erased": ("该对象的个人信息已删除", "the subject was erased"),
    "subject.erase_reason": ("删除申请须说明理由", "an erasure request needs a reason"),
    "subject.erasure_pending": ("已有待批准的删除申请", "an erasure was already requested"),
    "subject.erasure_approval": (
        "删除须由数据保护负责人申请、另一人批准",
        "an erasure is requested by data protection and approved by another principal",
    ),
    "subject.erasure_hold": (
        "该对象仍在公示中承担公共职责，相关事项办结前不能删除",
        "the subject keeps its public-duty name until its open matters close",
    ),
    # care fund (关爱基金)
    "carefund.year": ("基金年度须在 2000 至 2100 年之间", "the fund year is 2000..2100"),
    "carefund.year_open": ("该年度基金已开立", "the fund year is already open"),
    "carefund.year_params": ("基金年度参数有误", "the fund year's parameters are not valid"),
    "carefund.amount": ("金额须为正整数（分）", "an amount is a positive number of fen"),
    "carefund.tier": ("帮扶档次不在本年度设定的档次之内", "the tier is not one of the year's"),
    "carefund.donor": (
        "社会捐赠须注明捐赠人，其他来源不注明",
        "a social donation names its donor; other sources don't",
    ),
    "carefund.source": ("资金来源不在规定范围内", "the contribution's source is not valid"),
    "carefund.budget_cap": ("资助金额超出本年度预算余额", "the grant exceeds the remaining budget"),
    "carefund.priority_first": (
        "预算余额须优先用于优先考虑对象",
        "the remaining budget is held for applications with priority",
    ),
    "carefund.cash_on_hand": ("发放金额超出已到账资金", "the payment exceeds the money received"),
    "carefund.audit_result": (
        "审计结果须有标题和结论",
        "an audit result has a title and conclusion",
    ),
    "carefund.order": ("申请不在可办理此步骤的阶段", "the application is not at this step"),
    "carefund.reason": ("此步骤须说明理由", "this step needs a reason"),
    "carefund.date": ("日期格式应为 YYYY-MM-DD", "a date is YYYY-MM-DD"),
    "carefund.priority": ("是否优先考虑须为是或否", "priority is true or false"),
    "carefund.industry": ("行业不在规定范围内", "the industry is not one of the fund's"),
    "carefund.hardship": ("困难类型不在规定范围内", "the hardship is not one of the fund's"),
    "carefund.separation_of_duties": (
        "同一人不得既办理前一步骤又办理此步骤（职责分离）",
        "the one who did an earlier step may not do this one (separation of duties)",
    ),
    "carefund.visit_date": (
        "回访日期须在发放之后、今天之前",
        "a visit lies between the payment and today",
    ),
    "carefund.outcome": ("回访结果不在规定范围内", "the visit's outcome is not valid"),
    "carefund.violation": ("违规类型不在规定范围内", "the violation is not one of the kinds"),
    "carefund.handling": (
        "违纪须移交纪检、违法须移送司法机关，并写明责任党组织",
        "discipline and law breaches are referred, and the accountable organisation named",
    ),
    "carefund.recovery": ("追回金额超出应追回的金额", "the recovery exceeds what is owed"),
    # points (积分管理)
    "points.scheme_open": ("该年度积分管理方案已开立", "the points scheme is already open"),
    "points.category": ("干部类别不在方案规定之内", "the category is not one of the scheme's"),
    "points.unit": ("干部须属于一个镇和一个村", "a cadre belongs to a township and a village"),
    "points.book_open": ("该干部本年度已有积分卡", "the cadre already has a book this year"),
    "points.quarter": ("季度须为 1 至 4", "a quarter is 1..4"),
    "points.amount": ("分值须为正数（以 0.1 分计）", "points are a positive number of tenths"),
    "points.format": ("分值最多一位小数", "points have at most one decimal"),
    "points.reason": ("须写明理由", "a reason is required"),
    "points.task": ("任务不在本镇的任务计划中或填写有误", "the task is not in the township's plan"),
    "points.plan_set": ("该镇任务计划已制定，修改请走变更", "the plan is set: amend it"),
    "points.plan_timing": (
        "任务计划在第一季度制定，之后只能在本年度内变更",
        "a plan is set in Q1 and amended within its year",
    ),
    "points.work_allocated": (
        "工作积分不得超过两委会议分配给该干部的任务分值",
        "work points stay within what the 两委会议 allocated",
    ),
    "points.allocation": ("分配分值须为正数（以 0.1 分计）", "an allocation is positive tenths"),
    "points.allocation_cap": ("分配超出任务分值", "the allocation exceeds the task's points"),
    "points.allocation_meeting": (
        "分配须注明本年度已召开的两委会议纪要文号",
        "an allocation cites a 两委会议 of the year, already held",
    ),
    "points.adjustment_by_township": (
        "奖励和扣分由镇党委记入",
        "bonuses and deductions are the township committee's",
    ),
    "points.evaluation_once": ("每季度只记一次考评分", "one evaluation entry a quarter"),
    "points.bonus_cap": ("奖励分超出全年上限", "the bonus exceeds the yearly cap"),
    "points.correction": ("该条记录不存在或已更正", "no such entry, or already corrected"),
    "points.season": ("积分从本年度 1 月 1 日起记入", "entries begin on 1 January of the year"),
    "points.year_close": ("年度结束后才能结算", "a year closes after it ends"),
    "points.year_closed": (
        "该年度已结算，须说明理由重新开放后才能记入",
        "the year is closed: reopen it with a reason first",
    ),
    "points.year_reopen": (
        "该年度未结算，或重新开放未说明理由",
        "the year is not closed, or no reason",
    ),
    "points.grade": (
        "年度等次须依据已结算的排名，优秀限排名前列，不称职须说明理由",
        "grades follow the closed ranking; 优秀 from its top, 不称职 with a reason",
    ),
    "points.grade_set": ("本年度等次已评定", "this year's grade is already set"),
    "points.base_pay": ("基本报酬须为非负整数（分）", "base pay is a non-negative number of fen"),
    # supervision (督办)
    "supervision.target": ("督办对象须以登记对象编号或单位名称指明", "name the case's target"),
    "supervision.reason": ("立案须说明依据", "a case states its grounds"),
    "supervision.county": ("案件须注明所在县", "a case names its county"),
    "supervision.bottom_by_close": (
        "末位 10% 的督办案件由年度结算自动立案，不能手工立案",
        "bottom-10% cases are opened by the year's close, not by hand",
    ),
    "supervision.closed": ("案件已销号，不能再办理", "the case is closed"),
    "supervision.order": (
        "督办步骤须依次进行：约谈提醒、现场指导、挂牌督办、整改、销号",
        "supervision steps go forward in order",
    ),
    "supervision.hands": (
        "此步骤须由对应的镇党委或党建指导员亲自办理",
        "this step is taken by the township committee or the instructor in person",
    ),
    "supervision.instructor": ("须注明党建指导员", "name the party-building instructor"),
    "supervision.deadline": ("督办期限不能早于今天", "the deadline is not before today"),
    "supervision.rectification": ("须说明整改情况", "describe the rectification"),
    "supervision.evidence": ("整改和销号须附佐证材料", "rectification and closure cite evidence"),
    "supervision.separation": (
        "报告整改的人不能自己销号",
        "the one who reported rectification does not close",
    ),
    # key projects (重点项目)
    "keyproject.name": (
        "重点项目须有名称、责任单位和所在县",
        "a project has a name, owner, county",
    ),
    "keyproject.lead": ("工作专班负责人须为账户名", "the 工作专班 lead is an account"),
    "keyproject.items": ("清单事项有误或不在清单上", "the checklist items are not valid"),
    "keyproject.done": ("该事项已完成", "the item is already done"),
    "keyproject.progress": ("进度报告须说明完成情况", "a progress report says what was done"),
    "keyproject.amendment": (
        "清单调整须说明理由，且只能调整未完成、未挂牌的事项",
        "an amendment states its reason and changes an open item",
    ),
    "keyproject.verification": (
        "事项须由项目负责人核验销号，且不能核验自己报告的事项",
        "the lead verifies a reported item, not one they reported",
    ),
    "keyproject.escalation": (
        "只有逾期事项才挂牌督办，且每项一次",
        "only overdue items escalate, once",
    ),
    "keyproject.case_closure": (
        "由重点项目转来的案件，须在该事项核验后销号",
        "a project's case closes when its item is verified",
    ),
    # inspections (督查), selection (选人用人), posts
    "inspection.name": ("督查须有名称和所在县", "an inspection has a name and a county"),
    "inspection.branch": (
        "党支部未注明、已走访或尚未走访",
        "the branch is not named or not visited",
    ),
    "inspection.examined": ("该干部已接受检查", "the cadre was already examined"),
    "inspection.reason": ("检查结论须说明理由", "the outcome states its reason"),
    "selection.name": ("专项检查须有名称、所在县和检查组", "a special inspection is named in full"),
    "selection.visit": ("单位未走访或发现情况未填写", "the unit was not visited, or no finding"),
    "selection.talk": (
        "约谈须针对工作推动不力的发现，并记录谈话内容",
        "a talk follows a weak-work finding and records what was said",
    ),
    "cadrepost.post": ("职务须有名称和所在县", "a post has a title and a county"),
    "cadrepost.observation": (
        "观察使用须为领导职务干部，注明非领导职务、理由和观察期",
        "observation moves a leading cadre, with the post, reason and period",
    ),
    "cadrepost.review": (
        "观察期满后方可复核，并说明理由",
        "the observation is reviewed at its end",
    ),
    # routine assessment (平时考核)
    "assessment.programme": ("考核方案有误", "the assessment programme is not valid"),
    "assessment.account": (
        "该账户须且只能关联一名本部门干部",
        "the account is linked to exactly one cadre",
    ),
    "assessment.enrol": ("干部登记有误或已登记", "the enrolment is not valid"),
    "assessment.quarter": ("季度须为 1 至 4，且已开始", "a quarter is 1..4 and has begun"),
    "assessment.order": (
        "每季度依次进行：小结、评鉴、反馈、改进目标",
        "each quarter runs 小结, 评鉴, 反馈, 改进目标 in order",
    ),
    "assessment.hands": ("此步骤须由规定的账户办理", "this step is taken by its own account"),
    "assessment.self": ("领导不能评鉴自己", "no leader assesses themselves"),
    "assessment.goal": ("小结须回应上季度的改进目标", "a summary answers the previous goal"),
    "assessment.text": ("内容不能为空", "the text says something"),
    "assessment.rating": ("评鉴等次不在规定范围内", "the rating is not valid"),
    "assessment.references": ("引用须排序且不重复", "references are sorted, once each"),
    "assessment.closed": ("年度等次已评定，档案已关闭", "the annual grade is recorded"),
    "assessment.annual_grade": (
        "年度等次须在四个季度评鉴之后，按规定评定",
        "the annual grade follows the four quarters' ratings",
    ),
    "lecture.week": ("讲组工安排在本年度的星期一", "a lecture week is a Monday of the year"),
    "lecture.topic": ("讲组工须有板块和题目", "a lecture has a board and a topic"),
    "lecture.speaker": ("主讲人须为本考核的干部", "the speaker is a cadre of the programme"),
    "lecture.order": ("讲组工的步骤顺序不符", "the lecture's steps are out of order"),
    "lecture.rater": ("不能给自己的讲课打分", "no rating of one's own lecture"),
    "lecture.one_form": ("每人只能填一份评价表", "one form per person"),
    "lecture.comment": (
        "点评由科室负责人和分管部长各一次，且为两人",
        "the section head and the deputy head comment once each, two people",
    ),
    "lecture.score": ("评分须为 0 至 100 的整数", "a score is an integer 0..100"),
    "mentoring.pair": ("帮带对子有误", "the mentoring pair is not valid"),
    "mentoring.note": ("帮带记录有误（季度、本人账户或已记录）", "the note is not valid"),
    "mentoring.ended": ("帮带对子已结束或结束日期有误", "the pair ended, or its end is not valid"),
    "training.class": ("培训班信息有误", "the training class is not valid"),
    "training.enrolled": ("学员未报名或已报名", "the participant is not, or already, enrolled"),
    "training.session": ("课次有误或考勤已记录", "the session is not valid or recorded"),
    "training.completion": (
        "结业须在全部课次考勤之后，且只记一次",
        "completion follows every session, once",
    ),
    # postings (公示) and objections (异议)
    "posting.unanswered": (
        "公示尚有未答复的异议，不能结束",
        "the posting has unanswered objections",
    ),
    "posting.unit": ("只有负责该公示的单位才能办理", "only the posting's responsible unit acts"),
    "posting.opened": (
        "公示信息有误、对应年度未开立，或该公示已经开始",
        "the posting is not valid, its year is not open, or it is open already",
    ),
    "posting.period": ("异议须在公示期内提出", "objections are received during the period"),
    "posting.objection": (
        "异议的类别或所涉条目有误",
        "the objection's category or row is not valid",
    ),
    "posting.contact": (
        "请留下有效的联系电话（7 至 20 位数字）或联系地址（至少 5 个字）以便答复，"
        "每项不超过 200 字",
        "give a phone (7 to 20 digits) or an address (5 characters at least) for the answer,"
        " 200 characters each at most",
    ),
    "posting.text": ("请写明异议内容", "say what is objected to"),
    "posting.answer": (
        "该异议不存在、已答复，或答复内容为空",
        "no such objection, answered already, or empty",
    ),
    "posting.personal": (
        "答复将公开，不能包含异议人的个人信息",
        "the answer is published: no objector's details",
    ),
    "posting.closed": ("公示已结束，或公示期尚未结束", "the posting is closed, or its period runs"),
    # spreadsheet imports (导入)
    "imports.kind": ("导入类型不在规定范围内", "the import kind is not valid"),
    "imports.sha256": ("文件摘要格式有误", "the file's SHA-256 is not valid"),
    "imports.rows": ("导入的行数超出范围", "the number of rows is out of range"),
    # any record (docs/FORMAT.md rule 78): an entry bundle carries at most 65,535 bytes
    "record.entry_size": (
        "记录超过 65,535 字节，无法收入日志的条目包，未保存",
        "the record is longer than 65,535 bytes, more than an entry bundle carries: not saved",
    ),
}

RULES: dict[str, tuple[str, str]] = {"rule." + name: text for name, text in _RULES.items()}
