"""Host-level golden transcripts: every conversational flow in all 15 languages.

Each test plays scripted conversations through the real host (enrol, the worker's
`dispatch.run_due`, `inbound.receive`) on a database where an interpreter has approved the
shipped drafts, with replies written the way a client of that language writes them: digits
in the language's own script, its yes/no words, and the translated choice words of its PO
file (read at test time, so the test follows the file). Every outbound message must be in
the client's language (never a fallback), match the golden file
`golden/<flow>/<lang>.txt`, fit its step's SMS segment budget, and the answers stored must
be the expected categories.

Golden format, one `## script` section per conversation: `> reply` for what the client
writes, `< key · language · encoding · N SMS` followed by the body verbatim for each
outbound message, `[alert: reason]` for alerts (after the messages of the same event),
`[clock: …]` when time passes (Stockholm time), and `= status · answers` at the end.

Set KNUFF_UPDATE_TRANSCRIPTS=1 to rewrite the golden files after an intended change, then
review the diff like any other code change.

LIX ≤ 30 for the Swedish source of every client message is not repeated here: the loader
checks it (`bot.flows.budgets.source_problems`) and tests/flows/test_loader.py
`test_shipped_flows_are_valid` asserts the shipped flows have no problems.
"""

from __future__ import annotations

import difflib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask import Flask

from bot import db
from bot.flows.budgets import budget_for, client_messages
from bot.flows.schema import AskStep, Flow
from bot.i18n.languages import LANGUAGES, SOURCE
from bot.i18n.reply_words import KEYWORDS, YES_NO
from bot.models import Alert, Client, Direction, Enrollment, Message, Role, Staff
from bot.services import approvals, conversations, dispatch, inbound
from bot.services.runtime import Runtime, runtime
from tests.conftest import NOON, make_app

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
TRANSLATIONS = ROOT / "translations"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
UPDATE = os.environ.get("KNUFF_UPDATE_TRANSCRIPTS") == "1"

CLIENT, CASE_MANAGER = "Amina", "Sara"
# The reminder goes out the day before (NOON, Tuesday 12:00 in Stockholm); the meeting is
# Wednesday 14:00, so the same-day reminder comes two hours before, at NOON + 1 day.
MEETING_AT = NOON + timedelta(days=1, hours=2)
# An activity starts on Friday 12:00 (reminder the day before, at the same time) and
# another ends two weeks after NOON (asked again two days before).
START_AT, DAY_BEFORE_START = NOON + timedelta(days=3), timedelta(days=2)
END_AT, TWO_DAYS_BEFORE_END = NOON + timedelta(days=14), timedelta(days=12)

# Digits as a client of each language types them; Latin for every language not listed.
DIGITS = {"ar": "٠١٢٣٤٥٦٧٨٩", "ckb": "٠١٢٣٤٥٦٧٨٩", "fa": "۰۱۲۳۴۵۶۷۸۹", "fa_AF": "۰۱۲۳۴۵۶۷۸۹"}

# --- the scripts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Digit:
    """The digit(s) of a choice, in the language's own script."""
    key: int


@dataclass(frozen=True)
class Word:
    """The first translated word of a choice (`….words` in the PO; the flow's own for sv)."""
    step: str
    key: int


@dataclass(frozen=True)
class YesNo:
    """The language's first yes or no word (bot.i18n.reply_words.YES_NO)."""
    yes: bool


@dataclass(frozen=True)
class Keyword:
    """A global keyword in the client's own language (HJÄLP, SPRÅK, …)."""
    name: str


@dataclass(frozen=True)
class Text:
    """Literal text: something no choice means."""
    text: str


@dataclass(frozen=True)
class FreeText:
    """A few words of the client's own: the translated word for "work"."""


@dataclass(frozen=True)
class PickLanguage:
    """The menu digit, in the client's script, of the next language in the registry."""


@dataclass(frozen=True)
class At:
    """Time passes to NOON + `after`; the worker runs what is due."""
    after: timedelta


