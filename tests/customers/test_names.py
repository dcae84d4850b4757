from __future__ import annotations

import pytest

from heartline.customers.names import fold, pinyin_of, search_keys, simplified


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("单晓东", "Shàn Xiǎodōng"),
        ("曾国藩", "Zēng Guófān"),
        ("解缙", "Xiè Jìn"),
        ("区志明", "Ōu Zhìmíng"),
        ("欧阳修", "Ōuyáng Xiū"),
        ("张伟", "Zhāng Wěi"),
        ("張偉", "Zhāng Wěi"),
        ("吕丽", "Lǚ Lì"),
    ],
)
def test_pinyin_reads_surnames_as_surnames(name, pinyin):
    assert pinyin_of(name) == pinyin


def test_traditional_and_simplified_share_one_key():
    assert simplified("張偉") == simplified("张伟") == "张伟"
    assert search_keys(name_cjk="張偉", name_pinyin="Zhāng Wěi", name_latin="Wei Zhang") == {
        "key_cjk": "张伟",
        "key_pinyin": "zhangwei",
        "key_latin": "weizhang",
    }


def test_fold_handles_tones_spaces_apostrophes_and_u_umlaut():
    assert fold("Zhāng Wěi") == fold("zhang wei") == fold("ZhangWei") == "zhangwei"
    assert fold("Lǚ Lì") == "lvli"
    assert fold("Siobhán O'Brien") == "siobhanobrien"
