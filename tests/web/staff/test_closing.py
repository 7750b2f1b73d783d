"""Closing a case to work or studies stops every nudge and asks once what helped."""

from __future__ import annotations

import sqlalchemy as sa

from bot.models import AuditEvent, Enrollment, EnrollmentStatus


def test_closing_a_case_cancels_nudges_and_schedules_exit_feedback(app, as_, make_client,
                                                                   people, session, rt):
    from datetime import timedelta

    from bot.models import utcnow
    from bot.services import conversations

    client = make_client("Samir", case_manager_id=people.sara.id)
    with app.app_context():
        conversations.enrol(session, rt, client, "activity_checkin",
                            at=utcnow() + timedelta(days=2))
        session.commit()
    sara = as_("sara")
    page = sara.get(f"/staff/clients/{client.id}/close").get_data(as_text=True)
    assert "1 planerad påminnelse avbokas" in page
    response = sara.post(f"/staff/clients/{client.id}/close", {"reason": "work"},
                         token_from=f"/staff/clients/{client.id}/close")
    assert response.status_code == 302
    flows = dict(session.execute(sa.select(Enrollment.flow_id, Enrollment.status)
                                 .where(Enrollment.client_id == client.id)).all())
    assert flows == {"activity_checkin": EnrollmentStatus.STOPPED,
                     "exit_feedback": EnrollmentStatus.SCHEDULED}
    detail = session.scalar(sa.select(AuditEvent.detail).where(AuditEvent.action == "case.close"))
    assert detail["reason"] == "work"


def test_a_reason_is_required_and_other_teams_cannot_close(as_, make_client, people, session):
    client = make_client("Samir", case_manager_id=people.sara.id)
    url = f"/staff/clients/{client.id}/close"
    response = as_("sara").post(url, {}, token_from=url)
    assert response.status_code == 400
    assert "Välj varför ärendet avslutas" in response.get_data(as_text=True)
    assert as_("eva").get(url).status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0
