"""The registry: models, services, importers and the change feed. Never imports flask."""
