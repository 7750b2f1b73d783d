"""The schedule planner: a timing a case manager picks (a spec) -> when nudges start.

Pure: no database and no clock of its own (`now` is an argument), so the flow schema can
check a flow's default timing and the staff app can preview a schedule before saving it.
`bot.services.schedules` stores what is planned here. Three kinds of spec:

    once       {"at": "2026-12-01T09:00"}          local time, or "now" (at registration)
    event      {"event_at": "2026-12-03T13:00", "offsets": ["-1d@09:00", "-2h"],
                "if_past": "skip"}                  "now": a time already past is sent now
    recurring  {"weekdays": ["mon", "wed"], "time": "15:00", "weeks": 4,
                "start": "2026-12-01", "every": 2}  or "taper": true instead of "every"

Event offsets: `now` (at registration); `-1d@09:00` (the day before the event, at 09:00);
`+3wd@10:00` (three working days after: Mon-Fri, not holidays); `-2w` (two weeks before,
at the event's clock time); `-2h`, `+90m`, `-1h30m`, `0h` (an exact span before or after).
A sign is required, so "2h" never leaves anyone guessing which side of the event it is.

Rules:
- Local wall-clock time in the municipality's zone. A time that does not exist (the hour
  the clocks jump forward) moves forward by the gap (02:30 -> 03:30); a time that happens
  twice (the night the clocks go back) is the first one (summer time).
- Holidays are Swedish public holidays plus Midsummer Eve, Christmas Eve and New Year's
  Eve, which the law treats as Sundays (SFS 1977:480 § 7) and offices close for.
  Saturdays and Sundays are ordinary days: a case manager who picks them gets them.
  A recurring occurrence on a holiday is dropped. A one-off, or a reminder before its
  event, moves to the nearest earlier day that is not a holiday, same clock time (a
  reminder must come before its event); if that has passed, to the first day after the
  holiday (for a reminder: only while that is still before the event). A nudge after
  its event moves to the next day that is not a holiday. `now` never moves: the case
  manager is at work and asked for it.
- A time before `now` is skipped and said so; with "if_past": "now" it is sent at once
  instead, for a reminder only while its event is still ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.timeutil import holiday, local_instant, local_text, working_day

MAX_WEEKS = 52
MAX_OFFSETS = 10
KINDS = ("once", "event", "recurring")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{name: i for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: i for i, name in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön"))},
    **{name: i for i, name in enumerate(("måndag", "tisdag", "onsdag", "torsdag", "fredag",
                                         "lördag", "söndag"))},
}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAYS_OFFSET = re.compile(r"^([+-])?(\d{1,3})(w|d|wd)(?:@(.+))?$")
_SPAN_OFFSET = re.compile(r"^([+-])?(?:(\d{1,3})h)?(?:(\d{1,4})m)?$")
_FIELDS = {
    "once": {"at"},
    "event": {"event_at", "offsets", "if_past"},
    "recurring": {"weekdays", "time", "weeks", "start", "every", "taper"},
}


class ScheduleError(ValueError):
    """A schedule that cannot be planned; the message says what to change."""


@dataclass(frozen=True)
class Occurrence:
    """One planned nudge: what the spec asked for, when it really starts (None when
    skipped) and, when those differ or something was decided, why (for staff)."""

    label: str  # what made it: "-1d@09:00", "mon 2026-12-07", "at"
    planned: datetime  # aware UTC
    at: datetime | None  # aware UTC; None when skipped
    note: str | None = None
    # What was decided, for code to read (the note is for people and logs): past_now,
    # past_skipped, holiday_moved, holiday_skipped, holiday_no_day, holiday_kept, duplicate.
    reason: str | None = None

    @property
    def skipped(self) -> bool:
        return self.at is None

    @property
    def moved(self) -> bool:
        return self.at is not None and self.at != self.planned


@dataclass(frozen=True)
class Plan:
    """Every occurrence of a spec, in time order, with the spec in its stored form."""

    kind: str
    spec: dict[str, Any]
    occurrences: list[Occurrence]

    @property
    def times(self) -> list[datetime]:
        """The moments nudges start (aware UTC), without the skipped ones."""
        return [o.at for o in self.occurrences if o.at is not None]

    @property
    def skipped(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.at is None]


# --- local time ----------------------------------------------------------------------

def parse_local(value: object, tz: ZoneInfo, name: str) -> datetime:
    """A datetime or ISO-8601 text; without an offset it is local to `tz` (clock changes
    handled as in `local_instant`). Returns aware UTC."""
    if isinstance(value, str):
        if _DATE_ONLY.match(value.strip()):
            raise ScheduleError(f"{name}: give a time as well as the date, like "
                                f"{value.strip()}T09:00")
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ScheduleError(f"{name}: {value!r} is not a time like 2026-12-01T09:00") \
                from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ScheduleError(f"{name}: give a time as well as the date")
    if not isinstance(value, datetime):
        raise ScheduleError(f"{name}: expected a time like 2026-12-01T09:00")
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return local_instant(value.date(), value.time(), tz)[0]


def _clock(value: object, name: str) -> time:
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if not match:
        hint = " (in YAML, quote it: \"15:00\")" if isinstance(value, int) else ""
        raise ScheduleError(f"{name}: {value!r} is not a clock time like 09:00{hint}")
    return time(int(match[1]), int(match[2]))


# --- specs --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Offset:
    """One parsed event offset."""

    text: str
    now: bool = False
    days: int = 0  # signed calendar days (weeks are 7 days)
    working_days: int = 0  # signed working days
    clock: time | None = None  # local clock time for day offsets; None: the event's
    span: timedelta | None = None  # an exact span from the event

    @property
    def after(self) -> bool:
        """True for a nudge after its event (a follow-up), False for a reminder."""
        amount = self.span if self.span is not None else timedelta(
            days=self.days or self.working_days)
        return amount > timedelta(0)


def parse_offset(text: object) -> Offset:
    """Read one event offset (see the module docstring); ScheduleError says what is wrong."""
    if text == 0 or text == "0":  # YAML reads a bare 0 as a number
        raise ScheduleError("offset '0' is ambiguous: write 'now' (at registration) or "
                            "'0h' (at the event's time)")
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(f"offset {text!r}: expected text like -1d@09:00, -2h or now")
    raw = text.strip().lower()
    if raw == "now":
        return Offset(text=raw, now=True)
    match = _DAYS_OFFSET.match(raw)
    if match:
        sign, number, unit, clock = match.groups()
        amount = int(number) * (7 if unit == "w" else 1)
        if amount and not sign:
            raise ScheduleError(f"offset {text!r}: add - (before the event) or + (after it)")
        amount = -amount if sign == "-" else amount
        at = _clock(clock, f"offset {text!r}") if clock is not None else None
        if unit == "wd":
            return Offset(text=raw, working_days=amount, clock=at)
        return Offset(text=raw, days=amount, clock=at)
    match = _SPAN_OFFSET.match(raw)
    if match and (match[2] or match[3]) and "@" not in raw:
        sign, hours, minutes = match.groups()
        span = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        if span and not sign:
            raise ScheduleError(f"offset {text!r}: add - (before the event) or + (after it)")
        return Offset(text=raw, span=-span if sign == "-" else span)
    if "@" in raw:
        raise ScheduleError(f"offset {text!r}: a clock time goes with days, like -1d@09:00 "
                            "or 0d@08:00 (the event's day)")
    raise ScheduleError(f"offset {text!r}: expected now, -1d@09:00, +3wd@10:00, -2w, -2h "
                        "or -30m")


def _weekdays(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else None
    if not items:
        raise ScheduleError("weekdays: pick at least one day, like [mon, wed, fri]")
    picked: set[int] = set()
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 7:
            picked.add(item - 1)  # ISO: Monday is 1
        elif isinstance(item, str) and item.strip().lower() in _DAY_NAMES:
            picked.add(_DAY_NAMES[item.strip().lower()])
        else:
            raise ScheduleError(f"weekdays: {item!r} is not a day (mon…sun, mån…sön or 1-7)")
    return [WEEKDAYS[i] for i in sorted(picked)]


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScheduleError(f"{name}: expected a whole number from {low} to {high}, "
                            f"got {value!r}")
    return value


def normalise(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Check a spec and return it in its stored (JSON) form; ScheduleError names the
    field and what to write. Times stay as given (planning reads them)."""
    if kind not in KINDS:
        raise ScheduleError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
    if not isinstance(spec, dict):
        raise ScheduleError(f"a {kind} schedule needs a mapping of fields")
    unknown = sorted(set(spec) - _FIELDS[kind])
    if unknown:
        raise ScheduleError(f"a {kind} schedule has no field {', '.join(unknown)}; "
                            f"expected {', '.join(sorted(_FIELDS[kind]))}")
    out = {k: v for k, v in spec.items() if v is not None}
    for name in ("at", "event_at", "start"):
        if isinstance(out.get(name), date):
            out[name] = out[name].isoformat()
    if kind == "once":
        out.setdefault("at", "now")
        if out["at"] != "now":
            parse_local(out["at"], ZoneInfo("UTC"), "at")  # the format; the zone comes later
    elif kind == "event":
        offsets = out.get("offsets")
        if not isinstance(offsets, list) or not offsets:
            raise ScheduleError("offsets: give at least one, like [-1d@09:00, -2h]")
        if len(offsets) > MAX_OFFSETS:
            raise ScheduleError(f"offsets: at most {MAX_OFFSETS}, got {len(offsets)}")
        out["offsets"] = [parse_offset(o).text for o in offsets]
        if out.setdefault("if_past", "skip") not in ("skip", "now"):
            raise ScheduleError(f"if_past: expected skip or now, got {out['if_past']!r}")
        if "event_at" in out:
            parse_local(out["event_at"], ZoneInfo("UTC"), "event_at")
    else:
        out["weekdays"] = _weekdays(out.get("weekdays"))
        out["time"] = f"{_clock(out.get('time'), 'time'):%H:%M}"
        out["weeks"] = _whole(out.get("weeks"), "weeks", 1, MAX_WEEKS)
        if out.get("every", 1) != 1 and out.get("taper"):
            raise ScheduleError("every and taper do not go together: pick one")
        out["every"] = _whole(out.get("every", 1), "every", 1, MAX_WEEKS)
        if not isinstance(out.setdefault("taper", False), bool):
            raise ScheduleError(f"taper: expected true or false, got {out['taper']!r}")
        if "start" in out:
            _start_date(out["start"])
    return out


