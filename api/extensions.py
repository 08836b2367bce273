"""Flask extensions, built per app by create_app() (nothing is bound at import time)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def make_api(app: Flask) -> Api:
    """The flask-smorest Api (OpenAPI document, docs page, argument parsing) for this app."""
    return Api(app)
