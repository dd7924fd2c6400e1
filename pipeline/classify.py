"""Classify stage: which document type an OCR text is, from its title line and printed labels.

Text is compared without diacritics and upper-cased ("CĂN CƯỚC CÔNG DÂN" and "CAN CUOC CONG DAN"
are the same), with a fuzzy match (difflib) for OCR errors. Scores are difflib's; RapidFuzz's
longest-common-subsequence bound (in C) only skips candidates that cannot reach a threshold, so the
results are those of difflib alone at a fraction of the cost: 30 pages of bench.batch's OCR text
classified in 0.51 s of CPU instead of 7.8 s, with identical results (tests/unit/test_classify_bounds.py).

The title weighs most; labels support it. The national header ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
NAM") tells nothing and is ignored. Without a matching title the result is at most a low-confidence
guess, and a page titled as another known document (e.g. "TỜ KHAI ĐĂNG KÝ KHAI SINH", which has
nearly all of a birth certificate's labels) is "unknown": never a confident wrong guess.

Also home of the text helpers shared with the extractor (:func:`fold`, :func:`skeleton`,
:func:`find_phrase`).
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from rapidfuzz.distance import Indel, LCSseq
from rapidfuzz.process import cdist

from schemas.documents import DOCUMENT_TYPES, NATIONAL_HEADER, OTHER_TITLES, DocumentType

# ------------------------------------------------------------------------------------ text helpers

_SPECIAL = {"Đ": "D", "đ": "D", "Ø": "O", "ø": "O", "Ð": "D"}


def fold_char(ch: str) -> str:
    """One character without diacritics, upper case (Đ→D); the same length as the input."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = unicodedata.normalize("NFD", ch)[0]
    if unicodedata.combining(base):
        return " "
    upper = base.upper()
    return upper if len(upper) == 1 else base


