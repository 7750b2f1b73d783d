"""The pure flow engine: flow schema, loader with precise problems, state machine, keywords.

Hosts load flows with `load_library`, then drive enrolments with `start`, `reply`,
`wake` and `expire`, persisting `State.to_dict()` between turns.
"""

from bot.engine.flow import (
    AlertStep,
    AskStep,
    BranchStep,
    Choice,
    EndStep,
    Flow,
    SendStep,
    Step,
    WaitStep,
    parse_duration,
)
from bot.engine.keywords import KEYWORDS, match_keyword
from bot.engine.loader import FlowError, Problem, check_library, load_flow, load_library
from bot.engine.machine import (
    AlertOut,
    FlowRunError,
    OutMessage,
    Part,
    State,
    Turn,
    context,
    expire,
    message_for,
    reply,
    start,
    stop,
    wake,
)

__all__ = [
    "KEYWORDS", "AlertOut", "AlertStep", "AskStep", "BranchStep", "Choice", "EndStep", "Flow",
    "FlowError", "FlowRunError", "OutMessage", "Part", "Problem", "SendStep", "State", "Step",
    "Turn", "WaitStep", "check_library", "context", "expire", "load_flow", "load_library",
    "match_keyword", "message_for", "parse_duration", "reply", "start", "stop", "wake",
]
