"""Sharing KPIs over a period, an area, an organisation or a sector."""
