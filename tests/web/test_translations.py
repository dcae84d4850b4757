"""Every user-visible string has a Simplified Chinese translation, and the compiled catalogue
(committed, so a fresh machine needs no gettext) says the same as the source catalogue."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import heartline

PO = Path(heartline.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(p.encode("latin-1", "backslashreplace").decode("unicode_escape") for p in parts)


def _entries() -> list[tuple[str, list[str], bool]]:
    result = []
    for entry in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if not msgid:
            continue
        strings = [
            _unquote(m) for m in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M)
        ]
        result.append((_unquote(msgid.group(1)), strings, "#, fuzzy" in entry))
    return result


def test_every_string_is_translated():
    entries = _entries()
    assert len(entries) > 300
    untranslated = [msgid for msgid, strings, fuzzy in entries if fuzzy or not all(strings)]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    with PO.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        msgid
        for msgid, strings, _ in _entries()
        if "%(" not in msgid and catalogue.gettext(msgid) != strings[0]
    ]
    assert stale == []
