"""The language registry: codes, names, direction, plural rules and Babel's traps."""

from __future__ import annotations

import gettext
import subprocess
from pathlib import Path
from shutil import which

import pytest
from babel import Locale, UnknownLocaleError

from bot.i18n.languages import LANGUAGES, SOURCE, Language, language

CODES = list(LANGUAGES)
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


def test_the_initial_fifteen_languages_in_menu_order() -> None:
    assert CODES == ["sv", "en", "ar", "so", "ti", "fa_AF", "fa", "ckb", "ku", "uk", "tr", "pl",
                     "am", "ru", "bs"]
    assert SOURCE == "sv"


@pytest.mark.parametrize(
    ("code", "native", "swedish", "direction"),
    [
        ("sv", "Svenska", "svenska", "ltr"),
        ("en", "English", "engelska", "ltr"),
        ("ar", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "arabiska", "rtl"),
        ("so", "Soomaali", "somaliska", "ltr"),
        ("ti", "\u1275\u130d\u122d\u129b", "tigrinja", "ltr"),
        ("fa_AF", "\u062f\u0631\u06cc", "dari", "rtl"),
        ("fa", "\u0641\u0627\u0631\u0633\u06cc", "persiska", "rtl"),
        ("ckb", "\u06a9\u0648\u0631\u062f\u06cc\u06cc \u0646\u0627\u0648\u06d5\u0646\u062f\u06cc",
         "soranî", "rtl"),
        ("ku", "Kurmanc\u00ee", "kurmanji", "ltr"),
        ("uk", "\u0423\u043a\u0440\u0430\u0457\u043d\u0441\u044c\u043a\u0430", "ukrainska", "ltr"),
        ("tr", "T\u00fcrk\u00e7e", "turkiska", "ltr"),
        ("pl", "Polski", "polska", "ltr"),
        ("am", "\u12a0\u121b\u122d\u129b", "amhariska", "ltr"),
        ("ru", "\u0420\u0443\u0441\u0441\u043a\u0438\u0439", "ryska", "ltr"),
        ("bs", "Bosanski/Hrvatski/\u0421\u0440\u043f\u0441\u043a\u0438",
         "bosniska/kroatiska/serbiska", "ltr"),
    ],
)
def test_names_and_direction(code: str, native: str, swedish: str, direction: str) -> None:
    lang = LANGUAGES[code]
    assert (lang.native, lang.swedish, lang.direction) == (native, swedish, direction)
    assert lang.rtl == (direction == "rtl")


@pytest.mark.parametrize("code", CODES)
def test_every_code_is_a_babel_locale_that_keeps_its_name(code: str) -> None:
    # catalog folders are named after str(locale): it must never drift (ku -> ku_TR)
    assert str(LANGUAGES[code].locale) == code
    assert str(Locale.parse(code)) == code


@pytest.mark.parametrize("code", CODES)
def test_direction_agrees_with_cldr(code: str) -> None:
    assert LANGUAGES[code].locale.character_order == (
        "right-to-left" if LANGUAGES[code].rtl else "left-to-right")


def test_babel_cannot_parse_prs_so_dari_is_fa_af() -> None:
    with pytest.raises(UnknownLocaleError):
        Locale.parse("prs")
    assert language("prs").code == "fa_AF"
    assert language("PRS").native == "\u062f\u0631\u06cc"


def test_babel_turns_kmr_into_a_region_locale_but_knuff_keeps_ku() -> None:
    babel_says = str(Locale.parse("kmr"))  # the trap: ku_TR in Babel 2.17, ku_Latn_TR in 2.19
    assert babel_says != "ku"
    assert language(babel_says) is LANGUAGES["ku"]
    assert language("kmr") is LANGUAGES["ku"]
    for spelling in ("ku_TR", "ku-tr", "ku_Latn_TR", "KU-Latn"):
        assert language(spelling) is LANGUAGES["ku"]
    assert all("_TR" not in lang.code for lang in LANGUAGES.values())