def fold(text: str) -> str:
    """Diacritic-free upper-case text, character for character (positions are preserved)."""
    return "".join(fold_char(ch) for ch in unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class Skeleton:
    """Letters and digits of a text, folded, with single spaces between runs; ``index[i]`` is the
    position in the original (NFC) text of skeleton character ``i``."""

    text: str
    index: tuple[int, ...]
    tokens: tuple[tuple[int, int], ...]  # (start, end) of each token in ``text``


@lru_cache(maxsize=8192)
def skeleton(text: str) -> Skeleton:
    chars: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(fold(text)):
        if ch.isascii() and ch.isalnum():
            if pending_space and chars:
                chars.append(" ")
                index.append(i)
            chars.append(ch)
            index.append(i)
            pending_space = False
        else:
            pending_space = True
    joined = "".join(chars)
    tokens = []
    start = 0
    for part in joined.split(" "):
        tokens.append((start, start + len(part)))
        start += len(part) + 1
    return Skeleton(joined, tuple(index), tuple(t for t in tokens if t[1] > t[0]))


@lru_cache(maxsize=512)
def _phrase_skeleton(phrase: str) -> str:
    return skeleton(phrase).text


def min_ratio(phrase_skeleton: str) -> float:
    """How close a fuzzy match must be: exact for short phrases, looser for long ones."""
    n = len(phrase_skeleton)
    if n <= 5:
        return 1.0
    if n < 10:
        return 0.86
    return 0.84


# OCR reads letters of a label as digits now and then ("Số:" as "S0:"); labels have no digits.
DIGITS_AS_LETTERS = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B"})


@dataclass(frozen=True)
class PhraseMatch:
    score: float  # difflib ratio 0-1
    start: int  # span in the original text
    end: int


@lru_cache(maxsize=4096)
def _windows(sk: Skeleton, translated: str, k: int) -> tuple[list[tuple[int, int]], list[str], list[int]]:
    """The windows of k-1, k and k+1 whole tokens of a skeleton, in order: their spans, their
    (digit-translated) texts and lengths. The same for every phrase of ``k`` tokens on the line."""
    tokens = sk.tokens
    spans = [
        (tokens[i][0], tokens[i + n - 1][1])
        for i in range(len(tokens))
        for n in (k - 1, k, k + 1)
        if n >= 1 and i + n <= len(tokens)
    ]
    return spans, [translated[a:b] for a, b in spans], [b - a for a, b in spans]


def find_phrase(phrase: str, text: str, sk: Skeleton | None = None) -> PhraseMatch | None:
    """Best fuzzy occurrence of ``phrase`` in ``text`` (on whole tokens, diacritics ignored)."""
    target = _phrase_skeleton(phrase)
    if not target:
        return None
    sk = sk or skeleton(text)
    if not sk.tokens:
        return None
    k = target.count(" ") + 1
    threshold = min_ratio(target)
    translated = sk.text.translate(DIGITS_AS_LETTERS)
    if threshold >= 1.0:
        if target not in translated:
            return None
    elif LCSseq.similarity(translated, target) < _lcs_needed(len(target), threshold):
        return None  # no window of this text can reach the threshold
    # Token windows of k-1..k+1 tokens, in order, that pass the length bound (2·min / total can only
    # fall further).
    all_spans, all_windows, lengths = _windows(sk, translated, k)
    allowed = _window_lengths(len(target), threshold)
    passing = [i for i, n in enumerate(lengths) if n in allowed]
    if not passing:
        return None
    spans = [all_spans[i] for i in passing]
    windows = [all_windows[i] for i in passing]
    if threshold >= 1.0:
        scores = [1.0 if window == target else 0.0 for window in windows]
        best: PhraseMatch | None = None
        for (a, b), score in zip(spans, scores, strict=True):
            if score >= threshold and (best is None or score > best.score):
                best = PhraseMatch(score, sk.index[a], sk.index[b - 1] + 1)
        return best
    # RapidFuzz's bound for all windows in one call; difflib's ratio only where it may pass, best bound
    # first, until no window left can reach the best ratio found (its bound is below it). The result is
    # that of scoring every window in order: the highest ratio, the first window among equals.
    # (cdist's bounds are float32: within 1e-7 of the true bound, hence the margin against ``found``.)
    bounds = cdist([target], windows, scorer=Indel.normalized_similarity)[0].tolist()
    candidates = [j for j, bound in enumerate(bounds) if bound >= threshold - 1e-9]
    candidates.sort(key=bounds.__getitem__, reverse=True)
    matcher = _matcher(target)
    found, chosen = 0.0, -1
    for j in candidates:
        if bounds[j] < found - 1e-6:
            break
        matcher.set_seq1(windows[j])
        score = matcher.ratio()
        if score >= threshold and (score > found or (score == found and j < chosen)):
            found, chosen = score, j
    if chosen < 0:
        return None
    a, b = spans[chosen]
    return PhraseMatch(found, sk.index[a], sk.index[b - 1] + 1)


_local = threading.local()


def _matcher(b: str) -> SequenceMatcher[str]:
    """A difflib matcher whose second sequence is ``b`` (its index built once per thread): setting the
    first sequence and asking the ratio gives what a new ``SequenceMatcher(None, a, b, autojunk=False)``
    gives."""
    cache: dict[str, SequenceMatcher[str]] | None = getattr(_local, "matchers", None)
    if cache is None:
        cache = _local.matchers = {}
    matcher = cache.get(b)
    if matcher is None:
        if len(cache) >= 2048:
            cache.clear()
        matcher = cache[b] = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(b)
    return matcher


@lru_cache(maxsize=1024)
def _window_lengths(target_length: int, threshold: float) -> frozenset[int]:
    """Window lengths ``n`` whose best possible ratio with a phrase of ``target_length`` characters,
    2·min(n, t) / (n + t), reaches ``threshold`` (longer ones never do: n < 2t / threshold)."""
    t = target_length
    return frozenset(n for n in range(int(2 * t / threshold) + 2) if 2 * min(n, t) >= threshold * (n + t))


def _lcs_needed(target_length: int, threshold: float) -> float:
    """The least common subsequence a text must share with a phrase of ``target_length`` for any of
    its windows to reach ``threshold``: a window ``w`` with M matching characters has difflib ratio
    2M / (|w| + |t|) ≤ 2M / (M + |t|), which reaches ``threshold`` only if M ≥ th·|t| / (2 − th);
    and M ≤ LCS(window, t) ≤ LCS(text, t)."""
    return threshold * target_length / (2 - threshold) - 1e-9


def _may_reach(a: str, b: str, threshold: float) -> bool:
    """False only when difflib's ratio of ``a`` and ``b`` is certainly below ``threshold``: difflib's
    matching blocks are a common subsequence, so 2·LCS / (|a| + |b|) (RapidFuzz's Indel similarity) is
    an upper bound of its ratio."""
    return Indel.normalized_similarity(a, b) >= threshold - 1e-9


def line_ratio(phrase: str, line: str, at_least: float = 0.0) -> float:
    """Similarity of a whole line to ``phrase`` (for title lines, which stand alone); 0.0 when it is
    below ``at_least`` (computed only when it can reach it)."""
    a, b = _phrase_skeleton(phrase), skeleton(line).text
    if not a or not b or not _may_reach(a, b, at_least):
        return 0.0
    matcher = _matcher(b)
    matcher.set_seq1(a)
    ratio = matcher.ratio()
    return ratio if ratio >= at_least else 0.0


# -------------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class Classification:
    document_type: DocumentType
    confidence: float  # 0-1
    evidence: tuple[str, ...]  # e.g. "title:CAN CUOC CONG DAN 1.00", "labels:7/8" (no personal data)


MIN_CONFIDENCE = 0.6  # below: the caller asks a clerk (unknown_document_type)
_TITLE_WEIGHT = 0.65
_TITLE_LINE_RATIO = 0.8  # a title line is the title, nearly alone on its line
_TITLE_WINDOW_RATIO = 0.9  # or the title exactly inside a longer OCR line


def _line_title_score(title: str, line: str) -> float:
    whole = line_ratio(title, line, at_least=_TITLE_LINE_RATIO)
    if whole >= _TITLE_LINE_RATIO:
        return whole
    match = find_phrase(title, line)
    if match is not None and match.score >= _TITLE_WINDOW_RATIO:
        return match.score
    return 0.0


@lru_cache(maxsize=256)
def _longer_titles(title: str) -> tuple[str, ...]:
    """Known titles (of any type, or of documents not handled) that contain ``title``: "CĂN CƯỚC"
    (the 2024 card) is inside "CĂN CƯỚC CÔNG DÂN" (the 2021 card)."""
    target = _phrase_skeleton(title)
    known = {t for d in DOCUMENT_TYPES.values() for t in (*d.titles, *d.side_titles)} | set(OTHER_TITLES)
    return tuple(
        t
        for t in sorted(known)
        if len(_phrase_skeleton(t)) > len(target) and f" {target} " in f" {_phrase_skeleton(t)} "
    )


class _Lines:
    """The lines of a page, and for each phrase asked about the lines that may hold it: one RapidFuzz
    ``cdist`` (in C) per phrase over all lines gives their longest common subsequences with it; a line
    whose subsequence is too short for the threshold in use (:func:`_lcs_needed`) is not scored."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.skeletons = [skeleton(line) for line in lines]
        self._plain = [sk.text for sk in self.skeletons]
        self._translated = [text.translate(DIGITS_AS_LETTERS) for text in self._plain]
        self._lcs_cache: dict[tuple[str, bool], list[float]] = {}

    def _lcs(self, target: str, translated: bool) -> list[float]:
        """Each line's longest common subsequence with ``target`` (skeletons, digits read as letters
        when ``translated``), computed once per page."""
        found = self._lcs_cache.get((target, translated))
        if found is None:
            texts = self._translated if translated else self._plain
            found = cdist([target], texts, scorer=LCSseq.similarity)[0].tolist() if texts else []
            self._lcs_cache[target, translated] = found
        return found

    def label_lines(self, phrase: str) -> list[int]:
        """Lines that may contain ``phrase`` (:func:`find_phrase` on the digit-translated skeleton)."""
        target = _phrase_skeleton(phrase)
        if not target:
            return []
        needed = _lcs_needed(len(target), min(min_ratio(target), 1.0))
        return [i for i, n in enumerate(self._lcs(target, True)) if n >= needed]

    def title_lines(self, phrase: str) -> list[int]:
        """Lines that may score as the title ``phrase`` (:func:`_line_title_score`): the whole line
        at a ratio ≥ 0.8, or a window of it at ≥ 0.9."""
        target = _phrase_skeleton(phrase)
        if not target:
            return []
        window = _lcs_needed(len(target), max(_TITLE_WINDOW_RATIO, min(min_ratio(target), 1.0)))
        plain, translated = self._lcs(target, False), self._lcs(target, True)
        return [
            i
            for i, text in enumerate(self._plain)
            if translated[i] >= window or plain[i] >= _TITLE_LINE_RATIO * (len(target) + len(text)) / 2 - 1e-9
        ]

    def has(self, phrase: str) -> bool:
        """Whether ``phrase`` occurs (fuzzily) in a line."""
        return any(find_phrase(phrase, self.lines[i], self.skeletons[i]) for i in self.label_lines(phrase))


def _title_score(title: str, page: _Lines | list[str]) -> float:
    """How well a line of the page is ``title``; a line that is rather a longer known title
    containing it does not count (the longer matched title wins)."""
    if isinstance(page, list):
        page = _Lines(page)
    best = 0.0
    longer: dict[str, set[int]] | None = None  # the lines each longer title may be, when first needed
    for i in page.title_lines(title):
        line = page.lines[i]
        score = _line_title_score(title, line)
        if score <= best:
            continue
        if longer is None:
            longer = {t: set(page.title_lines(t)) for t in _longer_titles(title)}
        if not any(i in lines and _line_title_score(t, line) >= score for t, lines in longer.items()):
            best = score
    return best


def _other_titles() -> tuple[str, ...]:
    """Titles of documents not handled: OTHER_TITLES less those of the registered types."""
    own = {_phrase_skeleton(t) for d in DOCUMENT_TYPES.values() for t in d.titles}
    return tuple(t for t in OTHER_TITLES if _phrase_skeleton(t) not in own)


def _is_header(line: str) -> bool:
    return any(line_ratio(h, line, at_least=0.8) >= 0.8 for h in NATIONAL_HEADER)


def classify(text: str) -> Classification:
    """Document type of an OCR text (all pages joined), with a confidence and the evidence used."""
    lines = [ln for ln in (line.strip() for line in text.splitlines()) if ln and not _is_header(ln)]
    if not lines:
        return Classification(DocumentType.UNKNOWN, 0.0, ("no text",))

    scored: list[tuple[float, DocumentType, tuple[str, ...], float]] = []
    page = _Lines(lines)
    for definition in DOCUMENT_TYPES.values():
        title = max((_title_score(t, page) for t in definition.titles), default=0.0)
        labels = [f.labels[0] for f in definition.fields if f.required and f.labels]
        labels += list(definition.other_labels[:2])
        found = sum(1 for label in labels if page.has(label))
        label_share = found / len(labels) if labels else 0.0
        evidence: tuple[str, ...] = (f"title:{title:.2f}", f"labels:{found}/{len(labels)}")
        side = max((_title_score(t, page) for t in definition.side_titles), default=0.0)
        if title > 0:
            confidence = _TITLE_WEIGHT * title + (1 - _TITLE_WEIGHT) * label_share
        elif side > 0:
            # The other side of the document (a card's back, which repeats no title): its side
            # title and the labels printed on that side.
            back = [f.labels[0] for f in definition.fields if f.name in definition.back_fields and f.labels]
            back_found = sum(1 for label in back if page.has(label))
            back_share = back_found / len(back) if back else 0.0
            confidence = _TITLE_WEIGHT * side + (1 - _TITLE_WEIGHT) * back_share
            title = side
            evidence = (f"side_title:{side:.2f}", f"back_labels:{back_found}/{len(back)}")
        else:
            # Labels without the title: at most a hint for the clerk, never above MIN_CONFIDENCE.
            confidence = min(0.45, 0.45 * label_share)
        scored.append((confidence, definition.type, evidence, title))

    scored.sort(key=lambda item: item[0], reverse=True)
    confidence, best_type, evidence, title = scored[0]

    # A page titled as a document we do not handle is unknown, whatever its labels say.
    other = max(((_title_score(t, page), t) for t in _other_titles()), default=(0.0, ""))
    if other[0] > title:
        return Classification(
            DocumentType.UNKNOWN, round(min(confidence, 0.3), 3), (*evidence, f"other_title:{fold(other[1])}")
        )
    # Two types scoring alike: do not pick one.
    if len(scored) > 1 and scored[1][0] > 0 and confidence - scored[1][0] < 0.15:
        return Classification(DocumentType.UNKNOWN, round(confidence / 2, 3), (*evidence, "ambiguous"))
    if confidence < 0.2:
        return Classification(DocumentType.UNKNOWN, round(confidence, 3), evidence)
    return Classification(best_type, round(confidence, 3), evidence)
