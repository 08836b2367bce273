"""The web workspace: server-rendered pages with small ES modules over the same JSON API.

Kept import-light: api.auth.authn imports api.web.auth on every app start.
"""

from __future__ import annotations


def register(app) -> None:
    """Attach the workspace (pages, static files, languages) to the app."""
    import os

    from api.web import i18n
    from api.web.pages import blp

    # A MapLibre style URL or an XYZ template (same origin: the CSP allows no other).
    app.config.setdefault("BASEMAP_STYLE", os.environ.get("INFRASHARE_BASEMAP_STYLE", ""))
    app.config.setdefault(
        "BASEMAP_ATTRIBUTION", os.environ.get("INFRASHARE_BASEMAP_ATTRIBUTION", "")
    )
    i18n.init(app)
    app.register_blueprint(blp)
