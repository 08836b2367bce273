"""Deadlines: what is overdue or due soon, per organisation."""
