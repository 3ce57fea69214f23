"""The project store: append-only history of constraints and incidents (SQLite)."""
