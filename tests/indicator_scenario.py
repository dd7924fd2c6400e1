"""A scripted scenario for the indicator tests: three owners, two agencies, four procedures, October and
November 2026; expired, revoked and superseded documents. The expected figures are worked out by hand in
tests/unit/test_indicators.py and tests/integration/test_indicators_pg.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from schemas.procedures import load_catalogue
from vault.dossiers import attach_component, record_step, register_dossier, set_result
from vault.index import Document, DocumentState, Dossier, DossierStep, Owner, Provenance

A = "000.00.20.H47"
B = "000.00.21.H47"
SEPT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@dataclass
class Scenario:
    owners: dict[str, Owner] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    dossiers: dict[str, Dossier] = field(default_factory=dict)


def _owner(session: Session, name: str) -> Owner:
    owner = Owner(owner_ref=uuid.uuid4().hex + uuid.uuid4().hex, kek_id="k", wrapped_data_key=b"w")
    session.add(owner)
    session.flush()
    return owner


def document(
    session: Session, owner: Owner, document_type: str, created_at: datetime, **overrides: object
) -> Document:
    values: dict[str, object] = dict(
        owner_id=owner.id,
        original_sha256=uuid.uuid4().hex * 2,
        original_size=10,
        media_type="application/pdf",
        state=DocumentState.STORED,
        document_type=document_type,
        original_object="v1/x",
        signature_valid=True,
        signature_level="B-LT",
        created_at=created_at,
    )
    values.update(overrides)
    document = Document(**values)
    session.add(document)
    session.flush()
    return document


def return_dossier(session: Session, dossier: Dossier, day: date, actor: str = "official-1") -> None:
    """The four steps after receipt, all on ``day`` (hours 9 to 12)."""
    for step in (DossierStep.APPRAISED, DossierStep.APPROVED, DossierStep.SEALED, DossierStep.RETURNED):
        record_step(session, dossier, step, actor, at(day, 9 + list(DossierStep).index(step)))


def build(session: Session, a: str = A, b: str = B) -> Scenario:
    """The scenario under agency codes ``a`` and ``b``."""
    catalogue = load_catalogue()
    lltp, birth, residence, marital = (
        catalogue.get(code) for code in ("2.000488", "1.001193", "1.004194", "1.004873")
    )
    s = Scenario()
    o1, o2, o3 = (_owner(session, n) for n in ("o1", "o2", "o3"))
    s.owners = {"o1": o1, "o2": o2, "o3": o3}
    d = s.documents
    # The vault before October: O1 valid ID and birth certificate; O2 expired ID and revoked birth
    # certificate; O3 an old ID superseded by a new one, and a valid birth certificate.
    d["o1_id"] = document(session, o1, "cccd_2021", SEPT, valid_until=date(2030, 1, 1))
    d["o1_bc"] = document(session, o1, "birth_certificate", SEPT)
    d["o2_id_expired"] = document(session, o2, "cccd_2021", SEPT, valid_until=date(2026, 9, 30))
    d["o2_bc_revoked"] = document(
        session, o2, "birth_certificate", SEPT, revoked_at=at(date(2026, 9, 15)), revoked_reason="error"
    )
    d["o3_id_new"] = document(session, o3, "cccd_2021", SEPT, valid_until=date(2035, 1, 1))
    d["o3_id_old"] = document(
        session, o3, "cccd_2021", SEPT, valid_until=date(2030, 1, 1), superseded_by=d["o3_id_new"].id
    )
    d["o3_bc"] = document(session, o3, "birth_certificate", SEPT)

    def dossier(name: str, owner: Owner, procedure_code: str, agency: str, received: date) -> Dossier:
        record = register_dossier(
            session,
            owner,
            catalogue.get(procedure_code),
            agency_code=agency,
            clerk="clerk-1",
            received_at=at(received),
            catalogue_version=catalogue.catalogue_version,
        )
        s.dossiers[name] = record
        return record

    def scan(dossier: Dossier, document_type: str, **overrides: object) -> Document:
        scanned = document(session, dossier.owner, document_type, dossier.received_at, **overrides)
        procedure = catalogue.get(dossier.procedure_code)
        attach_component(session, dossier, procedure, scanned, Provenance.NEW_SCAN, "clerk-1")
        return scanned

    def take(dossier: Dossier, taken: Document, provenance: Provenance) -> None:
        procedure = catalogue.get(dossier.procedure_code)
        assert attach_component(session, dossier, procedure, taken, provenance, "clerk-1") is not None

    def steps(dossier: Dossier, returned: date | None) -> None:
        if returned is not None:
            return_dossier(session, dossier, returned)

    # ---- October, agency A
    d1 = dossier("D1", o1, "2.000488", a, date(2026, 10, 5))  # Mon; deadline +10 wd = Mon 19 Oct
    scan(d1, "application_form")
    take(d1, d["o1_id"], Provenance.REUSED)
    take(d1, d["o1_bc"], Provenance.REUSED)
    set_result(
        session,
        d1,
        lltp,
        document(session, o1, "criminal_record_certificate", at(date(2026, 10, 15))),
        synced_at=at(date(2026, 10, 15), 15),
    )
    steps(d1, date(2026, 10, 15))

    d2 = dossier("D2", o2, "2.000488", a, date(2026, 10, 6))  # Tue; deadline Tue 20 Oct
    scan(d2, "application_form")
    scan(d2, "cccd_2021", valid_until=date(2040, 1, 1))  # the expired one could not be reused
    scan(d2, "birth_certificate")  # the revoked one could not be reused
    set_result(
        session, d2, lltp, document(session, o2, "criminal_record_certificate", at(date(2026, 10, 23)))
    )
    steps(d2, date(2026, 10, 23))  # returned Fri 23 Oct: late

    d3 = dossier("D3", o3, "1.004194", a, date(2026, 10, 7))  # Wed; +7 wd = Fri 16 Oct; never returned
    scan(d3, "application_form")
    scan(d3, "cccd_2021", valid_until=date(2040, 1, 1))  # O3's new ID could have been reused
    take(d3, document(session, o3, "land_certificate", at(date(2026, 10, 7))), Provenance.PORTAL_STORE)

    d4 = dossier("D4", o1, "1.001193", a, date(2026, 10, 8))  # Thu; +1 wd = Fri 9 Oct; never returned
    scan(d4, "application_form", state=DocumentState.PROCESSING, signature_valid=None)  # not digitised
    take(d4, d["o1_id"], Provenance.REUSED)
    set_result(
        session,
        d4,
        birth,
        document(session, o1, "birth_certificate", at(date(2026, 10, 9)), signature_valid=False),
    )  # no e-result

    # ---- October, agency B
    d5 = dossier("D5", o2, "1.001193", b, date(2026, 10, 9))  # Fri; deadline Mon 12 Oct
    steps(d5, date(2026, 10, 12))  # on time; no components, no result

    # ---- November, agency A
    d6 = dossier("D6", o3, "2.000488", a, date(2026, 11, 2))  # Mon; deadline Mon 16 Nov; never returned
    scan(d6, "application_form")
    take(d6, document(session, o3, "cccd_2024", at(date(2026, 11, 2))), Provenance.NATIONAL_DB)
    scan(d6, "birth_certificate")  # O3's birth certificate could have been reused
    set_result(
        session, d6, lltp, document(session, o3, "criminal_record_certificate", at(date(2026, 11, 10)))
    )

    d7 = dossier("D7", o1, "1.004873", a, date(2026, 11, 27))  # Fri; +3 wd = Wed 2 Dec: not due on 30 Nov
    scan(d7, "application_form")
    take(d7, d["o1_id"], Provenance.REUSED)
    assert residence.code and marital.code
    session.flush()
    return s
