"""The set-based import statements for SpatiaLite: the same steps as sql_postgres, in SQLite.

Bound parameters: :owner, :now (SQLite's time text), :actor, :rid, :base (the highest asset id).
"""

from __future__ import annotations

from registry.interop.importers.sql_postgres import TOLERANCE_DEG

STAGING = """
CREATE TEMP TABLE import_staged (
    n INTEGER, owner_ref TEXT, kind TEXT, status TEXT, sensitivity TEXT,
    geom BLOB, attributes TEXT, capacity TEXT)
"""
INSERT_STAGED = "INSERT INTO import_staged VALUES (?, ?, ?, ?, ?, GeomFromWKB(?, 4326), ?, ?)"
STAGED_INDEX = "CREATE INDEX temp.import_staged_ref ON import_staged (owner_ref)"

SAME_ATTRIBUTES = """
(SELECT count(*) FROM json_each(a.attributes)) = (SELECT count(*) FROM json_each(s.attributes))
AND NOT EXISTS (SELECT 1 FROM json_each(a.attributes) e
                WHERE e.value IS NOT json_extract(s.attributes, '$."' || e.key || '"'))
"""
SAME_CAPACITY = """
(SELECT count(*) FROM capacity c WHERE c.asset_id = a.id)
    = (SELECT count(*) FROM json_each(s.capacity))
AND NOT EXISTS (
    SELECT 1 FROM capacity c WHERE c.asset_id = a.id AND (
        c.total IS NOT json_extract(s.capacity, '$."' || c.resource || '".total')
        OR json(coalesce(c.unit_heights, 'null')) IS NOT
           json(coalesce(json_extract(s.capacity, '$."' || c.resource || '".heights'), 'null'))))
"""
# No Fréchet distance in SpatiaLite: lines are the same when they have as many vertices,
# start at the same place and no vertex of one is farther than the tolerance from the other.
SAME_GEOMETRY = f"""
coalesce(CASE WHEN GeometryType(s.geom) = 'POINT'
     THEN GeometryType(a.geom) = 'POINT' AND abs(X(a.geom) - X(s.geom)) <= {TOLERANCE_DEG}
          AND abs(Y(a.geom) - Y(s.geom)) <= {TOLERANCE_DEG}
     ELSE GeometryType(a.geom) = GeometryType(s.geom) AND ST_NPoints(a.geom) = ST_NPoints(s.geom)
          AND abs(X(StartPoint(a.geom)) - X(StartPoint(s.geom))) <= {TOLERANCE_DEG}
          AND abs(Y(StartPoint(a.geom)) - Y(StartPoint(s.geom))) <= {TOLERANCE_DEG}
          AND HausdorffDistance(a.geom, s.geom) <= {TOLERANCE_DEG} END, 0)
"""
PLAN = f"""
CREATE TEMP TABLE import_plan AS
SELECT s.*, coalesce(a.id, :base + row_number() OVER (PARTITION BY a.id IS NULL ORDER BY s.n))
           AS id,
       CASE WHEN a.id IS NULL THEN 'create'
            WHEN a.kind = s.kind AND a.status = s.status AND a.sensitivity = s.sensitivity
                 AND {SAME_ATTRIBUTES} AND {SAME_CAPACITY} AND {SAME_GEOMETRY} THEN 'unchanged'
            ELSE 'update' END AS op
FROM import_staged s
LEFT JOIN asset a ON a.owner_id = :owner AND a.owner_ref = s.owner_ref
ORDER BY s.n
"""
PLAN_INDEX = "CREATE INDEX temp.import_plan_n ON import_plan (n)"


def snapshot(alias: str, capacity: str) -> str:
    """The audit snapshot (registry.inventory.assets.asset_snapshot) of a row, in SQL."""
    return f"""json_object('kind', {alias}.kind, 'owner_id', :owner,
        'owner_ref', {alias}.owner_ref, 'status', {alias}.status,
        'sensitivity', {alias}.sensitivity, 'geometry', json(AsGeoJSON({alias}.geom)),
        'attributes', json({alias}.attributes), 'capacity', {capacity})"""


CURRENT_CAPACITY = """(SELECT json_group_object(c.resource,
    CASE WHEN coalesce(c.unit_heights, 'null') = 'null' THEN json_object('total', c.total)
    ELSE json_object('total', c.total, 'heights', json(c.unit_heights)) END)
    FROM capacity c WHERE c.asset_id = a.id)"""
BEFORE = snapshot("a", CURRENT_CAPACITY)
AUDIT_COLUMNS = "at, actor, request_id, object_type, object_id, action, before, after"
AUDIT_WRITES = f"""
INSERT INTO audit_log ({AUDIT_COLUMNS})
SELECT :now, :actor, :rid, 'asset', CAST(p.id AS TEXT), p.op,
       CASE WHEN p.op = 'update' THEN (SELECT {BEFORE} FROM asset a WHERE a.id = p.id)
            ELSE 'null' END,
       {snapshot("p", "json(p.capacity)")}
FROM import_plan p WHERE p.op IN ('create', 'update') ORDER BY p.n
"""
INSERT_CREATED = """
INSERT INTO asset (id, owner_id, owner_ref, kind, status, sensitivity, geom, attributes,
                   created_at, updated_at)
SELECT id, :owner, owner_ref, kind, status, sensitivity, geom, attributes, :now, :now
FROM import_plan WHERE op = 'create' ORDER BY id
"""
UPDATE_CHANGED = """
UPDATE asset SET (kind, status, sensitivity, geom, attributes, updated_at) =
    (SELECT p.kind, p.status, p.sensitivity, p.geom, p.attributes, :now
     FROM import_plan p WHERE p.id = asset.id)
WHERE id IN (SELECT id FROM import_plan WHERE op = 'update')
"""
DELETE_CAPACITY = """
DELETE FROM capacity WHERE asset_id IN (SELECT id FROM import_plan WHERE op = 'update')
"""
INSERT_CAPACITY = """
INSERT INTO capacity (asset_id, resource, total, unit_heights)
SELECT p.id, e.key, json_extract(e.value, '$.total'),
       coalesce(json_extract(e.value, '$.heights'), 'null')
FROM import_plan p, json_each(p.capacity) e
WHERE p.op IN ('create', 'update')
"""
FEED_WRITES = """
INSERT INTO change_feed (asset_id, entity, op, at)
SELECT id, 'asset', op, :now FROM import_plan WHERE op IN ('create', 'update') ORDER BY n
"""
DOOMED = "CREATE TEMP TABLE import_doomed (id INTEGER)"
AUDIT_DELETES = f"""
INSERT INTO audit_log ({AUDIT_COLUMNS})
SELECT :now, :actor, :rid, 'asset', CAST(a.id AS TEXT), 'delete', {BEFORE}, 'null'
FROM asset a WHERE a.id IN (SELECT id FROM import_doomed) ORDER BY a.id
"""
DELETE_DOOMED = "DELETE FROM asset WHERE id IN (SELECT id FROM import_doomed)"
FEED_DELETES = """
INSERT INTO change_feed (asset_id, entity, op, at)
SELECT id, 'asset', 'delete', :now FROM import_doomed ORDER BY id
"""
DROP = "DROP TABLE IF EXISTS temp.{}"
