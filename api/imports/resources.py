"""POST /api/v1/imports: a GIS file in, the summary and validation report out (422 if refused)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Response, current_app, g
from flask.views import MethodView
from werkzeug.utils import secure_filename

from api.context import app_context, current_actor
from api.errors import error_response
from api.imports.schemas import ImportFormSchema, ImportSummarySchema, MultipartBlueprint
from registry.errors import ValidationFailed
from registry.interop.importers.mapping import Mapping
from registry.interop.importers.mapping_file import parse_mapping
from registry.interop.importers.run import ImportOptions, import_file

blp = MultipartBlueprint(
    "imports",
    __name__,
    url_prefix="/imports",
    description="Bulk import of GIS files: GeoJSON, CSV, GeoPackage, zipped Shapefile, KML",
)


def _mapping_text(value) -> str | None:
    if value is None or value == "":
        return None
    if hasattr(value, "read"):
        try:
            return value.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("mapping", "must be UTF-8 YAML text") from None
    return str(value)


def _options(form: dict) -> ImportOptions:
    mapping = _mapping_text(form.get("mapping"))
    return ImportOptions(
        owner_id=form["owner_id"],
        kind=form.get("kind"),
        mapping=parse_mapping(mapping) if mapping else Mapping(),
        crs=form.get("crs"),
        dry_run=form["dry_run"],
        skip_invalid=form["skip_invalid"],
        prune=form["prune"],
    )


def _refused(summary) -> Response:
    body = summary.as_json()
    errors: dict = {}
    for row in summary.report:
        errors.setdefault(str(row.feature), {}).setdefault(row.field, []).append(row.reason)
    message = (
        f"{summary.rejected} of {summary.features} features are invalid; nothing was imported "
        "(fix them, or send skip_invalid=true)"
    )
    response = error_response(422, "import_rejected", message, {"features": errors})
    response.set_data(current_app.json.dumps({**response.get_json(), **body}))
    return response


@blp.route("")
class Imports(MethodView):
    @blp.arguments(ImportFormSchema, location="multipart")
    @blp.response(200, ImportSummarySchema)
    def post(self, form):
        """Import a GIS file for an owner, as one transaction; returns the summary and report"""
        upload = form["file"]
        name = secure_filename(upload.filename or "") or "upload"
        if "." not in name:
            raise ValidationFailed("file", "the file name needs an extension (.geojson, .csv, ...)")
        options = _options(form)
        with tempfile.TemporaryDirectory(prefix="infrashare-import-") as tmp:
            path = Path(tmp) / name
            upload.save(path)
            summary = import_file(
                app_context().session_factory,
                current_actor(),
                path,
                options,
                request_id=g.get("request_id"),
            )
        summary.file = upload.filename or name
        if summary.refused:
            return _refused(summary)
        return summary.as_json()
