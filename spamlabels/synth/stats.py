"""Detector statistics against ground truth, used to calibrate the simulated detector.

Matching follows the MOTChallenge evaluation: per frame, detections are assigned to ground-truth
boxes of class 1 with ``consider = 1`` by the Hungarian algorithm on IoU, and a pair counts only
when its IoU is at least ``iou_threshold`` (0.5). Detections that are left over and match a
*distractor* box (classes 2, 7, 8, 12: person on vehicle, static person, distractor,
reflection) the same way are ignored, as TrackEval removes them; every other leftover
detection is a false positive.

:func:`detector_stats` pools these matches over any number of sequences and summarises them
(:class:`DetectorStats`): precision and recall per confidence bin, recall per visibility and
per box-height bin, the IoU of matched pairs, and the number of detections per ground-truth box.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spamlabels.core import Detections, Tracks, box_iou, hungarian_iou

__all__ = [
    "CONF_BINS",
    "HEIGHT_BINS",
    "VIS_BINS",
    "DetectorStats",
    "FrameMatch",
    "detector_stats",
    "match_detections",
]

CONF_BINS: tuple[float, ...] = (0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 + 1e-9)
"""Edges of the confidence bins ``[0.01,0.1), [0.1,0.3), ..., [0.9,1]``."""
VIS_BINS: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 + 1e-9)
"""Edges of the ground-truth visibility bins."""
HEIGHT_BINS: tuple[float, ...] = (0.0, 50.0, 100.0, 200.0, 400.0, np.inf)
"""Edges of the ground-truth box-height bins in pixels."""
DISTRACTOR_CLASSES: tuple[int, ...] = (2, 7, 8, 12)


@dataclass(frozen=True)
class FrameMatch:
    """Matches of one table of detections against one ground-truth table (all frames).

    Attributes:
        det_gt: ``(n_det,)`` int64, for every detection the row index into the evaluated
            ground truth it is matched to, -1 when unmatched.
        det_iou: ``(n_det,)`` float64, IoU with the matched box (0 when unmatched).
        det_max_iou: ``(n_det,)`` float64, the largest IoU with any evaluated box of its frame.
        det_ignored: ``(n_det,)`` bool, unmatched but matched to a distractor box.
        gt_rows: ``(n_gt,)`` int64, row indices of the evaluated boxes (class 1, consider 1)
            into the ground-truth table that was passed in.
        gt_det: ``(n_gt,)`` int64, for every evaluated box the matched detection, -1 if none.
    """

    det_gt: NDArray[np.int64]
    det_iou: NDArray[np.float64]
    det_max_iou: NDArray[np.float64]
    det_ignored: NDArray[np.bool_]
    gt_rows: NDArray[np.int64]
    gt_det: NDArray[np.int64]


def match_detections(gt: Tracks, det: Detections, iou_threshold: float = 0.5) -> FrameMatch:
    """Match detections to ground truth per frame (Hungarian on IoU, IoU >= ``iou_threshold``).

    Args:
        gt: ground truth with ``cls`` and ``consider``; rows of class 1 with ``consider`` set are
            evaluated, rows of the distractor classes 2, 7, 8, 12 make detections "ignored".
        det: detections (any number of frames).
        iou_threshold: minimum IoU of a match.

    Returns:
        The per-detection and per-box match arrays (:class:`FrameMatch`).
    """
    evaluated = np.flatnonzero((gt.cls == 1) & gt.consider)
    distractor = np.flatnonzero(np.isin(gt.cls, DISTRACTOR_CLASSES))
    gt_eval, gt_dis = gt[evaluated], gt[distractor]
    n_det = len(det)
    det_gt = np.full(n_det, -1, np.int64)
    det_iou = np.zeros(n_det)
    det_max = np.zeros(n_det)
    ignored = np.zeros(n_det, bool)
    gt_det = np.full(len(gt_eval), -1, np.int64)
    det_xyxy, g_xyxy, d_xyxy = det.xyxy, gt_eval.xyxy, gt_dis.xyxy
    for frame in det.frames():
        d_rows = det.rows_at(frame)
        g_rows = gt_eval.rows_at(frame)
        if len(g_rows):
            iou = box_iou(g_xyxy[g_rows], det_xyxy[d_rows])
            det_max[d_rows] = iou.max(axis=0)
            r, c = hungarian_iou(iou, iou_threshold)
            det_gt[d_rows[c]] = g_rows[r]
            det_iou[d_rows[c]] = iou[r, c]
            gt_det[g_rows[r]] = d_rows[c]
        x_rows = gt_dis.rows_at(frame)
        if len(x_rows):
            free = d_rows[det_gt[d_rows] < 0]
            iou = box_iou(d_xyxy[x_rows], det_xyxy[free])
            _, c = hungarian_iou(iou, iou_threshold)
            ignored[free[c]] = True
    return FrameMatch(det_gt, det_iou, det_max, ignored, evaluated, gt_det)


def _bin_index(values: NDArray[np.float64], edges: Sequence[float]) -> NDArray[np.int64]:
    """Bin of every value for half-open bins ``[e_k, e_k+1)``; -1 outside all bins."""
    idx = np.searchsorted(np.asarray(edges), values, side="right") - 1
    idx[(idx < 0) | (idx >= len(edges) - 1)] = -1
    return idx.astype(np.int64)


def _in_previous_frame(det: Detections, iou_threshold: float = 0.5) -> NDArray[np.bool_]:
    """``(n,)`` whether each detection overlaps a detection of the previous frame with IoU at
    least ``iou_threshold``."""
    out = np.zeros(len(det), bool)
    xyxy = det.xyxy
    for frame in det.frames():
        rows, prev = det.rows_at(int(frame)), det.rows_at(int(frame) - 1)
        if len(rows) and len(prev):
            out[rows] = box_iou(xyxy[rows], xyxy[prev]).max(axis=1) >= iou_threshold
    return out


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else float("nan")


@dataclass
class DetectorStats:
    """Pooled match statistics of detections against ground truth.

    All ratios are ``nan`` when their denominator is 0. Bins are listed by their lower edge.

    Attributes:
        n_gt: number of evaluated ground-truth boxes.
        n_det: number of detections with score >= the first confidence edge (0.01).
        n_ignored: detections matched to distractor boxes (left out of precision).
        conf_bins: per confidence bin: ``lo``, ``hi``, ``n_det``, ``share`` (of all
            detections), ``precision`` (matched / not ignored, within the bin) and
            ``recall_at_lo`` (recall of all detections with score >= ``lo``).
        vis_bins: per visibility bin: ``lo``, ``hi``, ``n_gt``, ``recall`` (any score) and
            ``recall_05`` (detections with score >= 0.5).
        height_bins: per box-height bin (pixels): ``lo``, ``hi``, ``n_gt``, ``recall``.
        iou_quantiles: IoU of matched pairs at quantiles 0.1, 0.25, 0.5, 0.75, 0.9.
        iou_mean_by_vis: mean matched IoU for boxes with visibility < 0.5 and >= 0.5.
        dets_per_gt: detections per ground-truth box (all scores, and score >= 0.5).
        fp_kinds: share of false positives by their best IoU with an evaluated box:
            ``clutter`` (< 0.1), ``part_or_duplicate`` (0.1 to 0.5) and ``near_miss`` (>= 0.5,
            lost the assignment to another detection).
        tp_score_median: median confidence of matched detections.
        fp_score_median: median confidence of false positives.
        persistence: among detections with score >= 0.1, the share that overlap (IoU >= 0.5) a
            detection of score >= 0.1 in the previous frame, for ``tp`` and ``fp`` separately:
            real false positives mostly persist (duplicates follow their person, static
            objects keep firing); flickering ones are easy to reject from time alone.
    """

    n_gt: int
    n_det: int
    n_ignored: int
    conf_bins: list[dict[str, float]] = field(default_factory=list)
    vis_bins: list[dict[str, float]] = field(default_factory=list)
    height_bins: list[dict[str, float]] = field(default_factory=list)
    iou_quantiles: dict[str, float] = field(default_factory=dict)
    iou_mean_by_vis: dict[str, float] = field(default_factory=dict)
    dets_per_gt: dict[str, float] = field(default_factory=dict)
    fp_kinds: dict[str, float] = field(default_factory=dict)
    tp_score_median: float = float("nan")
    fp_score_median: float = float("nan")
    persistence: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def detector_stats(
    pairs: Iterable[tuple[Tracks, Detections]], iou_threshold: float = 0.5
) -> DetectorStats:
    """Pool the match statistics of several ``(ground truth, detections)`` sequence pairs.

    Args:
        pairs: one ``(gt, det)`` pair per sequence (same frame numbering within a pair).
        iou_threshold: minimum IoU of a match.

    Returns:
        The pooled :class:`DetectorStats`.
    """
    score, matched, ign, iou, max_iou, persist = [], [], [], [], [], []
    g_vis, g_h, g_hit, g_hit05 = [], [], [], []
    m_iou_vis = []
    for gt, det in pairs:
        det = det[det.score >= CONF_BINS[0]]
        m = match_detections(gt, det, iou_threshold)
        score.append(det.score)
        matched.append(m.det_gt >= 0)
        ign.append(m.det_ignored)
        iou.append(m.det_iou)
        max_iou.append(m.det_max_iou)
        strong = det.score >= 0.1
        kept = np.zeros(len(det), bool)
        kept[strong] = _in_previous_frame(det[strong], iou_threshold)
        persist.append(kept)
        vis = gt.visibility[m.gt_rows]
        g_vis.append(vis)
        g_h.append(gt.xywh[m.gt_rows, 3])
        hit = m.gt_det >= 0
        g_hit.append(hit)
        g_hit05.append(hit & (det.score[np.maximum(m.gt_det, 0)] >= 0.5))
        m_iou_vis.append(vis[m.det_gt[m.det_gt >= 0]])
    s, tp, ig = np.concatenate(score), np.concatenate(matched), np.concatenate(ign)
    ious, maxi = np.concatenate(iou), np.concatenate(max_iou)
    vis, heights = np.concatenate(g_vis), np.concatenate(g_h)
    hit, hit05 = np.concatenate(g_hit), np.concatenate(g_hit05)
    tp_vis = np.concatenate(m_iou_vis)
    n_gt = len(vis)
    stats = DetectorStats(n_gt=n_gt, n_det=len(s), n_ignored=int(ig.sum()))
    conf_bin = _bin_index(s, CONF_BINS)
    for k in range(len(CONF_BINS) - 1):
        lo, hi = CONF_BINS[k], min(CONF_BINS[k + 1], 1.0)
        inb = conf_bin == k
        stats.conf_bins.append(
            {
                "lo": lo,
                "hi": hi,
                "n_det": int(inb.sum()),
                "share": _ratio(inb.sum(), len(s)),
                "precision": _ratio((inb & tp).sum(), (inb & ~ig).sum()),
                "recall_at_lo": _ratio((tp & (s >= lo)).sum(), n_gt),
            }
        )
    vis_bin = _bin_index(vis, VIS_BINS)
    for k in range(len(VIS_BINS) - 1):
        inb = vis_bin == k
        stats.vis_bins.append(
            {
                "lo": VIS_BINS[k],
                "hi": min(VIS_BINS[k + 1], 1.0),
                "n_gt": int(inb.sum()),
                "recall": _ratio((inb & hit).sum(), inb.sum()),
                "recall_05": _ratio((inb & hit05).sum(), inb.sum()),
            }
        )
    h_bin = _bin_index(heights, HEIGHT_BINS)
    for k in range(len(HEIGHT_BINS) - 1):
        inb = h_bin == k
        stats.height_bins.append(
            {
                "lo": HEIGHT_BINS[k],
                "hi": HEIGHT_BINS[k + 1],
                "n_gt": int(inb.sum()),
                "recall": _ratio((inb & hit).sum(), inb.sum()),
            }
        )
    tp_iou = ious[tp]
    if len(tp_iou):
        qs = np.quantile(tp_iou, [0.1, 0.25, 0.5, 0.75, 0.9])
        stats.iou_quantiles = {
            f"q{int(q * 100)}": float(v)
            for q, v in zip((0.1, 0.25, 0.5, 0.75, 0.9), qs, strict=True)
        }
        stats.iou_quantiles["mean"] = float(tp_iou.mean())
    stats.iou_mean_by_vis = {
        "vis<0.5": float(tp_iou[tp_vis < 0.5].mean()) if (tp_vis < 0.5).any() else float("nan"),
        "vis>=0.5": float(tp_iou[tp_vis >= 0.5].mean()) if (tp_vis >= 0.5).any() else float("nan"),
    }
    stats.dets_per_gt = {"all": _ratio(len(s), n_gt), "score>=0.5": _ratio((s >= 0.5).sum(), n_gt)}
    fp = ~tp & ~ig
    stats.fp_kinds = {
        "clutter": _ratio((fp & (maxi < 0.1)).sum(), fp.sum()),
        "part_or_duplicate": _ratio((fp & (maxi >= 0.1) & (maxi < 0.5)).sum(), fp.sum()),
        "near_miss": _ratio((fp & (maxi >= 0.5)).sum(), fp.sum()),
    }
    stats.tp_score_median = float(np.median(s[tp])) if tp.any() else float("nan")
    stats.fp_score_median = float(np.median(s[fp])) if fp.any() else float("nan")
    kept = np.concatenate(persist)
    strong = s >= 0.1
    stats.persistence = {
        "tp": _ratio((kept & strong & tp).sum(), (strong & tp).sum()),
        "fp": _ratio((kept & strong & fp).sum(), (strong & fp).sum()),
    }
    return stats


APPEARANCE_LAGS_S: tuple[float, ...] = (0.0, 1.0, 10.0)
"""Time lags (seconds; 0 = the next frame) of :func:`appearance_stats`."""


def appearance_stats(
    frame: NDArray[np.int64],
    emb: NDArray[np.floating],
    gt_id: NDArray[np.int64],
    fps: float,
    max_pairs: int = 200_000,
    seed: int = 0,
) -> dict[str, float]:
    """Cosine distances (``1 - cos``) between re-ID embeddings of matched detections.

    Args:
        frame: ``(n,)`` detection frames.
        emb: ``(n, d)`` embeddings (rows with a non-finite value are skipped).
        gt_id: ``(n,)`` ground-truth id of every detection, -1 for false positives (e.g. from
            :func:`match_detections`).
        fps: frame rate (converts the lags of :data:`APPEARANCE_LAGS_S` to frames).
        max_pairs: different-identity pairs are subsampled to at most this many.
        seed: seed of that subsampling.

    Returns:
        ``same_<lag>_q50`` / ``_q90``: median and 90th percentile of the distance between
        detections of the same identity ``lag`` apart (``next`` = one frame, ``1s``, ``10s``);
        ``diff_q05`` / ``diff_q50``: 5th percentile and median between detections of different
        identities in the same frame. NaN where no pair exists.
    """
    emb = np.asarray(emb, np.float64)
    ok = np.isfinite(emb).all(axis=1) & (gt_id >= 0)
    rows = np.flatnonzero(ok)
    out: dict[str, float] = {}

    def dist(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.float64]:
        na = np.linalg.norm(emb[a], axis=1) * np.linalg.norm(emb[b], axis=1)
        return 1.0 - np.sum(emb[a] * emb[b], axis=1) / np.maximum(na, 1e-12)

    def put(name: str, d: NDArray[np.float64], qs: tuple[int, ...]) -> None:
        for q in qs:
            out[f"{name}_q{q:02d}"] = float(np.percentile(d, q)) if len(d) else float("nan")

    span = int(frame.max(initial=0)) + int(max(fps * max(APPEARANCE_LAGS_S), 1)) + 2
    key = gt_id[rows] * span + frame[rows]
    order = np.argsort(key, kind="stable")
    skey = key[order]
    for lag_s in APPEARANCE_LAGS_S:
        lag = max(round(lag_s * fps), 1)
        pos = np.searchsorted(skey, key + lag).clip(max=max(len(skey) - 1, 0))
        hit = (skey[pos] == key + lag) if len(skey) else np.zeros(0, bool)
        name = "same_next" if lag_s == 0 else f"same_{lag_s:g}s"
        put(name, dist(rows[hit], rows[order[pos[hit]]]), (50, 90))
    # different identities, same frame
    by_frame = rows[np.argsort(frame[rows], kind="stable")]
    f = frame[by_frame]
    starts = np.flatnonzero(np.r_[True, f[1:] != f[:-1]]) if len(f) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(f)])
    pa, pb = [], []
    for s, m in zip(starts, sizes, strict=True):
        i, j = np.triu_indices(int(m), 1)
        pa.append(by_frame[s + i])
        pb.append(by_frame[s + j])
    a = np.concatenate(pa) if pa else np.zeros(0, np.int64)
    b = np.concatenate(pb) if pb else np.zeros(0, np.int64)
    diff = gt_id[a] != gt_id[b]
    a, b = a[diff], b[diff]
    if len(a) > max_pairs:
        pick = np.random.default_rng(seed).choice(len(a), max_pairs, replace=False)
        a, b = a[pick], b[pick]
    put("diff", dist(a, b), (5, 50))
    return out
