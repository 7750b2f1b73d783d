"""Interpreter approval of translations, tied to content by sha256 hashes.

A translation may be sent only while it is approved AND its `source_hash` matches the
current Swedish text AND its `text_hash` matches its own text. Editing either side
withdraws the approval; a changed Swedish source sends every translation of it back to
review with the old source kept (`previous_source`) so the reviewer sees the diff.

The send path asks `approved_lookup(db, flows)` for a lookup function. Building it costs
one small aggregate query (row count, sum of row revisions, highest id) that tells
whether anything changed since the last build in this process; only then are the rows
read again. Every change goes through the ORM, which bumps `Translation.revision`, so a
change made by any process (web, worker, CLI) is seen by the next message everywhere.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.messages.catalog import Catalog

from bot.flows.catalog import sources as flow_sources
from bot.flows.schema import Flow
from bot.i18n.catalog import ApprovedLookup
from bot.i18n.catalogs import (
    Known,
    PoError,
    check_po,
    drafts_only,
    language_catalog,
    parse_po,
    po_language,
)
from bot.i18n.languages import LANGUAGES, SOURCE, Language
from bot.i18n.render import has_stray_brace, placeholders
from bot.models import Translation, TranslationStatus, utcnow
from bot.services.audit import audit

Status = TranslationStatus


def digest(text: str) -> str:
    """sha256 hex of a text, as stored in source_hash and text_hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_current(row: Translation, source: str | None) -> bool:
    """True when the row is approved for exactly this source and its own text."""
    return (row.status is Status.APPROVED and source is not None
            and row.source_hash == digest(source) and row.text_hash == digest(row.text))


def _approve(db: so.Session, row: Translation, source: str, by: str, now: datetime,
             how: str, actor_id: int | None = None) -> None:
    """Approve `row` for `source` and record who, when and how in the audit trail."""
    row.source, row.source_hash, row.text_hash = source, digest(source), digest(row.text)
    row.status, row.approved_by, row.approved_at = Status.APPROVED, by, now
    row.previous_source = row.comment = None
    audit(db, by, "translation.approve", f"translation:{row.language}:{row.key}", at=now,
          actor_id=actor_id,
          detail={"how": how, "source_hash": row.source_hash, "text_hash": row.text_hash})


def _withdraw(row: Translation, status: Status) -> None:
    row.status, row.approved_by, row.approved_at = status, None, None


def sync_from_flows(db: so.Session, flows: Iterable[Flow], *, by: str = "system",
                    now: datetime | None = None) -> list[str]:
    """Send translations whose Swedish source changed back to review; return their keys."""
    db.info.pop(TRANSACTION_CACHE, None)
    current, now = flow_sources(flows), now or utcnow()
    changed: list[str] = []
    for row in db.scalars(sa.select(Translation).order_by(Translation.id)):
        source = current.get(row.key)
        if source is None or row.source_hash == digest(source):
            continue
        row.previous_source = row.previous_source or row.source
        row.source, row.source_hash = source, digest(source)
        _withdraw(row, Status.NEEDS_REVIEW)
        changed.append(f"{row.language}:{row.key}")
    if changed:
        audit(db, by, "translations.source_changed", None, at=now,
              detail={"needs_review": changed})
    return changed


@dataclass(frozen=True)
class ImportResult:
    """What an import did, per outcome."""

    language: str
    approved: int = 0
    drafts: int = 0
    needs_review: int = 0
    unchanged: int = 0


def import_po(db: so.Session, path_or_text: Path | str | bytes, language: str | None = None, *,
              flows: Iterable[Flow], approve: bool = False, by: str = "cli",
              name: str = "<input>", now: datetime | None = None,
              actor_id: int | None = None) -> ImportResult:
    """Import an edited PO file (a Path, or the text or bytes themselves named `name`).

    Nothing is written when any entry is broken (PoError lists file:line for each).
    With `approve`, entries that are not fuzzy are approved by `by`; fuzzy entries are
    stored as drafts. A translation made for an older Swedish text needs review.
    """
    db.info.pop(TRANSACTION_CACHE, None)
    if isinstance(path_or_text, Path):
        name, data = str(path_or_text), path_or_text.read_bytes()
    else:
        data = path_or_text
    po = parse_po(data, name)
    lang = po_language(po, language)
    current = flow_sources(flows)
    problems = check_po(po, current)
    if problems:
        raise PoError(problems)
    now, counts = now or utcnow(), dict.fromkeys(("approved", "drafts", "needs_review",
                                                  "unchanged"), 0)
    rows = _rows(db, lang.code)
    for entry in po.entries:
        if entry.obsolete or not entry.msgstr:
            continue
        key, source = entry.context or "", current[entry.context or ""]
        row = rows.get(key) or _new_row(db, lang.code, key, source)
        outcome = _apply(db, row, entry.msgid or "", entry.msgstr, source,
                         approve and not entry.fuzzy, by, now, actor_id)
        counts[outcome] += 1
    return ImportResult(lang.code, **counts)


