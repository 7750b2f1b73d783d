"""staff app: schedules, structured results, client details

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "once",
                "event",
                "recurring",
                name="schedule_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_schedules_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedules_client_id"), ["client_id"], unique=False)

    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("text", sa.String(length=1600), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_results_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_results_enrollment_id_enrollments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
    )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_results_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_results_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index("ix_results_flow_question", ["flow_id", "question"], unique=False)

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stopped_by", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("needs_interpreter", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))
        batch_op.add_column(
            sa.Column(
                "gender",
                sa.Enum(
                    "woman",
                    "man",
                    "other",
                    name="gender",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_enrollments_schedule_id"), ["schedule_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_enrollments_schedule_id_schedules"),
            "schedules",
            ["schedule_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ui_language", sa.String(length=5), nullable=False, server_default="sv")
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("ui_language")

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_enrollments_schedule_id_schedules"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_enrollments_schedule_id"))
        batch_op.drop_column("schedule_id")

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("birth_year")
        # The CHECK names the column: on SQLite the table copy would keep it otherwise.
        batch_op.drop_constraint(batch_op.f("ck_clients_gender"), type_="check")
        batch_op.drop_column("gender")
        batch_op.drop_column("quiet_hours")
        batch_op.drop_column("needs_interpreter")
        batch_op.drop_column("paused")
        batch_op.drop_column("stopped_by")

    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index("ix_results_flow_question")
        batch_op.drop_index(batch_op.f("ix_results_enrollment_id"))
        batch_op.drop_index(batch_op.f("ix_results_client_id"))
        batch_op.drop_index(batch_op.f("ix_results_answered_at"))

    op.drop_table("results")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedules_client_id"))

    op.drop_table("schedules")
