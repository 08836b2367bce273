"""Assets: towers, poles, ducts, cables and the rest, as GeoJSON."""