def _rows(db: so.Session, language: str) -> dict[str, Translation]:
    rows = db.scalars(sa.select(Translation).where(Translation.language == language))
    return {row.key: row for row in rows}


def _new_row(db: so.Session, language: str, key: str, source: str) -> Translation:
    row = Translation(language=language, key=key, source=source, source_hash=digest(source),
                      text="", text_hash=digest(""), status=Status.DRAFT)
    db.add(row)
    return row


def _apply(db: so.Session, row: Translation, msgid: str, text: str, source: str,
           approve: bool, by: str, now: datetime, actor_id: int | None = None) -> str:
    """Store one imported translation; return which ImportResult count it adds to."""
    if msgid != source:  # translated from an older Swedish text: a reviewer must look
        if row.text == text or is_current(row, source):  # a stale file changes nothing
            return "unchanged"
        row.text, row.text_hash, row.previous_source = text, digest(text), msgid
        row.source, row.source_hash = source, digest(source)
        _withdraw(row, Status.NEEDS_REVIEW)
        return "needs_review"
    if row.text == text and (is_current(row, source) or not approve):
        return "unchanged"
    row.text, row.text_hash = text, digest(text)
    row.source, row.source_hash, row.previous_source = source, digest(source), None
    if approve:
        _approve(db, row, source, by, now, "import", actor_id)
        return "approved"
    _withdraw(row, Status.DRAFT)
    return "drafts"


def approve(db: so.Session, language: str, *, flows: Iterable[Flow], by: str,
            flow: str | None = None, now: datetime | None = None) -> int:
    """Approve every unapproved translation of a language (or one flow of it) in bulk.

    Rejected translations stay rejected: someone sent them back on purpose.
    """
    db.info.pop(TRANSACTION_CACHE, None)
    current, now, count = flow_sources(flows), now or utcnow(), 0
    for key, row in sorted(_rows(db, language).items()):
        source = current.get(key)
        if source is None or (flow and not key.startswith(f"{flow}.")) or not row.text:
            continue
        if row.status is not Status.REJECTED and not is_current(row, source):
            _approve(db, row, source, by, now, "bulk")
            count += 1
    return count


@dataclass(frozen=True)
class PlaceholderCheck:
    """How a translation's `{placeholders}` compare with its Swedish source: the same
    rules `check_po` applies to an uploaded file, per text, for the review pages."""

    missing: tuple[str, ...] = ()  # in the Swedish text, not in the translation
    invented: tuple[str, ...] = ()  # in the translation only
    stray_brace: bool = False
    newlines: bool = False  # begins or ends with a newline where the Swedish does not

    @property
    def ok(self) -> bool:
        return not (self.missing or self.invented or self.stray_brace or self.newlines)


def check_placeholders(source: str, text: str) -> PlaceholderCheck:
    """Compare a translation with its source; an empty translation has nothing to check."""
    if not text:
        return PlaceholderCheck()
    want, got = placeholders(source), placeholders(text)
    return PlaceholderCheck(
        tuple(f"{{{n}}}" for n in want if n not in got),
        tuple(f"{{{n}}}" for n in got if n not in want), has_stray_brace(text),
        (source.startswith("\n"), source.endswith("\n")) !=
        (text.startswith("\n"), text.endswith("\n")))


class ApprovalRefused(ValueError):
    """An approval the rules do not allow; `check` or `reason` says why."""

    def __init__(self, reason: str, check: PlaceholderCheck | None = None):
        super().__init__(reason)
        self.reason, self.check = reason, check


def _source_of(flows: Iterable[Flow], key: str) -> str:
    source = flow_sources(flows).get(key)
    if source is None:
        raise KeyError(f"no flow has the text {key!r}")
    return source


def _row_for(db: so.Session, language: str, key: str, source: str) -> Translation:
    row = db.scalar(sa.select(Translation).where(Translation.language == language,
                                                 Translation.key == key))
    return row or _new_row(db, language, key, source)


