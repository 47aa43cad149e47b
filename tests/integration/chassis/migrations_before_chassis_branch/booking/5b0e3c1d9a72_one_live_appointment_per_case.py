"""one live appointment per case (partial unique index); replaced_by for re-bookings

Revision ID: 5b0e3c1d9a72
Revises: d16f782da655
Create Date: 2026-11-29 23:30:00
"""
# ruff: noqa
import logging

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '5b0e3c1d9a72'
down_revision = 'd16f782da655'
branch_labels = None
depends_on = None

LIVE = "status = 'booked'"
log = logging.getLogger("alembic.booking")


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    # Before the index can exist, a case with two live appointments (the race this revision closes) keeps
    # its earliest booking; the later ones are marked replaced by it, and logged for the unit to check.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT appointment_id, case_id FROM appointments WHERE status = 'booked' ORDER BY case_id, booked_at, "
        "appointment_id")).all()
    kept: dict[str, str] = {}
    for appointment_id, case_id in rows:
        if case_id not in kept:
            kept[case_id] = appointment_id
            continue
        log.warning("case %s had a second live appointment %s; marked replaced by %s", case_id, appointment_id,
                    kept[case_id])
        conn.execute(sa.text("UPDATE appointments SET status = 'replaced', replaced_by = :k WHERE appointment_id = :a"),
                     {"k": kept[case_id], "a": appointment_id})
    op.create_index('uq_appointments_one_live_per_case', 'appointments', ['case_id'], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index('uq_appointments_one_live_per_case', table_name='appointments',
                  sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('replaced_by')
