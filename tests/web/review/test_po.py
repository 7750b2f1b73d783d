"""Download a language's PO file for Poedit and upload it again, with the command line's
validation: a broken file imports nothing and says where it is broken."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bot.i18n.pofile import parse_po
from bot.models import TranslationStatus
from bot.services import approvals
from bot.web.review.po import MAX_PO_BYTES
from tests.web.review.conftest import act, audits, page, rows


def upload(browser, code: str, data: bytes, approve: bool = False, name: str = "ar.po",
           token_from: str | None = None):
    """Post the file as a browser would. The body is encoded here, in memory: the test
    client spools a large one to a temporary file it never closes when the app refuses
    the upload unread."""
    form = {"csrf_token": browser.token(token_from or f"/review/{code}/"),
            "file": FileStorage(io.BytesIO(data), name), **({"approve": "y"} if approve else {})}
    boundary, body = encode_multipart(form)
    return browser.client.post(f"/review/{code}/flows.po", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")


def po(language: str | None, *entries: tuple[str, str, str, bool]) -> bytes:
    """A PO file with a header and (msgctxt, msgid, msgstr, fuzzy) entries."""
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"']
    if language:
        lines.append(f'"Language: {language}\\n"')
    for key, msgid, msgstr, fuzzy in entries:
        esc = [s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               for s in (key, msgid, msgstr)]
        lines += ["", *(["#, fuzzy"] if fuzzy else []), f'msgctxt "{esc[0]}"',
                  f'msgid "{esc[1]}"', f'msgstr "{esc[2]}"']
    return ("\n".join(lines) + "\n").encode("utf-8")


def kept(source: str) -> str:
    return "مرحبا " + " ".join(f"{{{n}}}" for n in approvals.placeholders(source))


def test_download_has_approved_entries_plain_and_the_rest_fuzzy(nadia, with_name, session):
    flow, key, source = with_name
    act(nadia, "ar", flow, key, "approve", kept(source))
    response = nadia.get("/review/ar/flows.po")
    catalog = parse_po(response.data, "ar.po")
    by_key = {e.context: e for e in catalog.entries if not e.obsolete}
    assert catalog.headers["Language"] == "ar"
    assert (by_key[key].msgstr, by_key[key].fuzzy) == (kept(source), False)
    assert all(e.fuzzy for k, e in by_key.items() if k != key and e.msgstr)
    assert audits(session)[-1] == ("translation.download", "catalog:ar")


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_the_download_round_trips_through_the_upload(nadia, with_name, entries, session):
    flow, key, source = with_name
    act(nadia, "ar", flow, key, "approve", kept(source))
    other = next(k for k, s in entries[flow] if k != key and not approvals.placeholders(s))
    act(nadia, "ar", flow, other, "save", "مسودة")
    before = {k: (r.status, r.text, r.approved_by) for k, r in rows(session).items()}
    data = nadia.get("/review/ar/flows.po").data
    response = upload(nadia, "ar", data)
    assert response.status_code == 302, page(response)
    after = rows(session)
    for k, state in before.items():  # what was in the database is untouched
        assert (after[k].status, after[k].text, after[k].approved_by) == state
    # The shipped drafts came along as drafts, never approved.
    assert all(r.status is TranslationStatus.DRAFT for k, r in after.items() if k not in before)
    assert audits(session)[-1] == ("translation.upload", "catalog:ar")
    again = nadia.get("/review/ar/flows.po").data

    def texts(raw: bytes) -> list[tuple]:
        return [(e.context, e.msgid, e.msgstr, e.fuzzy) for e in parse_po(raw, "x").entries]

    assert texts(again) == texts(data)


def test_upload_stores_drafts_unless_asked_to_approve(nadia, with_name, session):
    flow, key, source = with_name
    data = po("ar", (key, source, kept(source), False))
    assert upload(nadia, "ar", data).status_code == 302
    assert rows(session)[("ar", key)].status is TranslationStatus.DRAFT
    response = upload(nadia, "ar", data, approve=True)
    assert response.status_code == 302
    row = rows(session)[("ar", key)]
    assert (row.status, row.approved_by) == (TranslationStatus.APPROVED, "nadia@example.se")
    assert "Filen är inläst: 1 godkända" in page(nadia.get("/review/ar/"))
    assert ("translation.approve", f"translation:ar:{key}") in audits(session)


def test_a_broken_file_lists_its_lines_and_changes_nothing(nadia, with_name, session):
    flow, key, source = with_name
    act(nadia, "ar", flow, key, "save", kept(source))
    before = rows(session)[("ar", key)].text
    data = po("ar", (key, source, "مرحبا", False), ("nope.nothing", "x", "y", False))
    response = upload(nadia, "ar", data, approve=True)
    assert response.status_code == 400
    html = page(response)
    assert "Filen lästes inte in" in html and "Inget har ändrats." in html
    assert f"Rad 8: {key}: the translation lacks {{name}}" in html
    assert "Rad 10: unknown msgctxt &#39;nope.nothing&#39;: no flow has this text" in html
    assert rows(session)[("ar", key)].text == before
    assert [a for a, _ in audits(session)] == ["translation.save"]


def test_a_file_in_another_language_is_refused(nadia, with_name, session):
    flow, key, source = with_name
    response = upload(nadia, "ar", po("fa", (key, source, kept(source), False)))
    assert response.status_code == 400
    assert "the Language header says &#39;fa&#39; but this import is for &#39;ar&#39;" \
        in page(response)
    assert rows(session) == {}


def test_a_file_that_is_not_utf8_is_refused_with_its_line(nadia, with_name, session):
    flow, key, source = with_name
    data = po("ar", (key, source, "é", False)).replace("é".encode(), "é".encode("latin-1"))
    response = upload(nadia, "ar", data)
    assert response.status_code == 400
    assert "Rad 8: the file is not UTF-8" in page(response)


def test_no_file_and_too_large_files_are_refused(nadia, session):
    missing = nadia.post("/review/ar/flows.po", {}, token_from="/review/ar/")
    assert missing.status_code == 400
    assert "Välj en PO-fil att ladda upp." in page(missing)
    huge = upload(nadia, "ar", b"#" * (MAX_PO_BYTES + 1))
    assert huge.status_code == 400 and "Filen är för stor (högst 2 MB)." in page(huge)
    larger = upload(nadia, "ar", b"#" * (MAX_PO_BYTES + 100 * 1024))
    assert larger.status_code == 302  # refused before it is read, with the same message
    assert "Filen är för stor (högst 2 MB)." in page(nadia.get(larger.headers["Location"]))
    assert rows(session) == {}


def test_case_managers_cannot_upload(as_, with_name):
    flow, key, source = with_name
    response = upload(as_("sara"), "ar", po("ar", (key, source, kept(source), False)),
                      token_from="/staff/")
    assert response.status_code == 403
