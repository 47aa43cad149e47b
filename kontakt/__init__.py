"""The `kontakt` command: run the embedded system, tools for contracts, KPI replay and the demo."""
