"""Every model module, imported for its tables: one metadata for Alembic and the tests."""

from registry.access import models as _access_models  # noqa: F401
from registry.access import web_sessions as _web_sessions  # noqa: F401
from registry.barriers import models as _barrier_models  # noqa: F401
from registry.inventory.models import Base
from registry.notify import models as _notify_models  # noqa: F401
from registry.planning import models as _planning_models  # noqa: F401
from registry.workflow import models as _workflow_models  # noqa: F401

metadata = Base.metadata
