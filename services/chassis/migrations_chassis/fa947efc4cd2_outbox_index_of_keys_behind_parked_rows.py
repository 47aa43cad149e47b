"""outbox: index of the keys behind parked rows (the relay's fetch asks every cycle)

Revision ID: fa947efc4cd2
Revises: de527bb9daab
Create Date: 2026-11-30 02:30:00.000000

Once per database, not per service: every service's history depends on this branch. Until issue 21 each
service carried its own copy under another id; services/chassis/migrations_legacy.py maps those ids here.
"""
from alembic import op
import sqlalchemy as sa


revision = 'fa947efc4cd2'
down_revision = 'de527bb9daab'
branch_labels = None
depends_on = None

UNSENT_PARKED = "parked_at IS NOT NULL AND sent_at IS NULL"


def upgrade() -> None:
    op.create_index('ix_outbox_parked_key', 'outbox', ['key'], unique=False,
                    postgresql_where=sa.text(UNSENT_PARKED), sqlite_where=sa.text(UNSENT_PARKED))


def downgrade() -> None:
    op.drop_index('ix_outbox_parked_key', table_name='outbox')
