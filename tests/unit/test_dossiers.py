"""Dossier codes, reuse eligibility and the official per-dossier reuse rate, on a real SQLite index."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from schemas.procedures import load_catalogue
from vault.dossiers import (
    DOSSIER_CODE,
    InvalidAgencyCode,
    Rate,
    dossier_code,
    propose_reuse,
    record_reuse,
    register_dossier,
    reuse_rate,
)
from vault.index import Document, DocumentState, Owner, Provenance, make_engine, make_sessionmaker, migrate

AGENCY = "000.00.20.H47"
TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@pytest.fixture()
def session(tmp_path):
    url = f"sqlite:///{tmp_path / 'index.db'}"
    migrate(url)
    sessions = make_sessionmaker(make_engine(url))
    with sessions() as s, s.begin():
        yield s


def _owner(session: Session, ref: str) -> Owner:
    owner = Owner(owner_ref=ref * 64 if len(ref) == 1 else ref, kek_id="k", wrapped_data_key=b"w")
    session.add(owner)
    session.flush()
    return owner


def _document(session: Session, owner: Owner, document_type: str, **overrides) -> Document:
    values = dict(
        owner_id=owner.id,
        original_sha256=uuid.uuid4().hex * 2,
        original_size=10,
        media_type="application/pdf",
        state=DocumentState.STORED,
        document_type=document_type,
        original_object="v1/x",
        signature_valid=True,
        signature_level="B-B",
    )
    values.update(overrides)
    document = Document(**values)
    session.add(document)
    session.flush()
    return document


def test_dossier_code_has_the_official_form() -> None:
    code = dossier_code(AGENCY, TODAY, 7)
    assert code == "000.00.20.H47-261122-0007"
    assert DOSSIER_CODE.match(code)
    with pytest.raises(InvalidAgencyCode):
        dossier_code("H47", TODAY, 1)
    with pytest.raises(ValueError):
        dossier_code(AGENCY, TODAY, 10000)


def test_daily_sequence_increments_per_agency_and_day(session: Session) -> None:
    procedure = load_catalogue().get("2.000488")
    owner = _owner(session, "a")
    codes = [
        register_dossier(session, owner, procedure, agency_code=AGENCY, clerk="c", received_at=NOW).code
        for _ in range(3)
    ]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    tomorrow = register_dossier(
        session, owner, procedure, agency_code=AGENCY, clerk="c", received_at=NOW + timedelta(days=1)
    )
    assert tomorrow.code.endswith("-261123-0001")


def test_only_eligible_documents_are_proposed(session: Session) -> None:
    procedure = load_catalogue().get("2.000488")  # id card + birth certificate (+ application form)
    owner, stranger = _owner(session, "a"), _owner(session, "b")
    _document(session, owner, "cccd_2021", valid_until=TODAY - timedelta(days=1))  # expired
    _document(session, owner, "cccd_2021", state=DocumentState.NEEDS_REVIEW)  # not validated
    _document(session, owner, "cccd_2021", revoked_at=NOW)  # revoked
    _document(session, owner, "cccd_2021", signature_valid=False)  # bad signature
    _document(session, stranger, "birth_certificate")  # another owner's
    good_card = _document(session, owner, "cccd_2021", valid_until=TODAY)  # valid through today
    dossier = register_dossier(session, owner, procedure, agency_code=AGENCY, clerk="c", received_at=NOW)
    proposals = propose_reuse(session, dossier, procedure, TODAY)
    assert [(p.component_code, p.document_id) for p in proposals] == [("id_card", good_card.id)]


def test_reuse_rate_is_per_dossier_and_official(session: Session) -> None:
    procedure = load_catalogue().get("2.000488")
    owner = _owner(session, "a")
    card = _document(session, owner, "cccd_2021")
    birth = _document(session, owner, "birth_certificate")
    assert reuse_rate(session, TODAY, TODAY).percent is None  # empty denominator: N/A
    first = register_dossier(session, owner, procedure, agency_code=AGENCY, clerk="c", received_at=NOW)
    second = register_dossier(session, owner, procedure, agency_code=AGENCY, clerk="c", received_at=NOW)
    proposals = propose_reuse(session, second, procedure, TODAY)
    assert {p.document_id for p in proposals} == {card.id, birth.id}
    recorded = record_reuse(session, second, procedure, proposals, "c", TODAY)
    assert {c.provenance for c in recorded} == {Provenance.REUSED}
    session.refresh(second)
    assert not propose_reuse(session, second, procedure, TODAY)  # components now present
    rate = reuse_rate(session, TODAY, TODAY, AGENCY)
    # Two reused components in one dossier still count once: 1 of 2 dossiers.
    assert (rate.numerator, rate.denominator, rate.percent) == (1, 2, Decimal("50.00"))
    assert str(rate) == "50.00%"
    assert first.id != second.id
    # Outside the period nothing is counted.
    assert reuse_rate(session, TODAY - timedelta(days=7), TODAY - timedelta(days=1)).denominator == 0


def test_rate_rounds_half_up_to_two_decimals() -> None:
    assert Rate(2, 3).percent == Decimal("66.67")
    assert Rate(1, 8).percent == Decimal("12.50")
    assert Rate(1, 6).percent == Decimal("16.67")
    assert str(Rate(0, 0)) == "N/A"


def test_reuse_refuses_a_document_that_stopped_being_eligible(session: Session) -> None:
    procedure = load_catalogue().get("2.000488")
    owner = _owner(session, "a")
    card = _document(session, owner, "cccd_2021")
    dossier = register_dossier(session, owner, procedure, agency_code=AGENCY, clerk="c", received_at=NOW)
    proposals = propose_reuse(session, dossier, procedure, TODAY)
    card.revoked_at = NOW
    session.flush()
    with pytest.raises(ValueError):
        record_reuse(session, dossier, procedure, proposals, "c", TODAY)


def test_catalogue_is_valid_and_marks_unverified_codes() -> None:
    catalogue = load_catalogue()
    birth = catalogue.get("1.001193")
    assert birth.verified and birth.result.document_type == "birth_certificate"
    assert any(not p.verified for p in catalogue.procedures)
    assert catalogue.get("2.000488").component_for("cccd_2021").code == "id_card"


def test_receipt_date_is_the_date_in_vietnam(session: Session) -> None:
    procedure = load_catalogue().get("2.000488")
    owner = _owner(session, "a")
    # 18:30 UTC on the 22nd is 01:30 on the 23rd in Vietnam (UTC+7): the dossier belongs to the 23rd.
    late = register_dossier(
        session,
        owner,
        procedure,
        agency_code=AGENCY,
        clerk="c",
        received_at=datetime(2026, 11, 22, 18, 30, tzinfo=UTC),
    )
    assert late.received_on == date(2026, 11, 23)
    assert late.code.endswith("-261123-0001")
