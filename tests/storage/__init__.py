"""Storage (bot/storage): migrations on a real SQLite file."""
