"""Databases made before the chassis branch: their one alembic_version row, rewritten into the two-history layout."""
from __future__ import annotations

import logging

from sqlalchemy import Column, Connection, MetaData, String, Table, delete, insert, inspect, select

log = logging.getLogger(__name__)

# the chassis branch (services/chassis/migrations_chassis)
CHASSIS_TABLES = "96e6b52a64f2"
PARKED_ROWS = "de527bb9daab"
PARKED_KEY_INDEX = "fa947efc4cd2"

# Until issue 21 each service's history was one line that carried its own copy of the three chassis revisions,
# so such a database holds exactly one row. It maps to the rows naming the same applied revisions now: the
# service's newest own revision applied by then (its history depends on CHASSIS_TABLES) and, when more of the
# chassis had been applied, the chassis branch's newest revision. Frozen: no revision is ever added here.
MOVED: dict[str, tuple[str, ...]] = {
    # intake: chassis tables, 59f489b1c08c, parked rows, bccc461eb2b1, parked-key index
    "7a380728d0db": (CHASSIS_TABLES,),
    "a267b4ead455": ("59f489b1c08c", PARKED_ROWS),
    "bccc461eb2b1": ("bccc461eb2b1", PARKED_ROWS),
    "5b34678de4c0": ("bccc461eb2b1", PARKED_KEY_INDEX),
    # triage: chassis tables, 9a035773cae0, parked rows, parked-key index
    "69a741ea4697": (CHASSIS_TABLES,),
    "040fe3920cad": ("9a035773cae0", PARKED_ROWS),
    "495513ddc6ef": ("9a035773cae0", PARKED_KEY_INDEX),
    # booking: chassis tables, 3a1a5aef9959, d16f782da655, 5b0e3c1d9a72, parked rows, parked-key index
    "a08627a98bf9": (CHASSIS_TABLES,),
    "52242fd981c3": ("5b0e3c1d9a72", PARKED_ROWS),
    "550daf7508e3": ("5b0e3c1d9a72", PARKED_KEY_INDEX),
    # notifications: chassis tables, bf2c31ad4763, parked rows, 7d41c2e9b6a3, parked-key index
    "4c7a36d4af54": (CHASSIS_TABLES,),
    "951088b45a9d": ("bf2c31ad4763", PARKED_ROWS),
    "7d41c2e9b6a3": ("7d41c2e9b6a3", PARKED_ROWS),
    "c634245bcfc6": ("7d41c2e9b6a3", PARKED_KEY_INDEX),
    # kpi: chassis tables, 6ca1fb35f5c5, b7e1c2d4a915, parked rows, parked-key index
    "af39f9b4eb67": (CHASSIS_TABLES,),
    "972635445bad": ("b7e1c2d4a915", PARKED_ROWS),
    "6758dc960c24": ("b7e1c2d4a915", PARKED_KEY_INDEX),
}

VERSIONS = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))


def move_to_chassis_branch(conn: Connection) -> None:
    """Rewrite a database's old single row; a database of the new layout (or a new one) is left alone.

    A database upgraded in the new layout always holds a chassis row beside its service row (its service history
    depends on the chassis tables only), so one row that MOVED knows can only come from the old layout."""
    if not inspect(conn).has_table(VERSIONS.name):
        return
    rows = list(conn.scalars(select(VERSIONS.c.version_num)))
    if len(rows) != 1 or rows[0] not in MOVED:
        return
    conn.execute(delete(VERSIONS))
    conn.execute(insert(VERSIONS), [{"version_num": v} for v in MOVED[rows[0]]])
    log.info("alembic_version %s moved onto the chassis branch: %s", rows[0], ", ".join(MOVED[rows[0]]))
