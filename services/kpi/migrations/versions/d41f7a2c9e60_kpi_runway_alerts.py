"""kpi: units' runway alerts (SlotRunwayShort), for the KPI of alerts that came before a search without a time

Revision ID: d41f7a2c9e60
Revises: 87be9a842f60
Create Date: 2026-12-07 05:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = 'd41f7a2c9e60'
down_revision = '87be9a842f60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_runway_alert',
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('unit_id', 'at')
    )
    with op.batch_alter_table('kpi_runway_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_runway_alert_day'), ['day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kpi_runway_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_runway_alert_day'))
    op.drop_table('kpi_runway_alert')
