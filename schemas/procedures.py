"""The procedure catalogue: which components a dossier of each procedure needs and which document types
each component accepts. Data lives in ``schemas/data/procedures.json`` (versioned, with its source).

Every document type the catalogue names, accepted or issued, is either a type the pipeline recognises
(:class:`schemas.documents.DocumentType`, the names the document-types work uses) or one of
:data:`OTHER_DOCUMENT_TYPES`, papers the pipeline does not recognise (they are scanned as new scans and
kept) or results issued by other systems. Any other name is refused when the catalogue is loaded.
``catalogue_version`` names one content of the file (a test pins the content's hash per version), and
each dossier records the version it was received under.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.documents import DocumentType

CATALOGUE_PATH = Path(__file__).parent / "data" / "procedures.json"
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}$")
# Named by the catalogue, not recognised by the pipeline: papers brought to the counter and results of
# other systems. Keep in step with schemas/data/procedures.json (a test checks both ways).
OTHER_DOCUMENT_TYPES = frozenset(
    {
        "birth_notice",  # giấy chứng sinh
        "rental_contract",  # hợp đồng thuê nhà
        "company_charter",  # điều lệ công ty
        "notarised_contract",  # hợp đồng chuyển nhượng có công chứng
        "death_notice",  # giấy báo tử
        "criminal_record_certificate",  # phiếu lý lịch tư pháp (result)
        "certified_copy",  # bản sao chứng thực điện tử (result)
        "death_extract",  # trích lục khai tử (result)
    }
)


def known_document_types() -> frozenset[str]:
    """The names a catalogue may use: the pipeline's document types (not ``unknown``) and the others."""
    recognised = {t.value for t in DocumentType if t is not DocumentType.UNKNOWN}
    return frozenset(recognised) | OTHER_DOCUMENT_TYPES


class Component(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    accepts: tuple[str, ...]
    required: bool = True


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)

    issues_written_result: bool
    document_type: str | None = None

    @model_validator(mode="after")
    def _type_iff_written(self) -> Result:
        if self.issues_written_result != (self.document_type is not None):
            raise ValueError("a written result needs its document type, and only a written result has one")
        return self


class Procedure(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    verified: bool = False
    name: str
    name_en: str
    components: tuple[Component, ...]
    result: Result
    deadline_working_days: int = Field(ge=0)
    note: str | None = None  # where the code and deadline come from, and how sure they are

    @field_validator("code")
    @classmethod
    def _code_form(cls, value: str) -> str:
        if not PROCEDURE_CODE.match(value):
            raise ValueError("procedure code must look like d.dddddd")
        return value

    @model_validator(mode="after")
    def _component_codes_unique(self) -> Procedure:
        codes = [c.code for c in self.components]
        if not codes or len(codes) != len(set(codes)):
            raise ValueError("a procedure needs components with distinct codes")
        return self

    def component_for(self, document_type: str) -> Component | None:
        """The first component that accepts this document type, if any."""
        for component in self.components:
            if document_type in component.accepts:
                return component
        return None


class UnknownProcedure(KeyError):
    pass


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True)

    catalogue_version: str
    source: str
    procedures: tuple[Procedure, ...]

    @model_validator(mode="after")
    def _known_document_types(self) -> Catalogue:
        known = known_document_types()
        for procedure in self.procedures:
            named = [t for c in procedure.components for t in c.accepts] + [procedure.result.document_type]
            unknown = sorted({t for t in named if t is not None and t not in known})
            if unknown:
                raise ValueError(f"procedure {procedure.code} names unknown document types: {unknown}")
        return self

    def document_types(self) -> frozenset[str]:
        """Every document type the catalogue names (accepted or issued)."""
        named = {t for p in self.procedures for c in p.components for t in c.accepts}
        return frozenset(named | {p.result.document_type for p in self.procedures if p.result.document_type})

    def get(self, code: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.code == code:
                return procedure
        raise UnknownProcedure(code)


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    catalogue = Catalogue.model_validate(json.loads(path.read_text(encoding="utf-8")))
    codes = [p.code for p in catalogue.procedures]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate procedure code in catalogue")
    return catalogue
