"""Reference labelling schemes the hierarchical selection is compared with.

Frame-based labelling (supplementary B.1; the scheme of Li et al., ICCV 2023): an annotator
labels every ``k``-th frame completely, by hand (2 clicks per box, 1 per association to the
track's previous labelled box), and boxes in between are linearly interpolated per track.
"""

from __future__ import annotations

import numpy as np

from spamlabels.active.budget import counted_boxes, manual_clicks
from spamlabels.core import Provenance, Tracks
from spamlabels.track.postprocess import interpolate_tracks

__all__ = ["frame_based_cost", "frame_based_labels", "frame_step_for_budget"]


def _labelled(gt: Tracks, every: int, first: int) -> Tracks:
    """The boxes of ``gt`` that count in evaluation on frames ``first, first + every, ...``."""
    g = gt[counted_boxes(gt)]
    return g[(g.frame - first) % every == 0]


def frame_based_cost(gt: Tracks, every: int, first: int = 1) -> int:
    """Clicks of labelling frames ``first, first + every, ...`` of ``gt`` by hand: 2 per box
    that counts in evaluation, 1 per association (a track's boxes after its first)."""
    return manual_clicks(_labelled(gt, every, first))


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
    g = _labelled(gt, every, first)
    boxes = len(g)
    prov = np.full(boxes, Provenance.GROUND_TRUTH, np.int8)
    labels = Tracks(frame=g.frame, xywh=g.xywh, id=g.id, score=np.ones(boxes),
                    data={"provenance": prov})  # fmt: skip
    return interpolate_tracks(labels), manual_clicks(g)


def frame_step_for_budget(gts: list[Tracks], budget: int) -> int | None:
    """The smallest frame step whose frame-based labels of all ``gts`` cost at most
    ``budget`` clicks (every step is tried: the cost need not fall monotonically with the
    step), or ``None`` if no step up to the longest sequence fits."""
    longest = max((int(g.frame.max()) for g in gts if len(g)), default=1)
    for step in range(1, longest + 1):
        if sum(frame_based_cost(g, step) for g in gts) <= budget:
            return step
    return None
