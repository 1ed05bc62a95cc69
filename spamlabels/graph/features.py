"""Node attributes of a hierarchy level, linear motion, and edge features (numpy, vectorised).

A level's nodes are groups of detections (tracklets; single detections at the first levels).
Everything a node needs is recomputed from its member detections, as in SUSHI (design notes
§1.4): first/last frame and box, mean box and confidence, mean re-ID embedding, and a linear
motion model at both ends (§1.7). Edge features follow §1.8 plus an appearance-availability flag
(so one model serves sequences with and without re-ID embeddings).

Conventions: boxes are ``xywh`` in pixels, frames are integers, times in seconds use the
sequence frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import box_iou, xywh_to_xyxy

__all__ = [
    "EDGE_FEATURES",
    "NODE_FEATURES",
    "NodeAttributes",
    "context_velocity",
    "edge_features",
    "motion_giou",
    "node_attributes",
]

NODE_FEATURES = ("t", "x", "y", "h", "w", "conf")
"""Node input features (paper §3.2): time within the level window (0..1), box centre x, y and
height, width normalised by the image size, mean detector confidence."""

EDGE_FEATURES = (
    "dt_seconds", "dfeet_x", "dfeet_y", "log_h_ratio", "log_w_ratio", "emb_dist", "has_emb",
    "motion_giou",
)  # fmt: skip
"""Edge input features (design notes §1.8, end box of the earlier node vs start box of the
later node; feet distances normalised by the mean of the two heights) plus ``has_emb`` (1 when
both nodes carry a re-ID embedding; ``emb_dist`` is 0 otherwise) and the linear-motion GIoU
(-2 when no motion can be estimated, e.g. on the first levels)."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class NodeAttributes:
    """Per-node attributes of one level (``N`` nodes), computed from member detections.

    Attributes:
        start, end: ``(N,)`` first and last member frame.
        start_box, end_box: ``(N, 4)`` xywh of the first / last member.
        mean_box: ``(N, 4)`` mean xywh of the members.
        conf: ``(N,)`` mean detector confidence.
        size: ``(N,)`` number of member detections.
        emb: ``(N, d)`` mean re-ID embedding, or ``None``.
        has_emb: ``(N,)`` bool, the node has an embedding.
        vel_fwd, vel_bwd: ``(N, 2)`` centre velocity (px/frame) at the end (forward) and at the
            start (backward, pointing back in time); NaN when the node has < 2 boxes there.
        first_det, last_det: ``(N,)`` row of the first / last member detection.
    """

    start: IntArray
    end: IntArray
    start_box: FloatArray
    end_box: FloatArray
    mean_box: FloatArray
    conf: FloatArray
    size: IntArray
    emb: FloatArray | None
    has_emb: NDArray[np.bool_]
    vel_fwd: FloatArray
    vel_bwd: FloatArray
    first_det: IntArray
    last_det: IntArray

    def __len__(self) -> int:
        return int(self.start.shape[0])


def _centers(xywh: FloatArray) -> FloatArray:
    return xywh[:, :2] + xywh[:, 2:] / 2.0


