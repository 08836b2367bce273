"""Mapbox vector tiles of the registry: /tiles/{z}/{x}/{y}.mvt."""
