"""/review: languages, a language's flows, one flow's texts — for interpreters and
admins only, and never a trace of a client."""

from __future__ import annotations

import re

import pytest

from bot.i18n.languages import LANGUAGES, SOURCE
from bot.models import Alert
from bot.services import approvals, review
from tests.web.review.conftest import act, card, page

TARGETS = [code for code in LANGUAGES if code != SOURCE]


@pytest.mark.parametrize("who", ["nadia", "admin"])
def test_interpreters_and_admins_reach_every_page(as_, rt, who):
    b = as_(who)
    assert b.get("/review/").status_code == 200
    assert b.get("/review/ar/").status_code == 200
    for flow_id in rt.flows:
        assert b.get(f"/review/ar/{flow_id}/").status_code == 200, flow_id
    download = b.get("/review/ar/flows.po")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == \
        'attachment; filename="knuff-flows-ar.po"'
    script = b.get("/static/review.js")
    assert script.status_code == 200
    script.close()


@pytest.mark.parametrize("path", ["/review/", "/review/ar/", "/review/ar/welcome/",
                                  "/review/ar/flows.po"])
def test_case_managers_are_refused(as_, path):
    assert as_("sara").get(path).status_code == 403


def test_case_managers_cannot_post_either(as_, with_name):
    flow, key, _ = with_name
    sara = as_("sara")
    response = sara.post(f"/review/ar/{flow}/", {"key": key, "action": "approve",
                                                 "text": "x"}, token_from="/staff/")
    assert response.status_code == 403


def test_logged_out_visitors_go_to_the_login(browser):
    assert browser.get("/review/ar/").headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/review/sv/", "/review/xx/", "/review/prs/",
                                  "/review/ar/no_such_flow/", "/review/sv/flows.po",
                                  "/review/ar/1/", "/review/1/"])
def test_unknown_languages_and_flows_are_not_found(nadia, path):
    assert nadia.get(path).status_code == 404


def test_the_language_list_names_each_language_natively_and_in_swedish(nadia):
    html = page(nadia.get("/review/"))
    for code in TARGETS:
        lang = LANGUAGES[code]
        attrs = f'lang="{code.replace("_", "-")}" dir="{lang.direction}">{lang.native}<'
        assert attrs in html, code
        assert f"{lang.swedish} ({code})" in html
    assert "höger till vänster" in html and 'href="/review/sv/"' not in html


def test_every_text_of_every_flow_is_listed_translated_or_not(nadia, entries):
    for flow_id, texts in entries.items():
        html = page(nadia.get(f"/review/so/{flow_id}/"))
        for key, _ in texts:
            assert f'value="{key}"' in card(html, key)
    # Nothing is in the database yet: every text is missing, shipped drafts are offered.
    assert "Saknas" in html and "state-missing" in html


def test_a_missing_text_offers_the_shipped_draft_without_storing_it(app, nadia, with_name,
                                                                     session):
    flow, key, _ = with_name
    shipped = review.shipped_drafts(app.config["TRANSLATIONS_DIR"], "ar").get(key)
    html = card(page(nadia.get(f"/review/ar/{flow}/")), key)
    if shipped is not None and shipped.msgstr:
        assert "Förslag från filen, inte sparat" in html
        assert shipped.msgstr.replace("'", "&#39;").replace('"', "&#34;") in html
    assert "Saknas" in html
    assert review.coverage(session, {flow: app.extensions["knuff.runtime"].flows[flow]},
                           ["ar"])["ar"][flow].approved == 0


@pytest.mark.parametrize(("code", "direction"), [("ar", "rtl"), ("fa", "rtl"),
                                                 ("fa_AF", "rtl"), ("ckb", "rtl"),
                                                 ("so", "ltr"), ("uk", "ltr")])
def test_the_editor_writes_in_the_languages_direction(nadia, with_name, code, direction):
    flow, key, _ = with_name
    html = card(page(nadia.get(f"/review/{code}/{flow}/")), key)
    assert re.search(rf'<textarea [^>]*dir="{direction}" lang="{code.replace("_", "-")}"',
                     html)


def test_a_text_shows_source_context_placeholders_and_sms_size(nadia, with_name):
    flow, key, source = with_name
    html = card(page(nadia.get(f"/review/ar/{flow}/")), key)
    assert source.replace("'", "&#39;") in html
    assert '<code class="placeholder">{name}</code>' in html
    assert "{name} = the client&#39;s first name" in html  # the POT's `#.` comment
    assert re.search(r"Hela sms:et: \d+ av högst \d+ sms-delar", html)
    assert "UCS-2" in html or "GSM-7" in html


def test_reply_words_are_explained(nadia, entries):
    flow, key = next((f, k) for f, texts in entries.items() for k, _ in texts
                     if k.endswith(".words"))
    html = card(page(nadia.get(f"/review/ar/{flow}/")), key)
    assert "Svarsord för svar" in html
    assert "Skriv ord som en klient kan svara med i stället för siffran" in html
    assert "Skickas inte som sms" in html


def test_the_todo_view_hides_approved_texts(nadia, with_name, session):
    flow, key, source = with_name
    text = source.replace("Hej", "Marhaba")
    assert act(nadia, "ar", flow, key, "approve", text).status_code == 302
    everything = page(nadia.get(f"/review/ar/{flow}/"))
    todo = page(nadia.get(f"/review/ar/{flow}/?show=todo"))
    assert f'value="{key}"' in everything and f'value="{key}"' not in todo


def test_no_client_data_on_any_review_page(as_, rt, make_client, session, people):
    client = make_client(first_name="Zlatomira", language="ar",
                         case_manager_id=people.sara.id, phone="+46701740699")
    session.add(Alert(client_id=client.id, reason="needs_help", note="Zlatomira behöver hjälp"))
    session.commit()
    for who in ("nadia", "admin"):
        b = as_(who)
        paths = ["/review/", "/review/ar/", "/review/ar/flows.po",
                 *(f"/review/ar/{f}/" for f in rt.flows)]
        for path in paths:
            html = page(b.get(path))
            for secret in ("Zlatomira", "701740699", "70-174 06 99"):
                assert secret not in html, (who, path)
        if who == "nadia":
            assert 'class="badge"' not in page(b.get("/review/"))


def test_pages_do_not_break_the_content_security_policy(nadia, with_name):
    flow, _, _ = with_name
    html = page(nadia.get(f"/review/ar/{flow}/"))
    assert " style=" not in html and "<script>" not in html
    assert '<script src="/static/review.js" defer></script>' in html


def test_placeholder_check_agrees_with_the_import_check(rt):
    """The editor's check and `check_po` (the PO upload) refuse the same texts."""
    from bot.i18n.catalogs import check_po
    from bot.i18n.pofile import PoEntry, PoFile

    source = "Hej {name}! Vi ses {meeting_at_date}."
    for text, ok in (("Hi {name}! See you {meeting_at_date}.", True),
                     ("Hi! See you {meeting_at_date}.", False),
                     ("Hi {name} {extra}! {meeting_at_date}", False),
                     ("Hi {name}! {meeting_at_date} }", False),
                     ("\nHi {name}! {meeting_at_date}", False)):
        entry = PoEntry(1, {"msgctxt": [(1, "k")], "msgid": [(2, source)],
                            "msgstr": [(3, text)]})
        assert approvals.check_placeholders(source, text).ok is ok, text
        assert (not check_po(PoFile("x.po", entries=[entry]), {"k": source})) is ok, text
