"""Deterministic, realistic bilingual people for demo data and benchmarks.

Same ``seed``, same people: every generator takes a ``random.Random`` so runs are reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (characters, pinyin with tone marks) — common surnames, polyphonic ones read as surnames.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "Wáng"),
    ("李", "Lǐ"),
    ("张", "Zhāng"),
    ("刘", "Liú"),
    ("陈", "Chén"),
    ("杨", "Yáng"),
    ("黄", "Huáng"),
    ("赵", "Zhào"),
    ("吴", "Wú"),
    ("周", "Zhōu"),
    ("徐", "Xú"),
    ("孙", "Sūn"),
    ("马", "Mǎ"),
    ("朱", "Zhū"),
    ("胡", "Hú"),
    ("郭", "Guō"),
    ("何", "Hé"),
    ("林", "Lín"),
    ("罗", "Luó"),
    ("高", "Gāo"),
    ("单", "Shàn"),
    ("曾", "Zēng"),
    ("解", "Xiè"),
    ("区", "Ōu"),
    ("欧阳", "Ōuyáng"),
)
GIVEN: tuple[tuple[str, str], ...] = (
    ("芳", "Fāng"),
    ("伟", "Wěi"),
    ("娜", "Nà"),
    ("秀英", "Xiùyīng"),
    ("敏", "Mǐn"),
    ("静", "Jìng"),
    ("丽", "Lì"),
    ("强", "Qiáng"),
    ("磊", "Lěi"),
    ("军", "Jūn"),
    ("洋", "Yáng"),
    ("艳", "Yàn"),
    ("勇", "Yǒng"),
    ("杰", "Jié"),
    ("娟", "Juān"),
    ("涛", "Tāo"),
    ("明", "Míng"),
    ("超", "Chāo"),
    ("秀兰", "Xiùlán"),
    ("霞", "Xiá"),
    ("晓东", "Xiǎodōng"),
    ("思远", "Sīyuǎn"),
    ("雨桐", "Yǔtóng"),
    ("子涵", "Zǐhán"),
)
LATIN_FIRST = (
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Sophie",
    "Lucas",
    "Mia",
    "Ethan",
    "Chloé",
    "Mateo",
    "Anna",
    "David",
    "Sarah",
    "James",
    "Léa",
    "Tom",
    "Hannah",
    "Daniel",
    "Zoë",
    "Jonas",
)
LATIN_LAST = (
    "Smith",
    "Müller",
    "García",
    "Martin",
    "Brown",
    "Rossi",
    "Dubois",
    "Jones",
    "Novak",
    "Schmidt",
    "O'Brien",
    "Silva",
    "Johansson",
    "Kowalski",
    "Taylor",
    "Bernard",
    "Lee",
)
CN_MOBILE_PREFIXES = ("138", "139", "135", "136", "150", "151", "158", "186", "187", "189", "177")
CITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("上海市", "Shanghai", ("浦东新区", "徐汇区", "静安区", "黄浦区")),
    ("北京市", "Beijing", ("朝阳区", "海淀区", "东城区", "西城区")),
    ("广州市", "Guangzhou", ("天河区", "越秀区", "海珠区")),
    ("深圳市", "Shenzhen", ("南山区", "福田区", "罗湖区")),
    ("杭州市", "Hangzhou", ("西湖区", "上城区", "滨江区")),
    ("成都市", "Chengdu", ("锦江区", "武侯区", "青羊区")),
)
STREETS = ("南京东路", "淮海中路", "长安街", "人民路", "解放路", "中山路", "建国路", "文三路")
EMAIL_DOMAINS = ("example.com", "example.cn", "mail.example.org")


@dataclass(frozen=True)
class Person:
    chinese_name: str  # "" for a Latin-only person
    pinyin_name: str  # e.g. "Wáng Fāng"
    latin_name: str  # e.g. "Fang Wang" or "Emma Smith"
    phone: str  # E.164
    email: str
    address: str
    city: str


def _strip_tones(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def phone_number(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return f"+86{rng.choice(CN_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    if roll < 0.88:
        return f"+852{rng.choice('569')}{rng.randrange(10**7):07d}"
    if roll < 0.94:
        return f"+44 7700 900{rng.randrange(1000):03d}".replace(" ", "")
    return f"+1202555{rng.randrange(100, 200):04d}"


def address(rng: random.Random) -> tuple[str, str]:
    city, city_latin, districts = rng.choice(CITIES)
    text = f"{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"
    if rng.random() < 0.5:
        text += f"{rng.randrange(1, 30)}楼{rng.randrange(1, 20)}室"
    return text, city_latin


def person(rng: random.Random, index: int) -> Person:
    chinese = rng.random() < 0.75
    if chinese:
        (s_han, s_py), (g_han, g_py) = rng.choice(SURNAMES), rng.choice(GIVEN)
        chinese_name, pinyin_name = s_han + g_han, f"{s_py} {g_py}"
        latin_name = f"{_strip_tones(g_py)} {_strip_tones(s_py)}"
    else:
        chinese_name, pinyin_name = "", ""
        latin_name = f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
    local = _strip_tones(latin_name).lower().replace(" ", ".").replace("'", "")
    addr, city = address(rng)
    return Person(
        chinese_name=chinese_name,
        pinyin_name=pinyin_name,
        latin_name=latin_name,
        phone=phone_number(rng),
        email=f"{local}.{index}@{rng.choice(EMAIL_DOMAINS)}",
        address=addr,
        city=city,
    )


def people(count: int, *, seed: int) -> list[Person]:
    rng = random.Random(seed)  # noqa: S311 — demo data, not security
    return [person(rng, i) for i in range(count)]
