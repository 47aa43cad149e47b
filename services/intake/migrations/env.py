"""Alembic environment for the intake service (shared logic in the chassis)."""
from services.chassis.alembic_env import run

run()
