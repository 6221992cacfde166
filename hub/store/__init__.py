"""Persistence: tables, repositories, the unit of work and migrations (SQLAlchemy 2, async)."""
