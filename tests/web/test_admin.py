"""Admins manage staff accounts and read the audit trail."""

from __future__ import annotations

import re

import sqlalchemy as sa

from bot.models import AuditEvent, Role, Staff
from bot.services.audit import audit
from tests.web.conftest import Browser


def test_admin_creates_an_account_that_can_log_in_with_the_temporary_password(app, as_,
                                                                               session):
    admin = as_("admin")
    response = admin.post("/admin/staff", {"email": "Maja@Example.se", "first_name": "Maja",
                                           "role": "interpreter", "team": ""},
                          token_from="/admin/staff")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    temporary = re.search(r"<code>([^<]+)</code>", page).group(1)
    maja = session.scalar(sa.select(Staff).where(Staff.email == "maja@example.se"))
    assert maja.role is Role.INTERPRETER and temporary not in maja.password_hash
    assert Browser(app).login("maja@example.se", temporary).status_code == 302
    assert session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.target == f"staff:{maja.id}", AuditEvent.action == "staff.create"))


def test_duplicate_and_bad_e_mail_are_refused_with_a_message(as_, people):
    admin = as_("admin")
    for email, message in ((people.sara.email, "Det finns redan ett konto"),
                           ("not-an-address", "Felaktig epost-adress.")):
        response = admin.post("/admin/staff", {"email": email, "first_name": "X",
                                               "role": "admin"}, token_from="/admin/staff")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_deactivate_reset_and_not_oneself(app, as_, people, session):
    admin = as_("admin")
    admin.post(f"/admin/staff/{people.ali.id}/deactivate", token_from="/admin/staff")
    session.expire_all()
    assert session.get(Staff, people.ali.id).active is False
    response = admin.post(f"/admin/staff/{people.admin.id}/deactivate",
                          token_from="/admin/staff", follow_redirects=True)
    assert "Du kan inte stänga av ditt eget konto." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Staff, people.admin.id).active is True
    sara = as_("sara")
    reset = admin.post(f"/admin/staff/{people.sara.id}/reset", token_from="/admin/staff",
                       follow_redirects=True).get_data(as_text=True)
    temporary = re.search(r"Nytt tillfälligt lösenord för Sara: (\S+) ", reset).group(1)
    assert sara.get("/staff/").status_code == 302  # her old session ended
    assert Browser(app).login(people.sara.email, temporary).status_code == 302


def test_audit_log_filters_by_actor_action_target_and_date(as_, people, session):
    from datetime import UTC, datetime

    audit(session, "sara@example.se", "client.update", "client:7",
          at=datetime(2026, 11, 2, 10, tzinfo=UTC))
    audit(session, "ali@example.se", "client.pause", "client:8",
          at=datetime(2026, 11, 20, 10, tzinfo=UTC))
    session.commit()
    admin = as_("admin")

    def rows(query: str) -> str:
        page = admin.get("/admin/?" + query).get_data(as_text=True)
        return page[page.index("<tbody>"):]

    assert "client:7" in rows("actor=sara") and "client:8" not in rows("actor=sara")
    assert "client:8" in rows("action=client.pause") and "client:7" not in rows(
        "action=client.pause")
    assert "client:7" in rows("target=client:7") and "client:8" not in rows("target=client:7")
    in_range = rows("from=2026-11-15&to=2026-11-21")
    assert "client:8" in in_range and "client:7" not in in_range
    assert "går inte att läsa" in admin.get("/admin/?from=yesterday").get_data(as_text=True)
