"""The languages Knuff speaks with clients. Data, not code: adding one is a table row.

Each row gives the Babel locale code, the name a client recognises (in its own script),
the Swedish name staff see, the text direction and the `Plural-Forms` of its catalogs.
Knuff decides its codes and plural headers itself; what a Babel release guesses for them
has changed between releases, and a catalog header that changes with an upgrade makes
every shipped file look edited. The traps this avoids:

- Dari has no locale `prs` in Babel (`Locale.parse("prs")` raises): Dari is `fa_AF`,
  and `prs` is an alias.
- `Locale.parse("kmr")` silently becomes `ku_TR` (Babel 2.17) or `ku_Latn_TR` (2.19):
  Kurmanji is `ku` everywhere in Knuff (catalog folders, client records), and those
  spellings are aliases of it.
- Babel's gettext table swaps Arabic forms 4 and 5 ("many" and "other", python-babel
  issue 816) in older releases, gives Persian, Dari, Tigrinya, Amharic and Turkish a single
  form, and rewrote the Slavic expressions in 2.19. Every row here carries the CLDR
  categories in CLDR order, written once, and tests check them against CLDR.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from babel import Locale

# CLDR: zero 0, one 1, two 2, few 3..10, many 11..99, other (100-102, …). Babel's table
# gives form 4 to n%100 in 0..2 and form 5 to 11..99, which swaps "many" and "other".
_ARABIC = (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
              "n%100>=11 ? 4 : 5)")
# CLDR gives Persian, Dari, Tigrinya and Amharic "one" for 0 and 1 (i = 0 or n = 1).
_ZERO_AND_ONE = (2, "(n > 1)")
# one (n = 1) / other: Swedish, English, Somali, Sorani, Kurmanji, Turkish.
_ONE_OTHER = (2, "(n != 1)")
# one (1, 21, 31, …) / few (2-4, 22-24, …) / many-or-other: Russian, Ukrainian, Bosnian.
_EAST_SLAVIC = (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                   "(n%100<10 || n%100>=20) ? 1 : 2)")
# Polish: one only for 1 itself, few 2-4 (not 12-14), many the rest.
_POLISH = (3, "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)")


@dataclass(frozen=True)
class Language:
    """One client language: its code, names, direction and plural rule (nplurals, expr)."""

    code: str  # Babel locale identifier, also the catalog folder name
    native: str  # the name in its own script, as a client would recognise it
    swedish: str
    plural: tuple[int, str]  # gettext's nplurals and C expression, CLDR categories in order
    rtl: bool = False
    aliases: tuple[str, ...] = ()  # other spellings clients, staff or Babel use

    @property
    def direction(self) -> Literal["ltr", "rtl"]:
        """`rtl` or `ltr`, as HTML's `dir` attribute wants it."""
        return "rtl" if self.rtl else "ltr"

    @cached_property
    def locale(self) -> Locale:
        """The Babel locale; `str(locale)` is always `code` (never `ku_TR`)."""
        return Locale.parse(self.code)

    @property
    def nplurals(self) -> int:
        """How many plural forms a PO entry in this language has."""
        return self.plural[0]

    @property
    def plural_expr(self) -> str:
        """The C expression gettext uses to pick a plural form for `n`."""
        return self.plural[1]

    @property
    def plural_header(self) -> str:
        """The value of the PO `Plural-Forms` header."""
        return f"nplurals={self.nplurals}; plural={self.plural_expr};"


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "Svenska", "svenska", _ONE_OTHER),
        Language("en", "English", "engelska", _ONE_OTHER),
        Language("ar", "العربية", "arabiska", _ARABIC, rtl=True),
        Language("so", "Soomaali", "somaliska", _ONE_OTHER),
        Language("ti", "ትግርኛ", "tigrinja", _ZERO_AND_ONE),
        Language("fa_AF", "دری", "dari", _ZERO_AND_ONE, rtl=True, aliases=("prs",)),
        Language("fa", "فارسی", "persiska", _ZERO_AND_ONE, rtl=True),
        Language("ckb", "کوردیی ناوەندی", "soranî", _ONE_OTHER, rtl=True),
        Language("ku", "Kurmancî", "kurmanji", _ONE_OTHER,
                 aliases=("kmr", "ku_TR", "ku_Latn", "ku_Latn_TR")),
        Language("uk", "Українська", "ukrainska", _EAST_SLAVIC),
        Language("tr", "Türkçe", "turkiska", _ONE_OTHER),
        Language("pl", "Polski", "polska", _POLISH),
        Language("am", "አማርኛ", "amhariska", _ZERO_AND_ONE),
        Language("ru", "Русский", "ryska", _EAST_SLAVIC),
        Language("bs", "Bosanski/Hrvatski/Српски", "bosniska/kroatiska/serbiska", _EAST_SLAVIC,
                 aliases=("hr", "sr", "sh", "sr_Latn", "sr_Cyrl")),
    )
}

SOURCE = "sv"


def _fold(code: str) -> str:
    return code.strip().replace("-", "_").casefold()


def language(code: str) -> Language:
    """Look up a language by code or alias, in any case, `-` or `_` (fa-AF, FA_af, prs, kmr)."""
    wanted = _fold(code)
    for lang in LANGUAGES.values():
        if wanted == _fold(lang.code) or wanted in {_fold(alias) for alias in lang.aliases}:
            return lang
    raise ValueError(f"unknown language {code!r}; Knuff speaks: {', '.join(LANGUAGES)}")
