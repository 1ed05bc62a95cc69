"""Where final tracks may go on: chains of unused candidates that continue a track's ends.

A track often ends (or starts) a few frames before its person leaves the view, on boxes the
detector found with low confidence and GNN_node rejected. The review of ours (after the last
level) shows such a chain with its track and asks whether the track goes on through it: one
click adds every box of the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import Detections, Tracks, box_iou, xywh_to_xyxy

__all__ = ["Extension", "extension_chains", "track_positions"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Extension:
    """A chain of candidates that may continue one end of a track.

    Attributes:
        track: the track's id (in the tracks the chains were found in).
        anchor: row (of the candidate table) of the track's detection at that end.
        side: +1 the chain follows the track's last box, -1 it precedes its first.
        rows: ``(m,)`` rows of the chain's candidates, moving away from the track (one per
            frame, consecutive frames).
    """

    track: int
    anchor: int
    side: int
    rows: IntArray


def track_positions(tracks: Tracks) -> tuple[IntArray, list[IntArray]]:
    """Sorted track ids of ``tracks`` and, per id, the positions of its rows in time order."""
    order = np.lexsort((tracks.frame, tracks.id))
    ids, first = np.unique(tracks.id[order], return_index=True)
    return ids, np.split(order, first[1:]) if len(order) else []  # np.split([]) gives [[]]


def extension_chains(tracks: Tracks, dets: Detections, free: NDArray[np.bool_],
                     iou_min: float = 0.5, history: int = 5) -> list[Extension]:  # fmt: skip
    """Chains of ``free`` candidates that continue the ends of ``tracks``.

    From each end of each track, the box is predicted frame by frame at constant velocity
    (the mean velocity over the track's last ``history`` boxes at that end); the free
    candidate of the next frame with the highest IoU to the prediction joins the chain if that
    IoU is at least ``iou_min``, and the prediction moves on from it. The chain stops at the
    first frame without such a candidate (gaps inside a track are not looked at). A candidate
    joins at most one chain (ends are taken in track order, forward before backward).

    Args:
        tracks: final tracks with ``data["det_index"]`` (row of each box in ``dets``, -1 for
            interpolated boxes); ends are taken at real detections.
        dets: ``(n,)`` the candidate table.
        free: ``(n,)`` candidates that may join a chain (e.g. in no track and not rejected).
        iou_min: minimum IoU between the prediction and a candidate.
        history: boxes used for the velocity.

    Returns:
        The chains with at least one candidate.
    """
    free = np.asarray(free, bool).copy()
    if len(free) != len(dets):
        raise ValueError(f"free has {len(free)} rows, dets {len(dets)}")
    if not len(tracks) or not free.any():
        return []
    xyxy = xywh_to_xyxy(dets.xywh)
    row_of = np.asarray(tracks.data["det_index"])
    out: list[Extension] = []
    for tid, pos in zip(*track_positions(tracks), strict=True):
        real = pos[row_of[pos] >= 0]
        if not len(real):
            continue
        for side in (1, -1):
            end = pos if side == 1 else pos[::-1]
            anchor = int(row_of[real[-1] if side == 1 else real[0]])
            last = end[-history:]
            box = tracks.xywh[last[-1]].astype(np.float64)
            span = abs(int(tracks.frame[last[-1]]) - int(tracks.frame[last[0]]))
            vel = (box - tracks.xywh[last[0]]) / span if span else np.zeros(4)
            frame = int(tracks.frame[last[-1]])
            chain: list[int] = []
            while True:
                frame += side
                box = box + vel
                cand = dets.rows_at(frame)
                cand = cand[free[cand]]
                if not len(cand):
                    break
                iou = box_iou(xywh_to_xyxy(box[None]), xyxy[cand])[0]
                j = int(np.argmax(iou))
                if iou[j] < iou_min:
                    break
                chain.append(int(cand[j]))
                free[cand[j]] = False
                box = dets.xywh[cand[j]].astype(np.float64)
            if chain:
                out.append(Extension(int(tid), anchor, side, np.asarray(chain, np.int64)))
    return out
