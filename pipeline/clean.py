"""Clean stage and quality gate (OpenCV): grayscale, deskew, conditional denoise, conditional upscale,
and the checks that reject a page a clerk must rescan (blank, too dark, too blurred, too low a
resolution), each with its page number.

Everything is measured on *character-like* connected components (height 0.5-12 mm, not too wide),
so the measurements work on sparse pages such as an ID card on a scanner bed: the card's edges, the
photo, a QR code or a long rule are not characters and do not steer the skew angle or the blur score.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipeline.card import find_card, warp_card
from pipeline.errors import DocumentRejected
from pipeline.orient import confirm_turn, detect_orientation, ink_near_characters, ink_threshold, turn
from pipeline.rasterise import PageImage


@dataclass(frozen=True)
class CleanOptions:
    deskew: bool = True
    orient: bool = True  # detect and undo a 90/180/270° turn (pipeline.orient)
    ocr_language: str = "vie"  # for confirming a measured turn with OCR
    min_skew_deg: float = 0.3  # below this the page is left alone (rotating resamples the image)
    max_skew_deg: float = 10.0  # search range; a larger angle is an orientation problem (later issue)
    # Quality gate thresholds, calibrated on pipeline.samples pages (see tests/integration).
    min_characters: int = 12  # fewer character-like components: blank page
    min_paper_level: int = 80  # 90th percentile gray below this: too dark
    min_contrast: int = 40  # paper level minus ink level below this: too faint / too dark
    # Estimated blur sigma / median character height. Measured on pipeline.samples pages
    # (A4 at 300 DPI, card at 600 DPI) with added Gaussian blur: sigma 0-1 gives 0.024-0.041,
    # sigma 3 0.061-0.068 (still read correctly), sigma 4 0.083-0.089, sigma 5 0.11-0.12.
    max_blur_ratio: float = 0.075
    # Share of the page clearly darker than the paper: above it, a page without characters is not
    # blank but unreadable (blurred beyond recognition).
    min_ink_fraction: float = 0.002
    min_char_height_px: float = 10.0  # median character height below this: resolution too low
    # Text smaller than this (median character height, px) is upscaled 2x before OCR.
    upscale_below_px: float = 22.0
    # Denoise (3x3 median) only when salt-and-pepper specks exceed this fraction of background pixels.
    max_speck_fraction: float = 0.0015
    # After one median pass, more "leader dots" than this share of the characters: a second pass.
    max_residual_dots: float = 0.2
    # Dark scanner margins wider than this (mm) are painted paper-coloured on the OCR image.
    min_border_mm: float = 1.0
    # An ID card lying on a larger page is found and warped flat (pipeline.card).
    find_card: bool = True
    # Uneven light (a strong shadow): relit when the paper's brightness varies by more than this share
    # across the page (1 - darkest / brightest of the estimated background).
    max_unevenness: float = 0.2


@dataclass(frozen=True)
class CleaningRecord:
    """What was measured and applied on one page (no personal data)."""

    page_number: int
    orientation: int  # clockwise degrees the page was turned (0, 90, 180, 270)
    skew_deg: float
    deskewed: bool
    leader_dots_removed: int
    speck_fraction: float
    median_filtered: bool
    median_passes: int
    blur_ratio: float
    paper_level: int
    ink_level: int
    characters: int
    char_height_px: float
    upscale: float
    dpi_in: int
    dpi_out: int
    border_px: tuple[int, int, int, int] = (0, 0, 0, 0)  # dark margins painted over: left, top, right, bottom
    card_found: bool = False  # an ID card on a larger page, warped flat
    unevenness: float = 0.0
    relit: bool = False


@dataclass
class CleanedPage:
    page_number: int
    image: Image.Image  # 8-bit gray, ready for OCR (leaders removed, maybe denoised and upscaled)
    dpi: int  # of ``image``
    # The page as it looks, deskewed (colour kept): what the searchable PDF shows. Same size in
    # points as ``image`` (``visible_dpi`` may be half of ``dpi`` when the OCR image was upscaled).
    visible: Image.Image
    visible_dpi: int
    record: CleaningRecord
    # ``visible`` is the input page as it was (not turned, deskewed, cropped or relit): its original
    # encoding (a scanner's JPEG) can be shown as it is.
    visible_unchanged: bool = False


@dataclass(frozen=True)
class _Chars:
    """Character-like components of a page, and the dots of dotted leader lines."""

    boxes: np.ndarray  # (n, 4) x, y, w, h
    leader_dots: int
    # What the masks are drawn from: the page's component labels, those of the characters and of the
    # leader dots; and the adaptive threshold they were found in (pipeline.orient reuses it).
    labels: np.ndarray = dataclasses.field(repr=False)
    components: int  # labels in ``labels``, the background's included
    chosen: np.ndarray = dataclasses.field(repr=False)
    leaders: np.ndarray = dataclasses.field(repr=False)
    binary: np.ndarray = dataclasses.field(repr=False)

    @property
    def count(self) -> int:
        return int(self.boxes.shape[0])

    @property
    def median_height(self) -> float:
        return float(np.median(self.boxes[:, 3])) if self.count else 0.0

    # The masks are drawn when first asked for: the components found again after a turn or a deskew
    # only give the leader dots and the count.
    @functools.cached_property
    def mask(self) -> np.ndarray:
        """uint8 0/255, union of the character components."""
        return (
            _select(self.labels, self.chosen, self.components)
            if self.chosen.size
            else np.zeros(self.labels.shape, np.uint8)
        )

    @functools.cached_property
    def leader_mask(self) -> np.ndarray:
        """uint8 0/255, dots of dotted leaders (printed form lines)."""
        return (
            _select(self.labels, self.leaders, self.components)
            if self.leaders.size
            else np.zeros(self.labels.shape, np.uint8)
        )


def percentile_u8(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) of 8-bit values from their histogram:
    the same number, without sorting millions of pixels."""
    # OpenCV's histogram (~5× np.bincount's speed) counts in float32: exact below 2**24 values.
    counts: np.ndarray
    if values.size < 1 << 24:
        flat = np.ascontiguousarray(values).reshape(-1, 1)
        counts = cv2.calcHist([flat], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    else:
        counts = np.bincount(values.ravel(), minlength=256)

    n = int(counts.sum())
    if n == 0:
        raise ValueError("no values")
    position = q / 100.0 * (n - 1)
    below = math.floor(position)
    cumulative = np.cumsum(counts)
    lower = int(np.searchsorted(cumulative, below + 1))
    upper = int(np.searchsorted(cumulative, min(below + 2, n)))
    return lower + (upper - lower) * (position - below)


def to_gray(image: Image.Image) -> np.ndarray:
    if image.mode != "L":
        image = image.convert("L")
    return np.asarray(image, dtype=np.uint8).copy()


def find_characters(gray: np.ndarray, dpi: int) -> _Chars:
    """Dark connected components whose size is that of printed characters at ``dpi``, and the
    dots of dotted leader lines (``Họ, chữ đệm, tên: ......``), which are not characters."""
    mm = dpi / 25.4
    binary = ink_threshold(gray, dpi)
    # BBDT (Grana's 2x2 blocks) labels as OpenCV's default (Spaghetti, the same blocks) does, same label
    # order, ~25% faster here (tests/unit/test_clean_fast.py compares them).
    _, labels, stats, centroids = cv2.connectedComponentsWithStatsWithAlgorithm(
        binary, 8, cv2.CV_32S, cv2.CCL_BBDT
    )
    x, y, w, h, area = stats[1:, 0], stats[1:, 1], stats[1:, 2], stats[1:, 3], stats[1:, 4]
    fill = area / np.maximum(w * h, 1)
    dot = (w <= 0.8 * mm) & (h <= 0.8 * mm) & (w >= 0.12 * mm) & (h >= 0.12 * mm) & (fill >= 0.5)
    leaders = _leader_dots(centroids[1:][dot], np.flatnonzero(dot) + 1, mm)
    is_leader = np.zeros(len(w), bool)
    is_leader[leaders - 1] = True
    keep = (h >= 0.5 * mm) & (h <= 12 * mm) & (w <= 12 * mm) & (w >= 0.1 * mm) & (fill > 0.08) & (fill < 0.95)
    keep &= ~is_leader
    index = np.flatnonzero(keep) + 1
    boxes = np.stack([x[keep], y[keep], w[keep], h[keep]], axis=1) if index.size else np.zeros((0, 4), int)
    return _Chars(
        boxes=boxes,
        leader_dots=int(leaders.size),
        labels=labels,
        components=len(w) + 1,
        chosen=index,
        leaders=leaders,
        binary=binary,
    )


def _select(labels: np.ndarray, chosen: np.ndarray, count: int) -> np.ndarray:
    """0/255 mask of the components ``chosen`` (a look-up table: ``np.isin`` sorts per pixel)."""
    table = np.zeros(count, np.uint8)
    table[chosen] = 255
    return table[labels]


def _leader_dots(centres: np.ndarray, labels: np.ndarray, mm: float, min_run: int = 5) -> np.ndarray:
    """Labels of dots forming dotted leaders: runs of >= ``min_run`` dots on one baseline with a
    regular pitch of at most 3 mm. Diacritic dots (ạ, ị) are too irregular or too far apart."""
    if centres.shape[0] < min_run:
        return np.zeros(0, int)
    found: list[np.ndarray] = []
    # Rows: dots whose centres lie within 0.4 mm of the row's running mean height.
    by_y = np.argsort(centres[:, 1], kind="stable")
    rows: list[list[int]] = []
    ys = centres[:, 1].tolist()
    total = 0.0  # sum of the current row's heights (its running mean without a numpy call per dot)
    for i in by_y.tolist():
        if rows and abs(ys[i] - total / len(rows[-1])) <= 0.4 * mm:
            rows[-1].append(i)
            total += ys[i]
        else:
            rows.append([i])
            total = ys[i]
    xs = centres[:, 0].tolist()
    pitch = 3 * mm
    for row in rows:
        if len(row) < min_run:
            continue
        ordered = sorted(row, key=xs.__getitem__)
        run = [ordered[0]]
        for i in [*ordered[1:], -1]:
            if i >= 0 and 0 < xs[i] - xs[run[-1]] <= pitch:
                run.append(i)
                continue
            if len(run) >= min_run:
                gaps = np.diff(centres[run, 0])
                median = float(np.median(gaps))
                if np.mean(np.abs(gaps - median) <= 0.3 * median) >= 0.6:
                    found.append(labels[run])
            run = [i]
    return np.concatenate(found) if found else np.zeros(0, int)


def estimate_skew(chars: _Chars, max_deg: float = 10.0) -> float:
    """Skew angle in degrees (positive: text rises to the right, i.e. the page is turned
    counter-clockwise) from the character bottoms: the angle at which they fall into the fewest,
    sharpest rows. A projection on points, not pixels, so a sparse card works as well as a full page.
    """
    if chars.count < 8:
        return 0.0
    boxes = chars.boxes.astype(np.float64)
    # Letters only: diacritics and dots are characters too, but float above or below the line.
    boxes = boxes[boxes[:, 3] >= 0.6 * chars.median_height]
    if boxes.shape[0] < 8:
        return 0.0
    x = boxes[:, 0] + boxes[:, 2] / 2
    y = boxes[:, 1] + boxes[:, 3]
    weight = boxes[:, 2]
    bin_size = max(2.0, chars.median_height / 4)

    def score(angle_deg: float) -> float:
        t = math.radians(angle_deg)
        # Image y grows downwards: a line rising to the right has y decreasing with x.
        projected = y * math.cos(t) + x * math.sin(t)
        histogram = np.bincount(((projected - projected.min()) / bin_size).astype(int), weights=weight)
        return float(np.sum(histogram**2))

    coarse = [float(a) for a in np.arange(-max_deg, max_deg + 1e-9, 0.25)]
    best = max(coarse, key=score)
    fine = [float(a) for a in np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02)]
    best = max(fine, key=score)
    # The projection finds the rows; a line fit through each row's character bottoms then gives the
    # angle more precisely than the histogram bins can on a sparse page with short lines.
    refined = _fit_rows(x, y, best, chars.median_height)
    return best if refined is None or abs(refined - best) > 0.5 else refined


