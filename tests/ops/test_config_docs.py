"""docs/configuration.md and .env.example name every HEARTLINE_* variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from heartline.settings import PROJECT_DIR

SRC = Path(PROJECT_DIR) / "src"
DOC = Path(PROJECT_DIR) / "docs" / "configuration.md"
ENV_EXAMPLE = Path(PROJECT_DIR) / ".env.example"

# settings.env("X", ...), env_bool("X", ...), env_list("X", ...) read HEARTLINE_X.
HELPER_CALL = re.compile(r"\benv(?:_bool|_list)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
# os.environ["HEARTLINE_X"], os.environ.get("HEARTLINE_X"), os.getenv("HEARTLINE_X"), …
LITERAL = re.compile(r"[\"'](HEARTLINE_[A-Z0-9_]+)[\"']")
DOCUMENTED = re.compile(r"\bHEARTLINE_[A-Z0-9_]+")


def names_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(f"HEARTLINE_{name}" for name in HELPER_CALL.findall(text))
        names.update(LITERAL.findall(text))
    return names


def example_variables() -> set[str]:
    pattern = re.compile(r"^#?\s*(HEARTLINE_[A-Z0-9_]+)=", re.MULTILINE)
    return set(pattern.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def test_the_scan_finds_the_variables_we_know():
    names = names_read_by_the_code()
    known = {"HEARTLINE_SECRET_KEY", "HEARTLINE_DEBUG", "HEARTLINE_ALLOWED_HOSTS"}
    assert known | {"HEARTLINE_VAR_DIR", "HEARTLINE_PORT", "HEARTLINE_METRICS_TOKEN"} <= names
    assert len(names) >= 35


def test_every_variable_is_documented_in_configuration_md():
    documented = set(DOCUMENTED.findall(DOC.read_text(encoding="utf-8")))
    missing = sorted(names_read_by_the_code() - documented)
    assert missing == [], f"Add these to docs/configuration.md: {missing}"


def test_every_variable_is_in_env_example():
    missing = sorted(names_read_by_the_code() - example_variables())
    assert missing == [], f"Add these to .env.example: {missing}"


def test_env_example_lists_no_variable_the_code_does_not_read():
    unknown = sorted(example_variables() - names_read_by_the_code())
    assert unknown == [], f"Remove from .env.example (nothing reads them): {unknown}"


def test_configuration_md_has_a_table_row_for_every_variable():
    rows = re.findall(r"^\|\s*`(HEARTLINE_[A-Z0-9_]+)`\s*\|", DOC.read_text(), re.MULTILINE)
    assert len(rows) == len(set(rows)), "a variable has two rows"
    missing = sorted(names_read_by_the_code() - set(rows))
    extra = sorted(set(rows) - names_read_by_the_code() - {"HEARTLINE_TEST_POSTGRES_URL"})
    assert (missing, extra) == ([], [])
