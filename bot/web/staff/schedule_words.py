"""Words that tell a case manager when a schedule sends, and why a planned time moved or
was skipped (the planner's own notes are for logs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.models import Schedule
from bot.scheduling import Occurrence, parse_offset
from bot.services.runtime import runtime
from bot.timeutil import holiday
from bot.web.staff.schedule_forms import DAY_NAMES, aware
from bot.web.ui_i18n import gettext as _
from bot.web.ui_i18n import localtime, ngettext


def describe_offset(text: str) -> str:
    """"-1d@09:00" -> "dagen före kl. 09:00", in the staff member's language."""
    offset = parse_offset(text)
    if offset.now:
        return _("direkt")
    if offset.span is not None:
        minutes = int(abs(offset.span.total_seconds()) // 60)
        before = offset.span.total_seconds() < 0
        if minutes % 60 == 0:
            amount = ngettext("%(num)d timme", "%(num)d timmar", minutes // 60)
        else:
            amount = ngettext("%(num)d minut", "%(num)d minuter", minutes)
        return _("%(amount)s före", amount=amount) if before else \
            _("%(amount)s efter", amount=amount)
    days = offset.working_days or offset.days
    if offset.working_days:
        amount = ngettext("%(num)d arbetsdag", "%(num)d arbetsdagar", abs(days))
    elif "w" in offset.text and days % 7 == 0:
        amount = ngettext("%(num)d vecka", "%(num)d veckor", abs(days) // 7)
    else:
        amount = ngettext("%(num)d dag", "%(num)d dagar", abs(days))
    said = _("samma dag") if days == 0 else (_("%(amount)s före", amount=amount) if days < 0
                                             else _("%(amount)s efter", amount=amount))
    return said + (_(" kl. %(time)s", time=f"{offset.clock:%H:%M}") if offset.clock else "")


def describe(schedule: Schedule | None = None, *, kind: str | None = None,
             spec: dict[str, Any] | None = None, tz: ZoneInfo | None = None) -> str:
    """One line that says when a schedule sends."""
    kind = kind or (schedule.kind.value if schedule else "once")
    spec = spec if spec is not None else (schedule.spec if schedule else {})
    tz = tz or runtime().tz
    if kind == "once":
        if spec.get("at", "now") == "now":
            return _("En gång, direkt")
        return _("En gång %(time)s", time=_when(spec["at"], tz))
    if kind == "event":
        offsets = ", ".join(describe_offset(o) for o in spec.get("offsets", []))
        if not spec.get("event_at"):
            return _("%(offsets)s, räknat från händelsen", offsets=offsets)
        return _("%(offsets)s, räknat från %(time)s", offsets=offsets,
                 time=_when(spec.get("event_at"), tz))
    days = ", ".join(_(DAY_NAMES[d]) for d in spec.get("weekdays", []))
    text = _("%(days)s kl. %(time)s", days=days, time=spec.get("time")) + " " + \
        ngettext("i %(num)d vecka", "i %(num)d veckor", spec.get("weeks") or 0)
    if spec.get("taper"):
        return text + ", " + _("glesare med tiden")
    if spec.get("every", 1) > 1:
        return text + ", " + _("var %(n)s:e vecka", n=spec["every"])
    return text


def _when(value: Any, tz: ZoneInfo) -> str:
    return localtime(aware(value, tz)) if value else "–"


def occurrence_note(occ: Occurrence, now: datetime, tz: ZoneInfo) -> str | None:
    """Why a planned time moved, was skipped or was kept on a holiday, for staff."""
    name = holiday(occ.planned.astimezone(tz).date())
    reason = occ.reason
    if reason == "duplicate":
        return _("Samma tid som en annan påminnelse: skickas bara en gång.")
    if reason == "past_now":
        return _("Tiden har redan passerat: skickas direkt i stället.")
    if reason == "past_skipped":
        return _("Tiden har redan passerat: hoppas över.")
    if reason in ("holiday_skipped", "holiday_no_day") and name:
        if reason == "holiday_no_day":
            return _("Ingen annan dag passar före händelsen: hoppas över.")
        return _("%(holiday)s är helgdag: hoppas över.", holiday=name)
    if reason == "holiday_moved" and name:
        return _("%(holiday)s är helgdag: flyttad till %(time)s.", holiday=name,
                 time=localtime(occ.at))
    if reason == "holiday_kept" and name:
        return _("%(holiday)s är helgdag: skickas ändå, som du valt.", holiday=name)
    if occ.moved:  # only a clock change moves a time for any other reason
        return _("Klockan ställs om den natten: flyttad till %(time)s.",
                 time=localtime(occ.at))
    if occ.note:
        return _("Klockan ställs om den natten: den första av två likadana tider gäller.")
    return None
