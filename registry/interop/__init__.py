"""Interoperability: importers, exporters and seeding."""
