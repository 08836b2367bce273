"""Match reports as the API answers them (documented in OpenAPI): the engine's report, redacted.

A caller not entitled to an asset sees it masked (`masked: true`, no owner_ref, distances on
the mask grid) or only counted in `hidden_candidates` (registry.access.report_visibility).
"""

from __future__ import annotations

from marshmallow import Schema, fields

FLOAT = fields.Float()


class _Candidate(Schema):
    asset_id = fields.Integer()
    owner_ref = fields.String(metadata={"description": "absent when masked"})
    owner_id = fields.Integer()
    owner_name = fields.String()
    owner_sector = fields.String()
    kind = fields.String()
    sensitivity = fields.String()
    distance_m = fields.Float(metadata={"description": "true metres (mask grid when masked)"})
    free = fields.Dict(keys=fields.String(), values=fields.Integer())
    sharing_mode = fields.String()
    estimated_saving = fields.Float()
    explanation = fields.String()
    masked = fields.Boolean(metadata={"description": "true when shown coarsened"})


class SiteCandidateSchema(_Candidate):
    score = fields.Float()


class RouteCandidateSchema(_Candidate):
    covered_m = fields.Float(metadata={"description": "route metres the asset runs along"})
    intervals = fields.List(fields.List(fields.Float()), metadata={"description": "[from_m, to_m]"})
    laterals_m = fields.List(
        fields.List(fields.Float()),
        metadata={"description": "[at from_m, at to_m]: new trench joining route and asset"},
    )


class CoverLegSchema(Schema):
    asset_id = fields.Integer()
    owner_id = fields.Integer()
    owner_name = fields.String()
    from_m = fields.Float()
    to_m = fields.Float()
    length_m = fields.Float()
    sharing_mode = fields.String()
    lateral_from_m = fields.Float(metadata={"description": "new trench joining at from_m"})
    lateral_to_m = fields.Float(metadata={"description": "new trench joining at to_m"})
    masked = fields.Boolean()


class OwnerContactSchema(Schema):
    owner_id = fields.Integer()
    owner_name = fields.String()
    contact = fields.String(allow_none=True)


class HiddenCandidatesSchema(Schema):
    count = fields.Integer(metadata={"description": "candidates you may not see"})
    ask = fields.List(fields.Nested(OwnerContactSchema), metadata={"description": "whom to ask"})


class _Report(Schema):
    verdict = fields.String(metadata={"description": "share, partial_share, co_build or build_new"})
    reason = fields.String()
    registry_seq = fields.Integer(metadata={"description": "the registry version it ran on"})
    request = fields.Dict(metadata={"description": "the request as the engine understood it"})
    currency = fields.String()
    hidden_candidates = fields.Nested(HiddenCandidatesSchema)


class SiteReportSchema(_Report):
    candidates = fields.List(fields.Nested(SiteCandidateSchema))


class RouteReportSchema(_Report):
    candidates = fields.List(fields.Nested(RouteCandidateSchema))
    route_length_m = fields.Float()
    coverage_m = fields.Float()
    coverage_ratio = fields.Float()
    gaps = fields.Dict(metadata={"description": "GeoJSON FeatureCollection of the gaps"})
    cover = fields.List(fields.Nested(CoverLegSchema))
    trench_avoided_m = fields.Float()
    new_build_m = fields.Float(metadata={"description": "route not covered"})
    lateral_m = fields.Float(metadata={"description": "joins from the route to the cover"})
    new_trench_m = fields.Float(metadata={"description": "new_build_m + lateral_m"})
    estimated_saving = fields.Float()
