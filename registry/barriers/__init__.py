"""Barriers: rail lines and major roads that new trench must cross (public, never shared)."""