def node_attributes(
    frame: IntArray,
    xywh: FloatArray,
    score: FloatArray,
    det_to_node: IntArray,
    n_nodes: int,
    emb: FloatArray | None = None,
    motion_window: int = 0,
) -> NodeAttributes:
    """Aggregate member detections into node attributes.

    Args:
        frame: ``(n,)`` detection frames.
        xywh: ``(n, 4)`` detection boxes.
        score: ``(n,)`` detector confidences.
        det_to_node: ``(n,)`` node of every detection (``-1`` = not in the graph).
        n_nodes: ``N``; every node ``0..N-1`` must have at least one member.
        emb: ``(n, d)`` re-ID embeddings (rows of NaN = missing), or ``None``.
        motion_window: ``L``: the velocity at each end is estimated from the members within
            ``L`` frames of that end (mean of consecutive differences of the linearly
            interpolated centre track = (last - first) / frame span); 0 = no motion.

    Returns:
        :class:`NodeAttributes` with ``N`` rows.
    """
    keep = det_to_node >= 0
    idx = np.flatnonzero(keep)
    node = det_to_node[idx]
    order = idx[np.lexsort((frame[idx], node))]  # by node, then frame
    node_sorted = det_to_node[order]
    firsts = np.searchsorted(node_sorted, np.arange(n_nodes), side="left")
    lasts = np.searchsorted(node_sorted, np.arange(n_nodes), side="right") - 1
    if (lasts < firsts).any():
        missing = int(np.flatnonzero(lasts < firsts)[0])
        raise ValueError(f"node {missing} has no member detection")
    first_det, last_det = order[firsts], order[lasts]
    size = (lasts - firsts + 1).astype(np.int64)
    # members are sorted by node and every node has one: segment sums by reduceat
    # (np.add.at is ~20x slower)
    box_sum = np.add.reduceat(xywh[order], firsts, axis=0) if n_nodes else np.zeros((0, 4))
    conf_sum = np.bincount(node, weights=score[idx], minlength=n_nodes)
    mean_emb = None
    has_emb = np.zeros(n_nodes, bool)
    if emb is not None:
        e = np.asarray(emb[order], np.float64)
        valid = np.isfinite(e).all(axis=1)
        e[~valid] = 0.0
        if n_nodes:
            acc = np.add.reduceat(e, firsts, axis=0)
            cnt = np.add.reduceat(valid.astype(np.float64), firsts)
        else:
            acc, cnt = np.zeros((0, e.shape[1])), np.zeros(0)
        has_emb = cnt > 0
        mean_emb = np.where(has_emb[:, None], acc / np.maximum(cnt, 1)[:, None], 0.0)
    vel_fwd = np.full((n_nodes, 2), np.nan)
    vel_bwd = np.full((n_nodes, 2), np.nan)
    if motion_window > 0:
        centres = _centers(xywh)
        f_sorted = frame[order]
        start, end = frame[first_det], frame[last_det]
        # forward: earliest member with frame >= end - L + 1 (within the node's sorted block)
        lo_fwd = _first_at_or_after(node_sorted, f_sorted, end - motion_window + 1, firsts, lasts)
        span = end - f_sorted[lo_fwd]
        ok = span > 0
        vel_fwd[ok] = (centres[last_det[ok]] - centres[order[lo_fwd[ok]]]) / span[ok, None]
        # backward: latest member with frame <= start + L - 1
        hi_bwd = _last_at_or_before(node_sorted, f_sorted, start + motion_window - 1, firsts, lasts)
        span = f_sorted[hi_bwd] - start
        ok = span > 0
        vel_bwd[ok] = (centres[first_det[ok]] - centres[order[hi_bwd[ok]]]) / span[ok, None]
    return NodeAttributes(
        start=frame[first_det].astype(np.int64),
        end=frame[last_det].astype(np.int64),
        start_box=xywh[first_det].copy(),
        end_box=xywh[last_det].copy(),
        mean_box=box_sum / size[:, None],
        conf=conf_sum / size,
        size=size,
        emb=mean_emb,
        has_emb=has_emb,
        vel_fwd=vel_fwd,
        vel_bwd=vel_bwd,
        first_det=first_det.astype(np.int64),
        last_det=last_det.astype(np.int64),
    )