def _store(row: Translation, text: str, source: str) -> bool:
    """Put `text` in the row, made for `source`; False when nothing changed. A changed
    text is a draft again: the approval was for the old one."""
    if row.text == text and row.source_hash == digest(source):
        return False
    if row.source_hash != digest(source):
        row.previous_source = row.previous_source or row.source
    if row.text != text:  # written in view of the current source: no diff to show any more
        row.previous_source = None
    row.text, row.text_hash, row.source, row.source_hash = (text, digest(text), source,
                                                            digest(source))
    _withdraw(row, Status.NEEDS_REVIEW if row.previous_source else Status.DRAFT)
    return True


def save_translation(db: so.Session, language: str, key: str, text: str, *,
                     flows: Iterable[Flow], by: str, actor_id: int | None = None,
                     now: datetime | None = None) -> Translation:
    """Store an edited translation as a draft (an unchanged text keeps its status).

    The comment of a sent-back text stays until someone approves it, so the next reader
    sees why it was sent back. KeyError when no flow has `key`.
    """
    db.info.pop(TRANSACTION_CACHE, None)
    source = _source_of(flows, key)
    row = _row_for(db, language, key, source)
    if row.id is None and not text:  # clearing a text that was never there
        db.expunge(row)
        return row
    if _store(row, text, source):
        audit(db, by, "translation.save", f"translation:{language}:{key}", at=now or utcnow(),
              actor_id=actor_id, detail={"status": row.status.value,
                                         "text_hash": row.text_hash})
    return row


def approve_translation(db: so.Session, language: str, key: str, text: str, *,
                        flows: Iterable[Flow], by: str, actor_id: int | None = None,
                        seen_source_hash: str | None = None,
                        now: datetime | None = None) -> Translation:
    """Approve exactly `text` for the current Swedish source (storing it if edited).

    Refused (ApprovalRefused, nothing written) when the text is empty, its placeholders
    differ from the source's, or the source changed since the reviewer saw it
    (`seen_source_hash`).
    """
    db.info.pop(TRANSACTION_CACHE, None)
    source = _source_of(flows, key)
    if seen_source_hash is not None and seen_source_hash != digest(source):
        raise ApprovalRefused("source_changed")
    if not text.strip():
        raise ApprovalRefused("empty")
    check = check_placeholders(source, text)
    if not check.ok:
        raise ApprovalRefused("placeholders", check)
    row = _row_for(db, language, key, source)
    if row.text != text:
        _store(row, text, source)
    if not is_current(row, source):
        _approve(db, row, source, by, now or utcnow(), "review", actor_id)
    return row


def approve_texts(db: so.Session, language: str, texts: Mapping[str, str], *,
                  flows: Iterable[Flow], by: str, actor_id: int | None = None,
                  now: datetime | None = None) -> tuple[list[str], dict[str, ApprovalRefused]]:
    """Approve each key's exact text, as a reviewer read them on one page; each approval
    is checked and audited on its own. Returns the keys approved and those refused."""
    done, refused = [], {}
    flows = list(flows)
    for key, text in texts.items():
        try:
            approve_translation(db, language, key, text, flows=flows, by=by,
                                actor_id=actor_id, now=now)
        except ApprovalRefused as refusal:
            refused[key] = refusal
        else:
            done.append(key)
    return done, refused


def send_back(db: so.Session, language: str, key: str, comment: str, *,
              flows: Iterable[Flow], by: str, text: str | None = None,
              actor_id: int | None = None, now: datetime | None = None) -> Translation:
    """Reject a translation with a comment for whoever translates it next (status
    rejected, approval withdrawn). `text`, when given, is stored first (the reviewer's
    edit). ApprovalRefused when there is no comment or no translation to send back."""
    db.info.pop(TRANSACTION_CACHE, None)
    comment = " ".join(comment.split())
    if not comment:
        raise ApprovalRefused("no_comment")
    source = _source_of(flows, key)
    row = db.scalar(sa.select(Translation).where(Translation.language == language,
                                                 Translation.key == key))
    if not (text if text is not None else row.text if row else ""):
        raise ApprovalRefused("nothing_to_send_back")
    row = row or _new_row(db, language, key, source)
    if text is not None:
        _store(row, text, source)
    _withdraw(row, Status.REJECTED)
    row.comment = comment[:500]
    audit(db, by, "translation.send_back", f"translation:{language}:{key}", at=now or utcnow(),
          actor_id=actor_id, detail={"comment": row.comment, "text_hash": row.text_hash})
    return row


