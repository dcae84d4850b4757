"""Fill empty or fuzzy msgstr entries of a .po file from a Python dict of translations.

    python scripts/fill_po.py src/heartline/locale/zh_Hans/LC_MESSAGES/django.po TRANSLATIONS.py

TRANSLATIONS.py defines ``T = {msgid: msgstr}``. Prints the msgids still without a translation.
"""

import importlib.util
import re
import sys


def unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(p.encode("latin-1", "backslashreplace").decode("unicode_escape") for p in parts)


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def main() -> None:
    po_path, dict_path = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("translations", dict_path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {dict_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table: dict[str, str] = module.T
    with open(po_path, encoding="utf-8") as source:
        text = source.read()
    header, *entries = text.split("\n\n")
    out, missing = [header], []
    for entry in entries:
        msgid = re.search(r"^msgid ((?:\".*\"\n?)+)", entry, re.M)
        msgstr = re.search(r"^msgstr ((?:\".*\"\n?)*)", entry, re.M)
        if not msgid or not msgstr or "msgid_plural" in entry:
            out.append(entry)
            continue
        key = unquote(msgid.group(1))
        current = unquote(msgstr.group(1))
        if key and (not current or "#, fuzzy" in entry):
            if key in table:
                ending = "\n" if msgstr.group(0).endswith("\n") else ""
                replacement = f"msgstr {quote(table[key])}{ending}"
                entry = entry[: msgstr.start()] + replacement + entry[msgstr.end() :]
                entry = re.sub(r"^#, fuzzy\n", "", entry, flags=re.M)
                entry = re.sub(r"^#, fuzzy, ", "#, ", entry, flags=re.M)
                entry = re.sub(r"^#\|.*\n", "", entry, flags=re.M)
            else:
                missing.append(key)
        out.append(entry)
    with open(po_path, "w", encoding="utf-8") as target:
        target.write("\n\n".join(out))
    for key in missing:
        print("missing:", repr(key))


if __name__ == "__main__":
    main()
