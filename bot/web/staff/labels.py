"""Words the client pages show for stored values: Swedish source texts, marked with N_
and translated where they are shown."""

from __future__ import annotations

from bot.i18n.languages import LANGUAGES
from bot.models import Client, ClientStatus, Gender, MessageStatus, SwedishLevel
from bot.web.ui_i18n import N_
from bot.web.ui_i18n import gettext as _

# The four categories the municipalities record (DOMAIN.md).
LEVELS = {
    SwedishLevel.FLUENT: N_("Kommunicerar utan begränsningar"),
    SwedishLevel.EASY: N_("Kan kommunicera på lätt svenska, visst behov av tolk"),
    SwedishLevel.INTERPRETER: N_("Stora begränsningar, behöver tolk"),
    SwedishLevel.UNKNOWN: N_("Okänd"),
}
GENDERS = {Gender.WOMAN: N_("Kvinna"), Gender.MAN: N_("Man"), Gender.OTHER: N_("Annat")}


MESSAGE_STATUS = {
    MessageStatus.RECEIVED: (N_("Mottaget, behandlas"), "warn"),
    MessageStatus.HANDLED: (N_("Mottaget"), "ok"),
    MessageStatus.QUEUED: (N_("Väntar på att skickas"), "warn"),
    MessageStatus.CLAIMED: (N_("Skickas"), "warn"),
    MessageStatus.SENDING: (N_("Skickas"), "warn"),
    MessageStatus.ACCEPTED: (N_("Skickat till operatören"), "warn"),
    MessageStatus.SENT: (N_("Skickat"), "ok"),
    MessageStatus.DELIVERED: (N_("Levererat"), "ok"),
    MessageStatus.READ: (N_("Läst"), "ok"),
    MessageStatus.UNDELIVERED: (N_("Kom inte fram"), "bad"),
    MessageStatus.FAILED: (N_("Misslyckades"), "bad"),
    MessageStatus.SUPPRESSED: (N_("Skickades inte (stoppat eller pausat)"), "bad"),
    MessageStatus.UNKNOWN: (N_("Okänt om det kom fram"), "bad"),
}

# What the service's problem codes mean, per form field (bot.services.client_details.Problem).
PROBLEMS = {
    ("phone", "empty"): N_("Skriv klientens mobilnummer."),
    ("phone", "not_a_number"): N_("Det är inte ett telefonnummer. Skriv till exempel "
                                  "070-123 45 67."),
    ("phone", "invalid"): N_("Numret finns inte. Kontrollera siffrorna: ett svenskt "
                             "mobilnummer har tio siffror, till exempel 070-123 45 67."),
    ("phone", "landline"): N_("Det är inte ett mobilnummer. SMS kan bara skickas till "
                              "mobilnummer."),
    ("phone", "duplicate"): N_("Det finns redan en klient med det här numret. Sök på de "
                               "sista siffrorna i klientlistan, eller fråga en "
                               "administratör om klienten har en annan handläggare."),
    ("first_name", "empty"): N_("Skriv klientens förnamn."),
    ("first_name", "too_long"): N_("Förnamnet får vara högst %(max)s tecken."),
    ("language", "unknown"): N_("Välj ett språk i listan."),
    ("swedish_level", "unknown"): N_("Välj en nivå i listan."),
    ("quiet_hours", "format"): N_("Skriv tiderna som TT:MM-TT:MM, till exempel 21:00-09:00, "
                                  "eller lämna tomt."),
    ("gender", "unknown"): N_("Välj ett alternativ i listan."),
    ("birth_year", "range"): N_("Skriv ett födelseår mellan %(low)s och %(high)s, eller "
                                "lämna tomt."),
    ("case_manager_id", "missing"): N_("Välj en handläggare."),
    ("case_manager_id", "not_allowed"): N_("Du kan bara välja dig själv eller en "
                                           "handläggare i ditt team."),
}


def client_status(client: Client) -> tuple[str, str]:
    """The client's state as (text, chip class): stopped (by whom), paused or active."""
    if client.status is ClientStatus.STOPPED:
        if client.stopped_by == "staff":
            return _("Stoppad av personal"), "bad"
        return _("Stoppad av klienten (STOPP)"), "bad"
    if client.paused:
        return _("Pausad"), "warn"
    return _("Aktiv"), "ok"


def language_label(code: str | None) -> str:
    """The language's own name and its Swedish name: "العربية – arabiska"."""
    lang = LANGUAGES.get(code or "")
    return f"{lang.native} – {lang.swedish}" if lang else (code or "")
