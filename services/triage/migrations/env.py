"""Alembic environment for the triage service (shared logic in the chassis)."""
from services.chassis.alembic_env import run

run()
