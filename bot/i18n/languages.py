"""The languages Knuff speaks with clients. Data, not code: adding one is a table row.

Each row gives the Babel locale code, the name a client recognises (in its own script),
the Swedish name staff see, the text direction and, where Babel's hand-kept gettext table
is wrong, the `Plural-Forms` to use instead. Three Babel traps are handled here:

- Dari has no locale `prs` in Babel (`Locale.parse("prs")` raises): Dari is `fa_AF`,
  and `prs` is an alias.
- `Locale.parse("kmr")` silently becomes `ku_TR`: Kurmanji is `ku` everywhere in Knuff
  (catalog folders, client records), and `kmr` / `ku_TR` are aliases of it.
- Babel's gettext table swaps Arabic forms 4 and 5 ("many" and "other", python-babel
  issue 816); the Arabic row carries the CLDR order instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from babel import Locale
from babel.messages.plurals import get_plural

# CLDR: zero 0, one 1, two 2, few 3..10, many 11..99, other (100-102, …). Babel's table
# gives form 4 to n%100 in 0..2 and form 5 to 11..99, which swaps "many" and "other".
_ARABIC = (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
              "n%100>=11 ? 4 : 5)")
# CLDR gives Persian and Dari "one" for 0 and 1 (i = 0 or n = 1); Babel's table has a
# single form, which would make "1 message" and "5 messages" the same string.
_ZERO_AND_ONE = (2, "(n > 1)")
# Turkish has one/other in CLDR; Babel's table has a single form.
_ONE_OTHER = (2, "(n != 1)")


@dataclass(frozen=True)
class Language:
    """One client language; `plural` overrides Babel's gettext table where it is wrong."""

    code: str  # Babel locale identifier, also the catalog folder name
    native: str  # the name in its own script, as a client would recognise it
    swedish: str
    rtl: bool = False
    aliases: tuple[str, ...] = ()  # other spellings clients, staff or Babel use
    plural: tuple[int, str] | None = None

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
        return self._plural[0]

    @property
    def plural_expr(self) -> str:
        """The C expression gettext uses to pick a plural form for `n`."""
        return self._plural[1]

    @property
    def plural_header(self) -> str:
        """The value of the PO `Plural-Forms` header."""
        return f"nplurals={self.nplurals}; plural={self.plural_expr};"

    @property
    def _plural(self) -> tuple[int, str]:
        if self.plural is not None:
            return self.plural
        babel_plural = get_plural(self.code)
        return babel_plural.num_plurals, babel_plural.plural_expr


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "Svenska", "svenska"),
        Language("en", "English", "engelska"),
        Language("ar", "العربية", "arabiska", rtl=True, plural=_ARABIC),
        Language("so", "Soomaali", "somaliska"),
        Language("ti", "ትግርኛ", "tigrinja", plural=_ZERO_AND_ONE),
        Language("fa_AF", "دری", "dari", rtl=True, aliases=("prs",), plural=_ZERO_AND_ONE),
        Language("fa", "فارسی", "persiska", rtl=True, plural=_ZERO_AND_ONE),
        Language("ckb", "کوردیی ناوەندی", "soranî", rtl=True),
        Language("ku", "Kurmancî", "kurmanji", aliases=("kmr", "ku_TR")),
        Language("uk", "Українська", "ukrainska"),
        Language("tr", "Türkçe", "turkiska", plural=_ONE_OTHER),
        Language("pl", "Polski", "polska"),
        Language("am", "አማርኛ", "amhariska", plural=_ZERO_AND_ONE),
        Language("ru", "Русский", "ryska"),
        Language("bs", "Bosanski/Hrvatski/Српски", "bosniska/kroatiska/serbiska",
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