Event = Digit | Word | YesNo | Keyword | Text | FreeText | PickLanguage | At
SHRUG, THINKING = Text("🤷"), Text("🤔")
YES, NO = YesNo(True), YesNo(False)


@dataclass(frozen=True)
class Script:
    name: str
    events: tuple[Event, ...]
    answers: dict[str, str]  # stored answer categories (value), whatever the script
    status: str = "completed"

    @property
    def needs_approved_words(self) -> bool:
        """Translated choice words are understood only once approved."""
        return any(isinstance(e, Word) for e in self.events)

    @property
    def switches_language(self) -> bool:
        return any(isinstance(e, PickLanguage) for e in self.events)


def hours(n: float) -> At:
    return At(timedelta(hours=n))


SCRIPTS: dict[str, tuple[Script, ...]] = {
    "activity_checkin": (
        Script("no_then_sick_by_word", (NO, Word("reason", 1)),
               {"attended": "no", "reason": "sick"}),
        Script("partly_then_childcare_by_digits", (Digit(2), Digit(2)),
               {"attended": "partly", "reason": "childcare"}),
        Script("partly_by_word_then_talk_by_digit", (Word("attended", 2), Digit(6)),
               {"attended": "partly", "reason": "talk"}),
        Script("yes", (YES,), {"attended": "yes"}),
        Script("talk_by_word", (Word("attended", 4),), {"attended": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING), {"attended": "other"}),
        Script("no_then_unrecognised_reason_twice", (Digit(3), SHRUG, THINKING),
               {"attended": "no", "reason": "other"}),
        Script("no_then_no_reason", (Digit(3), hours(5)),
               {"attended": "no", "reason": "timeout"}),
        Script("no_answer", (hours(5),), {"attended": "timeout"}),
    ),
    "meeting_reminder": (
        Script("coming_by_word", (Word("remind", 1), At(timedelta(days=1))),
               {"attending": "coming"}),
        Script("new_time_by_digit", (Digit(2),), {"attending": "new_time"}),
        Script("interpreter_by_word", (Word("remind", 3), At(timedelta(days=1))),
               {"attending": "interpreter"}),
        Script("call_me_by_digit", (Digit(4), At(timedelta(days=1))), {"attending": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING, At(timedelta(days=1))),
               {"attending": "other"}),
        Script("no_answer", (hours(7), At(timedelta(days=1))), {"attending": "timeout"}),
    ),
    "motivation": (
        Script("low_then_free_text", (Digit(1), FreeText()),
               {"readiness": "1", "important": "text"}),
        Script("mid_then_no_answer", (Digit(3), At(timedelta(days=1, hours=1))),
               {"readiness": "3", "helped": "timeout"}),
        Script("high_then_free_text", (Digit(5), FreeText()),
               {"readiness": "5", "helped": "text"}),
        Script("talk_by_word", (Word("ready", 6),), {"readiness": "talk"}),
        Script("unrecognised_twice_then_free_text", (SHRUG, THINKING, FreeText()),
               {"readiness": "other", "important": "text"}),
        Script("no_answer", (At(timedelta(days=1, hours=1)),), {"readiness": "timeout"}),
    ),
    "help": (
        Script("work_by_word", (Keyword("help"), Word("topic", 1)), {"topic": "work"}),
        Script("money_by_digit", (Keyword("help"), Digit(4)), {"topic": "money"}),
        Script("talk_by_digit", (Keyword("help"), Digit(6)), {"topic": "talk"}),
        Script("unrecognised_twice", (Keyword("help"), SHRUG, THINKING), {"topic": "other"}),
        Script("no_answer", (Keyword("help"), hours(5)), {"topic": "timeout"}),
    ),
    "language": (
        Script("pick_next_language_by_digit", (Keyword("language"), PickLanguage()),
               {"language": "<next>"}),
        Script("talk_by_word", (Keyword("language"), Word("menu", 16)),
               {"language": "talk"}),
        Script("unrecognised_twice", (Keyword("language"), SHRUG, THINKING),
               {"language": "other"}),
        Script("no_answer", (Keyword("language"), hours(5)), {"language": "timeout"}),
    ),
    "welcome": (
        Script("language_ok_by_yes", (YES,), {"language_ok": "ok"}),
        Script("change_language_by_digit", (Digit(2), PickLanguage()),
               {"language_ok": "change_language", "language": "<next>"}),
        Script("call_me_by_word", (Word("language_ok", 3),), {"language_ok": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING), {"language_ok": "other"}),
        Script("change_language_by_word_then_unrecognised_twice",
               (Word("language_ok", 2), SHRUG, THINKING),
               {"language_ok": "change_language", "language": "other"}),
        Script("change_language_then_talk_by_word", (Digit(2), Word("menu", 16)),
               {"language_ok": "change_language", "language": "talk"}),
        Script("no_answer", (hours(25),), {"language_ok": "timeout"}),
    ),
    "activity_start": (
        Script("ok_by_yes_then_reminder", (YES, At(DAY_BEFORE_START)), {"start_ok": "ok"}),
        Script("obstacle_by_digit_then_childcare_by_word",
               (Digit(2), Word("obstacle", 1), At(DAY_BEFORE_START)),
               {"start_ok": "problem", "obstacle": "childcare"}),
        Script("obstacle_by_word_then_transport_by_digit",
               (Word("intro", 2), Digit(2), At(DAY_BEFORE_START)),
               {"start_ok": "problem", "obstacle": "transport"}),
        Script("obstacle_then_unrecognised_twice",
               (Digit(2), SHRUG, THINKING, At(DAY_BEFORE_START)),
               {"start_ok": "problem", "obstacle": "other"}),
        Script("obstacle_then_no_answer", (Digit(2), hours(9), At(DAY_BEFORE_START)),
               {"start_ok": "problem", "obstacle": "timeout"}),
        Script("question_by_word", (Word("intro", 3), At(DAY_BEFORE_START)),
               {"start_ok": "question"}),
        Script("talk_by_digit", (Digit(4), At(DAY_BEFORE_START)), {"start_ok": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING, At(DAY_BEFORE_START)),
               {"start_ok": "other"}),
        Script("no_answer", (hours(9), At(DAY_BEFORE_START)), {"start_ok": "timeout"}),
    ),
    "absence": (
        Script("sick_by_word_with_a_note", (Keyword("absence"), Word("reason", 1), FreeText()),
               {"reason": "sick", "note": "text"}),
        Script("childcare_by_digit_no_note", (Keyword("absence"), Digit(2), hours(3)),
               {"reason": "childcare", "note": "timeout"}),
        Script("talk_by_digit", (Keyword("absence"), Digit(6)), {"reason": "talk"}),
        Script("unrecognised_twice", (Keyword("absence"), SHRUG, THINKING),
               {"reason": "other"}),
        Script("no_answer", (Keyword("absence"), hours(5)), {"reason": "timeout"}),
    ),
    "plan_step": (
        Script("done_by_word", (Word("progress", 1),), {"progress": "done"}),
        Script("started_by_digit", (Digit(2),), {"progress": "started"}),
        Script("stuck_by_word", (Word("progress", 3),), {"progress": "stuck"}),
        Script("change_goal_by_digit", (Digit(4),), {"progress": "change_goal"}),
        Script("talk_by_word", (Word("progress", 5),), {"progress": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING), {"progress": "other"}),
        Script("no_answer", (hours(25),), {"progress": "timeout"}),
    ),
    "activity_end": (
        Script("arranged_by_word", (Word("next_step", 1),), {"next_step_14d": "arranged"}),
        Script("waiting_then_arranged_by_word",
               (Digit(2), At(TWO_DAYS_BEFORE_END), Word("next_step_again", 1)),
               {"next_step_14d": "waiting", "next_step_2d": "arranged"}),
        Script("nothing_by_word_then_still_waiting",
               (Word("next_step", 3), At(TWO_DAYS_BEFORE_END), Digit(2)),
               {"next_step_14d": "nothing", "next_step_2d": "waiting"}),
        Script("talk_then_nothing_by_digits", (Digit(4), At(TWO_DAYS_BEFORE_END), Digit(3)),
               {"next_step_14d": "talk", "next_step_2d": "nothing"}),
        Script("unrecognised_twice_then_talk_by_word",
               (SHRUG, THINKING, At(TWO_DAYS_BEFORE_END), Word("next_step_again", 4)),
               {"next_step_14d": "other", "next_step_2d": "talk"}),
        Script("no_answer_then_unrecognised_twice",
               (hours(25), At(TWO_DAYS_BEFORE_END), SHRUG, THINKING),
               {"next_step_14d": "timeout", "next_step_2d": "other"}),
        Script("no_answer_twice",
               (hours(25), At(TWO_DAYS_BEFORE_END), At(TWO_DAYS_BEFORE_END + timedelta(days=1))),
               {"next_step_14d": "timeout", "next_step_2d": "timeout"}),
    ),
    "in_work": (
        Script("going_well_by_word", (Word("how", 1),), {"work": "going_well"}),
        Script("problem_by_digit", (Digit(2),), {"work": "problem"}),
        Script("meet_by_word", (Word("how", 3),), {"work": "meet"}),
        Script("stopped_by_digit", (Digit(4),), {"work": "stopped"}),
        Script("talk_by_word", (Word("how", 5),), {"work": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING), {"work": "other"}),
        Script("no_answer", (hours(25),), {"work": "timeout"}),
    ),
    "exit_feedback": (
        Script("write_by_word_both_answers", (Word("invite", 1), FreeText(), FreeText()),
               {"feedback": "write", "helped": "text", "not_helped": "text"}),
        Script("write_by_digit_then_nothing", (Digit(1), hours(25)),
               {"feedback": "write", "helped": "timeout"}),
        Script("call_by_word", (Word("invite", 2),), {"feedback": "talk"}),
        Script("no_thanks_by_no", (NO,), {"feedback": "no_thanks"}),
        Script("unrecognised_twice", (SHRUG, THINKING), {"feedback": "other"}),
        Script("no_answer", (hours(49),), {"feedback": "timeout"}),
    ),
    "new_case_manager": (
        Script("book_by_word", (Word("hello", 1),), {"new_case_manager": "book_meeting"}),
        Script("question_by_digit", (Digit(2),), {"new_case_manager": "question"}),
        Script("ok_by_yes", (YES,), {"new_case_manager": "ok"}),
        Script("talk_by_digit", (Digit(4),), {"new_case_manager": "talk"}),
        Script("unrecognised_twice", (SHRUG, THINKING), {"new_case_manager": "other"}),
        Script("no_answer", (hours(49),), {"new_case_manager": "timeout"}),
    ),
}
FLOWS = tuple(SCRIPTS)
# The rest start by keyword (HJÄLP, SPRÅK, FRÅNVARO).
ENROLLED = {"welcome", "activity_checkin", "meeting_reminder", "activity_start", "motivation",
            "plan_step", "activity_end", "in_work", "exit_feedback", "new_case_manager"}
