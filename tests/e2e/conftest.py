"""Fixtures shared by the e2e tests (the workflow cast and app live in workflow_http)."""

from tests.e2e.workflow_http import cast, workflow_app  # noqa: F401
