"""One module per document type; each defines ``DEFINITION: DocumentTypeDef``, ``MODEL:
type[DocumentModel]``, ``VALIDITY: ValidityRule`` and optionally ``normalise_fields(fields) ->
list[str]`` (see :class:`schemas.documents.FieldsHook`).

A new type is registered by adding its module name to :data:`TYPE_MODULES` once it imports cleanly.
The registries of :mod:`schemas.documents` (DOCUMENT_TYPES, MODELS, VALIDITY, NORMALISERS) are
built from these modules on first use.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType

TYPE_MODULES: tuple[str, ...] = (
    "cccd_2021",
    "birth_certificate",
    "cccd_2024",
    "driving_licence",
    "land_certificate",
    "enterprise_registration_certificate",
    "marriage_certificate",
    "marital_status_confirmation",
    "residence_confirmation",
    "diploma",
    "health_certificate",
    "administrative_decision",
    "application_form",
)


@lru_cache(maxsize=1)
def load_modules() -> tuple[ModuleType, ...]:
    """The registered type modules, imported, in :data:`TYPE_MODULES` order."""
    modules = tuple(importlib.import_module(f"{__name__}.{name}") for name in TYPE_MODULES)
    for module in modules:
        for attribute in ("DEFINITION", "MODEL", "VALIDITY"):
            if not hasattr(module, attribute):
                raise TypeError(f"{module.__name__} has no {attribute}")
    seen = [m.DEFINITION.type for m in modules]
    if len(set(seen)) != len(seen):
        raise TypeError("two modules define the same document type")
    return modules
