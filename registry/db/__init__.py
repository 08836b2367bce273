"""Persistence plumbing: engines, the unit of work, migrations, geometry types and spatial SQL."""
