"""Alembic environment for the kpi service (shared logic in the chassis)."""
from services.chassis.alembic_env import run

run()
