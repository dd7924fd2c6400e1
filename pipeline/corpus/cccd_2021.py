"""Corpus renderer of the 2021 citizen identity card: front (with its QR code) and back (issue
date, identification mark, TD1 MRZ)."""

from __future__ import annotations

import random

from pipeline.corpus import CorpusDocument
from pipeline.samples import Citizen, identification_mark, make_citizen, render_cccd_back, render_cccd_front

DPI = 600  # the card's 5-7 pt type needs 600 DPI for OCR (../shared/domain/README.md §6)


def expected_fields(citizen: Citizen, *, front: bool = True, back: bool = True) -> dict[str, str]:
    fields: dict[str, str] = {}
    if front:
        fields.update(
            {
                "id_number": citizen.id_number,
                "full_name": citizen.full_name.upper(),
                "date_of_birth": citizen.date_of_birth.isoformat(),
                "sex": citizen.sex,
                "nationality": citizen.nationality,
                "place_of_origin": citizen.place_of_origin,
                "place_of_residence": citizen.place_of_residence,
            }
        )
        if citizen.card_expiry_date is not None:
            fields["expiry_date"] = citizen.card_expiry_date.isoformat()
    if back:
        fields["personal_identification"] = identification_mark(citizen)
        fields["issue_date"] = citizen.card_issue_date.isoformat()
    return fields


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    citizen = make_citizen(rng)
    seed = rng.getrandbits(31)
    front = render_cccd_front(citizen, dpi=dpi, seed=seed)
    back = render_cccd_back(citizen, dpi=dpi, seed=seed + 1)
    return CorpusDocument("cccd_2021", expected_fields(citizen), [front, back], dpi)


def render_back_only(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    """The back of a card without its front (tests: still extracted, flagged ``side_missing``)."""
    citizen = make_citizen(rng)
    back = render_cccd_back(citizen, dpi=dpi, seed=rng.getrandbits(31))
    return CorpusDocument("cccd_2021", expected_fields(citizen, front=False), [back], dpi)
