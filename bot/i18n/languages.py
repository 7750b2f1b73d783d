"""The languages Knuff speaks with clients. Data, not code: adding one is a table row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # Babel locale identifier (fa_AF for Dari: Babel has no `prs`)
    native: str  # the name in its own script, as a client would recognise it
    swedish: str
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "Svenska", "svenska"),
        Language("en", "English", "engelska"),
        Language("ar", "العربية", "arabiska", rtl=True),
        Language("so", "Soomaali", "somaliska"),
        Language("ti", "ትግርኛ", "tigrinja"),
        Language("fa_AF", "دری", "dari", rtl=True),
        Language("fa", "فارسی", "persiska", rtl=True),
        Language("ckb", "کوردیی ناوەندی", "soranî", rtl=True),
        Language("ku", "Kurmancî", "kurmanji"),
        Language("uk", "Українська", "ukrainska"),
        Language("tr", "Türkçe", "turkiska"),
        Language("pl", "Polski", "polska"),
        Language("am", "አማርኛ", "amhariska"),
        Language("ru", "Русский", "ryska"),
        Language("bs", "Bosanski/Hrvatski/Српски", "bosniska/kroatiska/serbiska"),
    )
}

SOURCE = "sv"


def language(code: str) -> Language:
    """Look up a language by code, accepting common spellings (fa-AF, FA_af, prs)."""
    normal = code.strip().replace("-", "_")
    if normal.lower() == "prs":
        normal = "fa_AF"
    for known in LANGUAGES:
        if known.lower() == normal.lower():
            return LANGUAGES[known]
    raise ValueError(
        f"unknown language {code!r}; Knuff speaks: {', '.join(LANGUAGES)}"
    )
