"""The RapidFuzz bounds in pipeline.classify only skip what difflib would reject: the phrase search
gives exactly the matches of a plain difflib search over the same token windows."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from pipeline.classify import (
    DIGITS_AS_LETTERS,
    PhraseMatch,
    _may_reach,
    find_phrase,
    fold,
    line_ratio,
    min_ratio,
    skeleton,
)

ALPHABET = "ABCDEGHIKLMNOPQRSTUVXY0158 "
LABELS = ("Họ và tên", "Ngày, tháng, năm sinh", "Nơi thường trú", "Quê quán", "Số định danh cá nhân", "Số")


def _reference(phrase: str, text: str) -> PhraseMatch | None:
    """find_phrase without any bound: difflib's ratio on every window of k-1..k+1 tokens."""
    target = skeleton(phrase).text
    sk = skeleton(text)
    k = target.count(" ") + 1
    threshold = min_ratio(target)
    best = None
    for i in range(len(sk.tokens)):
        for n in (k - 1, k, k + 1):
            if n < 1 or i + n > len(sk.tokens):
                continue
            a, b = sk.tokens[i][0], sk.tokens[i + n - 1][1]
            window = sk.text[a:b].translate(DIGITS_AS_LETTERS)
            score = SequenceMatcher(None, window, target, autojunk=False).ratio()
            if threshold >= 1.0:
                score = 1.0 if window == target else 0.0
            if score >= threshold and (best is None or score > best.score):
                best = PhraseMatch(score, sk.index[a], sk.index[b - 1] + 1)
    return best


def _noisy(rng: random.Random, text: str, rate: float) -> str:
    return "".join(rng.choice(ALPHABET) if rng.random() < rate else ch for ch in text)


def test_the_bound_never_rejects_a_pair_difflib_accepts() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        a = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30)))
        b = _noisy(rng, a, 0.3) if rng.random() < 0.7 else "".join(rng.choice(ALPHABET) for _ in range(20))
        threshold = rng.choice((0.5, 0.8, 0.84, 0.86, 0.9))
        if SequenceMatcher(None, a, b, autojunk=False).ratio() >= threshold:
            assert _may_reach(a, b, threshold)


def test_phrase_search_equals_plain_difflib_on_noisy_lines() -> None:
    rng = random.Random(12)
    differing = 0
    for _ in range(400):
        label = rng.choice(LABELS)
        noisy_label = _noisy(rng, label.upper(), rng.choice((0.0, 0.1, 0.2)))
        line = f"{_noisy(rng, 'ABC', 0.5)} {noisy_label}: {rng.randint(1, 99)}"
        got, want = find_phrase(label, line), _reference(label, line)
        assert got == want, (label, line)
        differing += got is None
    assert 0 < differing < 400  # both found and not-found cases were exercised


def test_line_ratio_below_its_floor_is_zero_and_above_it_is_difflibs() -> None:
    title = "CĂN CƯỚC CÔNG DÂN"
    exact = SequenceMatcher(None, skeleton(title).text, skeleton("CAN CUOC CONG DAN X").text).ratio()
    assert line_ratio(title, "CAN CUOC CONG DAN X", at_least=0.8) == exact
    assert line_ratio(title, "GIẤY KHAI SINH", at_least=0.8) == 0.0


def test_phrase_search_picks_the_best_window_and_the_first_of_equals() -> None:
    """Lines holding a label several times, at several distances: the windows are scored best bound
    first and the search stops early, yet it returns what scoring every window in order returns."""
    rng = random.Random(13)
    for _ in range(300):
        label = rng.choice(LABELS)
        copies = [
            _noisy(rng, label.upper(), rng.choice((0.0, 0.05, 0.1, 0.2))) for _ in range(rng.randint(2, 4))
        ]
        if rng.random() < 0.3:
            copies.append(copies[0])  # the same reading twice: the first one is the match
        line = " ".join(f"{_noisy(rng, 'XYZ', 0.5)} {copy}" for copy in copies)
        assert find_phrase(label, line) == _reference(label, line), (label, line)


def test_line_ratio_is_a_new_difflib_ratio_whatever_was_asked_before() -> None:
    """The matcher kept per line gives the ratio a new SequenceMatcher gives, in any order of asking."""
    rng = random.Random(14)
    lines = [_noisy(rng, "CONG HOA XA HOI CHU NGHIA VIET NAM", rate) for rate in (0.0, 0.1, 0.3)]
    phrases = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "GIẤY KHAI SINH"]
    pairs = [(p, line) for p in phrases for line in lines] * 2
    rng.shuffle(pairs)
    for phrase, line in pairs:
        want = SequenceMatcher(None, skeleton(phrase).text, skeleton(line).text, autojunk=False).ratio()
        assert line_ratio(phrase, line) == want


def test_classification_equals_that_of_plain_difflib_phrase_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages made of a type's title and labels, misread: the same type, confidence and evidence as with
    the plain difflib search (no bound, every window scored)."""
    from pipeline import classify as module
    from schemas.documents import DOCUMENT_TYPES

    rng = random.Random(15)
    pages = []
    for definition in DOCUMENT_TYPES.values():
        rows = [*definition.titles[:1], *(f.labels[0] for f in definition.fields if f.labels)]
        for rate in (0.0, 0.08, 0.15):
            pages.append(
                "\n".join(_noisy(rng, fold(row), rate) + " " + _noisy(rng, "ABC 123", 0.5) for row in rows)
            )
    fast = [module.classify(page) for page in pages]
    monkeypatch.setattr(module, "find_phrase", lambda phrase, text, sk=None: _reference(phrase, text))
    plain = [module.classify(page) for page in pages]
    assert fast == plain
    assert len({c.document_type for c in fast}) >= len(DOCUMENT_TYPES) // 2  # not all unknown
