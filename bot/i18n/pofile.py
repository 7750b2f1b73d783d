"""A strict reader for PO files that interpreters edit (Poedit, Weblate, a text editor).

Babel's own reader forgives too much (an unterminated string, a stray line) and drops
`#| msgid`; this one keeps every string's line and reports each problem as
`file:line: what is wrong`, so a broken file is refused with a message a person can act
on. Plural entries are refused: flow texts have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr\[\d+\]|msgstr)(?:\s+(.*))?")
_HEADER_FIELD = re.compile(r"([A-Za-z-]+):")


@dataclass(frozen=True)
class PoProblem:
    """One problem in a PO file, with its 1-based line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PoError(ValueError):
    """A PO file that cannot be imported; lists every problem found."""

    def __init__(self, problems: list[PoProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class PoEntry:
    """One message of a PO file as written: its strings by keyword, with their lines."""

    line: int  # the msgctxt line (or msgid when there is none)
    parts: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    previous_msgid: str | None = None
    notes: list[str] = field(default_factory=list)  # translator comments ("# …")
    obsolete: bool = False

    def _text(self, keyword: str) -> str | None:
        pieces = self.parts.get(keyword)
        return None if pieces is None else "".join(text for _, text in pieces)

    context = property(lambda self: self._text("msgctxt"))
    msgid = property(lambda self: self._text("msgid"))
    msgstr = property(lambda self: self._text("msgstr"))
    msgstr_line = property(lambda self: self.parts.get("msgstr", [(self.line, "")])[0][0])
    fuzzy = property(lambda self: "fuzzy" in self.flags)


@dataclass
class PoFile:
    """A parsed PO file: header fields (with their lines) and entries."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    header_lines: dict[str, int] = field(default_factory=dict)
    entries: list[PoEntry] = field(default_factory=list)


class _Reader:
    """Line-by-line PO state machine; collects problems instead of stopping at the first."""

    def __init__(self, name: str):
        self.po, self.problems = PoFile(name), []
        self.entry: PoEntry | None = None
        self.pending = PoEntry(0)  # comments and flags waiting for their entry
        self.previous: list[str] | None = None
        self.target: str | None = None  # the keyword a continuation string extends

    def say(self, line: int, message: str) -> None:
        self.problems.append(PoProblem(self.po.name, line, message))

    def unquote(self, raw: str, line: int) -> str:
        raw = raw.strip()
        if not _STRING.fullmatch(raw):
            self.say(line, f"expected a quoted string, got {raw[:40]!r}")
            return ""
        for bad in sorted(set(re.findall(r"\\(.)", raw)) - set(_ESCAPES)):
            self.say(line, f"unknown escape \\{bad}")
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), ""), raw[1:-1])

    def finish(self) -> None:
        entry, self.entry, self.target = self.entry, None, None
        if entry is None:
            return
        if entry.msgid is None or entry.msgstr is None:
            self.say(entry.line, "msgctxt without msgid" if entry.msgid is None
                     else "msgid without msgstr")
        elif entry.msgid == "" and entry.context is None and not entry.obsolete:
            self.header(entry.parts["msgstr"])
        else:
            self.po.entries.append(entry)

    def header(self, pieces: list[tuple[int, str]]) -> None:
        fields: list[tuple[int, str]] = [(0, "")]
        for line, piece in pieces:
            for index, part in enumerate(piece.split("\n")):
                if index or not fields[-1][1]:  # a new field starts on this line
                    fields.append((line, part))
                else:
                    fields[-1] = (fields[-1][0], fields[-1][1] + part)
        for line, text in fields:
            name, sep, value = text.partition(":")
            if sep and _HEADER_FIELD.match(text):
                self.po.headers.setdefault(name.strip(), value.strip())
                self.po.header_lines.setdefault(name.strip(), line)

    def comment(self, text: str, line: int) -> None:
        if self.entry is not None and self.entry.msgstr is not None:
            self.finish()
        self.target = None  # a string after a comment continues nothing
        kind, rest = text[:2], text[2:].strip()
        if kind == "#,":
            self.pending.flags |= {flag.strip() for flag in rest.split(",") if flag.strip()}
        elif kind == "#|" and rest.startswith("msgid "):
            self.previous = [self.unquote(rest[6:], line)]
        elif kind == "#|" and rest.startswith('"') and self.previous is not None:
            self.previous.append(self.unquote(rest, line))
        elif kind not in ("#.", "#:", "#|"):
            self.pending.notes.append(text[1:].strip())

    def keyword(self, keyword: str, raw: str, line: int, obsolete: bool) -> None:
        if keyword in ("msgctxt", "msgid") and self.entry is not None and (
                self.entry.msgid is not None or keyword == "msgctxt"):
            self.finish()
        if self.entry is None and keyword in ("msgctxt", "msgid"):
            self.entry = PoEntry(line, flags=self.pending.flags, notes=self.pending.notes,
                                 obsolete=obsolete)
            if self.previous is not None:
                self.entry.previous_msgid = "".join(self.previous)
            self.pending, self.previous = PoEntry(0), None
        entry = self.entry
        if keyword == "msgid_plural" or keyword.startswith("msgstr["):
            self.say(line, "plural forms are not used in Knuff flow catalogs")
        elif entry is None or entry.msgid is None and keyword == "msgstr":
            self.say(line, f"{keyword} without msgid")
        elif keyword in entry.parts:
            self.say(line, f"second {keyword} in one entry")
        else:
            entry.parts[keyword] = [(line, self.unquote(raw, line))]
            self.target = keyword

    def feed(self, raw_line: str, line: int) -> None:
        text, obsolete = raw_line.strip(), False
        if text.startswith("#~"):
            text, obsolete = text[2:].strip(), True
        if not text:
            return
        if text.startswith("#"):
            self.comment(text, line)
        elif text.startswith('"'):
            if self.entry is None or self.target is None:
                self.say(line, "a quoted string outside msgctxt, msgid or msgstr")
            else:
                self.entry.parts[self.target].append((line, self.unquote(text, line)))
        elif match := _KEYWORD.fullmatch(text):
            self.keyword(match.group(1), match.group(2) or "", line, obsolete)
        else:
            self.say(line, f"not a PO keyword, string or comment: {text[:40]!r}")


def parse_po(data: str | bytes, name: str) -> PoFile:
    """Read PO text strictly; raise PoError naming the file and line of each problem."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[:error.start].count(b"\n") + 1
            raise PoError([PoProblem(name, line, "the file is not UTF-8")]) from None
    reader = _Reader(name)
    for number, raw_line in enumerate(data.lstrip("\ufeff").splitlines(), start=1):
        reader.feed(raw_line, number)
    reader.finish()
    charset = re.search(r"charset=([\w-]+)", reader.po.headers.get("Content-Type", ""))
    if charset and charset.group(1).lower().replace("-", "") != "utf8":
        reader.say(reader.po.header_lines["Content-Type"], "the charset must be UTF-8")
    if reader.problems:
        raise PoError(reader.problems)
    return reader.po
