"""An import's refusal under ``GONGSHI_LANG=en``: the problem's title and detail in English for
operators, the rows' messages in Chinese (they name the spreadsheet's Chinese columns and are
for the clerk fixing the file; README's GONGSHI_LANG row says so); the code is import.rows in
either language (review of issue 15, finding 22)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_imports_http import Headers, _post, cadre  # noqa: F401 (a fixture)
from tests.support.sheets import POINTS_HEADER, csv_file, points_row


@pytest.mark.parametrize(("lang", "title", "detail"), [
    ("zh", "导入文件有误，未写入任何记录", "共 1 处问题：请按行号和列名修改后重新导入"),
    ("en", "the file has errors; nothing was written",
     "1 problem(s): fix them by row and column and import the file again"),
])  # fmt: skip
def test_a_refused_import_in_each_language(
    client: TestClient, tokens: Headers, cadre: str, lang: str, title: str, detail: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("GONGSHI_LANG", lang)
    lines = [POINTS_HEADER, points_row(cadre, quarter=5)]
    answer = _post(client, csv_file(lines, "utf-8"), tokens["township_party_committee"],
                   "text/csv")  # fmt: skip
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert (body["code"], body["title"], body["detail"]) == ("import.rows", title, detail)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "季度")]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"])
