"""Webhooks: per-organisation endpoints that receive signed events."""
