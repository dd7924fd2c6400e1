"""The procedure catalogue: the ten procedures of the domain brief, validated, versioned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.procedures import CATALOGUE_PATH, UnknownProcedure, load_catalogue

BRIEF_PROCEDURES = {
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Cấp Giấy xác nhận tình trạng hôn nhân",
    "Đăng ký thường trú",
    "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
    "Đăng ký thành lập doanh nghiệp",
    "Cấp đổi giấy phép lái xe",
    "Đăng ký biến động quyền sử dụng đất (chuyển nhượng)",
    "Chứng thực bản sao từ bản chính",
    "Đăng ký khai tử",
}


def test_catalogue_holds_the_ten_procedures_of_the_brief() -> None:
    catalogue = load_catalogue()
    assert {p.name for p in catalogue.procedures} >= BRIEF_PROCEDURES
    assert catalogue.catalogue_version


def test_every_procedure_has_components_result_and_deadline() -> None:
    for procedure in load_catalogue().procedures:
        assert procedure.components and all(c.accepts for c in procedure.components)
        assert (procedure.result.document_type is not None) == procedure.result.issues_written_result
        assert procedure.deadline_working_days >= 1


def test_only_the_verified_code_claims_to_be_verified() -> None:
    catalogue = load_catalogue()
    assert [p.code for p in catalogue.procedures if p.verified] == ["1.001193"]
    assert catalogue.get("2.000488").verified is False


def test_unknown_procedure_is_named() -> None:
    with pytest.raises(UnknownProcedure):
        load_catalogue().get("9.999999")


def test_written_result_without_type_is_refused(tmp_path: Path) -> None:
    data = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    data["procedures"][0]["result"] = {"issues_written_result": True, "document_type": None}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_catalogue(path)


def test_duplicate_component_codes_are_refused(tmp_path: Path) -> None:
    data = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    components = data["procedures"][0]["components"]
    components.append(dict(components[0]))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_catalogue(path)


# The document types of the document-types work (issue text), which the catalogue must use by these names.
PIPELINE_TYPES = {
    "cccd_2021",
    "cccd_2024",
    "birth_certificate",
    "marriage_certificate",
    "marital_status_confirmation",
    "residence_confirmation",
    "land_certificate",
    "enterprise_registration_certificate",
    "driving_licence",
    "diploma",
    "health_certificate",
    "administrative_decision",
    "application_form",
}
# content hash of schemas/data/procedures.json per catalogue_version: edit the file, bump the version
CATALOGUE_SHA256 = {"2026.11-r3": "8c7054d85dbd4b89d5f62d97f4172f6a17473b9ba298b580a74e4aba36d996af"}


def test_the_document_types_are_the_pipelines_names() -> None:
    from schemas.documents import DocumentType
    from schemas.procedures import OTHER_DOCUMENT_TYPES, known_document_types

    assert {t.value for t in DocumentType} >= PIPELINE_TYPES  # the agreed names exist there
    assert not OTHER_DOCUMENT_TYPES & PIPELINE_TYPES
    named = load_catalogue().document_types()
    assert named <= known_document_types()
    assert named >= PIPELINE_TYPES  # every recognised type is used by some procedure
    assert named >= OTHER_DOCUMENT_TYPES  # no stale entry in the list of other types


@pytest.mark.parametrize("where", ["accepts", "result"])
def test_an_unknown_document_type_name_is_refused(tmp_path: Path, where: str) -> None:
    data = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    procedure = data["procedures"][0]
    if where == "accepts":
        procedure["components"][1]["accepts"].append("cccd")  # not a type name: cccd_2021 / cccd_2024
    else:
        procedure["result"]["document_type"] = "birth_cert"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown document types"):
        load_catalogue(path)


def test_the_catalogue_content_is_versioned() -> None:
    import hashlib

    catalogue = load_catalogue()
    digest = hashlib.sha256(CATALOGUE_PATH.read_bytes()).hexdigest()
    assert CATALOGUE_SHA256.get(catalogue.catalogue_version) == digest, (
        "schemas/data/procedures.json changed: bump catalogue_version and record its hash here"
    )
