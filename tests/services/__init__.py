"""Use cases (bot/services) on a real, migrated SQLite file: rows, audit lines, races."""
