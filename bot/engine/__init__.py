"""The pure flow engine: the state machine and the global keywords.

Hosts get flows from `bot.flows` (schema and loader), then drive enrolments with `start`,
`reply`, `wake` and `expire`, persisting `State.to_dict()` between turns and applying each
turn's typed events (`OutMessage`, `AlertRaised`, `AnswerSaved`, `LanguageChanged`,
`WakeAt`, `FlowEnded`), a language change before the turn's messages. The engine reads no
files: it imports only the flow schema and message parts, and `bot.i18n`.
"""

from bot.engine.keywords import KEYWORDS, match_keyword
from bot.engine.machine import (
    AlertRaised,
    AnswerSaved,
    Event,
    FlowEnded,
    FlowRunError,
    LanguageChanged,
    OutMessage,
    State,
    Turn,
    WakeAt,
    expire,
    message_for,
    reply,
    selects_choice,
    start,
    stop,
    wake,
)

__all__ = [
    "KEYWORDS", "AlertRaised", "AnswerSaved", "Event", "FlowEnded", "FlowRunError",
    "LanguageChanged", "OutMessage", "State", "Turn", "WakeAt", "expire", "match_keyword",
    "message_for", "reply", "selects_choice", "start", "stop", "wake",
]