def _fit_rows(x: np.ndarray, y: np.ndarray, angle_deg: float, height: float) -> float | None:
    """Median over text rows (taken from the projection at ``angle_deg``) of the angle of a line
    fitted through each row's character bottoms (descenders trimmed). The median, weighted by row
    length, ignores a row cut by the image edge or bent by a fold; None if fewer than two rows."""
    t = math.radians(angle_deg)
    projected = y * math.cos(t) + x * math.sin(t)
    order = np.argsort(projected)
    angles: list[tuple[float, float]] = []
    start = 0
    for i in range(1, len(order) + 1):
        if i < len(order) and projected[order[i]] - projected[order[i - 1]] <= 0.5 * height:
            continue
        row = order[start:i]
        start = i
        extent = float(np.ptp(x[row])) if len(row) else 0.0
        if len(row) < 4 or extent < 5 * height:
            continue
        keep: np.ndarray = np.ones(len(row), dtype=bool)
        slope = -math.tan(t)
        for _ in range(2):
            if keep.sum() < 3:
                break
            slope = float(np.polyfit(x[row][keep], y[row][keep], 1)[0])
            residual = y[row] - slope * x[row]
            keep = np.abs(residual - np.median(residual)) <= 0.2 * height
        angles.append((-math.degrees(math.atan(slope)), extent))
    if len(angles) < 2:
        return None
    angles.sort()
    total = sum(w for _, w in angles)
    running = 0.0
    for angle, w in angles:
        running += w
        if running >= total / 2:
            return angle
    return angles[-1][0]


