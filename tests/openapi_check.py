"""Check an HTTP answer against the response schema the OpenAPI document declares for it."""

from __future__ import annotations

from jsonschema import Draft7Validator


def _as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` written as JSON Schema's null type; the rest unchanged."""
    if isinstance(node, list):
        return [_as_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def response_schema(spec: dict, path: str, method: str, status: int) -> dict:
    """The declared schema of one answer (KeyError when the endpoint declares none)."""
    response = spec["paths"][path][method.lower()]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def documented_properties(spec: dict, name: str) -> set[str]:
    """The property names the document lists for components/schemas/<name>."""
    return set(spec["components"]["schemas"][name]["properties"])


def problems(spec: dict, path: str, method: str, status: int, body) -> list[str]:
    """Why `body` does not validate against the declared schema (empty when it does).

    Output schemas set additionalProperties false, so an undocumented key is a problem too.
    """
    schema = {
        "allOf": [_as_json_schema(response_schema(spec, path, method, status))],
        "components": _as_json_schema(spec["components"]),
    }
    errors = Draft7Validator(schema).iter_errors(body)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
