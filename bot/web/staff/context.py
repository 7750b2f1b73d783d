"""What every staff page shows in its header."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from bot import db
from bot.models import Alert, Client, Role
from bot.web.security import visible_clients


def open_alert_count(staff) -> int:
    visible = visible_clients(staff).with_only_columns(Client.id)
    return db.session().scalar(
        sa.select(sa.func.count(Alert.id)).where(
            Alert.handled_at.is_(None), Alert.client_id.in_(visible.scalar_subquery())))


def open_alerts() -> dict:
    if not (current_user and current_user.is_authenticated
            and current_user.role in (Role.CASE_MANAGER, Role.ADMIN)):
        return {}
    return {"open_alerts": open_alert_count(current_user)}
