"""The procedure catalogue: which components a dossier of each procedure needs and which document types
each component accepts. Data lives in ``schemas/data/procedures.json`` (versioned, with its source)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

CATALOGUE_PATH = Path(__file__).parent / "data" / "procedures.json"
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}$")


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


class Procedure(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    verified: bool = False
    name: str
    name_en: str
    components: tuple[Component, ...]
    result: Result
    deadline_working_days: int = Field(ge=0)

    @field_validator("code")
    @classmethod
    def _code_form(cls, value: str) -> str:
        if not PROCEDURE_CODE.match(value):
            raise ValueError("procedure code must look like d.dddddd")
        return value

    def component_for(self, document_type: str) -> Component | None:
        """The first component that accepts this document type, if any."""
        for component in self.components:
            if document_type in component.accepts:
                return component
        return None


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True)

    catalogue_version: str
    source: str
    procedures: tuple[Procedure, ...]

    def get(self, code: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.code == code:
                return procedure
        raise KeyError(code)


class UnknownProcedure(KeyError):
    pass


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    catalogue = Catalogue.model_validate(json.loads(path.read_text(encoding="utf-8")))
    codes = [p.code for p in catalogue.procedures]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate procedure code in catalogue")
    return catalogue