@pytest.mark.parametrize(
    ("spelling", "code"),
    [("fa-AF", "fa_AF"), ("FA_af", "fa_AF"), (" sv ", "sv"), ("CKB", "ckb"), ("hr", "bs"),
     ("sr", "bs"), ("sr-Cyrl", "bs"), ("ar", "ar")],
)
def test_lookup_accepts_common_spellings(spelling: str, code: str) -> None:
    assert language(spelling).code == code


@pytest.mark.parametrize("code", ["de", "", "fa_IR_x", "kurdish"])
def test_lookup_refuses_unknown_codes(code: str) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        language(code)


def _cldr_index(lang: Language, n: int, categories: list[str]) -> int:
    return categories.index(lang.locale.plural_form(n))


@pytest.mark.parametrize("code", CODES)
def test_plural_header_agrees_with_cldr_for_whole_numbers(code: str) -> None:
    """gettext's form index for n must be n's CLDR category, counted in CLDR order
    among the categories whole numbers use (fractions only matter for "other" in ru/uk/pl)."""
    lang = LANGUAGES[code]
    numbers = range(0, 1201)
    used = {lang.locale.plural_form(n) for n in numbers}
    categories = [c for c in CLDR_ORDER if c in used]
    assert lang.nplurals == len(categories)
    pick = gettext.c2py(lang.plural_expr)
    wrong = [n for n in numbers if pick(n) != _cldr_index(lang, n, categories)]
    assert wrong == []
    assert lang.plural_header == f"nplurals={lang.nplurals}; plural={lang.plural_expr};"


def test_arabic_forms_follow_cldr_whatever_babel_says() -> None:
    """python-babel issue 816: Babel's table before 2.19 gave 11 the "other" form and 101
    "many". Knuff's header never came from that table, so an upgrade cannot swap them."""
    ours = gettext.c2py(LANGUAGES["ar"].plural_expr)
    assert [ours(n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 111, 1000)] == [
        0, 1, 2, 3, 3, 4, 4, 5, 5, 5, 4, 5]
    assert LANGUAGES["ar"].plural_header == (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=11 ? 4 : 5);")


_SLAVIC = ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
           "(n%100<10 || n%100>=20) ? 1 : 2);")


@pytest.mark.parametrize(
    ("code", "header"),
    [
        ("sv", "nplurals=2; plural=(n != 1);"),
        ("fa_AF", "nplurals=2; plural=(n > 1);"),
        ("tr", "nplurals=2; plural=(n != 1);"),
        ("ru", _SLAVIC),
        ("uk", _SLAVIC),
        ("bs", _SLAVIC),
        ("pl", "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && "
               "(n%100<10 || n%100>=20) ? 1 : 2);"),
    ],
)
def test_plural_header_text(code: str, header: str) -> None:
    """Knuff's own headers: the same text whatever Babel's table says (2.19 rewrote ru)."""
    assert LANGUAGES[code].plural_header == header


@pytest.mark.parametrize("code", CODES)
def test_every_shipped_catalog_carries_the_registry_plural_header(code: str) -> None:
    po = Path(__file__).resolve().parents[2] / "translations" / code / "LC_MESSAGES" / "flows.po"
    if code == SOURCE:
        assert not po.exists()
        return
    header = "".join(line.strip().strip('"') for line in po.read_text("utf-8").splitlines()
                     if line.startswith('"'))
    assert f"Plural-Forms: {LANGUAGES[code].plural_header}\\n" in header


@pytest.mark.skipif(which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("code", CODES)
def test_msgfmt_accepts_every_plural_header(code: str, tmp_path: Path) -> None:
    lang = LANGUAGES[code]
    forms = "".join(f'msgstr[{i}] "x{i}"\n' for i in range(lang.nplurals))
    po = tmp_path / f"{code}.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Language: {code}\\n"\n"Plural-Forms: {lang.plural_header}\\n"\n\n'
        'msgid "one"\nmsgid_plural "many"\n' + forms, encoding="utf-8")
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
