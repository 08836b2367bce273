"""Bulk import of GIS files (GeoJSON, CSV, GeoPackage, Shapefile, KML) into the registry."""
