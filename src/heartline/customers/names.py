"""Names in characters, pinyin and Latin script, and the keys they are searched by.

pypinyin reads many surnames with their common reading (单 dān, 曾 céng, 解 jiě, 区 qū); as a
surname they are Shàn, Zēng, Xiè, Ōu. The surname is split off first (compound surnames
before single ones) and read from :data:`SURNAME_PINYIN`; the given name goes to pypinyin.
Traditional characters are folded to simplified (OpenCC) so 張偉 finds 张伟.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's common reading, and compound surnames.
SURNAME_PINYIN: dict[str, str] = {
    "单": "Shàn",
    "曾": "Zēng",
    "解": "Xiè",
    "区": "Ōu",
    "查": "Zhā",
    "仇": "Qiú",
    "朴": "Piáo",
    "繁": "Pó",
    "覃": "Qín",
    "尉": "Yù",
    "员": "Yùn",
    "乐": "Yuè",
    "秘": "Bì",
    "盖": "Gě",
    "种": "Chóng",
    "召": "Shào",
    "缪": "Miào",
    "隗": "Wěi",
    "翟": "Zhái",
    "沈": "Shěn",
    "重": "Chóng",
    "过": "Guō",
    "便": "Pián",
    "华": "Huà",
    "任": "Rén",
    "纪": "Jǐ",
    "相": "Xiàng",
    "冼": "Xiǎn",
    "宿": "Sù",
    "折": "Shé",
    "那": "Nā",
    "阚": "Kàn",
    "藏": "Zāng",
    "句": "Gōu",
    "洗": "Xiǎn",
    "能": "Nài",
    "欧阳": "Ōuyáng",
    "司马": "Sīmǎ",
    "诸葛": "Zhūgě",
    "上官": "Shàngguān",
    "东方": "Dōngfāng",
    "皇甫": "Huángfǔ",
    "尉迟": "Yùchí",
    "公孙": "Gōngsūn",
    "慕容": "Mùróng",
    "长孙": "Zhǎngsūn",
    "夏侯": "Xiàhóu",
    "轩辕": "Xuānyuán",
    "令狐": "Línghú",
    "宇文": "Yǔwén",
    "澹台": "Tántái",
    "单于": "Chányú",
    "万俟": "Mòqí",
    "司徒": "Sītú",
    "司空": "Sīkōng",
    "端木": "Duānmù",
    "南宫": "Nángōng",
    "西门": "Xīmén",
    "独孤": "Dúgū",
    "呼延": "Hūyán",
    "闻人": "Wénrén",
}
COMPOUND_SURNAMES = tuple(s for s in SURNAME_PINYIN if len(s) == 2)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def simplified(text: str) -> str:
    """Traditional → simplified characters, without spaces."""
    return _t2s().convert(unicodedata.normalize("NFKC", text)).replace(" ", "").strip()


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: 'Zhāng Wěi' → 'zhangwei', "O'Brien" → 'obrien'."""
    decomposed = unicodedata.normalize("NFKD", text).replace("u\u0308", "v").replace("U\u0308", "V")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", ascii_only.lower())


def split_surname(name: str) -> tuple[str, str]:
    """('欧阳', '娜娜') for '欧阳娜娜'; ('单', '晓东') for '单晓东' (simplified characters)."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _syllables(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.TONE, errors="ignore")


def pinyin_of(name_cjk: str) -> str:
    """Pinyin with tone marks, surname first and capitalised: '单晓东' → 'Shàn Xiǎodōng'."""
    name = simplified(name_cjk)
    if not has_cjk(name):
        return ""
    surname, given = split_surname(name)
    surname_py = SURNAME_PINYIN.get(surname) or "".join(_syllables(surname)).capitalize()
    given_py = "".join(_syllables(given)).capitalize()
    return f"{surname_py} {given_py}".strip()


def search_keys(*, name_cjk: str, name_pinyin: str, name_latin: str) -> dict[str, str]:
    """The derived key columns of a Customer."""
    return {
        "key_cjk": simplified(name_cjk)[:100],
        "key_pinyin": fold(name_pinyin)[:200],
        "key_latin": fold(name_latin)[:200],
    }
