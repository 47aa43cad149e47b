"""Where intake keeps things: its tables (`tables`), the named queries on them (`queries`), the scans' files."""
