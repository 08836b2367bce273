"""OGC API - Features (Part 1 Core, GeoJSON) over the registry, for QGIS and friends."""
