"""The pure flow engine: flow schema, loader with precise problems, state machine, keywords.

Hosts load flows with `load_library`, then drive enrolments with `start`, `reply`,
`wake` and `expire`, persisting `State.to_dict()` between turns and applying each
turn's typed events (`OutMessage`, `AlertRaised`, `AnswerSaved`, `LanguageChanged`,
`WakeAt`, `FlowEnded`), a language change before the turn's messages.
"""

from bot.engine.budgets import budget_for, budget_problems, client_messages, worst_case_params
from bot.engine.flow import (
    AlertStep,
    AskStep,
    BranchStep,
    Choice,
    EndStep,
    Flow,
    SendStep,
    SetLanguageStep,
    Step,
    WaitStep,
    parse_duration,
)
from bot.engine.keywords import KEYWORDS, match_keyword
from bot.engine.loader import FlowError, Problem, check_library, load_flow, load_library
from bot.engine.machine import (
    AlertRaised,
    AnswerSaved,
    Event,
    FlowEnded,
    FlowRunError,
    LanguageChanged,
    OutMessage,
    Part,
    State,
    Turn,
    WakeAt,
    context,
    expire,
    message_for,
    reply,
    selects_choice,
    start,
    stop,
    wake,
)

__all__ = [
    "KEYWORDS", "AlertRaised", "AlertStep", "AnswerSaved", "AskStep", "BranchStep", "Choice",
    "EndStep", "Event", "Flow", "FlowEnded", "FlowError", "FlowRunError", "LanguageChanged",
    "OutMessage", "Part", "Problem", "SendStep", "SetLanguageStep", "State", "Step", "Turn",
    "WaitStep", "WakeAt", "budget_for",
    "budget_problems", "check_library", "client_messages", "context", "expire", "load_flow",
    "load_library", "match_keyword", "message_for", "parse_duration", "reply", "selects_choice",
    "start", "stop", "wake", "worst_case_params",
]
