"""Reason messages a clerk reads: filled in, in both languages, without gaps left by empty placeholders."""

from __future__ import annotations

from schemas.reasons import REASONS, reason


def test_every_reason_has_both_languages_and_formats_cleanly() -> None:
    for code, entry in REASONS.items():
        for page, detail in ((None, None), (2, "(PDF 1.4)")):
            vi, en = entry.format(page=page, detail=detail)
            assert vi and en, code
            for message in (vi, en):
                assert "{" not in message and "  " not in message and " ." not in message, (code, message)


def test_page_and_detail_are_filled_in() -> None:
    vi, en = reason("too_blurred").format(page=2)
    assert "trang 2" in vi and "page 2" in en
    assert reason("corrupt_file").format()[1].startswith("The file is damaged and cannot be read. Rescan")
