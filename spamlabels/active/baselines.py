"""Reference labelling schemes the hierarchical selection is compared with.

Frame-based labelling (supplementary B.1; the scheme of Li et al., ICCV 2023): an annotator
labels every ``k``-th frame completely, by hand (2 clicks per box, 1 per association to the
track's previous labelled box), and boxes in between are linearly interpolated per track.
"""

from __future__ import annotations

import numpy as np

from spamlabels.active.budget import CLICKS_ASSOCIATE, counted_boxes
from spamlabels.core import Provenance, Tracks
from spamlabels.track.spam import interpolate_tracks

__all__ = ["frame_based_labels", "frame_step_for_budget"]


def frame_based_labels(gt: Tracks, every: int, first: int = 1) -> tuple[Tracks, int]:
    """Labels from ground truth on frames ``first, first + every, ...``, interpolated.

    Args:
        gt: the sequence's ground truth (only boxes that count in evaluation are labelled).
        every: frame step ``k >= 1`` (1 = every frame, the full manual cost).
        first: first labelled frame.

    Returns:
        ``(labels, clicks)``: tracks with provenance ``GROUND_TRUTH`` (labelled frames) or
        ``INTERPOLATED``, and the clicks the labelled frames cost.
    """
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    g = gt[counted_boxes(gt)]
    g = g[(g.frame - first) % every == 0]
    boxes = len(g)
    associations = boxes - len(np.unique(g.id))
    prov = np.full(boxes, Provenance.GROUND_TRUTH, np.int8)
    labels = Tracks(frame=g.frame, xywh=g.xywh, id=g.id, score=np.ones(boxes),
                    data={"provenance": prov})  # fmt: skip
    return interpolate_tracks(labels), 2 * boxes + CLICKS_ASSOCIATE * associations


def frame_step_for_budget(gts: list[Tracks], budget: int) -> int | None:
    """The smallest frame step whose frame-based labels of all ``gts`` cost at most
    ``budget`` clicks (``None`` if even one labelled frame per track is too much)."""
    longest = max((int(g.frame.max()) for g in gts if len(g)), default=1)
    lo, hi = 1, longest + 1  # cost decreases (weakly) with the step; binary search

    def cost(k: int) -> int:
        return sum(frame_based_labels(g, k)[1] for g in gts)

    if cost(hi) > budget:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if cost(mid) <= budget:
            hi = mid
        else:
            lo = mid + 1
    return lo
