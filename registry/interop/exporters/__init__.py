"""Exports of the registry: GeoJSON, CSV, GeoPackage files and Mapbox vector tiles."""