def context_velocity(
    frame: IntArray, xywh: FloatArray, live: NDArray[np.bool_], min_iou: float = 0.3
) -> tuple[FloatArray, FloatArray]:
    """Velocities of single boxes from their neighbours in the adjacent frames.

    Detections ``i`` (frame ``f``) and ``j`` (frame ``f + 1``) are neighbours when each is the
    other's highest-IoU box in that frame and their IoU is at least ``min_iou`` (mutual best
    match, only among ``live`` detections). A box with a neighbour before it gets a *past*
    velocity ``c_i - c_prev`` (centre displacement, px/frame); one with a neighbour after it a
    *future* velocity pointing back in time, ``c_i - c_next``, the convention of
    :attr:`NodeAttributes.vel_bwd`. This is the motion cue a single detection lacks on the
    first edge level (ByteTrack gets it from its Kalman filter); each end of a candidate edge
    only sees its own side (the past of the earlier node, the future of the later one), never
    the edge's other endpoint.

    Args:
        frame: ``(n,)`` detection frames.
        xywh: ``(n, 4)`` boxes, pixels.
        live: ``(n,)`` detections that take part (e.g. not rejected by GNN_node).
        min_iou: least IoU of a neighbour.

    Returns:
        ``(past, future)``: two ``(n, 2)`` arrays, NaN where a box has no such neighbour.
    """
    n = len(frame)
    past = np.full((n, 2), np.nan)
    future = np.full((n, 2), np.nan)
    idx = np.flatnonzero(live)
    if len(idx) < 2:
        return past, future
    order = idx[np.argsort(frame[idx], kind="stable")]
    f_sorted = frame[order]
    frames, first, counts = np.unique(f_sorted, return_index=True, return_counts=True)
    box = xywh_to_xyxy(np.asarray(xywh, np.float64))
    centre = _centers(np.asarray(xywh, np.float64))
    for k in np.flatnonzero(np.diff(frames) == 1):  # consecutive frames f, f + 1
        a = order[first[k] : first[k] + counts[k]]
        b = order[first[k + 1] : first[k + 1] + counts[k + 1]]
        iou = box_iou(box[a], box[b])
        best_b = iou.argmax(axis=1)
        best_a = iou.argmax(axis=0)
        rows = np.flatnonzero(best_a[best_b] == np.arange(len(a)))
        cols = best_b[rows]
        ok = iou[rows, cols] >= min_iou
        ia, ib = a[rows[ok]], b[cols[ok]]
        past[ib] = centre[ib] - centre[ia]
        future[ia] = centre[ia] - centre[ib]
    return past, future


def _first_at_or_after(
    node_sorted: IntArray, f_sorted: IntArray, bound: IntArray, firsts: IntArray, lasts: IntArray
) -> IntArray:
    """Per node, the sorted position of its first member with frame >= bound."""
    # frames are sorted within each node block; offset them so one global searchsorted works
    big = int(f_sorted.max(initial=0)) + 2
    key = node_sorted.astype(np.int64) * big + f_sorted
    pos = np.searchsorted(key, np.arange(len(firsts)) * big + np.maximum(bound, 0))
    return np.clip(pos, firsts, lasts)


def _last_at_or_before(
    node_sorted: IntArray, f_sorted: IntArray, bound: IntArray, firsts: IntArray, lasts: IntArray
) -> IntArray:
    """Per node, the sorted position of its last member with frame <= bound."""
    n = len(firsts)
    big = int(f_sorted.max(initial=0)) + 2
    key = node_sorted.astype(np.int64) * big + f_sorted
    pos = np.searchsorted(key, np.arange(n) * big + np.minimum(bound, big - 1), side="right") - 1
    return np.clip(pos, firsts, lasts)


def _predict(box: FloatArray, vel: FloatArray, steps: FloatArray) -> FloatArray:
    """Move ``(m, 4)`` xywh boxes by ``vel * steps`` (centre only; size kept)."""
    out = box.copy()
    out[:, :2] += vel * steps[:, None]
    return out


