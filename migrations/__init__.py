"""Alembic migrations for SpatiaLite and PostGIS."""
