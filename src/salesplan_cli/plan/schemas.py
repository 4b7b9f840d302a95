"""JSON Schemas of the plan files, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

from .model import RepPlan, SegmentsFile, Settings, Strategy

SCHEMA_FILES = {
    "salesplan.schema.json": (Settings, "salesplan.yaml"),
    "strategy.schema.json": (Strategy, "strategy.yaml"),
    "segments.schema.json": (SegmentsFile, "segments.yaml"),
    "rep.schema.json": (RepPlan, "reps/<id>.yaml"),
}


def json_schemas() -> dict[str, dict]:
    """File name -> JSON Schema (draft 2020-12) for each kind of plan file."""
    out = {}
    for name, (model, target) in SCHEMA_FILES.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"salesplan {target}"
        if model is Strategy:
            # a stage is a bare name or a full specification
            stages = schema["properties"]["stages"]
            stages["items"] = {"anyOf": [{"type": "string"}, stages["items"]]}
        out[name] = schema
    return out
