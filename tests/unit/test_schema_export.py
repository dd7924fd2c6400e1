"""Every registered document type exports a valid JSON Schema with its labels and rule sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from schemas.documents import DOCUMENT_TYPES, DocumentType
from schemas.export import document_json_schema, export_schemas


@pytest.mark.parametrize("document_type", list(DOCUMENT_TYPES), ids=lambda t: t.value)
def test_every_type_exports_a_valid_annotated_schema(document_type: DocumentType) -> None:
    schema = document_json_schema(document_type)
    Draft202012Validator.check_schema(schema)
    definition = DOCUMENT_TYPES[document_type]
    assert schema["x-validity"]["source"]
    properties = schema["properties"]
    described = [n for n in properties if n in {f.name for f in definition.fields}]
    assert described, "the model shares no field name with the definition"
    for name in described:
        assert definition.field(name).label_vi in properties[name]["description"]


def test_cccd_schema_accepts_a_card_and_rejects_a_bad_one() -> None:
    schema = document_json_schema(DocumentType.CCCD_2021)
    card = {
        "id_number": "001084012345",
        "full_name": "NGUYỄN ĐÌNH VỸ",
        "date_of_birth": "1984-07-08",
        "sex": "Nam",
        "nationality": "Việt Nam",
        "place_of_origin": "Xã Tân Phong, Huyện Vũ Thư, Tỉnh Thái Bình",
        "place_of_residence": "Số 12 Lê Lợi, Phường Láng Hạ, Quận Đống Đa, Thành phố Hà Nội",
        "expiry_date": "2024-07-08",
    }
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(card)) == []
    assert list(validator.iter_errors({**card, "sex": "X"}))
    assert list(validator.iter_errors({k: v for k, v in card.items() if k != "id_number"}))


def test_export_writes_one_file_per_type(tmp_path: Path) -> None:
    written = export_schemas(tmp_path)
    assert {p.name for p in written} == {f"{t.value}.schema.json" for t in DOCUMENT_TYPES}
    loaded = json.loads((tmp_path / "cccd_2021.schema.json").read_text(encoding="utf-8"))
    assert loaded["x-document-type"] == "cccd_2021" and "Căn cước công dân" in loaded["title"]
