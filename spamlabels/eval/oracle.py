"""The "oracle from candidates": the best labels that choosing among detections can give.

Every detection matched (Hungarian per frame, IoU >= 0.5) to a ground-truth box takes that box's
id; every other detection is dropped. It is the ceiling of pure selection (the "Oracle" of the
SPAM paper's Fig. 5); interpolation and box refinement can go beyond it.
"""

from __future__ import annotations

from spamlabels.core import Detections, Tracks, match_per_frame

__all__ = ["oracle_from_candidates"]


def oracle_from_candidates(
    gt: Tracks, dets: Detections, iou_threshold: float = 0.5, evaluated_only: bool = True
) -> Tracks:
    """Label detections with the id of the ground-truth box they match; drop the rest.

    Args:
        gt: ground truth (with ``cls`` and ``consider``).
        dets: candidate detections.
        iou_threshold: minimum IoU of a match.
        evaluated_only: match only against boxes that evaluation counts (class 1, consider);
            with ``False`` every ground-truth box may be matched (distractor matches are then
            removed again by the evaluation's preprocessing).

    Returns:
        :class:`Tracks` with one row per matched detection (its box and score, the gt id).
    """
    target = gt[(gt.cls == 1) & gt.consider] if evaluated_only else gt
    to_gt, _ = match_per_frame(dets, target, iou_threshold)
    keep = to_gt >= 0
    return Tracks(
        frame=dets.frame[keep], xywh=dets.xywh[keep], id=target.id[to_gt[keep]],
        score=dets.score[keep], data={k: v[keep] for k, v in dets.data.items()},
    )  # fmt: skip
