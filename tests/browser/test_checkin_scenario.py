"""The whole job in the browser (issue 4): a case manager registers an Arabic-speaking
client and schedules a check-in; an interpreter approves the Arabic texts; the worker sends
the nudge; the client's answer in the phone simulator shows up in the conversation view and
raises an alert. Screenshots of each page on the way are kept as test artifacts."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from bot.models import Alert, Translation, TranslationStatus
from tests.browser.conftest import Stack, shot

pytestmark = pytest.mark.slow

PHONE_TYPED = "070-174 06 11"  # from the range set aside for fiction
PHONE = "+46701740611"
FLOW_TITLE = "Uppföljning av aktivitet"
QUESTION_AR = "هل شاركت في نشاطك اليوم؟"  # activity_checkin.attended in Arabic
TALK_AR = "أريد أن أكلم Sara"  # answer 4, "I want to talk to Sara"
CONFIRM_AR = "سيتواصل معك Sara"  # activity_checkin.confirm_call_me


def direction(locator: Locator) -> str:
    """The computed CSS direction: what the browser really lays the text out as."""
    return locator.evaluate("el => getComputedStyle(el).direction")


def register_client(sara: Page) -> int:
    sara.goto("/staff/")
    sara.get_by_role("link", name="Registrera klient").click()
    sara.get_by_label("Mobilnummer").fill(PHONE_TYPED)
    sara.get_by_label("Förnamn").fill("Amal")
    sara.get_by_label("Språk", exact=True).select_option("ar")
    sara.get_by_label("Kunskaper i svenska").select_option(
        label="Stora begränsningar, behöver tolk")
    shot(sara, "02-client-form")
    sara.get_by_role("button", name="Registrera").click()
    expect(sara.get_by_text("Amal är registrerad.")).to_be_visible()
    expect(sara.get_by_role("heading", level=1)).to_contain_text("Amal")
    expect(sara.get_by_text(PHONE_TYPED)).to_be_visible()  # the whole number on its page
    return int(re.search(r"/clients/(\d+)$", sara.url)[1])


def preview_check_in_now(sara: Page) -> None:
    """From the client's page: the check-in, once, now, up to the preview."""
    sara.get_by_role("link", name="Schemalägg påminnelse").first.click()
    choice = sara.get_by_role("listitem").filter(
        has=sara.get_by_role("heading", name=FLOW_TITLE))
    expect(choice).to_contain_text(re.compile(r"0 av \d+ texter godkända på arabiska"))
    choice.get_by_role("link", name=FLOW_TITLE).click()
    sara.get_by_role("radio", name="En gång").check()
    sara.get_by_role("checkbox", name=re.compile(r"^Direkt")).check()
    sara.get_by_role("button", name="Förhandsgranska").click()
    expect(sara.get_by_role("heading", name="Kontrollera innan du bekräftar")).to_be_visible()


def approve_every_text(nadia: Page) -> None:
    """On the flow's review page: approve the texts one at a time until none is left."""
    summary = nadia.get_by_text(re.compile(r"texter är inte godkända än"))
    while True:
        todo, total = map(int, re.search(r"(\d+) av (\d+)", summary.inner_text()).groups())
        if todo == 0:
            break
        item = nadia.get_by_role("article").first
        item.get_by_role("button", name="Godkänn").click()
        expect(summary).to_contain_text(f"{todo - 1} av {total}")
    expect(nadia.get_by_text("Alla texter i det här flödet är godkända.")).to_be_visible()


