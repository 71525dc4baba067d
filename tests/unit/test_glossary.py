"""One word per thing in every Chinese text under api/ (review of issue 15, finding 14): the
care fund's 帮扶 (帮扶申请, 帮扶档次), never 救助; a cadre's points book is its 积分卡 (the
source's "为每名村（社区）干部发放积分卡"), never 积分台账, 积分簿 or 积分册 (messages, console,
exports, templates and the objection form said all three)."""

from __future__ import annotations

from pathlib import Path

from api.labels import SYNONYMS

API = Path(__file__).resolve().parents[2] / "api"
GLOSSARY = Path(__file__).resolve().parents[2] / "api" / "labels.py"


def _glossary_lines(lines: list[str]) -> range:
    """The lines of labels.py that define the glossary (its comment, TERMS and SYNONYMS)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("# The glossary"))
    end = next(i for i, line in enumerate(lines) if line.startswith("SYNONYMS = {"))
    end = next(i for i in range(end, len(lines)) if lines[i].startswith("}"))
    return range(start, end + 1)


def synonyms_in(root: Path) -> list[str]:
    """``path:line: word (say TERM)`` for every refused synonym in root's .py and .html files,
    the glossary's own definition aside (labels.py's other tables are checked)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".html", ".txt"}):
        lines = path.read_text(encoding="utf-8").splitlines()
        skipped = _glossary_lines(lines) if path == GLOSSARY else range(0)
        for number, line in enumerate(lines, 1):
            if number - 1 in skipped:
                continue
            found += [
                f"{path.relative_to(root.parent)}:{number}: {word} (say {term})"
                for word, term in SYNONYMS.items()
                if word in line
            ]
    return found


def test_api_uses_the_glossary_words_only() -> None:
    assert synonyms_in(API) == []


def test_a_synonym_is_found(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "x.html").write_text("<td>干部积分簿</td>\n", encoding="utf-8")
    assert synonyms_in(tmp_path / "api") == ["api/x.html:1: 积分簿 (say 积分卡)"]
