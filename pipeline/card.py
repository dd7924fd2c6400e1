"""An ID card lying on a larger scan or photo: found, and warped to a flat ISO/IEC 7810 ID-1 card.

:func:`find_card` looks for the card's outline (OpenCV: edges → contours → ``approxPolyDP`` to four
corners, ``minAreaRect`` for the aspect) and accepts it only when measurement says it is a card on
something larger: a convex quadrilateral of 2-80% of the image whose aspect (mean opposite sides) is
the ID-1 aspect 85.6 / 54 = 1.585 within 15%, and which holds nearly all of the page's characters
(a box drawn on a form has text around it; a card on a scanner bed has none). :func:`warp_card` then
maps the four corners onto an upright ID-1 rectangle at the page's resolution (``warpPerspective``),
undoing the turn on a flatbed and the perspective of a photo. Pages without such an outline are left
alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ID1_MM = (85.6, 54.0)
ID1_ASPECT = ID1_MM[0] / ID1_MM[1]


@dataclass(frozen=True)
class CardOutline:
    corners: np.ndarray  # (4, 2) float32: top-left, top-right, bottom-right, bottom-left
    area_fraction: float  # of the image
    aspect: float  # long side / short side


def _order(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (image coordinates)."""
    pts = points.reshape(4, 2).astype(np.float32)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def _quad_aspect(c: np.ndarray) -> float:
    top, bottom = np.linalg.norm(c[1] - c[0]), np.linalg.norm(c[2] - c[3])
    left, right = np.linalg.norm(c[3] - c[0]), np.linalg.norm(c[2] - c[1])
    a, b = float(top + bottom) / 2, float(left + right) / 2
    return max(a, b) / max(min(a, b), 1e-6)


def _edge_all_round(gray: np.ndarray, corners: np.ndarray, offset: float = 4.0) -> bool:
    """True when each side of the quadrilateral is a brightness step: at most points along it the
    strip just inside differs from the strip just outside by a few grey levels, with the same sign all
    round (a card lighter or darker than what it lies on). The hull of a page's text and photo has
    paper on both sides of most of its outline."""
    centre = corners.mean(axis=0)
    h, w = gray.shape
    signs: list[float] = []
    for k in range(4):
        a, b = corners[k], corners[(k + 1) % 4]
        t = np.linspace(0.1, 0.9, 24)[:, None]
        points = a + (b - a) * t
        normal = np.array([-(b - a)[1], (b - a)[0]], np.float32)
        normal /= max(float(np.linalg.norm(normal)), 1e-6)
        if np.dot(centre - (a + b) / 2, normal) < 0:
            normal = -normal  # pointing inwards
        inside = points + normal * offset
        outside = points - normal * offset

        def sample(pts: np.ndarray) -> np.ndarray:
            xs = np.clip(pts[:, 0].round().astype(int), 0, w - 1)
            ys = np.clip(pts[:, 1].round().astype(int), 0, h - 1)
            return gray[ys, xs].astype(np.float32)

        diff = sample(inside) - sample(outside)
        strong = np.abs(diff) >= 5
        if strong.mean() < 0.7:
            return False
        signs.append(float(np.sign(np.median(diff[strong]))))
    return len(set(signs)) == 1


def find_card(
    gray: np.ndarray,
    char_boxes: np.ndarray | None = None,
    *,
    min_area: float = 0.02,
    max_area: float = 0.8,
    aspect_tolerance: float = 0.15,
    min_chars_inside: float = 0.9,
) -> CardOutline | None:
    """The outline of an ID-1 card lying on ``gray`` (8-bit), or None (see the module text).

    ``char_boxes``: (n, 4) x, y, w, h of the page's character-like components, to check that the
    text is on the card."""
    h, w = gray.shape
    scale = 1000.0 / max(h, w) if max(h, w) > 1000 else 1.0
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    edges = cv2.Canny(blurred, 10, 30)  # low: a light card on a white scanner lid differs by ~10 levels
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area_total = float(small.shape[0] * small.shape[1])
    best: CardOutline | None = None
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        area = cv2.contourArea(hull) / area_total
        if not min_area <= area <= max_area:
            continue
        quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(quad) != 4:
            # A rounded or slightly bent outline: its minimum-area rectangle, if it fits snugly.
            rect = cv2.minAreaRect(hull)
            box = cv2.boxPoints(rect)
            if cv2.contourArea(box) <= 0 or cv2.contourArea(hull) / cv2.contourArea(box) < 0.92:
                continue
            quad = box
        small_corners = _order(np.asarray(quad, np.float32))
        corners = small_corners / scale
        aspect = _quad_aspect(corners)
        if abs(aspect - ID1_ASPECT) > aspect_tolerance * ID1_ASPECT:
            continue
        if not _edge_all_round(blurred, small_corners):
            continue  # the outline of the content (text and photo merged), not of a card
        best = CardOutline(corners=corners, area_fraction=area, aspect=aspect)
        break
    if best is None:
        return None
    if char_boxes is not None and len(char_boxes):
        centres = char_boxes[:, :2] + char_boxes[:, 2:] / 2
        outline = best.corners.reshape(-1, 1, 2)
        inside = sum(cv2.pointPolygonTest(outline, (float(x), float(y)), False) >= 0 for x, y in centres)
        if inside < min_chars_inside * len(centres):
            return None
    return best


def warp_card(image: np.ndarray, outline: CardOutline, dpi: int) -> np.ndarray:
    """The card as a flat ID-1 rectangle at ``dpi``, landscape or portrait as it lies (which way is up
    is found by the orientation step)."""
    width = round(ID1_MM[0] / 25.4 * dpi)
    height = round(ID1_MM[1] / 25.4 * dpi)
    c = outline.corners
    top = np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])
    side = np.linalg.norm(c[3] - c[0]) + np.linalg.norm(c[2] - c[1])
    if side > top:  # lying in portrait: kept so; the orientation step turns it (and records the turn)
        width, height = height, width
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(c, target)
    return cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
