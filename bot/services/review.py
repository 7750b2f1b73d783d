"""What the interpreters' pages show: coverage per language and flow, and each text of a
flow with everything needed to review it (the read side; writes are in `approvals`).

Every text of every flow is listed, translated or not. Where the database has no
translation yet, the draft shipped in `translations/<lang>/LC_MESSAGES/flows.po` is
offered as a suggestion: it is not stored, and never sent, until someone saves or
approves it. Nothing here reads client data.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.messages.catalog import Catalog

from bot.flows.budgets import client_messages, render_worst_case
from bot.flows.catalog import WORDS_SUFFIX, build_catalog, flow_entries
from bot.flows.guardrails import Guardrails, text_problems
from bot.flows.loader import load_guardrails
from bot.flows.schema import Flow
from bot.i18n.catalogs import Known, PoError, known_from_po, parse_po, po_path
from bot.i18n.render import placeholders
from bot.messaging.segments import count_segments
from bot.models import Translation, TranslationStatus
from bot.services.approvals import PlaceholderCheck, check_placeholders, digest

STATES = ("approved", "needs_review", "rejected", "draft", "missing")


@dataclass
class Coverage:
    """How many texts are in each state; `suggested` counts missing texts that have a
    shipped draft to start from."""

    total: int = 0
    approved: int = 0
    needs_review: int = 0
    rejected: int = 0
    draft: int = 0
    missing: int = 0
    suggested: int = 0

    def add(self, state: str, suggested: bool = False) -> None:
        self.total += 1
        setattr(self, state, getattr(self, state) + 1)
        self.suggested += state == "missing" and suggested

    def __iadd__(self, other: Coverage) -> Coverage:
        for name in ("total", *STATES, "suggested"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def percent(self, state: str) -> int:
        """Share of the texts in `state`, rounded down (100 only when all are)."""
        return getattr(self, state) * 100 // self.total if self.total else 0

    @property
    def todo(self) -> int:
        return self.total - self.approved


def state(status: TranslationStatus | None, text: str, text_hash: str | None,
          source_hash: str | None, source: str) -> str:
    """One of STATES. Approved means approved for exactly this source and this text;
    an approval that no longer matches needs review (as in `approvals.status`)."""
    if status is None or not text:
        return "missing"
    if (status is TranslationStatus.APPROVED and source_hash == digest(source)
            and text_hash == digest(text)):
        return "approved"
    return {TranslationStatus.REJECTED: "rejected",
            TranslationStatus.DRAFT: "draft"}.get(status, "needs_review")


def coverage(db: so.Session, flows: Mapping[str, Flow], languages: Iterable[str],
             suggestions: Mapping[str, Mapping[str, Known]] | None = None,
             ) -> dict[str, dict[str, Coverage]]:
    """language -> flow id -> Coverage, from one query over the translations table."""
    languages = list(languages)
    stored = {(lang, key): (status, text, text_hash, source_hash)
              for lang, key, status, text, text_hash, source_hash in db.execute(
                  sa.select(Translation.language, Translation.key, Translation.status,
                            Translation.text, Translation.text_hash, Translation.source_hash)
                  .where(Translation.language.in_(languages)))}
    suggestions = suggestions or {}
    table: dict[str, dict[str, Coverage]] = {}
    for lang in languages:
        shipped = suggestions.get(lang, {})
        for flow_id, flow in sorted(flows.items()):
            counts = table.setdefault(lang, {}).setdefault(flow_id, Coverage())
            for key, source in flow_texts(flow):
                status, text, text_hash, source_hash = stored.get((lang, key),
                                                                  (None, "", None, None))
                counts.add(state(status, text, text_hash, source_hash, source),
                           key in shipped and bool(shipped[key].msgstr))
    return table


def total(per_flow: Mapping[str, Coverage]) -> Coverage:
    """Coverage over all flows of one language."""
    whole = Coverage()
    for counts in per_flow.values():
        whole += counts
    return whole


def flow_texts(flow: Flow) -> list[tuple[str, str]]:
    """(key, Swedish source) of every catalog entry of a flow, in file order."""
    return [(entry.key, entry.source) for entry in flow_entries(flow)]


# --- shipped drafts ---------------------------------------------------------------

_shipped_lock = threading.Lock()
_shipped: dict[Path, tuple[tuple[int, int], dict[str, Known]]] = {}


def shipped_drafts(translations_dir: str | Path, language: str) -> dict[str, Known]:
    """Key -> the draft in the language's shipped flows.po (read again when the file
    changes); empty when there is no file or it cannot be read."""
    path = po_path(Path(translations_dir), language)
    try:
        info = path.stat()
    except OSError:
        return {}
    stamp = (info.st_mtime_ns, info.st_size)
    with _shipped_lock:
        cached = _shipped.get(path)
    if cached is None or cached[0] != stamp:
        try:
            known = known_from_po(parse_po(path.read_bytes(), str(path)))
        except (OSError, PoError):  # a broken shipped file: `flows check` reports it
            known = {}
        cached = (stamp, known)
        with _shipped_lock:
            _shipped[path] = cached
    return cached[1]


_template_lock = threading.Lock()
_templates: dict[Path, tuple[tuple, Catalog]] = {}


def template(flows_dir: str | Path) -> Catalog:
    """The POT of the flows folder (`build_catalog`), built again only when a flow file
    changed: reading every YAML file costs about as much as the rest of a download."""
    folder = Path(flows_dir)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                  for p in sorted(folder.glob("*.yaml")))
    with _template_lock:
        cached = _templates.get(folder)
    if cached is None or cached[0] != stamp:
        cached = (stamp, build_catalog(folder))
        with _template_lock:
            _templates[folder] = cached
    return cached[1]


# --- one flow, text by text -----------------------------------------------------

@dataclass(frozen=True)
class Size:
    """The SMS a text is part of, rendered with long example values in the language."""

    segments: int
    budget: int
    encoding: str
    units: int
    swedish_parts: int  # parts of that SMS still untranslated, counted in Swedish
    preview: str

    @property
    def over(self) -> bool:
        return self.segments > self.budget


@dataclass
class ReviewItem:
    """One text of a flow in one language, as the review page shows it."""

    key: str
    kind: str  # "message", "answer", "words", "reask"
    source: str
    source_hash: str
    context: tuple[str, ...]  # the `#.` comments after the flow's purpose
    placeholders: list[str]
    state: str
    text: str  # what the editor starts with: stored text, else the shipped draft
    suggested: bool  # `text` comes from the shipped file, not the database
    row: Translation | None
    old_source: str | None = None  # the Swedish text the translation was made for
    check: PlaceholderCheck = field(default_factory=PlaceholderCheck)
    size: Size | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return anchor_of(self.key)

    @property
    def choice(self) -> str | None:
        """The digit of an answer or reply-words entry."""
        match = re.search(r"\.choice\.([^.]+)", self.key)
        return match.group(1) if match else None


def anchor_of(key: str) -> str:
    """The HTML id of a text's card on the flow page."""
    return "t-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def kind_of(key: str) -> str:
    if key.endswith(WORDS_SUFFIX):
        return "words"
    if ".choice." in key:
        return "answer"
    return "reask" if key.endswith(".reask") else "message"


