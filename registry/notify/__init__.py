"""Notifications: an inbox of events per organisation, and signed webhooks that deliver them."""
