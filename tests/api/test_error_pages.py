"""The public site's two error pages, page_error.html (a bad query: 400) and refused.html
(another date without the audit role: 401), extend one base template (error_base.html): the
same head and style, each page's own title in ``<title>`` and the header, no-JS HTML."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

Headers = dict[str, dict[str, str]]


def _head(html: str) -> str:
    found = re.search(r"<head>(.*)</head>", html, re.DOTALL)
    assert found is not None, html
    return re.sub(r"<title>.*</title>", "", found[1])


def test_both_error_pages_share_one_head_and_show_their_own_title(client: TestClient) -> None:
    bad = client.get("/", params={"year": "20x3"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
    refused = client.get("/", params={"today": "2020-01-01"})
    assert refused.status_code == 401, refused.text
    assert _head(bad.text) == _head(refused.text) and "Noto Sans CJK SC" in _head(bad.text)
    assert "<title>查询参数有误</title>" in bad.text
    assert "<header><h1>查询参数有误</h1></header>" in bad.text
    assert 'id="page-error" data-status="400"' in bad.text
    assert "<title>无法按所选日期查看公示</title>" in refused.text
    assert "<header><h1>无法按所选日期查看公示</h1></header>" in refused.text
    assert 'id="refused" data-status="401"' in refused.text
    for page in (bad.text, refused.text):
        assert page.startswith("<!doctype html>") and page.count("<html") == 1
