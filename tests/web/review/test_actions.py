"""Save, approve and send back one text at a time: approval is tied to the exact Swedish
source and translation, placeholders must match, every action is audited."""

from __future__ import annotations

import re

import pytest

from bot.models import Translation, TranslationStatus
from bot.services import approvals, review
from tests.web.review.conftest import act, audits, card, page, rows


def arabic(source: str) -> str:
    """A stand-in translation that keeps every placeholder of the source."""
    return "مرحبا " + " ".join(f"{{{n}}}" for n in approvals.placeholders(source)) + " ؟"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_approve_records_who_and_both_hashes(nadia, people, with_name, session):
    flow, key, source = with_name
    response = act(nadia, "ar", flow, key, "approve", arabic(source),
                   source_hash=approvals.digest(source))
    assert response.status_code == 302
    row = rows(session)[("ar", key)]
    assert (row.status, row.approved_by, row.text) == (
        TranslationStatus.APPROVED, people.nadia.email, arabic(source))
    assert (row.source_hash, row.text_hash) == (approvals.digest(source),
                                                approvals.digest(arabic(source)))
    assert row.approved_at is not None
    assert audits(session) == [("translation.approve", f"translation:ar:{key}")]
    html = card(page(nadia.get(f"/review/ar/{flow}/")), key)
    assert "Godkänd av nadia@example.se" in html


def test_approving_moves_on_to_the_next_text(nadia, with_name, entries):
    flow, key, source = with_name
    keys = [k for k, _ in entries[flow]]
    response = act(nadia, "ar", flow, key, "approve", arabic(source))
    following = keys[keys.index(key) + 1] if keys.index(key) + 1 < len(keys) else key
    assert response.headers["Location"].endswith("#" + review.anchor_of(following))


def test_editing_an_approved_text_withdraws_the_approval(nadia, with_name, session, rt):
    flow, key, source = with_name
    act(nadia, "ar", flow, key, "approve", arabic(source))
    assert approvals.approved_lookup(session, rt.flows)(key, "ar") == arabic(source)
    assert act(nadia, "ar", flow, key, "save", arabic(source) + "!").status_code == 302
    row = rows(session)[("ar", key)]
    assert (row.status, row.approved_by, row.approved_at) == (TranslationStatus.DRAFT, None,
                                                              None)
    assert approvals.approved_lookup(session, rt.flows)(key, "ar") is None
    assert [a for a, _ in audits(session)] == ["translation.approve", "translation.save"]


def test_saving_the_same_text_again_changes_nothing(nadia, with_name, session):
    flow, key, source = with_name
    act(nadia, "ar", flow, key, "approve", arabic(source))
    act(nadia, "ar", flow, key, "save", arabic(source) + "\r\n")  # browsers send CR LF
    assert rows(session)[("ar", key)].status is TranslationStatus.APPROVED
    assert [a for a, _ in audits(session)] == ["translation.approve"]


def test_a_placeholder_mismatch_blocks_approval_with_a_clear_message(nadia, with_name,
                                                                     session):
    flow, key, _ = with_name
    dropped = "مرحبا! {invented}"
    response = act(nadia, "ar", flow, key, "approve", dropped)
    assert response.status_code == 400
    html = card(page(response), key)
    assert "Kan inte godkännas: platshållarna måste vara desamma som i den svenska texten." \
        in html
    assert "Översättningen saknar {name}" in html
    assert "Översättningen har {invented}, som inte finns i den svenska texten." in html
    assert f">{dropped}</textarea>" in html  # the interpreter's text is kept
    assert rows(session) == {} and audits(session) == []


def test_a_draft_with_a_placeholder_mismatch_is_saved_with_a_warning(nadia, with_name,
                                                                     session):
    flow, key, _ = with_name
    response = act(nadia, "ar", flow, key, "save", "مرحبا!")
    assert response.status_code == 302
    assert rows(session)[("ar", key)].status is TranslationStatus.DRAFT
    html = page(nadia.get(response.headers["Location"]))
    assert "Sparat som utkast." in html
    assert "Texten kan inte godkännas förrän platshållarna är desamma" in html


