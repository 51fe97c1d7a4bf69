"""Persistence: SQLModel tables, sessions, migrations and the queries the workflows need."""
