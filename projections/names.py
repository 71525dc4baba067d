"""Names for the public lists: masking (surname + ``*``) and reading them from the vault."""

from __future__ import annotations

from ledger.errors import NotFound
from ledger.vault import Vault
from projections.base import NameLookup

# docs/FORMAT.md §8: a name of three or more characters starting with one of these has a
# two-character surname.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "太史",
        "端木",
        "上官",
        "司马",
        "东方",
        "独孤",
        "南宫",
        "万俟",
        "闻人",
        "夏侯",
        "诸葛",
        "尉迟",
        "公羊",
        "赫连",
        "澹台",
        "皇甫",
        "宗政",
        "濮阳",
        "公冶",
        "太叔",
        "申屠",
        "公孙",
        "慕容",
        "仲孙",
        "钟离",
        "长孙",
        "宇文",
        "司徒",
        "鲜于",
        "司空",
        "闾丘",
        "子车",
        "亓官",
        "司寇",
        "巫马",
        "公西",
        "颛孙",
        "壤驷",
        "公良",
        "漆雕",
        "乐正",
        "宰父",
        "谷梁",
        "拓跋",
        "夹谷",
        "轩辕",
        "令狐",
        "段干",
        "百里",
        "呼延",
        "东郭",
        "南门",
        "羊舌",
        "微生",
        "公户",
        "公玉",
        "公仪",
        "梁丘",
        "公仲",
        "公上",
        "公门",
        "公山",
        "公坚",
        "左丘",
        "公伯",
        "西门",
        "公祖",
        "第五",
        "公乘",
        "贯丘",
        "公皙",
        "南荣",
        "东里",
        "东宫",
        "仲长",
        "子书",
        "子桑",
        "即墨",
        "达奚",
        "褚师",
    ]
)


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧阳*, 王 -> 王*. Requires a non-empty name."""
    name = name.strip()
    if not name:
        raise ValueError("an empty name can't be masked")
    surname = name[:2] if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else name[:1]
    return surname + "*"


def vault_names(vault: Vault) -> NameLookup:
    """Subject id -> the ``name`` in the vault; None when erased or unnamed.

    A tampered vault raises VaultError: a projection stops rather than show a wrong name.
    """

    def lookup(subject: str) -> str | None:
        try:
            name = vault.read_subject(subject).get("name")
        except NotFound:
            return None
        return name if isinstance(name, str) and name.strip() else None

    return lookup