def test_approval_is_refused_when_the_source_changed_since_the_page_was_shown(
        nadia, with_name, session):
    flow, key, source = with_name
    response = act(nadia, "ar", flow, key, "approve", arabic(source),
                   source_hash=approvals.digest("an older Swedish text"))
    assert response.status_code == 400
    assert "Den svenska texten har ändrats sedan sidan visades." in page(response)
    assert rows(session) == {}


def test_send_back_stores_the_comment_and_shows_it(nadia, with_name, session):
    flow, key, source = with_name
    act(nadia, "ar", flow, key, "save", arabic(source))
    response = act(nadia, "ar", flow, key, "send_back", arabic(source),
                   comment="Fel  ton: för formellt.")
    assert response.status_code == 302
    row = rows(session)[("ar", key)]
    assert (row.status, row.comment) == (TranslationStatus.REJECTED, "Fel ton: för formellt.")
    html = card(page(nadia.get(f"/review/ar/{flow}/")), key)
    assert "Tillbakaskickad" in html and "Fel ton: för formellt." in html
    assert audits(session)[-1] == ("translation.send_back", f"translation:ar:{key}")
    # Fixing it keeps the comment in view until someone approves the new text.
    act(nadia, "ar", flow, key, "save", arabic(source) + "!")
    assert rows(session)[("ar", key)].comment == "Fel ton: för formellt."
    act(nadia, "ar", flow, key, "approve", arabic(source) + "!")
    assert rows(session)[("ar", key)].comment is None


@pytest.mark.parametrize(("comment", "text", "message"), [
    ("", "x", "Skriv en kommentar som säger vad som behöver ändras."),
    ("Översätt den här", "", "Det finns ingen översättning att skicka tillbaka."),
])
def test_send_back_needs_a_comment_and_a_text(nadia, with_name, session, comment, text,
                                              message):
    flow, key, _ = with_name
    response = act(nadia, "ar", flow, key, "send_back", text, comment=comment)
    assert response.status_code == 400
    assert message in page(response)
    assert rows(session) == {}


def test_a_changed_source_shows_old_and_new_words(nadia, with_name, session, rt):
    flow, key, source = with_name
    old = source.replace("Hej", "Hallå", 1)
    session.add(Translation(language="ar", key=key, source=old,
                            source_hash=approvals.digest(old), text=arabic(source),
                            text_hash=approvals.digest(arabic(source)),
                            status=TranslationStatus.APPROVED, approved_by="Layla"))
    session.commit()
    assert approvals.sync_from_flows(session, rt.flows.values()) == [f"ar:{key}"]
    session.commit()
    html = card(page(nadia.get(f"/review/ar/{flow}/")), key)
    assert "Behöver granskas" in html
    assert "Den svenska texten har ändrats sedan översättningen gjordes." in html
    assert "<del>Hallå</del><ins>Hej</ins>" in html.replace("\n", "")