def _start_date(value: object) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _not_a_date(value)
    except ValueError:
        raise ScheduleError(f"start: {value!r} is not a date like 2026-12-01") from None


def _not_a_date(value: object) -> date:
    raise ScheduleError(f"start: {value!r} is not a date like 2026-12-01")


# --- planning -----------------------------------------------------------------------------

def plan(kind: str, spec: dict[str, Any], *, now: datetime, tz: ZoneInfo,
         skip_holidays: bool = True) -> Plan:
    """Every occurrence of a schedule, in time order: kept, moved or skipped, and why."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spec = normalise(kind, spec)
    if kind == "once":
        found = [_once(spec, now, tz, skip_holidays)]
    elif kind == "event":
        found = _event(spec, now, tz, skip_holidays)
    else:
        found = _recurring(spec, now, tz, skip_holidays)
    return Plan(kind, spec, _without_doubles(found, tz))


def _once(spec: dict[str, Any], now: datetime, tz: ZoneInfo, skip: bool) -> Occurrence:
    if spec["at"] == "now":
        return Occurrence("now", now, now)
    planned = parse_local(spec["at"], tz, "at")
    return _settle(Occurrence("at", planned, planned, _dst_note(spec["at"], tz)), now, tz,
                   skip, before=None, earlier_first=True, if_past="skip")


def _dst_note(text: object, tz: ZoneInfo) -> str | None:
    value = datetime.fromisoformat(text) if isinstance(text, str) else text
    if isinstance(value, datetime) and value.tzinfo is None:
        return local_instant(value.date(), value.time(), tz)[1]
    return None


def _event(spec: dict[str, Any], now: datetime, tz: ZoneInfo, skip: bool) -> list[Occurrence]:
    if "event_at" not in spec:
        raise ScheduleError("event_at: an event schedule needs the event's time")
    event = parse_local(spec["event_at"], tz, "event_at")
    found = []
    for offset in map(parse_offset, spec["offsets"]):
        if offset.now:
            found.append(Occurrence("now", now, now))
            continue
        planned, note = _apply(offset, event, tz)
        found.append(_settle(Occurrence(offset.text, planned, planned, note), now, tz, skip,
                             before=None if offset.after else event,
                             earlier_first=not offset.after, if_past=spec["if_past"]))
    return found


def _apply(offset: Offset, event: datetime, tz: ZoneInfo) -> tuple[datetime, str | None]:
    if offset.span is not None:
        return event + offset.span, None
    local = event.astimezone(tz)
    day = local.date() + timedelta(days=offset.days)
    step = 1 if offset.working_days > 0 else -1
    for _ in range(abs(offset.working_days)):
        day += timedelta(days=step)
        while not working_day(day):
            day += timedelta(days=step)
    return local_instant(day, offset.clock or local.time().replace(tzinfo=None), tz)


def _settle(occ: Occurrence, now: datetime, tz: ZoneInfo, skip_holidays: bool, *,
            before: datetime | None, earlier_first: bool, if_past: str) -> Occurrence:
    """Apply the past and holiday rules to one planned time (see the module docstring).
    `before` is the event a reminder must precede (None for follow-ups and one-offs)."""
    def past(note: str, reason: str = "past_skipped") -> Occurrence:
        if if_past == "now" and (before is None or now < before):
            return replace(occ, at=now, note=f"{note}; sent now instead", reason="past_now")
        return replace(occ, at=None, note=f"{note}; skipped", reason=reason)

    if occ.planned < now:
        return past(f"{local_text(occ.planned, tz)} has already passed")
    name = holiday(occ.planned.astimezone(tz).date())
    if name is None:
        return occ
    if not skip_holidays:
        return replace(occ, note=_join(occ.note, f"on a holiday ({name}), kept as asked"),
                       reason="holiday_kept")
    earlier, later = _shifted(occ.planned, tz, -1), _shifted(occ.planned, tz, 1)
    tries = [earlier, later] if earlier_first else [later]
    for at in tries:
        if at >= now and (before is None or at < before):
            return replace(occ, at=at, note=f"{local_text(occ.planned, tz)} is a holiday "
                                            f"({name}); moved to {local_text(at, tz)}",
                           reason="holiday_moved")
    return past(f"{local_text(occ.planned, tz)} is a holiday ({name}) and no other day "
                "fits before the event", "holiday_no_day")


def _shifted(at: datetime, tz: ZoneInfo, step: int) -> datetime:
    """The same wall-clock time on the nearest day in direction `step` that is not a
    holiday."""
    local = at.astimezone(tz)
    day = local.date() + timedelta(days=step)
    while holiday(day) is not None:
        day += timedelta(days=step)
    return local_instant(day, local.time().replace(tzinfo=None, fold=0), tz)[0]


def _join(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def _recurring(spec: dict[str, Any], now: datetime, tz: ZoneInfo, skip: bool
               ) -> list[Occurrence]:
    first = _start_date(spec["start"]) if "start" in spec else now.astimezone(tz).date()
    days = {WEEKDAYS.index(d) for d in spec["weekdays"]}
    clock = _clock(spec["time"], "time")
    found = []
    for n in range(spec["weeks"] * 7):
        day = first + timedelta(days=n)
        if day.weekday() not in days or not _active_week(n // 7, spec):
            continue
        planned, note = local_instant(day, clock, tz)
        label = f"{WEEKDAYS[day.weekday()]} {day}"
        name = holiday(day)
        if planned < now:
            found.append(Occurrence(label, planned, None, "already passed; skipped",
                                    "past_skipped"))
        elif name is not None and skip:
            found.append(Occurrence(label, planned, None, f"a holiday ({name}); skipped",
                                    "holiday_skipped"))
        elif name is not None:
            found.append(Occurrence(label, planned, planned,
                                    _join(note, f"a holiday ({name}), kept as asked"),
                                    "holiday_kept"))
        else:
            found.append(Occurrence(label, planned, planned, note))
    return found


def _active_week(week: int, spec: dict[str, Any]) -> bool:
    """Which weeks of a series have nudges: every `every`-th, or tapering off (weekly for
    the first four weeks, then every other week until week 12, then every fourth)."""
    if spec.get("taper"):
        if week < 4:
            return True
        if week < 12:
            return week % 2 == 1  # weeks 5, 7, 9, 11 (counting from 0)
        return (week - 11) % 4 == 0  # weeks 15, 19, 23, …
    return week % spec.get("every", 1) == 0


def _without_doubles(found: list[Occurrence], tz: ZoneInfo) -> list[Occurrence]:
    """Time order; two occurrences that land on the same moment send once."""
    seen: set[datetime] = set()
    out = []
    for occ in sorted(found, key=lambda o: (o.at or o.planned, o.label)):
        if occ.at is not None and occ.at in seen:
            occ = replace(occ, at=None, reason="duplicate", note=_join(
                occ.note, f"same time as another nudge ({local_text(occ.at, tz)}); sent once"))
        elif occ.at is not None:
            seen.add(occ.at)
        out.append(occ)
    return out
