"""The web workspace's message catalogues: Chinese complete, and compiled as committed."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "api" / "web"
TRANSLATIONS = WEB / "translations"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _strings_in_the_code() -> set[str]:
    """What pybabel extract (api/web/babel.cfg) finds in the code as it is now."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = extract_from_dir(str(WEB), METHODS, keywords=keywords)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def _ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


def test_every_string_of_the_code_has_a_chinese_translation():
    wanted = _strings_in_the_code()
    with open(TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po", "rb") as f:
        zh = read_po(f)
    missing = sorted(i for i in wanted if not (zh.get(i) and zh.get(i).string))
    assert wanted and not missing, missing


def test_the_compiled_catalogue_matches_its_source():
    folder = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as f:
        source = {m.id: m.string for m in read_po(f) if m.id}
    with open(folder / "messages.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == source
