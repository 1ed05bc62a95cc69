"""Per-frame one-to-one box matching (Hungarian on IoU with a minimum IoU).

The matching every layer needs: detections to ground truth (training labels, the "oracle from
candidates", detector statistics), predictions to ground truth (evaluation helpers).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from spamlabels.core.boxes import box_iou
from spamlabels.core.detections import Detections

__all__ = ["hungarian_iou", "match_per_frame"]

_EPS = float(np.finfo(np.float64).eps)


def hungarian_iou(
    iou: NDArray[np.float64], threshold: float = 0.5
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Maximum-IoU one-to-one assignment restricted to pairs with ``IoU >= threshold``.

    Pairs below the threshold are given score 0 before the assignment (TrackEval's rule, so a
    below-threshold pair never displaces a valid one) and dropped afterwards.

    Args:
        iou: ``(n, m)`` IoU matrix.
        threshold: minimum IoU of a match.

    Returns:
        ``(rows, cols)``, each ``(k,)`` int64: matched row and column indices.
    """
    if iou.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    scores = np.where(iou >= threshold - _EPS, iou, 0.0)
    rows, cols = linear_sum_assignment(-scores)
    ok = scores[rows, cols] > _EPS
    return rows[ok].astype(np.int64), cols[ok].astype(np.int64)


def match_per_frame(
    a: Detections, b: Detections, iou_threshold: float = 0.5
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Match the rows of ``a`` to rows of ``b`` frame by frame (see :func:`hungarian_iou`).

    Args:
        a: ``n_a`` boxes (e.g. detections).
        b: ``n_b`` boxes (e.g. ground truth, already filtered to what may be matched).
        iou_threshold: minimum IoU of a match.

    Returns:
        ``(a_to_b, iou)``: ``(n_a,)`` int64 row index into ``b`` (-1 when unmatched) and
        ``(n_a,)`` float64 IoU of the match (0 when unmatched).
    """
    a_to_b = np.full(len(a), -1, np.int64)
    iou_out = np.zeros(len(a))
    a_xyxy, b_xyxy = a.xyxy, b.xyxy
    for frame in a.frames():
        rb = b.rows_at(int(frame))
        if not len(rb):
            continue
        ra = a.rows_at(int(frame))
        iou = box_iou(a_xyxy[ra], b_xyxy[rb])
        r, c = hungarian_iou(iou, iou_threshold)
        a_to_b[ra[r]] = rb[c]
        iou_out[ra[r]] = iou[r, c]
    return a_to_b, iou_out
