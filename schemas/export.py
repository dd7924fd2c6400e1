"""JSON Schema of every registered document type, generated from its pydantic model and annotated
with the printed Vietnamese labels, the field kinds and the source of the type's validity rule.

    sohoa schemas export DIR     # one <type>.schema.json per type
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.documents import DOCUMENT_TYPES, MODELS, VALIDITY, DocumentType

SCHEMA_ID = "https://sohoa.invalid/schemas/documents/{type}.schema.json"


def document_json_schema(document_type: DocumentType) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one type's model, each property described by its
    Vietnamese label and printed labels, the type by its title and validity rule with its source."""
    definition = DOCUMENT_TYPES[document_type]
    rule = VALIDITY[document_type]
    schema = MODELS[document_type].model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID.format(type=document_type.value)
    schema["title"] = f"{definition.title_vi} ({document_type.value})"
    model_doc = (schema.get("description") or "").strip()
    schema["description"] = f"{definition.title_vi}. {model_doc}".strip()
    schema["x-document-type"] = document_type.value
    schema["x-titles"] = list(definition.titles)
    schema["x-validity"] = {
        "kind": rule.kind,
        "months": rule.months,
        "issue_field": rule.issue_field,
        "expiry_field": rule.expiry_field,
        "source": rule.source,
    }
    labels = {f.name: f for f in definition.fields}
    for name, prop in schema.get("properties", {}).items():
        fdef = labels.get(name)
        if fdef is None:
            continue
        printed = " | ".join(fdef.labels) if fdef.labels else "(found by its position or pattern)"
        prop["description"] = f"{fdef.label_vi} — nhãn in / printed label: {printed}"
        prop["x-label-vi"] = fdef.label_vi
        prop["x-kind"] = fdef.kind.value
        prop["x-required-on-document"] = fdef.required
        if rule.expiry_field == name or rule.issue_field == name:
            prop["x-validity-source"] = rule.source
    return schema


def export_schemas(directory: Path) -> list[Path]:
    """Write ``<type>.schema.json`` for every registered type; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for document_type in DOCUMENT_TYPES:
        path = directory / f"{document_type.value}.schema.json"
        text = json.dumps(document_json_schema(document_type), ensure_ascii=False, indent=2, sort_keys=True)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written
