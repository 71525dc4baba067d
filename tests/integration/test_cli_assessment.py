"""``gongshi assessment``: the routine assessment's steps from the command line, each acting as
its token's principal (issue 14): the department opens the programme and enrols a cadre; the
cadre's own account writes its 小结 (text from stdin), a leader appraises, the cadre
acknowledges and sets its goal; a lecture is scheduled and rated; the cadre's file shows it.
Another cadre's account writing the 小结 is refused with the rule (exit 2), nothing stored;
without a token nothing runs."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock
from uuid import UUID

from api.cli import main
from api.tokens import Tokens
from ledger.actor import Actor, Role
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from ledger.settings import Settings
from tests.integration.helpers import stored_count
from tests.support.principals import ADMIN, enrol

SUPERVISION = Actor("supervision-01", Role.SUPERVISION)


def gongshi(settings: Settings, *args: str, token: str | None = None,
            stdin: str = "") -> tuple[int, str, str]:  # fmt: skip
    env = {"GONGSHI_DATABASE_URL": settings.database.url, "GONGSHI_HOME": str(settings.home),
           "GONGSHI_VAULT_KEY": settings.vault_key_hex or ""}  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env), mock.patch("sys.stdin", io.StringIO(stdin)),
        redirect_stdout(out), redirect_stderr(err),
    ):  # fmt: skip
        os.environ.pop("GONGSHI_TOKEN", None)
        if token is not None:
            os.environ["GONGSHI_TOKEN"] = token
        code = main(["assessment", *args])
    return code, out.getvalue(), err.getvalue()


def _tokens(ledger: Ledger, cadres: dict[str, UUID]) -> dict[str, str]:
    """Tokens of org-01, lead-02 (assessment_leader, linked to its holder, a department cadre
    not enrolled: rule assessment.account) and dc-a, dc-b (department_cadre, linked to cadres
    a and b)."""
    accounts = [Actor("lead-02", Role.ASSESSMENT_LEADER), Actor("dc-a", Role.DEPARTMENT_CADRE),
                Actor("dc-b", Role.DEPARTMENT_CADRE)]  # fmt: skip
    enrol(ledger, *accounts)
    registry = Principals(ledger)
    for letter in ("a", "b"):
        registry.link_subject(f"dc-{letter}", cadres[letter], ADMIN)
    holder = ledger.register_subject({"name": "陈科"}, "department_cadre", SUPERVISION)
    registry.link_subject("lead-02", holder, ADMIN)
    store, now = Tokens(ledger.db), ledger.clock()
    return {a: store.issue(registry, a, now) for a in ("org-01", "lead-02", "dc-a", "dc-b")}


def _word(out: str, after: str) -> str:
    """The word after ``after`` in ``out`` (an id the command printed)."""
    return out.split(after + " ", 1)[1].split()[0].rstrip(":")


def test_the_steps_from_the_command_line(ledger: Ledger, settings: Settings) -> None:
    cadres = {
        letter: ledger.register_subject({"name": name}, "department_cadre", SUPERVISION)
        for letter, name in (("a", "王讲"), ("b", "李新"))
    }
    t = _tokens(ledger, cadres)
    code, out, err = gongshi(settings, "open-programme", "taihu", "2023", "--department",
                             "中共太湖县委组织部", token=t["org-01"])  # fmt: skip
    assert code == 0, err
    programme = _word(out, "programme")
    code, out, err = gongshi(settings, "enrol", programme, str(cadres["a"]), "--section",
                             "干部监督科", token=t["org-01"])  # fmt: skip
    assert code == 0, err
    record = _word(out, "record")
    # another cadre's account can't write a's 小结: the rule, exit 2, nothing stored
    before = stored_count(ledger)
    code, out, err = gongshi(settings, "summary", record, "1", "--text", "代写",
                             token=t["dc-b"])  # fmt: skip
    assert (code, out) == (2, "") and "assessment.hands" in err, err
    assert stored_count(ledger) == before
    # without a token nothing runs
    code, _, err = gongshi(settings, "feedback", record, "1")
    assert code == 2 and "--token" in err
    steps = [
        ("dc-a", ["summary", record, "1", "--text", "-"], "小结 recorded"),
        ("lead-02", ["appraise", record, "1", "--rating", "good", "--text", "扎实"], "(good)"),
        ("dc-a", ["feedback", record, "1"], "反馈 acknowledged"),
        ("dc-a", ["goal", record, "1", "--text", "加强调研"], "改进目标 recorded"),
    ]
    for account, argv, said in steps:
        code, out, err = gongshi(settings, *argv, token=t[account], stdin="第一季度小结\n")
        assert code == 0 and said in out, (argv, err)
    summary = ledger.vault.read_document(str(cadres["a"]), f"assessment/{record}/Q1/summary")
    assert summary == {"text": "第一季度小结"}  # from stdin, to the vault
    code, out, err = gongshi(settings, "schedule-lecture", programme, "--week", "2023-04-03",
                             "--board", "business", "--topic", "干部档案审核",
                             "--speaker", str(cadres["a"]), token=t["org-01"])  # fmt: skip
    assert code == 0, err
    lecture = _word(out, "lecture")
    scores = ["--preparation", "90", "--grounding", "85", "--expression", "80", "--results", "86"]
    code, out, err = gongshi(settings, "rate", lecture, *scores, token=t["dc-b"])
    assert code == 0 and "rated by dc-b" in out, err
    code, _, err = gongshi(settings, "rate", lecture, *scores, token=t["dc-a"])  # its own
    assert code == 2 and "lecture.rater" in err
    code, out, err = gongshi(settings, "file", programme, str(cadres["a"]), token=t["dc-a"])
    assert code == 0, err
    shown = json.loads(out)
    assert shown["quarters"]["Q1"]["rating"] == "good"
    assert shown["quarters"]["Q1"]["goal"]["done_on"] is not None
    assert [x["lecture"] for x in shown["lectures"]] == [lecture]
    code, out, err = gongshi(settings, "file", programme, str(cadres["a"]), token=t["dc-b"])
    assert (code, out) == (2, "") and "own file only" in err


def test_another_county_reads_no_file(ledger: Ledger, settings: Settings) -> None:
    """``gongshi assessment file``: Huaining's assessment leader reading a cadre's file of
    Taihu's programme is refused with the rule (exit 2), as another role is; Taihu's reads it."""
    cadre = ledger.register_subject({"name": "王讲"}, "department_cadre", SUPERVISION)
    t = _tokens(ledger, {"a": cadre, "b": cadre})
    enrol(ledger, Actor("lead-hn", Role.ASSESSMENT_LEADER), scope=Scope(county="huaining"))
    t["lead-hn"] = Tokens(ledger.db).issue(Principals(ledger), "lead-hn", ledger.clock())
    code, out, err = gongshi(settings, "open-programme", "taihu", "2023", "--department",
                             "中共太湖县委组织部", token=t["org-01"])  # fmt: skip
    assert code == 0, err
    programme = _word(out, "programme")
    code, _, err = gongshi(settings, "enrol", programme, str(cadre), "--section", "干部监督科",
                           token=t["org-01"])  # fmt: skip
    assert code == 0, err
    code, out, err = gongshi(settings, "file", programme, str(cadre), token=t["lead-hn"])
    assert (code, out) == (2, "") and "role" in err and "huaining" in err, err
    code, out, err = gongshi(settings, "file", programme, str(cadre), token=t["lead-02"])
    assert code == 0 and json.loads(out)["cadre"] == str(cadre), err
