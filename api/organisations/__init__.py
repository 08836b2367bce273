"""Organisations: owners, operators and approvers."""