def test_an_unknown_key_or_action_is_refused(nadia, with_name, entries):
    flow, key, source = with_name
    other = next(k for f, texts in entries.items() if f != flow for k, _ in texts)
    assert act(nadia, "ar", flow, other, "approve", "x").status_code == 404
    assert act(nadia, "ar", flow, key, "delete", "x").status_code == 400


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_coverage_on_the_pages_matches_the_database(nadia, with_name, entries, session, rt):
    flow, key, source = with_name
    keys = [k for k, _ in entries[flow] if not k.endswith(".words")]
    act(nadia, "ar", flow, key, "approve", arabic(source))
    texts = dict(entries[flow])
    others = [k for k in keys if k != key and not approvals.placeholders(texts[k])][:2]
    for other in others:
        act(nadia, "ar", flow, other, "save", "نص")
    if others:
        act(nadia, "ar", flow, others[0], "send_back", "نص", comment="Nej")
    statuses = {r.flow: r for r in approvals.status(session, rt.flows, ["ar"])}
    ours = review.coverage(session, rt.flows, ["ar"])["ar"]
    for flow_id, row in statuses.items():
        mine = ours[flow_id]
        assert (mine.total, mine.approved, mine.draft, mine.needs_review + mine.rejected,
                mine.missing) == (row.total, row.approved, row.draft, row.needs_review,
                                  row.missing), flow_id
    mine = ours[flow]
    assert (mine.approved, mine.rejected, mine.draft) == (1, min(1, len(others)),
                                                          max(0, len(others) - 1))
    html = page(nadia.get("/review/ar/"))
    row_html = next(tr for tr in html.split("<tr>") if f"<code>{flow}</code>" in tr)
    cells = [c.strip() for c in row_html.split('<td class="num">')[1:]]
    assert cells[0].startswith(f"1 / {mine.total}")
    assert [c.split("<")[0].strip() for c in cells[1:5]] == [
        str(mine.needs_review), str(mine.rejected), str(mine.draft), str(mine.missing)]
    whole = review.total(ours)
    index = page(nadia.get("/review/"))
    assert f"{whole.approved} av {whole.total}" in index


def test_approve_all_takes_exactly_the_texts_shown(nadia, with_name, entries, session, rt):
    flow, key, source = with_name
    texts = dict(entries[flow])
    plain = [k for k, s in texts.items() if not approvals.placeholders(s)][:3]
    for k in plain:
        act(nadia, "ar", flow, k, "save", "نص " + k)
    act(nadia, "ar", flow, plain[0], "send_back", "نص " + plain[0], comment="Nej")
    act(nadia, "ar", flow, key, "save", "مرحبا")  # placeholders wrong: left out
    html = page(nadia.get(f"/review/ar/{flow}/"))
    seen = re.findall(r'name="seen" value="([^"]+)"', html)
    seen_keys = [s.split(" ")[0] for s in seen]
    assert plain[1] in seen_keys and plain[0] not in seen_keys and key not in seen_keys
    # One text changes after the page was shown: it is not approved unseen.
    act(nadia, "ar", flow, plain[2], "save", "نص آخر")
    path = f"/review/ar/{flow}/"
    response = nadia.post(path, {"action": "approve_all", "confirm": "y", "seen": seen},
                          token_from=path)
    assert response.status_code == 302
    found = rows(session)
    assert found[("ar", plain[1])].status is TranslationStatus.APPROVED
    assert found[("ar", plain[2])].status is TranslationStatus.DRAFT
    assert found[("ar", plain[0])].status is TranslationStatus.REJECTED
    assert found[("ar", key)].status is TranslationStatus.DRAFT
    approved = [k for k in seen_keys if found.get(("ar", k)) is not None
                and found[("ar", k)].status is TranslationStatus.APPROVED]
    assert set(approved) == set(seen_keys) - {plain[2]}
    flashes = page(nadia.get(response.headers["Location"]))
    assert f"{len(approved)} texter godkända." in flashes
    assert "1 text hade ändrats eller kunde inte godkännas." in flashes
    assert approvals.approved_lookup(session, rt.flows)(plain[1], "ar") == "نص " + plain[1]


def test_approve_all_needs_the_confirmation(nadia, with_name, session):
    flow, _, _ = with_name
    path = f"/review/ar/{flow}/"
    html = page(nadia.get(path))
    seen = re.findall(r'name="seen" value="([^"]+)"', html)
    response = nadia.post(path, {"action": "approve_all", "seen": seen}, token_from=path)
    assert "Kryssa i att du har läst texterna först." in page(
        nadia.get(response.headers["Location"]))
    assert rows(session) == {}
