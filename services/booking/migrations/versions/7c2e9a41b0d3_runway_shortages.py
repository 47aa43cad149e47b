"""runway shortages: one row per unit while its shortage episode is open

Revision ID: 7c2e9a41b0d3
Revises: 5b0e3c1d9a72
Create Date: 2026-12-07 03:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '7c2e9a41b0d3'
down_revision = '5b0e3c1d9a72'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('runway_shortages',
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('alerted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('unit_id')
    )


def downgrade() -> None:
    op.drop_table('runway_shortages')
