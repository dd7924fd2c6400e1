"""A scanned stack split on blank separator pages (pipeline.separate) and ingested as one batch of
documents with the whole stack kept (workers.stacks), on the real PostgreSQL, MinIO and Redis."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image

from pipeline.samples import (
    degrade,
    gaussian_noise,
    make_citizen,
    render_birth_certificate,
    save_pdf,
    scan_look,
)
from pipeline.separate import find_separators, page_runs, split_stack
from sohoa.app import Runtime
from vault.access import Actor
from vault.index import Document, DocumentState
from workers.stacks import ingest_stack

pytestmark = pytest.mark.integration
OWNER = "001099012345"


def _text_page(seed: int) -> Image.Image:
    page = render_birth_certificate(make_citizen(random.Random(seed))).crop((0, 0, 1240, 1100))
    return degrade(page.convert("L"), [gaussian_noise(3)], seed)


def _blank(seed: int) -> Image.Image:
    """A blank sheet as a scanner sees it: tint, noise, a shadow, JPEG."""
    return degrade(Image.new("RGB", (1240, 1100), "white"), scan_look(random.Random(seed)), seed).convert("L")


def _stack(tmp_path: Path) -> Path:
    """Pages: text, text, blank, text, blank, blank, text → parts 1-2, 4, 7."""
    pages = [_text_page(1), _text_page(2), _blank(3), _text_page(4), _blank(5), _blank(6), _text_page(7)]
    path = tmp_path / "stack.pdf"
    save_pdf(pages, path, quality=90)
    return path


def test_page_runs() -> None:
    assert page_runs(7, [3, 5, 6]) == [(1, 2), (4, 4), (7, 7)]
    assert page_runs(3, []) == [(1, 3)]
    assert page_runs(3, [1, 2, 3]) == []
    assert page_runs(4, [1, 4]) == [(2, 3)]


def test_split_pdf_stack_copies_pages_unchanged(tmp_path: Path) -> None:
    stack = _stack(tmp_path)
    separators, parts = split_stack(stack, "application/pdf", tmp_path / "parts")
    assert separators == [3, 5, 6]
    assert [(p.first_page, p.last_page) for p in parts] == [(1, 2), (4, 4), (7, 7)]
    with pikepdf.open(stack) as source:
        originals = [next(iter(pg.images.values())).read_raw_bytes() for pg in source.pages]
    copied = []
    for part in parts:
        with pikepdf.open(part.path) as pdf:
            copied += [next(iter(pg.images.values())).read_raw_bytes() for pg in pdf.pages]
    assert copied == [originals[i - 1] for i in (1, 2, 4, 7)]


def test_split_tiff_stack(tmp_path: Path) -> None:
    pages = [_text_page(8), _blank(9), _text_page(10)]
    stack = tmp_path / "stack.tif"
    pages[0].save(stack, "TIFF", save_all=True, append_images=pages[1:], dpi=(300, 300))
    separators, parts = split_stack(stack, "image/tiff", tmp_path / "parts")
    assert separators == [2] and len(parts) == 2
    with Image.open(parts[1].path) as part:
        assert part.info["dpi"][0] == pytest.approx(300) and part.tobytes() == pages[2].tobytes()


def test_a_stack_without_blank_pages_is_one_part(tmp_path: Path) -> None:
    path = tmp_path / "one.pdf"
    save_pdf([_text_page(11), _text_page(12)], path)
    assert find_separators(path, "application/pdf") == []
    separators, parts = split_stack(path, "application/pdf", tmp_path / "parts")
    assert separators == [] and [(p.path, p.pages) for p in parts] == [(path, range(1, 3))]


def test_ingest_stack_keeps_the_stack_and_ingests_each_part(test_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stack = _stack(tmp_path)
    runtime = Runtime(test_settings)
    ctx = runtime.context()
    receipt = ingest_stack(ctx, stack, clerk="clerk-stack", owner_id=OWNER)
    assert receipt.separators == (3, 5, 6) and receipt.parts == ((1, 2), (4, 4), (7, 7))
    assert receipt.stack_document_id is not None
    assert [line.state for line in receipt.batch.lines] == ["received"] * 3
    with ctx.vault.session() as session:
        kept = session.get_one(Document, receipt.stack_document_id)
        assert kept.batch_id == receipt.batch.batch_id and kept.source_position == 0
        assert kept.state is DocumentState.REJECTED and kept.page_count == 7  # never processed as one
        assert kept.reason_code == "split_into_parts"  # the clerk is told why, in both languages
        assert kept.superseded_by == receipt.batch.lines[0].document_id
        parts = [session.get_one(Document, line.document_id) for line in receipt.batch.lines]
        assert [p.page_count for p in parts] == [2, 1, 1]
        # The whole stack is kept, encrypted, and reads back byte for byte.
        assert ctx.vault.read_original(kept, actor=Actor.clerk("clerk-stack")) == stack.read_bytes()
        with pikepdf.open(io.BytesIO(ctx.vault.read_original(parts[0], actor=Actor.system("worker")))) as p:
            assert len(p.pages) == 2


def test_cli_split_on_blank(test_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sohoa.cli import main

    stack = tmp_path / "cli-stack.pdf"
    save_pdf([_text_page(21), _blank(22), _text_page(23)], stack)
    result = CliRunner().invoke(
        main,
        ["ingest", "--split-on-blank", "--owner", OWNER, str(stack)],
        obj={"settings": test_settings},
    )
    assert result.exit_code == 0, result.output
    assert "blank page(s) 2; pages 1-1, pages 3-3" in result.output
    assert result.output.count(": received") == 2
