"""Alembic environment of every service's database (the logic is in the chassis, where it is typed and tested)."""
from services.chassis.alembic_env import run

run()
