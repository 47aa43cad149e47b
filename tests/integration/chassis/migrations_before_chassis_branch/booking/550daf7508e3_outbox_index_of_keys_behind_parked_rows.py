"""outbox: index of the keys behind parked rows (the relay's fetch asks every cycle)

Revision ID: 550daf7508e3
Revises: 52242fd981c3
Create Date: 2026-11-30 02:30:00.000000
"""
# ruff: noqa
from alembic import op
import sqlalchemy as sa


revision = '550daf7508e3'
down_revision = '52242fd981c3'
branch_labels = None
depends_on = None

UNSENT_PARKED = "parked_at IS NOT NULL AND sent_at IS NULL"


def upgrade() -> None:
    op.create_index('ix_outbox_parked_key', 'outbox', ['key'], unique=False,
                    postgresql_where=sa.text(UNSENT_PARKED), sqlite_where=sa.text(UNSENT_PARKED))


def downgrade() -> None:
    op.drop_index('ix_outbox_parked_key', table_name='outbox')
