"""Box formats and batched box geometry (IoU, GIoU, IoA).

All functions are pure numpy, vectorised over boxes, and never modify their inputs.

Formats (every array is ``(n, 4)`` float, pixels):

- ``xywh``: MOTChallenge ``(left, top, width, height)``.
- ``xyxy``: ``(left, top, right, bottom)`` with ``right = left + width``.
- ``cxcywh``: ``(centre x, centre y, width, height)``.
- ``xyah``: ``(centre x, centre y, aspect = width / height, height)``, the Kalman-filter state of
  SORT/ByteTrack.

Coordinates are continuous: a box ``xywh = (0, 0, 10, 10)`` has area 100 and ``xyxy = (0, 0, 10,
10)``, the convention of TrackEval (no "+1" pixel counting).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "box_area",
    "box_giou",
    "box_ioa",
    "box_iou",
    "box_iou_pairs",
    "cxcywh_to_xyxy",
    "xyah_to_xyxy",
    "xywh_to_xyxy",
    "xyxy_to_cxcywh",
    "xyxy_to_xyah",
    "xyxy_to_xywh",
]

FloatArray = NDArray[np.float64]


def _as_boxes(boxes: ArrayLike) -> FloatArray:
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1 and arr.shape[0] == 4:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"expected boxes of shape (n, 4), got {arr.shape}")
    return arr


def xywh_to_xyxy(boxes: ArrayLike) -> FloatArray:
    """``(n, 4)`` left, top, width, height -> ``(n, 4)`` left, top, right, bottom."""
    b = _as_boxes(boxes).copy()
    b[:, 2:] += b[:, :2]
    return b


def xyxy_to_xywh(boxes: ArrayLike) -> FloatArray:
    """``(n, 4)`` left, top, right, bottom -> ``(n, 4)`` left, top, width, height."""
    b = _as_boxes(boxes).copy()
    b[:, 2:] -= b[:, :2]
    return b


def xyxy_to_cxcywh(boxes: ArrayLike) -> FloatArray:
    """``(n, 4)`` xyxy -> ``(n, 4)`` centre x, centre y, width, height."""
    b = _as_boxes(boxes)
    wh = b[:, 2:] - b[:, :2]
    return np.concatenate([b[:, :2] + wh / 2.0, wh], axis=1)


def cxcywh_to_xyxy(boxes: ArrayLike) -> FloatArray:
    """``(n, 4)`` centre x, centre y, width, height -> ``(n, 4)`` xyxy."""
    b = _as_boxes(boxes)
    half = b[:, 2:] / 2.0
    return np.concatenate([b[:, :2] - half, b[:, :2] + half], axis=1)


def xyxy_to_xyah(boxes: ArrayLike) -> FloatArray:
    """``(n, 4)`` xyxy -> ``(n, 4)`` centre x, centre y, aspect ratio w/h, height."""
    c = xyxy_to_cxcywh(boxes)
    c[:, 2] = c[:, 2] / c[:, 3]
    return c


def xyah_to_xyxy(boxes: ArrayLike) -> FloatArray:
    """``(n, 4)`` centre x, centre y, aspect ratio w/h, height -> ``(n, 4)`` xyxy."""
    b = _as_boxes(boxes).copy()
    b[:, 2] = b[:, 2] * b[:, 3]
    return cxcywh_to_xyxy(b)


def box_area(boxes_xyxy: ArrayLike) -> FloatArray:
    """``(n, 4)`` xyxy -> ``(n,)`` areas in square pixels (0 for degenerate boxes)."""
    b = _as_boxes(boxes_xyxy)
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def _intersection(a: FloatArray, b: FloatArray) -> FloatArray:
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    return wh[..., 0] * wh[..., 1]


def box_iou(a_xyxy: ArrayLike, b_xyxy: ArrayLike) -> FloatArray:
    """Pairwise intersection over union.

    Args:
        a_xyxy: ``(n, 4)`` boxes.
        b_xyxy: ``(m, 4)`` boxes.

    Returns:
        ``(n, m)`` IoU in ``[0, 1]``; a pair whose union is 0 has IoU 0.
    """
    a, b = _as_boxes(a_xyxy), _as_boxes(b_xyxy)
    inter = _intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return np.clip(iou, 0.0, 1.0)


def box_iou_pairs(a_xyxy: ArrayLike, b_xyxy: ArrayLike) -> FloatArray:
    """Element-wise IoU of ``(n, 4)`` and ``(n, 4)`` boxes -> ``(n,)``."""
    a, b = _as_boxes(a_xyxy), _as_boxes(b_xyxy)
    if a.shape != b.shape:
        raise ValueError(f"box_iou_pairs needs equal shapes, got {a.shape} and {b.shape}")
    lt = np.maximum(a[:, :2], b[:, :2])
    rb = np.minimum(a[:, 2:], b[:, 2:])
    wh = np.clip(rb - lt, 0, None)
    inter = wh[:, 0] * wh[:, 1]
    union = box_area(a) + box_area(b) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return np.clip(iou, 0.0, 1.0)


def box_giou(a_xyxy: ArrayLike, b_xyxy: ArrayLike) -> FloatArray:
    """Pairwise generalised IoU (Rezatofighi et al., CVPR 2019).

    ``GIoU = IoU - (C - U) / C`` with ``C`` the area of the smallest enclosing box.

    Returns:
        ``(n, m)`` GIoU in ``[-1, 1]``.
    """
    a, b = _as_boxes(a_xyxy), _as_boxes(b_xyxy)
    inter = _intersection(a, b)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    lt = np.minimum(a[:, None, :2], b[None, :, :2])
    rb = np.maximum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(rb - lt, 0, None)
    hull = wh[..., 0] * wh[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
        penalty = np.where(hull > 0, (hull - union) / np.where(hull > 0, hull, 1.0), 0.0)
    return np.clip(iou - penalty, -1.0, 1.0)


def box_ioa(a_xyxy: ArrayLike, b_xyxy: ArrayLike) -> FloatArray:
    """Pairwise intersection over the area of ``a`` (how much of each ``a`` box ``b`` covers).

    Returns:
        ``(n, m)`` values in ``[0, 1]``; 0 where ``a`` has zero area.
    """
    a, b = _as_boxes(a_xyxy), _as_boxes(b_xyxy)
    inter = _intersection(a, b)
    area = box_area(a)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ioa = np.where(area > 0, inter / np.where(area > 0, area, 1.0), 0.0)
    return np.clip(ioa, 0.0, 1.0)
