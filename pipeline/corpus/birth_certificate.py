"""Corpus renderer of the birth certificate (form of Circular 04/2020/TT-BTP)."""

from __future__ import annotations

import random

from pipeline.corpus import CorpusDocument
from pipeline.samples import Citizen, date_in_words, make_citizen, render_birth_certificate

DPI = 300


def expected_fields(citizen: Citizen) -> dict[str, str]:
    return {
        "full_name": citizen.full_name.upper(),
        "date_of_birth": citizen.date_of_birth.isoformat(),
        "date_of_birth_in_words": date_in_words(citizen.date_of_birth),
        "sex": citizen.sex,
        "ethnicity": citizen.ethnicity,
        "nationality": citizen.nationality,
        "place_of_birth": citizen.place_of_birth,
        "place_of_origin": citizen.place_of_origin,
        "id_number": citizen.id_number,
        "mother_name": citizen.mother_name.upper(),
        "father_name": citizen.father_name.upper(),
        "registration_number": citizen.registration_number,
        "book": citizen.book,
        "registration_place": citizen.registration_place,
        "registration_date": citizen.registration_date.isoformat(),
    }


def render(rng: random.Random, dpi: int = DPI) -> CorpusDocument:
    citizen = make_citizen(rng)
    page = render_birth_certificate(citizen, dpi=dpi)
    return CorpusDocument("birth_certificate", expected_fields(citizen), [page], dpi)
