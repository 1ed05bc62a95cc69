"""Training labels from ground truth: which ground-truth object each detection shows."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import Detections, Tracks, match_per_frame

__all__ = ["ASSIGN_CLASSES", "assign_gt_ids"]

ASSIGN_CLASSES = (1, 2, 7, 8, 12)
"""Ground-truth classes detections may be assigned to (SUSHI: pedestrian, person on vehicle,
static person, distractor, reflection); the consider flag and visibility are not used."""


def assign_gt_ids(
    dets: Detections, gt: Tracks, iou_threshold: float = 0.5,
    classes: tuple[int, ...] = ASSIGN_CLASSES,
) -> NDArray[np.int64]:  # fmt: skip
    """Ground-truth id of every detection (design notes §1.10): per frame Hungarian on IoU with
    IoU >= ``iou_threshold`` against ground truth of ``classes``; -1 = false positive.

    Ground truth with unknown class (-1, e.g. synthetic or pseudo labels) is always used.

    Returns:
        ``(n_det,)`` int64.
    """
    target = gt[np.isin(gt.cls, classes) | (gt.cls < 0)]
    to_gt, _ = match_per_frame(dets, target, iou_threshold)
    return np.where(to_gt >= 0, target.id[np.maximum(to_gt, 0)], -1).astype(np.int64)