def flow_items(db: so.Session, flow: Flow, language: str,
               suggestions: Mapping[str, Known] | None = None,
               guardrails: Guardrails | None = None) -> list[ReviewItem]:
    """Every text of `flow` in `language` with its state, context, placeholder check,
    SMS size against its budget and, when the source changed, the old source."""
    rows = {row.key: row for row in db.scalars(
        sa.select(Translation).where(Translation.language == language,
                                     Translation.key.like(f"{flow.id}.%")))}
    suggestions = suggestions or {}
    items = []
    for entry in flow_entries(flow):
        row, shipped = rows.get(entry.key), suggestions.get(entry.key)
        stored = row.text if row else ""
        text, suggested = stored, False
        if not stored and shipped and shipped.msgstr:
            text, suggested = shipped.msgstr, True
        item = ReviewItem(
            entry.key, kind_of(entry.key), entry.source, digest(entry.source),
            entry.comments[1:], placeholders(entry.source),
            state(row.status, row.text, row.text_hash, row.source_hash, entry.source)
            if row else "missing", text, suggested, row)
        item.old_source = _old_source(item, shipped)
        item.check = check_placeholders(entry.source, text)
        items.append(item)
    _measure(flow, language, items)
    if guardrails is not None:
        for item in items:
            if item.text and item.kind != "words":
                item.warnings = [p.message for p in text_problems(
                    flow, "", guardrails, language, {item.key: item.text})]
    return items


def _old_source(item: ReviewItem, shipped: Known | None) -> str | None:
    """The Swedish text the shown translation was made for, when it is not the current."""
    row = item.row
    if item.suggested and shipped is not None:
        old = shipped.msgid
    elif row is not None and row.text:
        old = row.previous_source or row.source
    else:
        return None
    return old if old != item.source else None


def _measure(flow: Flow, language: str, items: list[ReviewItem]) -> None:
    """Give each text the size of the largest SMS it is part of (its question and
    answers, or a re-ask), with the texts as they stand now."""
    texts = {item.key: item.text for item in items if item.text}
    for message in client_messages(flow):
        keys = {part.key for part in message.parts}
        untranslated = sum(1 for p in message.parts if p.translate and p.key not in texts)
        template = message.template(texts)
        try:
            preview = render_worst_case(flow, template, language)
        except KeyError:  # a placeholder the flow does not have: count it as written
            preview = template
        count = count_segments(preview)
        size = Size(count.segments, message.budget, count.encoding, count.units,
                    untranslated, preview)
        for item in items:
            if item.key in keys and (item.size is None or
                                     size.segments - size.budget >
                                     item.size.segments - item.size.budget):
                item.size = size


def guardrails_for(flows_dir: str | Path) -> Guardrails | None:
    """The phrase lists the translations are checked against (None if the file is
    broken; `flows check` reports that)."""
    return load_guardrails(flows_dir)[0]


# --- old and new source -----------------------------------------------------------

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) pieces turning `old` into `new` word by word; op is "same", "del" or
    "ins". Whitespace is kept, so the pieces joined (without "del") give `new`."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces
