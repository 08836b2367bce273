"""Seed data for InfraShare: a generated demo city, a benchmark generator and real OSM extracts."""