@dataclass(frozen=True)
class StatusRow:
    """How far one flow is translated into one language."""

    flow: str
    language: str
    total: int
    approved: int
    draft: int
    needs_review: int  # source changed, sent back, or approved for another text

    @property
    def missing(self) -> int:
        return self.total - self.approved - self.draft - self.needs_review


def status(db: so.Session, flows: Mapping[str, Flow],
           languages: Iterable[str] | None = None) -> list[StatusRow]:
    """Approved / draft / needs review / missing per flow and language."""
    rows = {(r.language, r.key): r for r in db.scalars(sa.select(Translation))}
    table = []
    for flow_id, flow in sorted(flows.items()):
        current = flow_sources([flow])
        for code in languages or [c for c in LANGUAGES if c != SOURCE]:
            counts = {"approved": 0, "draft": 0, "needs_review": 0}
            for key, source in current.items():
                row = rows.get((code, key))
                if row is None or not row.text:
                    continue
                counts["approved" if is_current(row, source) else
                       "draft" if row.status is Status.DRAFT else "needs_review"] += 1
            table.append(StatusRow(flow_id, code, len(current), **counts))
    return table


def known_from_db(db: so.Session, language: str, flows: Iterable[Flow]) -> dict[str, Known]:
    """Key -> translation as stored, for writing a PO file: only texts approved for the
    current source are non-fuzzy; a changed source shows as `#| msgid`."""
    current = flow_sources(flows)
    known = {}
    for key, row in _rows(db, language).items():
        if not row.text:
            continue
        msgid = row.previous_source or row.source
        notes = (f"Sent back: {row.comment}",) if row.comment else ()
        known[key] = Known(msgid, row.text, not is_current(row, current.get(key)), None, notes)
    return known


def export_catalog(db: so.Session, language: Language, *, flows: Iterable[Flow],
                   template: Catalog, drafts: Mapping[str, Known] | None = None) -> Catalog:
    """A language's catalog as `flask translations export` writes it: the database's
    texts (approved for the current source plain, everything else fuzzy) over `drafts`
    (the shipped file's translations), which stay drafts: approval lives in the database."""
    known = drafts_only(dict(drafts or {}))
    known.update(known_from_db(db, language.code, flows))
    return language_catalog(template, language, known)


_cache_lock = threading.Lock()
_cache: dict[tuple[object, int], tuple[object, tuple, dict[tuple[str, str], str]]] = {}


def approved_lookup(db: so.Session, flows: Mapping[str, Flow] | None = None
                    ) -> ApprovedLookup:
    """A `(key, language) -> approved text or None` function for `catalog.resolve`.

    Pass the runtime's flows so an approval is checked against the Swedish text that is
    deployed now; without them it is checked against the stored source (which
    `sync_from_flows` keeps current). Cached per process; see the module docstring.
    """
    stamp = tuple(db.execute(sa.select(
        sa.func.count(Translation.id), sa.func.coalesce(sa.func.sum(Translation.revision), 0),
        sa.func.max(Translation.id))).one())
    cache_key = (db.get_bind(), id(flows))
    with _cache_lock:
        cached = _cache.get(cache_key)
    if cached is None or cached[0] is not flows or cached[1] != stamp:
        current = flow_sources(flows.values()) if flows is not None else None
        texts = {}
        for row in db.scalars(sa.select(Translation)
                              .where(Translation.status == Status.APPROVED)):
            source = current.get(row.key) if current is not None else row.source
            if is_current(row, source):
                texts[(row.key, row.language)] = row.text
        cached = (flows, stamp, texts)
        with _cache_lock:
            if len(_cache) > 16:  # tests make many apps; a process normally has one entry
                _cache.clear()
            _cache[cache_key] = cached
    approved_texts = cached[2]
    return lambda key, language: approved_texts.get((key, language))


TRANSACTION_CACHE = "knuff.approved_texts"


def approved_texts(db: so.Session, flows: Mapping[str, Flow]) -> ApprovedLookup:
    """`approved_lookup` kept on the session, so a batch of nudges asks once; the writers
    in this module drop it when they change approvals."""
    cached = db.info.get(TRANSACTION_CACHE)
    if cached is None:
        cached = db.info[TRANSACTION_CACHE] = approved_lookup(db, flows)
    return cached
