"""Messages for people, in Chinese by default, each under a stable English code.

``message(code, lang=None, **fields)`` is the sentence for ``code`` in ``lang`` (``zh`` or
``en``; None: ``GONGSHI_LANG``, ``zh`` unless it says ``en``). Codes never change once
published: clients and scripts key on them, people read the sentence. They are

- ``rule.<rule name>`` for a broken domain rule (``rule.carefund.budget_cap``: the
  ``RuleViolation``'s name, api/messages_rules.py has one sentence per name);
- ``not_found.<thing>`` for a resource that does not exist (``not_found.fund_year``: "2031
  年度基金未开立", named by the key the user gave, never by an internal stream id);
- ``auth.*`` (the bearer token), ``input.*`` (the request), ``idempotency.*``, ``log.*``,
  ``unavailable``, ``internal``, ``http.<status>`` (what the framework answers itself).

``fields`` fill the sentence's ``{name}`` placeholders (in Chinese a county, township, reason
or posting by its name: api/messages_fields.py); a placeholder without its field
stays as written, and an unknown code falls back to its family's sentence naming the
code, so an error path never fails for want of a message.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping

from api.messages_fields import named
from api.messages_rules import RULES

LANGS = ("zh", "en")
ENV = "GONGSHI_LANG"

GENERAL: dict[str, tuple[str, str]] = {
    # the bearer token (401)
    "auth.missing_token": (
        "缺少访问令牌：请在请求头中提供 Authorization: Bearer 令牌",
        "missing bearer token (Authorization: Bearer TOKEN)",
    ),
    "auth.malformed_header": (
        "Authorization 请求头的格式应为 “Bearer 令牌”",
        "the Authorization header is not 'Bearer TOKEN'",
    ),
    "auth.malformed_token": ("访问令牌格式不正确", "malformed bearer token"),
    "auth.unknown_token": ("访问令牌无效或不存在", "unknown bearer token"),
    "auth.revoked_token": ("访问令牌已于 {at} 吊销", "bearer token revoked at {at}"),
    "auth.system_account": (
        "系统账户 {account} 不能使用访问令牌",
        "no token acts as the system account {account}",
    ),
    "auth.role_changed": (
        "访问令牌签发时的角色已不是该账户当前的角色：请重新签发令牌",
        "the token's role is no longer its principal's: issue a new token",
    ),
    "auth.invalid_token": ("访问令牌无效", "invalid bearer token"),
    # the request (4xx)
    "input.invalid": ("请求内容不符合要求", "the request does not match the schema"),
    "input.body_too_large": (
        "请求内容过大（上限 {limit} 字节）",
        "request bodies are limited to {limit} bytes",
    ),
    "input.bad_date": ("日期 “{value}” 无效，应为 YYYY-MM-DD", "{value!r} is not a date"),
    "input.bad_query": ("查询参数无效：{detail}", "bad query: {detail}"),
    "idempotency.key_invalid": ("Idempotency-Key 请求头无效", "malformed Idempotency-Key header"),
    # the public objection channel's limits (429, api/objection_limits.py)
    "rate_limited.objection_client": (
        "提交过于频繁：同一网络地址每小时最多提交 {limit} 件异议，请约 {minutes} 分钟后再试，"
        "或按公示上的方式书面或电话反映",
        "too many objections from this address: {limit} an hour; retry in {minutes} min",
    ),
    "rate_limited.objection_posting": (
        "该公示一小时内收到的在线异议已达 {limit} 件，请约 {minutes} 分钟后再试，"
        "或按公示上的方式书面或电话反映",
        "this posting received {limit} objections in the last hour; retry in {minutes} min",
    ),
    "idempotency.key_reused": (
        "该 Idempotency-Key 已用于另一个请求（方法、路径或内容不同）：新请求请使用新的键",
        "this Idempotency-Key was used for a different request: use a new key",
    ),
    "idempotency.in_flight": (
        "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试以取得其答复",
        "a request with this Idempotency-Key is still being answered; retry after a moment",
    ),
    # the log (proofs, cosignatures, positions)
    "log.proof_range": ("无法提供该证明：{detail}", "no such proof: {detail}"),
    "log.cosignature": ("见证人联署被拒绝：{detail}", "cosignature refused: {detail}"),
    "log.no_checkpoint": ("尚无已见证的检查点", "no witnessed checkpoint yet"),
    "log.no_signed_checkpoint": ("尚无已签名的检查点", "no signed checkpoint yet"),
    "log.position_ahead": (
        "位置 {position} 超出日志（日志共 {size} 个叶子）",
        "position {position} is beyond the log ({size} leaves)",
    ),
    "log.not_at_position": (
        "公开名单 {name} 尚未更新到位置 {position}，请稍后重试",
        "{name} has not reached position {position} yet; retry",
    ),
    "log.no_leaf": (
        "日志中没有第 {start} 个叶子（共 {size} 个）",
        "no leaf {start}: the log has {size}",
    ),
    "log.line_too_long": ("联署行最多 {limit} 字节", "a cosignature line is at most {limit} bytes"),
    "log.not_utf8": ("联署行不是 UTF-8 文本", "the cosignature line is not UTF-8"),
    "log.no_policy": ("日志尚无密钥和见证策略", "the log has no key and no policy yet"),
    "log.no_tile": ("没有该日志瓦片", "no such tile"),
    "refused": ("请求被拒绝：{detail}", "refused: {detail}"),
    # faults
    "unavailable": ("数据库暂时不可用（{reason}），请稍后重试", "{reason}; retry later"),
    "internal": (
        "服务器内部错误，日志中的请求编号为 {request_id}",
        "the server failed; its log names request {request_id}",
    ),
    "http.404": ("未找到该地址", "Not Found"),
    "http.405": ("该地址不支持此请求方法", "Method Not Allowed"),
    "http.413": ("请求内容过大", "Request Entity Too Large"),
    "http.error": ("请求失败（{status}）", "request failed ({status})"),
    # the page
    "page.bad_query": ("查询条件有误：{detail}", "bad query: {detail}"),
}

NOT_FOUND: dict[str, tuple[str, str]] = {
    "not_found.fund_year": ("{year} 年度基金未开立", "fund year {year} is not open"),
    "not_found.application": ("未找到该帮扶申请", "no such application"),
    "not_found.subject": ("未找到该登记对象", "no such subject"),
    "not_found.scheme": (
        "{county} {year} 年度积分管理方案未开立",
        "points scheme {county} {year} is not open",
    ),
    "not_found.task_plan": (
        "{township} {year} 年度任务计划尚未制定",
        "the {township} plan of {year} is not set",
    ),
    "not_found.points_book": ("未找到该积分卡", "no such points book"),
    "not_found.allocation_register": ("未找到该村的分配登记簿", "no such allocation register"),
    "not_found.supervision_case": ("未找到该督办案件", "no such supervision case"),
    "not_found.key_project": ("未找到该重点项目", "no such key project"),
    "not_found.inspection": ("未找到该督查", "no such inspection"),
    "not_found.selection_inspection": ("未找到该选人用人专项检查", "no such selection inspection"),
    "not_found.cadre_post": ("该干部没有登记职务", "the cadre has no recorded post"),
    "not_found.assessment_programme": ("未找到该平时考核", "no such assessment programme"),
    "not_found.assessment_record": ("未找到该干部的考核档案", "no such assessment record"),
    "not_found.lecture": ("未找到该讲组工", "no such lecture"),
    "not_found.mentoring_pair": ("未找到该帮带对子", "no such mentoring pair"),
    "not_found.training_class": ("未找到该培训班", "no such training class"),
    "not_found.principal": (
        "账户 {key} 未登记（先用 gongshi principals enrol 登记）",
        "account {key} is not enrolled (enrol it first: gongshi principals enrol)",
    ),
    "not_found.vault_subject": ("保险库中没有该对象的资料", "no such subject in the vault"),
    "not_found.vault_document": ("保险库中没有该文件", "no such document in the vault"),
    "not_found.posting": ("{posting}尚未开始", "no posting {key}"),
    "not_found.objection": ("未找到{objection}", "no objection {key}"),
    "not_found.resource": ("未找到{thing}", "{thing} not found"),
}

CATALOG: Mapping[str, tuple[str, str]] = {**GENERAL, **NOT_FOUND, **RULES}

FALLBACK = {
    "rule": ("违反规则 {code}", "rule {code} broken"),
    "not_found": ("未找到所请求的资源（{code}）", "not found ({code})"),
    "": ("请求失败（{code}）", "request failed ({code})"),
}


class _Keep(dict[str, object]):
    """Format fields: a placeholder without its field stays ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def language(lang: str | None = None) -> str:
    """``lang`` if given, else ``GONGSHI_LANG``: ``en`` for English, anything else ``zh``."""
    chosen = lang if lang is not None else os.environ.get(ENV, "zh")
    return "en" if chosen.strip().lower().startswith("en") else "zh"


def known(code: str) -> bool:
    """Whether ``code`` has its own sentence in the catalog."""
    return code in CATALOG


def message(code: str, lang: str | None = None, **fields: object) -> str:
    """The sentence for ``code`` in ``lang`` (see the module docstring), ``fields`` filled in.

    Never raises for an unknown code or a missing field: an unknown ``rule.x`` says "违反规则
    rule.x", an unknown ``not_found.x`` names it, anything else says the request failed."""
    which = 1 if language(lang) == "en" else 0
    if which == 0:  # names, not codes: 太湖县, not taihu (api/messages_fields.py)
        fields = named(code, fields)
    found = CATALOG.get(code)
    if found is None:
        family = code.split(".", 1)[0] if "." in code else ""
        found = FALLBACK.get(family, FALLBACK[""])
        fields = {"code": code, **fields}
    text = found[which]
    try:
        return string.Formatter().vformat(text, (), _Keep(fields))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text
