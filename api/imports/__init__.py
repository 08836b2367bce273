"""Bulk import of GIS files over HTTP: POST /api/v1/imports."""
