"""Exports of the assets a caller may see: GeoJSON, CSV and GeoPackage."""
