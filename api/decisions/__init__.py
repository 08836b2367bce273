"""Decisions: approvers rule on build requests."""
