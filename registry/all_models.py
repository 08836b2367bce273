"""Every model module, imported for its tables: one metadata for Alembic and the tests."""

from registry import models_auth, models_workflow  # noqa: F401
from registry.models import Base

metadata = Base.metadata
