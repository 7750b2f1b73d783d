"""Words clients answer with, per language: yes/no and the global keywords.

Data, not code: a new language adds entries here. Matching goes through
`replies.normalise`, so case, Latin and Cyrillic diacritics, Arabic harakat, Arabic vs
Persian letter forms (ي/ی, ك/ک), emoji skin tones and bidi marks do not need listing.
Everything not Swedish or English is a draft for interpreter review.
"""

from __future__ import annotations

from typing import Literal

Keyword = Literal["stop", "start", "help", "interpreter", "language", "absence"]

THUMBS_UP, THUMBS_DOWN = "\U0001f44d", "\U0001f44e"

# language -> (yes words, no words). A choice whose value is "yes" or "no" accepts all of
# them, in every language, so flows need not list them. Drafts except sv and en.
YES_NO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sv": (("ja", "japp", "jo"), ("nej", "nä", "nix")),
    "en": (("yes", "yeah", "yep"), ("no", "nope")),
    "ar": (("نعم", "أجل", "ايوه"), ("لا",)),
    "so": (("haa", "haye"), ("maya",)),
    "ti": (("እወ",), ("ኣይፋል", "ኣይ")),
    "fa_AF": (("بله", "بلی", "آره"), ("نه", "نخیر")),
    "fa": (("بله", "آره", "بلی"), ("نه", "نخیر")),
    "ckb": (("بەڵێ", "بەلێ", "ئا"), ("نەخێر", "نا")),
    "ku": (("erê", "belê"), ("na", "nexêr")),
    "uk": (("так",), ("ні",)),
    "tr": (("evet",), ("hayır",)),
    "pl": (("tak",), ("nie",)),
    "am": (("አዎ", "አዎን"), ("አይ", "አይደለም")),
    "ru": (("да",), ("нет",)),
    "bs": (("da", "да"), ("ne", "не")),
    "emoji": ((THUMBS_UP,), (THUMBS_DOWN,)),
}

# language (or source) -> keyword -> words; the whole message must be the word.
# "absence" (FRÅNVARO / BORTA) starts the client's own absence report (flows/absence.yaml).
# sv, en and twilio always count; a client's own language counts for that client.
# DRAFTS for interpreter review: every language except sv and en.
KEYWORDS: dict[str, dict[Keyword, tuple[str, ...]]] = {
    "sv": {"stop": ("STOPP",), "start": ("START",), "help": ("HJÄLP",),
           "interpreter": ("TOLK",), "language": ("SPRÅK",), "absence": ("FRÅNVARO", "BORTA")},
    "en": {"stop": ("STOP",), "start": ("START",), "help": ("HELP",),
           "interpreter": ("INTERPRETER",), "language": ("LANGUAGE",),
           "absence": ("ABSENT", "ABSENCE")},
    # Twilio's own opt-out words: Twilio blocks the number on these whatever we do,
    # so Knuff must treat them as STOP to keep its records true.
    "twilio": {"stop": ("STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"),
               "start": ("UNSTOP",)},
    "ar": {"stop": ("توقف", "ايقاف"), "start": ("ابدأ", "بدء"), "help": ("مساعدة",),
           "interpreter": ("مترجم",), "language": ("لغة", "اللغة"), "absence": ("غياب",)},
    "so": {"stop": ("JOOJI",), "start": ("BILOW",), "help": ("CAAWIMAAD", "CAAWI"),
           "interpreter": ("TURJUMAAN",), "language": ("LUQADDA", "LUQAD"),
           "absence": ("MAQAN",)},
    "ti": {"stop": ("ኣቋርጽ",), "start": ("ጀምር",), "help": ("ሓገዝ",),
           "interpreter": ("ተርጓሚ",), "language": ("ቋንቋ",), "absence": ("ዘይምህላው",)},
    "fa_AF": {"stop": ("توقف",), "start": ("شروع",), "help": ("کمک",),
              "interpreter": ("ترجمان", "مترجم"), "language": ("زبان",),
              "absence": ("غیرحاضری", "غیابت")},
    "fa": {"stop": ("توقف",), "start": ("شروع",), "help": ("کمک",),
           "interpreter": ("مترجم",), "language": ("زبان",), "absence": ("غیبت",)},
    "ckb": {"stop": ("وەستان",), "start": ("دەستپێکردن",), "help": ("یارمەتی",),
            "interpreter": ("وەرگێڕ",), "language": ("زمان",), "absence": ("ئامادەنەبوون",)},
    "ku": {"stop": ("RAWESTE", "RAWESTÎNE"), "start": ("DESTPÊK",), "help": ("ALÎKARÎ",),
           "interpreter": ("WERGÊR",), "language": ("ZIMAN",), "absence": ("NEAMADEBÛN",)},
    "uk": {"stop": ("СТОП",), "start": ("СТАРТ",), "help": ("ДОПОМОГА",),
           "interpreter": ("ПЕРЕКЛАДАЧ",), "language": ("МОВА",), "absence": ("ВІДСУТНІСТЬ",)},
    "tr": {"stop": ("DUR",), "start": ("BAŞLA",), "help": ("YARDIM",),
           "interpreter": ("TERCÜMAN",), "language": ("DİL",), "absence": ("DEVAMSIZLIK",)},
    "pl": {"stop": ("STOP",), "start": ("START",), "help": ("POMOC",),
           "interpreter": ("TŁUMACZ",), "language": ("JĘZYK",), "absence": ("NIEOBECNOŚĆ",)},
    "am": {"stop": ("አቁም",), "start": ("ጀምር",), "help": ("እርዳታ",),
           "interpreter": ("አስተርጓሚ",), "language": ("ቋንቋ",), "absence": ("መቅረት",)},
    "ru": {"stop": ("СТОП",), "start": ("СТАРТ",), "help": ("ПОМОЩЬ",),
           "interpreter": ("ПЕРЕВОДЧИК",), "language": ("ЯЗЫК",), "absence": ("ОТСУТСТВИЕ",)},
    "bs": {"stop": ("STOP", "СТОП"), "start": ("START", "СТАРТ"),
           "help": ("POMOĆ", "ПОМОЋ"), "interpreter": ("TUMAČ", "PREVODILAC", "ПРЕВОДИЛАЦ"),
           "language": ("JEZIK", "ЈЕЗИК"), "absence": ("ODSUSTVO", "ОДСУСТВО")},
}

ALWAYS = ("sv", "en", "twilio")


def yes_no_words() -> dict[str, list[str]]:
    """Choice value -> every yes or no word in every language (for `match_choice`)."""
    return {"yes": [w for yes, _ in YES_NO.values() for w in yes],
            "no": [w for _, no in YES_NO.values() for w in no]}
