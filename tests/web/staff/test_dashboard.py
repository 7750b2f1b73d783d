"""The dashboard: SVG charts with tables, one client's panel, groups without names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.models import (
    Alert,
    Direction,
    Enrollment,
    Gender,
    Message,
    MessageStatus,
    Result,
    utcnow,
)

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def seeded(session, people, make_client):
    """Sara's caseload: 6 Arabic-speaking women, 2 Somali-speaking men and 5 Swedish
    speakers who have had no messages yet; Eva's: one client."""
    now = utcnow()
    arabic = [make_client(f"Amina{i}", "ar", gender=Gender.WOMAN, birth_year=1990)
              for i in range(6)]
    somali = [make_client(f"Bashir{i}", "so", gender=Gender.MAN, birth_year=1960)
              for i in range(2)]
    for i in range(5):
        make_client(f"Sven{i}", "sv")
    eva_s = make_client("Cecilia", "sv", case_manager_id=people.eva.id)
    for n, client in enumerate([*arabic, *somali, eva_s]):
        e = Enrollment(client_id=client.id, flow_id="activity_checkin", flow_version=2,
                       start_at=now, idempotency_key=f"d-{n}")
        session.add(e)
        session.flush()
        asked = now - timedelta(days=2, hours=n)
        session.add(Message(client_id=client.id, enrollment_id=e.id, direction=Direction.OUT,
                            key="activity_checkin.attended", body="?", created_at=asked,
                            status=MessageStatus.DELIVERED))
        if n % 3:  # two of every three answer
            session.add(Result(client_id=client.id, enrollment_id=e.id,
                               flow_id="activity_checkin", question="attended",
                               category="yes" if n % 2 else "no",
                               answered_at=asked + timedelta(minutes=20)))
    session.add(Alert(client_id=arabic[0].id, reason="help", created_at=now - timedelta(days=1),
                      handled_at=now - timedelta(days=1) + timedelta(minutes=90)))
    session.commit()
    return {"arabic": arabic, "somali": somali, "eva": eva_s}


def page(browser, path="/staff/dashboard") -> str:
    response = browser.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    return html[start:html.index("</section>", start)]


@BOTH
def test_charts_are_inline_svg_with_their_numbers_in_a_table(as_, seeded):
    html = page(as_("sara"))
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "5 av 8 frågor besvarade under perioden." in html
    assert "5 svar på frågan om deltagande under perioden." in html
    assert "Median: 1,5 tim" in html
    assert html.count("<details><summary>Visa som tabell</summary>") == 3
    assert '<th scope="col">Vecka</th>' in html
    assert " style=" not in html and "<script" not in html  # the CSP allows neither


@BOTH
def test_small_groups_are_hidden_and_no_names_are_listed(as_, seeded):
    html = page(as_("sara"))
    groups = section(html, "groups")
    assert "Amina" not in groups and "Bashir" not in groups
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">\s*(.*?)</td>', groups,
                      re.S)
    cells = {name: re.sub(r"<[^>]+>|\s+", " ", value).strip() for name, value in rows}
    # Swedish is hidden too: else the total minus the others would give the Somali figure.
    assert cells == {"arabiska": "6", "somaliska": "färre än 5", "svenska": "dolt"}
    by_gender = section(page(as_("sara"), "/staff/dashboard?by=gender"), "groups")
    assert "Kvinna" in by_gender and "färre än 5" in by_gender
    by_age = section(page(as_("sara"), "/staff/dashboard?by=age"), "groups")
    assert "35–44" in by_age and "55+" in by_age


def test_another_team_sees_none_of_it(as_, seeded):
    html = page(as_("eva"))
    assert "1 klient ingår." in html
    assert "1 av 1 frågor besvarade under perioden." in html
    assert "Amina" not in html


def test_one_clients_panel(as_, seeded):
    sara = as_("sara")
    amina = seeded["arabic"][1]
    html = page(sara, f"/staff/dashboard?client={amina.id}")
    assert f"#{amina.id}" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert "1 av 1 frågor besvarade under perioden." in html
    assert sara.get(f"/staff/dashboard?client={seeded['eva'].id}").status_code == 404
    assert sara.get("/staff/dashboard?client=999999").status_code == 404
    assert sara.get("/staff/dashboard?client=x&weeks=3&by=name").status_code == 200


def test_mine_only(as_, people, seeded, make_client):
    make_client("Dawit", "ti", case_manager_id=people.ali.id)
    assert "14 klienter ingår." in page(as_("sara"))
    assert "13 klienter ingår." in page(as_("sara"), "/staff/dashboard?scope=mine")


def test_names_in_the_client_list_are_escaped(as_, people, make_client):
    make_client("<b>Eve</b>", "sv")
    html = page(as_("sara"))
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html


def test_an_empty_caseload_renders(as_, people):
    html = page(as_("sara"))
    assert "0 klienter ingår." in html and "Median: –" in html
