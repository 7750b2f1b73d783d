"""The schedule form: a flow's timing (once, around an event, recurring) and its params,
turned into the spec `bot.scheduling` plans, and back again for editing (the words that
describe them are in `schedule_words`)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from bot.flows.schema import Flow
from bot.scheduling import MAX_WEEKS, WEEKDAYS, parse_offset
from bot.timeutil import parse_time
from bot.web.forms import KnuffForm, lazy_gettext
from bot.web.ui_i18n import N_, ui_language
from bot.web.ui_i18n import gettext as _

OFFSET_ROWS = 4
DAY_NAMES = dict(zip(WEEKDAYS, (N_("mån"), N_("tis"), N_("ons"), N_("tor"), N_("fre"),
                                N_("lör"), N_("sön")), strict=True))
UNITS = {"m": N_("minuter"), "h": N_("timmar"), "d": N_("dagar"), "wd": N_("arbetsdagar"),
         "w": N_("veckor")}
PARAM_LABELS = {"meeting_at": N_("Mötets tid"), "start_at": N_("Aktivitetens start"),
                "end_at": N_("Aktivitetens slut"), "place": N_("Plats"),
                "contact_person": N_("Kontaktperson")}
FALLBACK_TIMING: tuple[str, dict[str, Any]] = ("once", {"at": "now"})


class _Translated:
    def get_translations(self, form):
        return get_translations([ui_language().replace("-", "_")])


class OffsetRow(Form):
    """One time around the event: amount, unit, before or after, and a clock time."""

    class Meta(_Translated):
        pass

    amount = IntegerField(validators=[Optional(), NumberRange(0, 999)])
    unit = SelectField(choices=[SelectChoice(k, v) for k, v in UNITS.items()], default="h",
                       validate_choice=False)  # checked when the row is used
    side = SelectField(choices=[SelectChoice("-", N_("före")), SelectChoice("+", N_("efter"))],
                       default="-", validate_choice=False)
    clock = TimeField(validators=[Optional()])


class ScheduleForm(KnuffForm):
    kind = RadioField(choices=[SelectChoice("once", N_("En gång")),
                               SelectChoice("event", N_("Före eller efter en händelse")),
                               SelectChoice("recurring", N_("Återkommande"))])
    once_now = BooleanField()
    once_date = DateField(validators=[Optional()])
    once_time = TimeField(validators=[Optional()])
    event_date = DateField(validators=[Optional()])
    event_time = TimeField(validators=[Optional()])
    also_now = BooleanField()
    if_past_now = BooleanField()
    offsets = FieldList(FormField(OffsetRow), min_entries=OFFSET_ROWS, max_entries=OFFSET_ROWS)
    weekdays = SelectMultipleField(choices=[SelectChoice(d, n) for d, n in DAY_NAMES.items()],
                                   widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())
    rec_time = TimeField(validators=[Optional()])
    weeks = IntegerField(validators=[Optional(), NumberRange(1, MAX_WEEKS)])
    start = DateField(validators=[Optional()])
    every = SelectField(coerce=int, choices=[SelectChoice(n, str(n)) for n in (1, 2, 3, 4)],
                        default=1, validate_choice=False)
    taper = BooleanField()
    holidays_too = BooleanField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offset_errors: list[str] = []  # about the offsets together (none, doubles)

    def translate_choices(self) -> None:
        for field in (self.kind, self.weekdays):
            for choice in field.choices:
                choice.label = _(str(choice.label))
        for row in self.offsets:
            for field in (row.form.unit, row.form.side):
                for choice in field.choices:
                    choice.label = _(str(choice.label))


def event_param(flow: Flow) -> str | None:
    """The datetime param a flow's timing is relative to: its trigger's event, else its
    only datetime param."""
    if flow.trigger is not None and flow.trigger.event:
        return flow.trigger.event
    found = [name for name, kind in flow.params.items() if kind == "datetime"]
    return found[0] if len(found) == 1 else None


def form_class(flow: Flow) -> type[ScheduleForm]:
    """The form for one flow: the common fields plus one (or a date and a time) per param."""
    fields: dict[str, Any] = {}
    for name, kind in flow.params.items():
        label = PARAM_LABELS.get(name, name)
        if kind == "datetime":
            fields[f"p_{name}_date"] = DateField(lazy_gettext(label), validators=[Optional()])
            fields[f"p_{name}_time"] = TimeField(validators=[Optional()])
        else:
            fields[f"p_{name}"] = StringField(lazy_gettext(label), validators=[Length(max=100)])
    return type(f"ScheduleForm_{flow.id}", (ScheduleForm,), fields)


def param_fields(form: ScheduleForm, flow: Flow) -> list[tuple[str, str, list]]:
    """(name, kind, fields) per flow param, for the template."""
    return [(name, kind, [getattr(form, f"p_{name}_date"), getattr(form, f"p_{name}_time")]
             if kind == "datetime" else [getattr(form, f"p_{name}")])
            for name, kind in flow.params.items()]


def local(day: date | None, clock: time | None, tz: ZoneInfo, field) -> datetime | None:
    """A date and a clock time typed by staff, as aware UTC; an error goes on `field`
    (a time that does not exist, or happens twice, the night the clocks change)."""
    if day is None or clock is None:
        field.errors.append(_("Fyll i både datum och klockslag."))
        return None
    text = f"{day.isoformat()}T{clock:%H:%M}"
    try:
        return parse_time(text, tz)
    except ValueError as exc:
        field.errors.append(
            _("%(time)s finns inte den dagen: klockan ställs fram den natten. Välj en annan "
              "tid.", time=f"{clock:%H:%M}") if "does not exist" in str(exc) else
            _("%(time)s finns två gånger den dagen: klockan ställs tillbaka den natten. "
              "Välj en annan tid.", time=f"{clock:%H:%M}"))
        return None


def read(form: ScheduleForm, flow: Flow, tz: ZoneInfo
         ) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """The kind, spec and params the form asks for; None with errors on the fields."""
    params: dict[str, Any] = {}
    for name, kind, fields in param_fields(form, flow):
        if kind == "datetime":
            at = local(fields[0].data, fields[1].data, tz, fields[0])
            params[name] = at.isoformat() if at else None
        elif not (fields[0].data or "").strip():
            fields[0].errors.append(_("Fyll i det här fältet."))
        else:
            params[name] = fields[0].data.strip()
    kind = form.kind.data
    spec: dict[str, Any] = {}
    if kind == "once":
        if form.once_now.data:
            spec["at"] = "now"
        elif at := local(form.once_date.data, form.once_time.data, tz, form.once_date):
            spec["at"] = at.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    elif kind == "event":
        spec = {"offsets": _offsets(form), "if_past": "now" if form.if_past_now.data else "skip"}
        event = event_param(flow)
        if event is None and (form.event_date.data or form.event_time.data):
            at = local(form.event_date.data, form.event_time.data, tz, form.event_date)
            spec["event_at"] = at.isoformat() if at else None
        elif event is None:
            spec["event_at"] = None  # the event is now, e.g. the step agreed today
        else:
            spec["event_at"] = params.get(event)
        if not spec["offsets"] and not form.offset_errors:
            form.offset_errors.append(_("Välj minst en tidpunkt."))
    elif kind == "recurring":
        spec = _recurring(form)
    else:
        form.kind.errors.append(_("Välj när påminnelsen ska skickas."))
    if has_errors(form):
        return None
    return kind, spec, params


def has_errors(form: ScheduleForm) -> bool:
    """True when any field, offset row or the offsets as a whole has an error."""
    rows = [f for row in form.offsets for f in row.form]
    return bool(form.offset_errors) or any(
        f.errors for f in [*form, *rows] if f is not form.offsets)


def _offsets(form: ScheduleForm) -> list[str]:
    found = ["now"] if form.also_now.data else []
    for row in form.offsets:
        amount, unit, side = row.form.amount.data, row.form.unit.data, row.form.side.data
        if amount is None:
            continue
        if unit not in UNITS or side not in ("-", "+"):
            row.form.amount.errors.append(_("Välj enhet och före eller efter."))
            continue
        text = f"{side}{amount}{unit}"
        if row.form.clock.data is not None:
            if unit in ("m", "h"):
                row.form.clock.errors.append(_("Klockslag går bara med dagar eller veckor."))
                continue
            text += f"@{row.form.clock.data:%H:%M}"
        found.append(text)
    if len(found) != len(set(found)):
        form.offset_errors.append(_("Samma tidpunkt två gånger."))
    return found


def _recurring(form: ScheduleForm) -> dict[str, Any]:
    spec: dict[str, Any] = {"weekdays": list(form.weekdays.data or []),
                            "weeks": form.weeks.data}
    if not spec["weekdays"]:
        form.weekdays.errors.append(_("Välj minst en veckodag."))
    if form.rec_time.data is None:
        form.rec_time.errors.append(_("Fyll i klockslag."))
    else:
        spec["time"] = f"{form.rec_time.data:%H:%M}"
    if form.weeks.data is None and not form.weeks.errors:
        form.weeks.errors.append(_("Fyll i antal veckor (1-%(max)s).", max=MAX_WEEKS))
    if form.start.data is not None:
        spec["start"] = form.start.data.isoformat()
    if form.taper.data:
        spec["taper"] = True
    else:
        spec["every"] = form.every.data if form.every.data in (1, 2, 3, 4) else 1
    return spec


def fill(form: ScheduleForm, flow: Flow, kind: str, spec: dict[str, Any],
         params: dict[str, Any], tz: ZoneInfo) -> None:
    """Put a stored (or default) timing and params into an empty form."""
    form.kind.data = kind
    for name, value_kind, fields in param_fields(form, flow):
        value = params.get(name)
        if value_kind == "datetime" and value:
            at = aware(value, tz).astimezone(tz)
            fields[0].data, fields[1].data = at.date(), at.time().replace(second=0)
        elif value_kind != "datetime":
            fields[0].data = value or ""
    if kind == "once":
        form.once_now.data = spec.get("at", "now") == "now"
        if not form.once_now.data:
            at = aware(spec["at"], tz).astimezone(tz)
            form.once_date.data, form.once_time.data = at.date(), at.time()
    elif kind == "event":
        if spec.get("event_at") and event_param(flow) is None:
            at = aware(spec["event_at"], tz).astimezone(tz)
            form.event_date.data, form.event_time.data = at.date(), at.time()
        rows = [o for o in spec.get("offsets", []) if o != "now"]
        form.also_now.data = "now" in spec.get("offsets", [])
        form.if_past_now.data = spec.get("if_past") == "now"
        for row, text in zip(form.offsets, rows, strict=False):
            _fill_offset(row.form, text)
    elif kind == "recurring":
        form.weekdays.data = list(spec.get("weekdays", []))
        form.rec_time.data = datetime.strptime(spec["time"], "%H:%M").time() \
            if spec.get("time") else None
        form.weeks.data = spec.get("weeks", 4)
        form.start.data = date.fromisoformat(spec["start"]) if spec.get("start") else None
        form.every.data = spec.get("every", 1)
        form.taper.data = bool(spec.get("taper"))
    form.holidays_too.data = False


def aware(value: Any, tz: ZoneInfo) -> datetime:
    """A stored time (ISO text or datetime); without an offset it is local to `tz`."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=tz)


def _fill_offset(row: OffsetRow, text: str) -> None:
    offset = parse_offset(text)
    if offset.span is not None:
        minutes = int(abs(offset.span.total_seconds()) // 60)
        row.amount.data, row.unit.data = (minutes // 60, "h") if minutes % 60 == 0 \
            else (minutes, "m")
        row.side.data = "-" if offset.span.total_seconds() < 0 else "+"
        return
    days = offset.working_days or offset.days
    weeks = "w" in offset.text and days % 7 == 0
    row.amount.data = abs(days) // 7 if weeks else abs(days)
    row.unit.data = "w" if weeks else "wd" if offset.working_days else "d"
    row.side.data = "+" if days > 0 else "-"
    row.clock.data = offset.clock