def motion_giou(attrs: NodeAttributes, src: IntArray, dst: IntArray, max_steps: int) -> FloatArray:
    """Linear-motion GIoU of edges ``src -> dst`` (``src`` earlier), design notes §1.7.

    For a gap ``D = start_dst - end_src``: ``h = min(D / 2, max_steps)``; the forward
    prediction of ``src`` at ``ceil(h)`` steps meets the backward prediction of ``dst`` at
    ``max(floor(h), 1)`` steps ("meet in the middle"). For ``D = 1`` the feature is the mean of
    GIoU(src predicted 1 step, dst's first box) and GIoU(dst predicted back 1 step, src's last
    box). When only one end has motion, that end is predicted over the whole gap (capped at
    ``max_steps``) onto the other node's box; with no motion at either end the feature is -2.

    Returns:
        ``(E,)`` values in ``[-2, 1]``.
    """
    e = len(src)
    out = np.full(e, -2.0)
    if e == 0 or max_steps <= 0:
        return out
    gap = (attrs.start[dst] - attrs.end[src]).astype(np.float64)
    vf, vb = attrs.vel_fwd[src], attrs.vel_bwd[dst]
    has_f, has_b = np.isfinite(vf).all(1), np.isfinite(vb).all(1)
    end_box, start_box = attrs.end_box[src], attrs.start_box[dst]

    giou = _pair_giou
    both = has_f & has_b
    one = both & (gap == 1)
    if one.any():
        step = np.ones(int(one.sum()))
        g1 = giou(_predict(end_box[one], vf[one], step), start_box[one])
        g2 = giou(_predict(start_box[one], vb[one], step), end_box[one])
        out[one] = (g1 + g2) / 2
    mid = both & (gap > 1)
    if mid.any():
        h = np.minimum(gap[mid] / 2, max_steps)
        pf = _predict(end_box[mid], vf[mid], np.ceil(h))
        pb = _predict(start_box[mid], vb[mid], np.maximum(np.floor(h), 1))
        out[mid] = giou(pf, pb)
    only_f = has_f & ~has_b
    if only_f.any():
        steps = np.minimum(gap[only_f], max_steps)
        out[only_f] = giou(_predict(end_box[only_f], vf[only_f], steps), start_box[only_f])
    only_b = has_b & ~has_f
    if only_b.any():
        steps = np.minimum(gap[only_b], max_steps)
        out[only_b] = giou(_predict(start_box[only_b], vb[only_b], steps), end_box[only_b])
    return np.clip(out, -2.0, 1.0)


def _pair_giou(a_xywh: FloatArray, b_xywh: FloatArray) -> FloatArray:
    """Element-wise GIoU of two ``(m, 4)`` xywh arrays -> ``(m,)``."""
    a, b = xywh_to_xyxy(a_xywh), xywh_to_xyxy(b_xywh)
    lt = np.maximum(a[:, :2], b[:, :2])
    rb = np.minimum(a[:, 2:], b[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a + area_b - inter
    hull = np.prod(np.maximum(a[:, 2:], b[:, 2:]) - np.minimum(a[:, :2], b[:, :2]), axis=1)
    return inter / union - (hull - union) / hull


def edge_features(
    attrs: NodeAttributes, src: IntArray, dst: IntArray, fps: float, motion_steps: int
) -> NDArray[np.float32]:
    """The :data:`EDGE_FEATURES` of edges ``src -> dst`` (``src`` ends before ``dst`` starts).

    Returns:
        ``(E, 8)`` float32.
    """
    e = len(src)
    feats = np.zeros((e, len(EDGE_FEATURES)), np.float64)
    if e == 0:
        return feats.astype(np.float32)
    a, b = attrs.end_box[src], attrs.start_box[dst]
    h_mean = (a[:, 3] + b[:, 3]) / 2
    feet_a = np.stack([a[:, 0] + a[:, 2] / 2, a[:, 1] + a[:, 3]], 1)
    feet_b = np.stack([b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3]], 1)
    feats[:, 0] = (attrs.start[dst] - attrs.end[src]) / fps
    feats[:, 1:3] = (feet_b - feet_a) / h_mean[:, None]
    feats[:, 3] = np.log(b[:, 3] / a[:, 3])
    feats[:, 4] = np.log(b[:, 2] / a[:, 2])
    if attrs.emb is not None:
        both = attrs.has_emb[src] & attrs.has_emb[dst]
        dist = np.linalg.norm(attrs.emb[src] - attrs.emb[dst], axis=1)
        feats[:, 5] = np.where(both, dist, 0.0)
        feats[:, 6] = both
    feats[:, 7] = motion_giou(attrs, src, dst, motion_steps) if motion_steps > 0 else -2.0
    return feats.astype(np.float32)
