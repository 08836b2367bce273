"""The set-based import statements for PostGIS: staging table, plan (the diff), writes, audit.

Bound parameters: :owner (owner id), :now, :actor and :rid (request id).
Parameters in select lists are cast: PostgreSQL cannot infer their types there.
"""

from __future__ import annotations

TOLERANCE_DEG = 1e-9  # coordinates closer than this are the same position (~0.1 mm)
ASSET_ID_SEQUENCE = "(SELECT pg_get_serial_sequence('asset', 'id')::regclass)"

STAGING = """
CREATE TEMP TABLE import_staged (
    n integer, owner_ref text, kind text, status text, sensitivity text,
    geom geometry, attributes jsonb, capacity jsonb) ON COMMIT DROP
"""
COPY_STAGED = (
    "COPY import_staged (n, owner_ref, geom, kind, status, sensitivity, attributes, capacity) "
    "FROM STDIN"
)

# What the registry holds, as the staged rows hold it: capacity as one canonical object.
CAPACITY_OBJECT = """
jsonb_object_agg(c.resource, CASE WHEN coalesce(c.unit_heights::jsonb, 'null') = 'null'::jsonb
    THEN jsonb_build_object('total', c.total)
    ELSE jsonb_build_object('total', c.total, 'heights', c.unit_heights::jsonb) END)
"""
SAME_GEOMETRY = f"""
GeometryType(a.geom) = GeometryType(s.geom) AND ST_NPoints(a.geom) = ST_NPoints(s.geom) AND
CASE WHEN GeometryType(s.geom) = 'POINT'
     THEN abs(ST_X(a.geom) - ST_X(s.geom)) <= {TOLERANCE_DEG}
          AND abs(ST_Y(a.geom) - ST_Y(s.geom)) <= {TOLERANCE_DEG}
     ELSE ST_FrechetDistance(a.geom, s.geom) <= {TOLERANCE_DEG} END
"""
# The diff: one row per staged feature with its asset id (drawn from the sequence, in file
# order, for new ones) and what the import does to it. Unchanged within the tolerance.
# The sequence is looked up once (a sub-select, run as an init plan): as a plain argument of
# nextval, pg_get_serial_sequence and the cast to regclass ran catalog lookups for every row,
# most of the statement's time in a first import.
PLAN = f"""
CREATE TEMP TABLE import_plan ON COMMIT DROP AS
SELECT s.*, coalesce(a.id, nextval({ASSET_ID_SEQUENCE}))::integer AS id,
       CASE WHEN a.id IS NULL THEN 'create'
            WHEN a.kind = s.kind AND a.status = s.status AND a.sensitivity = s.sensitivity
                 AND a.attributes::jsonb = s.attributes
                 AND coalesce(c.capacity, '{{}}'::jsonb) = s.capacity
                 AND {SAME_GEOMETRY} THEN 'unchanged'
            ELSE 'update' END AS op
FROM import_staged s
LEFT JOIN asset a ON a.owner_id = CAST(:owner AS integer) AND a.owner_ref = s.owner_ref
LEFT JOIN (SELECT c.asset_id, {CAPACITY_OBJECT} AS capacity
           FROM capacity c JOIN asset o ON o.id = c.asset_id
           WHERE o.owner_id = CAST(:owner AS integer) GROUP BY c.asset_id) c ON c.asset_id = a.id
ORDER BY s.n
"""


def snapshot(alias: str, capacity: str) -> str:
    """The audit snapshot (registry.inventory.assets.asset_snapshot) of a row, in SQL."""
    return f"""json_build_object('kind', {alias}.kind, 'owner_id', CAST(:owner AS integer),
        'owner_ref', {alias}.owner_ref, 'status', {alias}.status,
        'sensitivity', {alias}.sensitivity, 'geometry', ST_AsGeoJSON({alias}.geom, 15)::json,
        'attributes', {alias}.attributes, 'capacity', {capacity})"""


CURRENT_CAPACITY = (
    f"(SELECT coalesce({CAPACITY_OBJECT}, '{{}}'::jsonb) FROM capacity c WHERE c.asset_id = a.id)"
)
BEFORE = snapshot("a", CURRENT_CAPACITY)
AUDIT_COLUMNS = "at, actor, request_id, object_type, object_id, action, before, after"
AUDIT_WRITES = f"""
INSERT INTO audit_log ({AUDIT_COLUMNS})
SELECT CAST(:now AS timestamptz), CAST(:actor AS text), CAST(:rid AS text), 'asset',
       p.id::text, p.op,
       CASE WHEN p.op = 'update' THEN (SELECT {BEFORE} FROM asset a WHERE a.id = p.id) END,
       {snapshot("p", "p.capacity")}
FROM import_plan p WHERE p.op IN ('create', 'update') ORDER BY p.n
"""
INSERT_CREATED = """
INSERT INTO asset (id, owner_id, owner_ref, kind, status, sensitivity, geom, attributes,
                   created_at, updated_at)
SELECT id, :owner, owner_ref, kind, status, sensitivity, ST_SetSRID(geom, 4326),
       attributes::json, :now, :now
FROM import_plan WHERE op = 'create' ORDER BY id
"""
UPDATE_CHANGED = """
UPDATE asset AS a SET kind = p.kind, status = p.status, sensitivity = p.sensitivity,
       geom = ST_SetSRID(p.geom, 4326), attributes = p.attributes::json, updated_at = :now
FROM import_plan AS p WHERE p.op = 'update' AND a.id = p.id
"""
DELETE_CAPACITY = """
DELETE FROM capacity AS c USING import_plan AS p WHERE p.op = 'update' AND c.asset_id = p.id
"""
INSERT_CAPACITY = """
INSERT INTO capacity (asset_id, resource, total, unit_heights)
SELECT p.id, e.key, (e.value ->> 'total')::integer, coalesce(e.value -> 'heights', 'null')::json
FROM import_plan p CROSS JOIN LATERAL jsonb_each(p.capacity) e
WHERE p.op IN ('create', 'update')
"""
FEED_WRITES = """
INSERT INTO change_feed (asset_id, entity, op, at)
SELECT id, 'asset', op, CAST(:now AS timestamptz)
FROM import_plan WHERE op IN ('create', 'update') ORDER BY n
"""
AUDIT_DELETES = f"""
INSERT INTO audit_log ({AUDIT_COLUMNS})
SELECT CAST(:now AS timestamptz), CAST(:actor AS text), CAST(:rid AS text), 'asset',
       a.id::text, 'delete', {BEFORE}, NULL
FROM asset a WHERE a.id IN (SELECT id FROM import_doomed) ORDER BY a.id
"""
DOOMED = "CREATE TEMP TABLE import_doomed (id integer) ON COMMIT DROP"
DELETE_DOOMED = "DELETE FROM asset WHERE id IN (SELECT id FROM import_doomed)"
FEED_DELETES = """
INSERT INTO change_feed (asset_id, entity, op, at)
SELECT id, 'asset', 'delete', CAST(:now AS timestamptz) FROM import_doomed ORDER BY id
"""
