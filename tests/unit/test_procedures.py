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
