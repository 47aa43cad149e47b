"""kpi: the contact centre head's staffing plan (assessor-hours per weekday), for the referral forecast

Revision ID: e83b5d0f1a27
Revises: d41f7a2c9e60
Create Date: 2026-12-07 05:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = 'e83b5d0f1a27'
down_revision = 'd41f7a2c9e60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_staffing_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('advice_minutes', sa.Float(), nullable=False),
    sa.Column('interview_minutes', sa.Float(), nullable=False),
    sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('kpi_staffing_plan')
