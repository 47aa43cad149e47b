"""kpi: active windows of cases and calls, so a figure reads only the rows its period touches

Revision ID: b7e1c2d4a915
Revises: 6ca1fb35f5c5
Create Date: 2026-11-29 23:40:00.000000
"""
# ruff: noqa
from alembic import op
import sqlalchemy as sa
from pydantic_core import from_json

revision = 'b7e1c2d4a915'
down_revision = '6ca1fb35f5c5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kpi_case_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('unit', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_kpi_case_facts_first_day'), ['first_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_case_facts_last_day'), ['last_day'], unique=False)
    with op.batch_alter_table('kpi_call_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_kpi_call_facts_day'), ['day'], unique=False)
    _backfill()


def _backfill() -> None:
    """Existing rows get their windows from their facts (the same pure functions the projection uses)."""
    from services.kpi.domain.window import call_day, case_window, first_unit

    bind = op.get_bind()
    cases = bind.execute(sa.text("SELECT case_id, CAST(facts AS TEXT) FROM kpi_case_facts")).all()
    rows = [{"k": k, "a": w[0], "b": w[1], "u": first_unit(facts)}
            for k, f in cases for facts in [from_json(f)] for w in [case_window(k, facts)]]
    if rows:
        bind.execute(sa.text("UPDATE kpi_case_facts SET first_day = :a, last_day = :b, unit = :u WHERE case_id = :k"),
                     rows)
    calls = bind.execute(sa.text("SELECT call_id, CAST(facts AS TEXT) FROM kpi_call_facts")).all()
    rows = [{"k": k, "d": call_day(from_json(f))} for k, f in calls]
    if rows:
        bind.execute(sa.text("UPDATE kpi_call_facts SET day = :d WHERE call_id = :k"), rows)


def downgrade() -> None:
    with op.batch_alter_table('kpi_call_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_call_facts_day'))
        batch_op.drop_column('day')
    with op.batch_alter_table('kpi_case_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_case_facts_last_day'))
        batch_op.drop_index(batch_op.f('ix_kpi_case_facts_first_day'))
        batch_op.drop_column('unit')
        batch_op.drop_column('last_day')
        batch_op.drop_column('first_day')