PARAMS = {"meeting_reminder": {"meeting_at": MEETING_AT.isoformat()},
          "activity_start": {"start_at": START_AT.isoformat(), "place": "Storgatan 12",
                             "contact_person": "Kim"},
          "activity_end": {"end_at": END_AT.isoformat()}}
# Flows whose answer can change the client's language.
CHANGES_LANGUAGE = {"language", "welcome"}


def next_language(code: str) -> str:
    """The language a client of `code` switches to: the next one in the registry."""
    codes = list(LANGUAGES)
    return codes[(codes.index(code) + 1) % len(codes)]


# --- what a client of each language writes ----------------------------------------------


@cache
def po_texts(language: str) -> dict[str, str]:
    """msgctxt -> msgstr of the shipped PO file (drafts included)."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "flows.po").open("rb") as po:
        return {m.context: m.string for m in read_po(po) if m.context and m.string}


def digits(language: str, number: int) -> str:
    table = DIGITS.get(language)
    return "".join(table[int(d)] for d in str(number)) if table else str(number)


def choice_words(flow: Flow, step_id: str, key: int, language: str) -> list[str]:
    if language == SOURCE:
        step = flow.step(step_id)
        assert isinstance(step, AskStep)
        return list(next(c for c in step.choices or [] if c.key == str(key)).words)
    text = po_texts(language)[f"{flow.id}.{step_id}.choice.{key}.words"]
    return [word.strip() for word in text.split(",") if word.strip()]


def menu_key(flow: Flow, value: str) -> int:
    step = flow.step("menu")
    assert isinstance(step, AskStep)
    return int(next(c.key for c in step.choices or [] if c.value == value))


def written(event: Event, flow: Flow, rt: Runtime, language: str) -> str:
    """What a client of `language` types for this event."""
    if isinstance(event, Digit):
        return digits(language, event.key)
    if isinstance(event, Word):
        return choice_words(flow, event.step, event.key, language)[0]
    if isinstance(event, YesNo):
        yes, no = YES_NO[language]
        return (yes if event.yes else no)[0]
    if isinstance(event, Keyword):
        return KEYWORDS[language][event.name][0]
    if isinstance(event, FreeText):
        return choice_words(rt.flow("help"), "topic", 1, language)[0]
    if isinstance(event, PickLanguage):
        return digits(language, menu_key(flow, next_language(language)))
    assert isinstance(event, Text)
    return event.text


# --- databases ---------------------------------------------------------------------------


@dataclass
class Database:
    """One SQLite database with a case manager; phones from the range kept for fiction."""

    app: Flask
    phones: Iterator[int] = field(default_factory=lambda: iter(range(605, 700)))

    def phone(self) -> str:
        return f"+46701740{next(self.phones)}"


def new_database(folder: Path, approve: tuple[str, ...]) -> Database:
    app = make_app(f"sqlite:///{folder / 'knuff.sqlite3'}")
    with app.app_context():
        session, rt = db.session(), runtime()
        session.add(Staff(email="sara@example.se", first_name=CASE_MANAGER,
                          role=Role.CASE_MANAGER))
        for language in approve:  # as an interpreter would: import the drafts, approve all
            po = TRANSLATIONS / language / "LC_MESSAGES" / "flows.po"
            approvals.import_po(session, po, language, flows=rt.flows.values())
            approvals.approve(session, language, flows=rt.flows.values(), by="Nadia (tolk)")
        session.commit()
    return Database(app)


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> Iterator[dict[tuple[str, bool], Database]]:
    """(language, approved) -> a database made on first use and kept for the module.

    Approved: the language's shipped drafts and those of the language its client switches
    to in the `language` flow. Not approved: nothing, so every client gets easy Swedish.
    """
    made: dict[tuple[str, bool], Database] = {}
    yield made
    for database in made.values():
        database.app.extensions["knuff.engine"].dispose()


@pytest.fixture
def database(databases, tmp_path_factory):
    def get(language: str, approved: bool = True) -> Database:
        if (language, approved) not in databases:
            wanted = (language, next_language(language)) if approved else ()
            databases[language, approved] = new_database(
                tmp_path_factory.mktemp(f"{language}-{'approved' if approved else 'drafts'}"),
                tuple(code for code in wanted if code != SOURCE))
        return databases[language, approved]
    return get


# --- playing a conversation --------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """What was stored of one outbound message (a copy: the session ends with the script)."""

    key: str
    body: str
    language: str | None
    fallback_from: str | None
    encoding: str | None
    segments: int
    expected_language: str  # the client's language when it was queued


@dataclass
class Played:
    lines: list[str]
    sent: list[Sent]
    alerts: list[str]
    answers: dict[str, str]
    status: str
    client_language: str


def clock(now: datetime) -> str:
    return now.astimezone(STOCKHOLM).strftime("%a %Y-%m-%d %H:%M")


def play(database: Database, flow_id: str, script: Script, language: str) -> Played:
    """Run one scripted conversation for a new client writing in `language`."""
    with database.app.app_context():
        session, rt = db.session(), runtime()
        flow = rt.flow(flow_id)
        manager = session.scalar(sa.select(Staff))
        client = Client(phone=database.phone(), first_name=CLIENT, language=language,
                        case_manager_id=manager.id)
        session.add(client)
        session.commit()
        lines: list[str] = [f"## {script.name}", ""]
        sent: list[Sent] = []
        alerts: list[str] = []
        seen = {"message": 0, "alert": 0}
        expected = language

        def collect() -> None:
            session.expire_all()
            for message in session.scalars(sa.select(Message).where(
                    Message.client_id == client.id, Message.direction == Direction.OUT,
                    Message.id > seen["message"]).order_by(Message.id)):
                seen["message"] = message.id
                item = Sent(message.key or "", message.body or "", message.language,
                            message.fallback_from, message.encoding, message.segments,
                            expected)
                sent.append(item)
                lines.extend([f"< {item.key} · {item.language} · {item.encoding} · "
                              f"{item.segments} SMS", item.body, ""])
            for alert in session.scalars(sa.select(Alert).where(
                    Alert.client_id == client.id, Alert.id > seen["alert"]).order_by(Alert.id)):
                seen["alert"] = alert.id
                alerts.append(alert.reason)
                lines.extend([f"[alert: {alert.reason}]", ""])

        now = NOON
        if flow_id in ENROLLED:
            conversations.enrol(session, rt, client, flow_id, at=NOON, by="test",
                                params=PARAMS.get(flow_id))
            session.commit()
            dispatch.run_due(session, rt, NOON)
            collect()
        for event in script.events:
            if isinstance(event, At):
                assert NOON + event.after > now, f"{script.name}: time must move forward"
                now = NOON + event.after
                lines.extend([f"[clock: {clock(now)}]", ""])
                dispatch.run_due(session, rt, now)
            else:
                now += timedelta(minutes=1)
                text = written(event, flow, rt, language)
                lines.extend([f"> {text}", ""])
                inbound.receive(session, rt, inbound.Inbound(
                    f"SM{uuid.uuid4().hex}", client.phone, text), now)
                session.commit()
                if isinstance(event, PickLanguage):
                    expected = next_language(language)
            collect()

        enrollment = session.scalar(sa.select(Enrollment).where(
            Enrollment.client_id == client.id, Enrollment.flow_id == flow_id))
        answers = {name: answer["value"] for name, answer in enrollment.answers.items()}
        shown = ", ".join(f"{name}={value}" for name, value in answers.items())
        lines.extend([f"= {enrollment.status.value} · {shown}"
                      + (f" · client language {client.language}"
                         if flow_id in CHANGES_LANGUAGE else ""), ""])
        return Played(lines, sent, alerts, answers, enrollment.status.value, client.language)


def expected_answers(script: Script, language: str) -> dict[str, str]:
    return {name: next_language(language) if value == "<next>" else value
            for name, value in script.answers.items()}


def check_budgets(database: Database, played: Played) -> None:
    with database.app.app_context():
        rt = runtime()
        for item in played.sent:
            budget = budget_for(rt.flow(item.key.split(".")[0]), item.key)
            assert item.segments <= budget, (
                f"{item.key} in {item.language}: {item.segments} SMS segments "
                f"({item.encoding}), budget {budget}:\n{item.body}")


def compare_golden(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run with KNUFF_UPDATE_TRANSCRIPTS=1 "
                    "and review it", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                    f"{path.relative_to(ROOT)} (golden)", "actual", lineterm="")
        pytest.fail(f"{path.relative_to(ROOT)} differs:\n" + "\n".join(diff), pytrace=False)


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("flow_id", FLOWS)
def test_flow_in_language(flow_id: str, language: str, database) -> None:
    """Approved text only, in the client's language; replies in its script understood;
    golden bodies; segment budgets; answer categories."""
    data = database(language)
    native = LANGUAGES[language].native
    lines = [f"# {flow_id} in {language} ({native}): client {CLIENT}, case manager "
             f"{CASE_MANAGER}, the shipped drafts approved", ""]
    for script in SCRIPTS[flow_id]:
        played = play(data, flow_id, script, language)
        lines += played.lines
        for item in played.sent:
            assert (item.language, item.fallback_from) == (item.expected_language, None), (
                f"{script.name}: {item.key} sent in {item.language} "
                f"(fallback from {item.fallback_from}), not {item.expected_language}")
        assert "fallback" not in played.alerts, script.name
        check_budgets(data, played)
        assert played.answers == expected_answers(script, language), script.name
        assert played.status == script.status, script.name
        if flow_id in CHANGES_LANGUAGE:
            wanted = next_language(language) if script.switches_language else language
            assert played.client_language == wanted, script.name
    compare_golden(GOLDEN / flow_id / f"{language}.txt", "\n".join(lines).rstrip() + "\n")


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != SOURCE])
def test_without_approval_every_message_is_easy_swedish(language: str, database,
                                                       swedish_bodies) -> None:
    """Drafts are never sent: with nothing approved, a client of any language gets exactly
    what a Swedish client gets, marked as a fallback from their language, and the case
    manager is told once. (Translated choice words are drafts too, so only the scripts
    without them are played; digits, yes/no words and keywords work unapproved.)"""
    data = database(language, approved=False)
    for flow_id, scripts in SCRIPTS.items():
        for script in scripts:
            if script.needs_approved_words:
                continue
            theirs = play(data, flow_id, script, language)
            assert theirs.sent, f"{flow_id}/{script.name}: nothing sent"
            for item in theirs.sent:
                wanted = None if item.expected_language == SOURCE else item.expected_language
                assert (item.language, item.fallback_from) == (SOURCE, wanted), (
                    f"{flow_id}/{script.name}: {item.key}")
            if not script.switches_language:  # the picked language is named in the text
                assert [s.body for s in theirs.sent] == swedish_bodies(flow_id, script), (
                    f"{flow_id}/{script.name}")
            assert theirs.alerts.count("fallback") == 1, f"{flow_id}/{script.name}"
            assert theirs.answers == expected_answers(script, language)
            check_budgets(data, theirs)


@pytest.fixture(scope="module")
def swedish_bodies(tmp_path_factory):
    """What a Swedish client gets in each script, played once on a database of its own."""
    data = new_database(tmp_path_factory.mktemp("sv-reference"), ())
    bodies: dict[tuple[str, str], list[str]] = {}

    def get(flow_id: str, script: Script) -> list[str]:
        if (flow_id, script.name) not in bodies:
            played = play(data, flow_id, script, SOURCE)
            bodies[flow_id, script.name] = [item.body for item in played.sent]
        return bodies[flow_id, script.name]

    yield get
    data.app.extensions["knuff.engine"].dispose()


def test_every_golden_file_belongs_to_a_test() -> None:
    """A golden file for a flow or language that no longer exists would never be read."""
    expected = {GOLDEN / flow_id / f"{code}.txt" for flow_id in FLOWS for code in LANGUAGES}
    assert set(GOLDEN.glob("*/*.txt")) <= expected


def test_the_scripts_reach_every_client_message(database) -> None:
    """The scripts play every flow that asks the client something, and together reach
    every message each of those flows can send (read from the Swedish golden files)."""
    data = database(SOURCE)
    with data.app.app_context():
        rt = runtime()
        conversational = {f for f, flow in rt.flows.items()
                          if any(isinstance(s, AskStep) for s in flow.steps)}
        assert conversational == set(FLOWS)
    golden = {flow_id: (GOLDEN / flow_id / f"{SOURCE}.txt") for flow_id in FLOWS}
    if UPDATE or not all(path.exists() for path in golden.values()):
        pytest.skip("golden files are being written")
    with data.app.app_context():
        rt = runtime()
        for flow_id, path in golden.items():
            text = path.read_text(encoding="utf-8")
            keys = {m.key for m in client_messages(rt.flow(flow_id))}
            missing = {key for key in keys if f"< {key} · " not in text}
            assert not missing, f"{flow_id}: no script reaches {sorted(missing)}"
