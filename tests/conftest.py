"""Root test configuration: library load order and shared markers."""

import os

# pyproj before mod_spatialite, always (see registry/db/engine.py).
import pyproj  # noqa: F401

os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

pytest_plugins = ["tests.fixtures"]
