"""Schemas for imports: one multipart form (the file, the owner and options) and the summary."""

from __future__ import annotations

from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from api.fields import Id, one_of
from registry.inventory.vocabulary import Kind


class MultipartParser(FlaskParser):
    """Reads a multipart form's fields and files as one set of arguments."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


class MultipartBlueprint(Blueprint):
    """A Blueprint whose arguments may come from a whole multipart form (location="multipart")."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }


class ImportFormSchema(Schema):
    file = Upload(required=True, metadata={"description": "GeoJSON, CSV, GPKG, zipped SHP, KML"})
    owner_id = Id(required=True, metadata={"description": "the owner organisation"})
    kind = fields.String(validate=one_of([k.value for k in Kind]))
    crs = fields.String(metadata={"description": "source CRS when the file declares none"})
    mapping = fields.Raw(metadata={"description": "field mapping YAML (text or a file part)"})
    dry_run = fields.Boolean(load_default=False)
    skip_invalid = fields.Boolean(load_default=False)
    prune = fields.Boolean(load_default=False)


class ReportRowSchema(Schema):
    feature = fields.Integer()
    line = fields.Integer(allow_none=True)
    owner_ref = fields.String(allow_none=True)
    field = fields.String()
    reason = fields.String()


class ImportSummarySchema(Schema):
    file = fields.String()
    format = fields.String()
    crs = fields.String()
    owner_id = fields.Integer()
    features = fields.Integer()
    skipped = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    rejected = fields.Integer()
    deleted = fields.Integer()
    kept = fields.Integer()
    dry_run = fields.Boolean()
    committed = fields.Boolean()
    seconds = fields.Float()
    summary = fields.String()
    warnings = fields.List(fields.String())
    report = fields.List(fields.Nested(ReportRowSchema))