def rotate(array: np.ndarray, angle_deg: float, fill: int | tuple[int, ...]) -> np.ndarray:
    """Rotate counter-clockwise by ``angle_deg`` about the centre, same size, ``fill`` outside."""
    h, w = array.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    border = fill if isinstance(fill, tuple) else (fill, fill, fill)
    return cv2.warpAffine(
        array, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


def ink_fraction(gray: np.ndarray, paper: int) -> float:
    """Share of pixels clearly darker than the local paper (uneven lighting divided out)."""
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    background = cv2.resize(
        cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8)),
        (gray.shape[1], gray.shape[0]),
        interpolation=cv2.INTER_LINEAR,
    )
    darker = background.astype(np.int16) - gray.astype(np.int16)
    return float((darker > 40).mean())


def speck_fraction(gray: np.ndarray, text_mask: np.ndarray) -> float:
    """Fraction of background pixels that differ strongly from their 3x3 median (salt and pepper)."""
    return _specks(gray, text_mask)[0]


def _specks(gray: np.ndarray, text_mask: np.ndarray) -> tuple[float, np.ndarray]:
    """:func:`speck_fraction`, and the 3x3 median it was measured against (the denoised page)."""
    median = cv2.medianBlur(gray, 3)
    near_text = cv2.dilate(text_mask, np.ones((5, 5), np.uint8))
    total = near_text.size - cv2.countNonZero(near_text)  # background pixels
    if total == 0:
        return 0.0, median
    _, strong = cv2.threshold(cv2.absdiff(gray, median), 60, 255, cv2.THRESH_BINARY)
    specks = cv2.countNonZero(cv2.bitwise_and(strong, cv2.bitwise_not(near_text)))
    return float(specks) / total, median


