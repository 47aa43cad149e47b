"""demand forecasts: the latest KPI demand forecast (DemandForecastPublished), one row per scope

Revision ID: b17da73b8e11
Revises: bc894390c3d3
Create Date: 2026-12-07 08:10:00.732562
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the module autogenerate names column types by; imported so mypy sees it


revision = 'b17da73b8e11'
down_revision = 'bc894390c3d3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('demand_forecasts',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('z', sa.Float(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )


def downgrade() -> None:
    op.drop_table('demand_forecasts')