def test_an_arabic_check_in_from_registration_to_the_alert(as_, stack: Stack):
    sara = as_("sara")

    # The case manager registers Amal, who speaks Arabic.
    client_id = register_client(sara)
    sara.get_by_role("link", name="Klienter").first.click()
    expect(sara.get_by_role("link", name="Amal")).to_be_visible()
    shot(sara, "03-client-list")

    # Nobody outside Sara's team sees Amal; the interpreter sees no client page at all.
    eva, nadia = as_("eva"), as_("nadia")
    assert eva.goto(f"/staff/clients/{client_id}").status == 404
    assert nadia.goto(f"/staff/clients/{client_id}").status == 403

    # Before any Arabic text is approved the preview warns: it would go out in Swedish.
    sara.get_by_role("link", name="Amal").click()
    preview_check_in_now(sara)
    expect(sara.get_by_text("Ingen godkänd översättning till arabiska ännu.")).to_be_visible()
    shot(sara, "04-schedule-preview-not-approved")

    # The interpreter approves every Arabic text of the check-in, right to left.
    nadia.goto("/review/")
    shot(nadia, "05-review-languages")
    nadia.get_by_role("link", name="العربية").click()
    expect(nadia.get_by_role("heading", level=1)).to_contain_text("arabiska")
    shot(nadia, "06-review-language-ar")
    nadia.get_by_role("link", name=FLOW_TITLE).click()
    editor = nadia.get_by_label("Översättning (arabiska)").first
    expect(editor).to_have_attribute("dir", "rtl")
    assert direction(editor) == "rtl"
    shot(nadia, "07-review-flow-editor-ar")
    approve_every_text(nadia)
    approved = stack.database.scalar(sa.select(sa.func.count(Translation.id)).where(
        Translation.language == "ar", Translation.key.startswith("activity_checkin."),
        Translation.status == TranslationStatus.APPROVED))
    assert approved > 0

    # Back on Sara's preview: now it is the Arabic text, laid out right to left.
    sara.get_by_role("button", name="Ändra").click()
    sara.get_by_role("button", name="Förhandsgranska").click()
    expect(sara.get_by_text("Ingen godkänd översättning")).to_have_count(0)
    sms = sara.get_by_text(re.compile(QUESTION_AR))
    expect(sms).to_be_visible()
    assert direction(sms) == "rtl"
    shot(sara, "08-schedule-preview-ar")
    sara.get_by_role("button", name="Bekräfta och schemalägg").click()
    expect(sara.get_by_text(re.compile(r"1 påminnelse är schemalagd"))).to_be_visible()

    # The worker sends it now, in Arabic; the client's phone (the simulator) shows it.
    phone = as_()
    phone.goto(f"/simulator/{client_id}")
    screen = phone.get_by_role("region", name="Amals telefon")
    question = screen.get_by_text(re.compile(QUESTION_AR))
    expect(question).to_be_visible()
    expect(question).to_contain_text("Amal")
    assert direction(question) == "rtl"
    expect(screen).to_contain_text(TALK_AR)
    assert any(QUESTION_AR in body for body in stack.fake.bodies_to(PHONE))

    # Amal answers 4: "I want to talk to Sara". Knuff thanks her, in Arabic.
    screen.get_by_role("textbox").fill("4")
    screen.get_by_role("button", name="Skicka").click()
    expect(screen.get_by_text(re.compile(CONFIRM_AR))).to_be_visible()
    shot(phone, "09-simulator-phone")

    # Sara sees the answer in the conversation, and an alert in the header and the inbox.
    sara.goto(f"/staff/clients/{client_id}")
    sara.get_by_role("link", name="Konversation och svar").click()
    thread = sara.get_by_role("region", name="Meddelanden")
    expect(thread.get_by_text("Från klienten")).to_be_visible()
    expect(thread.get_by_text("4", exact=True)).to_be_visible()
    arabic = thread.get_by_text(re.compile(QUESTION_AR))
    expect(arabic).to_be_visible()
    assert direction(arabic) == "rtl"
    expect(sara.get_by_role("region", name="Svar")).to_contain_text("Jag vill prata med")
    shot(sara, "10-conversation")

    assert stack.database.all(sa.select(Alert.reason)) == ["call_me"]
    menu = sara.get_by_role("navigation", name="Huvudmeny")
    expect(menu.get_by_label("1 öppen")).to_have_text("1")
    menu.get_by_role("link", name=re.compile(r"^Att göra")).click()
    row = sara.get_by_role("row").filter(has_text="Amal")
    expect(row).to_contain_text("Vill bli uppringd")
    shot(sara, "11-alerts")

    # She handles it: the badge goes away.
    row.get_by_role("button", name=re.compile(r"^Markera hanterad")).click()
    expect(sara.get_by_text("Inga öppna signaler just nu.")).to_be_visible()
    expect(menu.get_by_label("1 öppen")).to_have_count(0)

    # The dashboard counts it: time from "call me" to handled, and Amal's own chart.
    sara.get_by_role("link", name="Översikt").click()
    expect(sara.get_by_role("heading", name="Översikt", level=1)).to_be_visible()
    help_time = sara.get_by_role("figure", name=re.compile(r"^Tid från hjälpsignal"))
    expect(help_time).to_contain_text("1 hanterad, 0 fortfarande öppna")
    shot(sara, "12-dashboard")
    sara.get_by_label("Klient", exact=True).select_option(label=f"Amal (#{client_id})")
    sara.get_by_role("button", name="Visa klienten").click()
    expect(sara.get_by_role("heading", name=re.compile(r"^Amal"), level=3)).to_be_visible()
    shot(sara, "12-dashboard-one-client")

    # The admin can read who did what to Amal and to the Arabic texts.
    admin = as_("admin")
    admin.goto(f"/admin/?target=client:{client_id}")
    log = admin.get_by_role("table")
    expect(log).to_contain_text("sara@knuff.test")
    shot(admin, "13-admin-audit-client")
    admin.goto("/admin/?actor=nadia@knuff.test")
    expect(admin.get_by_role("table")).to_contain_text("translation.approve")