def blur_ratio(gray: np.ndarray, chars: _Chars, paper: int, ink: int) -> float:
    """Estimated blur (Gaussian sigma, px) of character edges divided by the character height.

    A step edge of contrast C blurred with sigma has a peak gradient C / (sigma * sqrt(2 pi)); the
    90th percentile gradient on character edges therefore gives sigma. Dividing by the character
    height makes the score independent of the scan resolution (a 600 DPI card and a 300 DPI page
    with the same legibility score alike).
    """
    if chars.count == 0 or chars.median_height <= 0:
        return 0.0
    contrast = max(paper - ink, 1)
    edges = cv2.morphologyEx(chars.mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    # Sobel in 16-bit integers: the same values as in float32 (sums of 8-bit values, at most 4 * 255),
    # half the memory traffic; converted on the edge pixels only.
    gx = cv2.Sobel(gray, cv2.CV_16S, 1, 0, ksize=3)[edges].astype(np.float32)
    gy = cv2.Sobel(gray, cv2.CV_16S, 0, 1, ksize=3)[edges].astype(np.float32)
    values = np.hypot(gx, gy) / np.float32(8.0)  # on the edge pixels only
    if values.size < 50:
        return 0.0
    peak = float(np.percentile(values, 90))
    sigma = contrast / (math.sqrt(2 * math.pi) * max(peak, 1e-3))
    return sigma / chars.median_height


def dark_borders(gray: np.ndarray, paper: int, dpi: int, min_mm: float) -> tuple[int, int, int, int]:
    """Widths (px) of dark margins along the left, top, right and bottom edges: from the edge inwards,
    the rows/columns that are mostly much darker than the paper (at most 15% of the page)."""
    # Black margins (a shadow at its darkest is ~0.4 of the paper): gray < paper * 0.3, i.e. (8-bit
    # values) gray < ceil(paper * 0.3), counted per column and per row.
    below = math.ceil(paper * 0.3)
    dark = (gray < below).view(np.uint8) if below > 0 else np.zeros_like(gray)
    per_column = dark.sum(axis=0, dtype=np.int32)
    per_row = dark.sum(axis=1, dtype=np.int32)
    # The shares as ``dark.mean(axis)`` gives them (float64 count / length).
    shares = (per_column / np.float64(gray.shape[0]), per_row / np.float64(gray.shape[1]))
    widths = []
    for axis, from_end in ((0, False), (1, False), (0, True), (1, True)):
        share = shares[axis]  # axis 0: per column; axis 1: per row
        if from_end:
            share = share[::-1]
        limit = int(0.15 * share.size)
        light = np.flatnonzero(share[:limit] < 0.5)
        width = int(light[0]) if light.size else limit
        # A ragged page edge: the margin ends where columns are mostly paper; take it a little wider.
        wide = width * 25.4 / dpi >= min_mm
        widths.append(min(limit, width + round(1.5 * dpi / 25.4)) if wide else 0)
    return widths[0], widths[1], widths[2], widths[3]


def background(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness under the page (text closed away), at 1/8 of its size."""
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    return cv2.medianBlur(closed, 5)


def unevenness(back: np.ndarray) -> float:
    low, high = np.percentile(back, (2, 98))
    return float(1.0 - low / max(high, 1.0))


def relight(gray: np.ndarray, back: np.ndarray, paper: int) -> np.ndarray:
    """Divide the uneven light out (``back`` from :func:`background`): every part of the paper as bright
    as ``paper``."""
    full = cv2.resize(back, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = gray.astype(np.float32) * (float(paper) / np.maximum(full.astype(np.float32), 1.0))
    return np.clip(out, 0, 255).astype(np.uint8)


def relit_for_ocr(cleaned: CleanedPage) -> CleanedPage:
    """The cleaned page with its uneven light divided out, whatever the gate measured: for a page whose
    characters Tesseract read none or few of (pipeline.process.under_read). On a sparse page (a
    decision's second page: "Nơi nhận" and the signer's block) a mild vignette below ``max_unevenness``
    is enough for Tesseract's one global threshold (Otsu) to fall inside the paper: 21% of the page
    turned to specks, no word read."""
    if cleaned.record.relit:
        return cleaned
    gray = np.asarray(cleaned.image)
    relit = relight(gray, background(gray), int(percentile_u8(gray, 90)))
    record = dataclasses.replace(cleaned.record, relit=True)
    return dataclasses.replace(cleaned, image=Image.fromarray(relit), record=record)


def clean_page(page: PageImage, options: CleanOptions | None = None) -> CleanedPage:
    """Measure, gate and clean one page; raises :class:`DocumentRejected` for a page to rescan."""
    options = options or CleanOptions()
    number = page.page_number
    gray = to_gray(page.image)
    paper = int(percentile_u8(gray, 90))
    if paper < options.min_paper_level:
        raise DocumentRejected("too_dark", page=number)

    visible = np.asarray(page.image.convert("RGB") if page.image.mode not in ("L", "RGB") else page.image)
    visible_changed = False

    # Dark scanner margins (lid open, page smaller than the bed) are painted paper-coloured on the
    # OCR image: Tesseract reads their ragged edges as characters, and they hide a card's outline.
    borders = dark_borders(gray, paper, page.dpi, options.min_border_mm)
    if any(borders):
        left, top, right, bottom = borders
        gray[:, :left] = paper
        gray[:top, :] = paper
        gray[:, gray.shape[1] - right :] = paper
        gray[gray.shape[0] - bottom :, :] = paper

    chars = find_characters(gray, page.dpi)
    card_found = False
    if options.find_card:
        outline = find_card(gray, chars.boxes)
        if outline is not None:
            card_found = True
            gray = warp_card(gray, outline, page.dpi)
            visible = warp_card(visible, outline, page.dpi)
            visible_changed = True
            paper = int(percentile_u8(gray, 90))
            chars = find_characters(gray, page.dpi)

    if chars.count < options.min_characters:
        # No characters: a blank page, or content blurred beyond recognising any character.
        if ink_fraction(gray, paper) > options.min_ink_fraction:
            raise DocumentRejected("too_blurred", page=number)
        raise DocumentRejected("blank_page", page=number)
    ink = int(percentile_u8(gray[chars.mask > 0], 10))
    if paper - ink < options.min_contrast:
        raise DocumentRejected("too_dark", page=number)

    # Salt-and-pepper specks (measured off the characters) are removed first: everything after
    # (the resolution and blur measurements, leader dots, OCR) sees the cleaner page. Clumped specks
    # otherwise pass as tiny characters and make a noisy page look low-resolution.
    specks, median = _specks(gray, chars.mask)
    median_filtered = specks > options.max_speck_fraction
    median_passes = 0
    if median_filtered:
        gray = median
        median_passes = 1
        chars = find_characters(gray, page.dpi)
        # Clumped specks (noise scanned at a low DPI and enlarged, JPEG-smeared) survive one pass and
        # line up as false "leader dots" that take diacritics with them: measured on bench.ocr_quality
        # "all combined", CER 10-13% after one pass, 0.1-0.7% after two; a clean form's real leaders
        # never reach here (no median filter without specks).
        if chars.leader_dots > options.max_residual_dots * chars.count:
            gray = cv2.medianBlur(gray, 3)
            median_passes = 2
            chars = find_characters(gray, page.dpi)
        if chars.count < options.min_characters:
            raise DocumentRejected("too_blurred", page=number)

    height = chars.median_height
    # A page rendered above its scan resolution: its characters are as small as they were scanned.
    scanned = (
        height * page.source_dpi / page.dpi if page.source_dpi and page.source_dpi < page.dpi else height
    )
    if scanned < options.min_char_height_px:
        raise DocumentRejected("resolution_too_low", page=number, detail=f"({page.dpi} DPI)")
    ratio = blur_ratio(gray, chars, paper, ink)
    if ratio > options.max_blur_ratio:
        raise DocumentRejected("too_blurred", page=number)

    # Orientation (0/90/180/270) measured on the characters; the page is turned only when both the
    # line axis and which way is up are clear (pipeline.orient).
    orientation = 0
    if options.orient:
        near = ink_near_characters(gray, chars.mask, page.dpi, binary=chars.binary)
        found = detect_orientation(near, page.dpi)
        if found.angle and confirm_turn(
            gray, chars.mask, found.angle, page.dpi, language=options.ocr_language
        ):
            orientation = found.angle
        if orientation:
            gray = turn(gray, orientation)
            visible = turn(visible, orientation)
            chars = find_characters(gray, page.dpi)

    skew = estimate_skew(chars, options.max_skew_deg) if options.deskew else 0.0
    deskewed = abs(skew) > options.min_skew_deg
    if deskewed:
        # ``skew`` is the text's angle; rotating by -skew levels it. Fill with the paper's colour.
        same = visible.shape == gray.shape and np.array_equal(visible, gray)  # a gray page as it came
        gray = rotate(gray, -skew, fill=paper)
        fill: int | tuple[int, ...] = paper
        if visible.ndim == 3:
            # np.percentile(visible.reshape(-1, 3), 90, axis=0), per channel from its histogram.
            fill = tuple(int(percentile_u8(visible[:, :, c], 90)) for c in range(3))
        visible = gray.copy() if same else rotate(visible, -skew, fill=fill)
    if deskewed:
        chars = find_characters(gray, page.dpi)

    # Dotted leaders of printed forms ("Họ, chữ đệm, tên: ......") make Tesseract misjudge the
    # line ("Dân tộc: Kinh" read "HĐaï tỌC: KÌHN"); the OCR input loses them, the visible page not.
    if chars.leader_dots:
        size = max(3, round(0.4 * page.dpi / 25.4) | 1)  # the dots' blurred halo too
        dots = cv2.dilate(chars.leader_mask, np.ones((size, size), np.uint8)) > 0
        gray[dots] = paper

    # Uneven light (a vignette, a fold's or a hand's shadow) is divided out of the OCR image, after
    # the gate measured the page as it is: Tesseract binarises with one global threshold, which on a
    # sparse page with a darker corner falls inside the paper and turns it to specks (bench "all
    # combined" with 6 lines: lines cut into fragments read out of order, CER 60%).
    back = background(gray)
    uneven = unevenness(back)
    relit = uneven > options.max_unevenness
    if relit:
        gray = relight(gray, back, paper)

    upscale = 1.0
    dpi = page.dpi
    if height < options.upscale_below_px:
        upscale = 2.0
        gray = cv2.resize(gray, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
        dpi = page.dpi * 2

    record = CleaningRecord(
        page_number=number,
        orientation=orientation,
        skew_deg=round(skew, 2),
        deskewed=deskewed,
        leader_dots_removed=chars.leader_dots,
        speck_fraction=round(specks, 5),
        median_filtered=median_filtered,
        median_passes=median_passes,
        blur_ratio=round(ratio, 4),
        paper_level=paper,
        ink_level=ink,
        characters=chars.count,
        char_height_px=round(height, 1),
        upscale=upscale,
        dpi_in=page.dpi,
        dpi_out=dpi,
        border_px=borders,
        card_found=card_found,
        unevenness=round(uneven, 3),
        relit=relit,
    )
    return CleanedPage(
        page_number=number,
        image=Image.fromarray(gray),
        dpi=dpi,
        visible=Image.fromarray(visible),
        visible_dpi=page.dpi,
        record=record,
        visible_unchanged=not orientation and not deskewed and not visible_changed,
    )
