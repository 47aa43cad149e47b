"""silent deliveries: a message about a visit before the quiet hours end goes at once on a channel that wakes nobody

Revision ID: 7d41c2e9b6a3
Revises: bf2c31ad4763
Create Date: 2026-11-29 23:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7d41c2e9b6a3'
down_revision = 'bf2c31ad4763'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('silent', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('silent')
