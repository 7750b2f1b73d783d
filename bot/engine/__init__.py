"""The pure flow engine: the state machine and the global keywords.

Hosts get flows from `bot.flows` (schema and loader), then drive enrolments with `start`,
`reply`, `wake` and `expire`, persisting `State.to_dict()` between turns and applying each
turn's `effects` (e.g. ("set_language", "ar")) before sending its messages. The engine
reads no files: it imports only the flow schema and message parts, and `bot.i18n`.
"""

from bot.engine.keywords import KEYWORDS, match_keyword
from bot.engine.machine import (
    AlertOut,
    Effect,
    FlowRunError,
    OutMessage,
    State,
    Turn,
    expire,
    message_for,
    reply,
    selects_choice,
    start,
    stop,
    wake,
)

__all__ = [
    "KEYWORDS", "AlertOut", "Effect", "FlowRunError", "OutMessage", "State", "Turn",
    "expire", "match_keyword", "message_for", "reply", "selects_choice", "start", "stop",
    "wake",
]
