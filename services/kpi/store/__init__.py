"""The kpi service's store: `tables` (SQLModel tables), `queries` (named reads and small writes), `bulk` (the
projection's batch statements, for live batches and the replay)."""
