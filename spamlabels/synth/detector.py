"""A simulated person detector whose output looks like a real detector's ``det.txt``.

Given the ground truth of a synthetic scene (with each person's visibility and visible-part
box), :func:`simulate_detections` produces an over-complete candidate set:

- **true detections**: at most one per person and frame; outright misses and confidences
  depend on visibility and box height (:class:`~spamlabels.synth.config.DetectorConfig`) and
  are correlated in time along each track; the box moves towards the visible part of an
  occluded person by ``visible_part_bias`` and its edges carry AR(1) noise that grows with
  occlusion and for small boxes;
- **parts and duplicates**: upper / lower body, shifted or rescaled copies, boxes merging two
  overlapping people, too-wide boxes; mostly low confidence, and persistent like real ones:
  each keeps its shape while it follows its person, switches on and off slowly and its
  confidence drifts slowly;
- **clutter**: background boxes of person-like shape anywhere in the image, partly drawn anew
  in every frame and partly from persistent sites that keep firing, and repeated firings on
  person-like static objects (props); mostly low confidence.

Detections with confidence below ``min_score`` are dropped, and overlapping detections are
thinned by non-maximum suppression (``nms_iou``) as in a real detector's post-processing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, logit, ndtr

from spamlabels.core import Detections, box_iou, xyxy_to_xywh
from spamlabels.synth._random import ar1_per_track
from spamlabels.synth.config import DetectorConfig

__all__ = ["DetectionSource", "DetectorTargets", "simulate_detections"]

_REF_AREA = 1920.0 * 1080.0
_MIN_SIDE = 1.0  # pixels


class DetectionSource(IntEnum):
    """What a simulated detection came from (``Detections.data["source"]``)."""

    TRUE = 0
    """The detection of a person."""
    PART = 1
    """A part, duplicate or merge of people."""
    CLUTTER = 2
    """Background clutter."""
    PROP = 3
    """A person-like static object."""


@dataclass(frozen=True)
class DetectorTargets:
    """What the detector can see, one row per person (or prop) and frame.

    Attributes:
        frame: ``(n,)`` int64 frame number.
        track: ``(n,)`` int64 person (or prop) id.
        xyxy: ``(n, 4)`` box of the whole person (as in the ground truth: clipped to the image
            or not), pixels.
        visible_xyxy: ``(n, 4)`` box of the visible part (NaN where nothing is visible).
        visibility: ``(n,)`` unoccluded fraction of the part inside the image, in [0, 1]
            (box-based, MOT17's convention except that the image border does not count:
            a person half outside the image is still easy to detect).
        height_px: ``(n,)`` height of the person's unclipped box, pixels (the detector model
            uses it in 1080p-equivalent pixels: times ``1080 / image height``, as a detector
            resizes its input to a fixed size).
        in_image: ``(n,)`` fraction of the person's box inside the image.
    """

    frame: NDArray[np.int64]
    track: NDArray[np.int64]
    xyxy: NDArray[np.float64]
    visible_xyxy: NDArray[np.float64]
    visibility: NDArray[np.float64]
    height_px: NDArray[np.float64]
    in_image: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.frame.shape[0])

    @classmethod
    def empty(cls) -> DetectorTargets:
        """No targets (e.g. a scene without props)."""
        zeros = np.zeros(0)
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros((0, 4)),
            np.zeros((0, 4)),
            zeros,
            zeros,
            zeros,
        )


def _round_scores(score: NDArray[np.float64], cfg: DetectorConfig) -> NDArray[np.float64]:
    score = np.minimum(score, cfg.score_cap)
    if cfg.score_decimals >= 0:
        score = np.round(score, cfg.score_decimals)
    return score


def _true_detections(
    tg: DetectorTargets, cfg: DetectorConfig, dt: float, px_scale: float, rng: np.random.Generator
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """Which people are detected, their boxes and confidences (``px_scale`` converts box
    heights to 1080p-equivalent pixels)."""
    v, h = np.clip(tg.visibility, 0.0, 1.0), np.maximum(tg.height_px * px_scale, 1.0)
    if cfg.truncation_as_occlusion:
        v = v * np.clip(tg.in_image, 0.0, 1.0)
    occ = (1.0 - v) ** cfg.occlusion_power
    log_h = np.log2(h / 100.0)
    small = np.maximum(0.0, -log_h)
    miss_p = expit(cfg.miss_base + cfg.miss_occlusion * occ + cfg.miss_small * small)
    u = ndtr(ar1_per_track(rng, tg.track, tg.frame, cfg.miss_tau, dt)[:, 0])
    slow = max(0.0, 1.0 - cfg.noise_white - cfg.noise_fast)
    eps = (
        np.sqrt(cfg.noise_white) * rng.standard_normal(len(tg))
        + np.sqrt(cfg.noise_fast) * ar1_per_track(rng, tg.track, tg.frame, cfg.fast_tau, dt)[:, 0]
        + np.sqrt(slow) * ar1_per_track(rng, tg.track, tg.frame, cfg.slow_tau, dt)[:, 0]
    )
    log_loss = (
        cfg.loss_base + cfg.loss_occlusion * occ + cfg.loss_small * small + cfg.loss_spread * eps
    )
    z = cfg.score_ceiling + cfg.score_size * log_h - np.exp(np.minimum(log_loss, 5.0))
    score = _round_scores(expit(z), cfg)
    keep = (u >= miss_p) & (score >= cfg.min_score)
    target = tg.xyxy.copy()
    has_vis = ~np.isnan(tg.visible_xyxy[:, 0])
    lam = cfg.visible_part_bias
    target[has_vis] = (1 - lam) * tg.xyxy[has_vis] + lam * tg.visible_xyxy[has_vis]
    sigma = (cfg.loc_px + cfg.loc_rel * h * (1 + cfg.loc_occlusion * (1 - v))) / px_scale
    if cfg.loc_weak > 0:
        sigma = sigma * (1 + cfg.loc_weak * np.clip((0.7 - score) / 0.4, 0.0, 1.0))
    box = target + sigma[:, None] * ar1_per_track(rng, tg.track, tg.frame, cfg.loc_tau, dt, 4)
    return keep, box, score


def _fp_scores(cfg: DetectorConfig, u: NDArray[np.float64]) -> NDArray[np.float64]:
    """False-positive confidences from uniform draws ``u`` in [0, 1): a truncated exponential
    in logit space from ``logit(min_score)`` to ``fp_ceiling``."""
    lo = float(logit(max(cfg.min_score, 1e-6)))
    span = max(cfg.fp_ceiling - lo, 1e-6)
    if cfg.fp_decay > 1e-9:
        z = lo - np.log1p(-u * -np.expm1(-cfg.fp_decay * span)) / cfg.fp_decay
    else:
        z = lo + u * span
    return np.maximum(_round_scores(expit(z), cfg), cfg.min_score)


def _part_boxes(
    tg: DetectorTargets,
    rows: NDArray[np.int64],
    key: NDArray[np.int64],
    cfg: DetectorConfig,
    dt: float,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Part / duplicate / merge boxes for the people at ``rows``.

    ``key`` ``(len(rows),)`` names the false-positive "channel" of each row (person and
    channel): the kind of part and its proportions are drawn once per key, so a duplicate
    keeps its shape while it follows its person, plus AR(1) jitter of ``part_jitter`` times
    the person's size."""
    base = np.where(np.isnan(tg.visible_xyxy[rows]), tg.xyxy[rows], tg.visible_xyxy[rows])
    x0, y0, x1, y1 = base.T.copy()
    w, h = x1 - x0, y1 - y0
    n = len(rows)
    if n == 0:
        return base.copy()
    uniq, inv = np.unique(key, return_inverse=True)
    k = len(uniq)
    # per-key shape, broadcast to the rows
    kind = rng.choice(5, k, p=[0.35, 0.1, 0.15, 0.15, 0.25])[inv]
    frac_up = rng.uniform(0.2, 0.5, k)[inv]
    frac_low = rng.uniform(0.3, 0.55, k)[inv]
    scale = rng.uniform(0.75, 1.3, (k, 2))[inv]
    shift = (rng.choice([-1.0, 1.0], k) * rng.uniform(0.2, 0.55, k))[inv]
    dy = rng.uniform(-0.15, 0.15, k)[inv]
    grow = rng.uniform(0.8, 2.0, k)[inv]
    side = rng.uniform(0, 1, k)[inv]
    out = base.copy()
    up = kind == 0  # upper body / head and shoulders
    out[up, 3] = y0[up] + frac_up[up] * h[up]
    low = kind == 1  # legs
    out[low, 1] = y1[low] - frac_low[low] * h[low]
    sh = kind == 2  # shifted and rescaled duplicate
    cx = (x0[sh] + x1[sh]) / 2 + shift[sh] * w[sh]
    cy = (y0[sh] + y1[sh]) / 2 + dy[sh] * h[sh]
    out[sh] = np.column_stack(
        [
            cx - w[sh] * scale[sh, 0] / 2,
            cy - h[sh] * scale[sh, 1] / 2,
            cx + w[sh] * scale[sh, 0] / 2,
            cy + h[sh] * scale[sh, 1] / 2,
        ]
    )
    wide = kind == 4  # too wide: person plus background
    g = grow[wide] * w[wide]
    out[wide, 0] -= g * side[wide]
    out[wide, 2] += g * (1 - side[wide])
    merge = np.flatnonzero(kind == 3)  # union with another person of the frame
    if len(merge):
        out[merge] = _merge_with_neighbour(tg, rows[merge], out[merge])
    size = np.column_stack([w, h, w, h])
    jitter = ar1_per_track(rng, key, tg.frame[rows], cfg.loc_tau, dt, 4)
    return out + cfg.part_jitter * size * jitter


def _merge_with_neighbour(
    tg: DetectorTargets, rows: NDArray[np.int64], fallback: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Union of each person's box with the box of the nearest overlapping person."""
    out = fallback.copy()
    order = np.argsort(tg.frame, kind="stable")
    frames_sorted = tg.frame[order]
    for k, r in enumerate(rows):
        lo, hi = (
            np.searchsorted(frames_sorted, tg.frame[r], side="left"),
            np.searchsorted(frames_sorted, tg.frame[r], side="right"),
        )
        others = order[lo:hi]
        others = others[others != r]
        if not len(others):
            continue
        b, o = tg.xyxy[r], tg.xyxy[others]
        ix = np.minimum(b[2], o[:, 2]) - np.maximum(b[0], o[:, 0])
        iy = np.minimum(b[3], o[:, 3]) - np.maximum(b[1], o[:, 1])
        inter = np.clip(ix, 0, None) * np.clip(iy, 0, None)
        best = int(np.argmax(inter))
        if inter[best] > 0:
            u = o[best]
            out[k] = [min(b[0], u[0]), min(b[1], u[1]), max(b[2], u[2]), max(b[3], u[3])]
    return out


def _clutter_boxes(
    n_frames: int,
    image: tuple[float, float, float, float],
    rate: float,
    rng: np.random.Generator,
    height: tuple[float, float],
    count: int | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Random person-shaped background boxes (``rate`` per frame of a 1920x1080 image, or
    exactly ``count`` in frame 1; heights log-uniform in ``height`` times the image height):
    frame numbers and ``(m, 4)`` boxes."""
    x0, y0, x1, y1 = image
    w_img, h_img = x1 - x0, y1 - y0
    if count is None:
        counts = rng.poisson(rate * w_img * h_img / _REF_AREA, n_frames)
    else:
        counts = np.zeros(n_frames, np.int64)
        counts[0] = count
    m = int(counts.sum())
    frame = np.repeat(np.arange(1, n_frames + 1), counts)
    h = h_img * np.exp(rng.uniform(np.log(height[0]), np.log(height[1]), m))
    w = h * rng.uniform(0.25, 0.8, m)
    cx = x0 + rng.uniform(0, 1, m) * w_img
    bottom = y0 + rng.uniform(0.35, 1.05, m) * h_img
    return frame, np.column_stack([cx - w / 2, bottom - h, cx + w / 2, bottom])


def _clutter_sites(
    n_frames: int,
    image: tuple[float, float, float, float],
    rate: float,
    cfg: DetectorConfig,
    dt: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Persistent clutter: sites fixed in the image that fire ``rate`` boxes per frame in all
    (on/off and confidence correlated in time). Returns frames, ``(m, 4)`` boxes, scores."""
    fire = 1.0 / 3.0
    n_sites = int(rng.poisson(rate / fire)) if rate > 0 else 0
    if n_sites == 0 or n_frames == 0:
        return np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros(0)
    _, site_box = _clutter_boxes(1, image, 0.0, rng, cfg.clutter_height, n_sites)
    track = np.repeat(np.arange(n_sites), n_frames)
    frame = np.tile(np.arange(1, n_frames + 1), n_sites)
    on = ndtr(ar1_per_track(rng, track, frame, cfg.fp_tau, dt)[:, 0]) < fire
    track, frame = track[on], frame[on]
    w = site_box[track, 2] - site_box[track, 0]
    h = site_box[track, 3] - site_box[track, 1]
    jitter = ar1_per_track(rng, track, frame, cfg.loc_tau, dt, 4)
    box = site_box[track] + cfg.part_jitter * np.column_stack([w, h, w, h]) * jitter
    u = ndtr(ar1_per_track(rng, track, frame, cfg.fp_score_tau, dt)[:, 0])
    return frame, box, _fp_scores(cfg, u)


def _fast_nms(
    frame: NDArray[np.int64],
    box: NDArray[np.float64],
    score: NDArray[np.float64],
    iou_threshold: float,
) -> NDArray[np.int64]:
    """Indices of the boxes kept by per-frame "Fast NMS" (a box is dropped when a box of higher
    confidence overlaps it with IoU above the threshold), sorted by frame then confidence."""
    order = np.lexsort((-score, frame))
    if iou_threshold >= 1.0 or len(order) == 0:
        return order
    f = frame[order]
    starts = np.flatnonzero(np.r_[True, f[1:] != f[:-1]])
    ends = np.r_[starts[1:], len(order)]
    keep = np.ones(len(order), bool)
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        iou = np.triu(box_iou(box[order[s:e]], box[order[s:e]]), k=1)
        keep[s:e] = iou.max(axis=0) <= iou_threshold
    return order[keep]


def _finish(
    frame: NDArray[np.int64],
    box: NDArray[np.float64],
    score: NDArray[np.float64],
    source: NDArray[np.int64],
    track: NDArray[np.int64],
    image: tuple[float, float, float, float],
    clip: bool,
    nms_iou: float,
) -> Detections:
    """Clip to the image (if ``clip``), drop degenerate boxes and boxes outside the image,
    suppress overlaps, round like a det.txt, sort by frame."""
    box = box.copy()
    inside = (
        (box[:, 2] > image[0])
        & (box[:, 0] < image[2])
        & (box[:, 3] > image[1])
        & (box[:, 1] < image[3])
    )
    if clip:
        box[:, [0, 2]] = np.clip(box[:, [0, 2]], image[0], image[2])
        box[:, [1, 3]] = np.clip(box[:, [1, 3]], image[1], image[3])
    box = np.round(box, 1)
    ok = inside & ((box[:, 2] - box[:, 0]) >= _MIN_SIDE) & ((box[:, 3] - box[:, 1]) >= _MIN_SIDE)
    rows = np.flatnonzero(ok)
    order = rows[_fast_nms(frame[rows], box[rows], score[rows], nms_iou)]
    return Detections(
        frame=frame[order],
        xywh=np.round(xyxy_to_xywh(box[order]), 1),
        score=score[order],
        data={"source": source[order].astype(np.int8), "track": track[order]},
    )


def simulate_detections(
    people: DetectorTargets,
    props: DetectorTargets,
    config: DetectorConfig,
    n_frames: int,
    fps: float,
    image: tuple[float, float, float, float],
    rng: np.random.Generator,
) -> Detections:
    """Run the simulated detector over a whole sequence.

    Args:
        people: every person in view in every frame.
        props: every person-like static object in view in every frame (may be empty).
        config: detector parameters.
        n_frames: number of frames (clutter is drawn for frames ``1 .. n_frames``).
        fps: frame rate (sets the time correlation of the noise).
        image: ``(left, top, right, bottom)`` of the image in the boxes' coordinates.
        rng: random generator.

    Returns:
        Detections sorted by frame with ``score`` and extra columns ``data["source"]``
        (:class:`DetectionSource` codes, int8) and ``data["track"]`` (the person or prop id a
        detection came from, -1 for clutter). Boxes and scores are rounded like a det.txt.
    """
    dt = 1.0 / fps
    frames: list[np.ndarray] = []
    boxes: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    sources: list[np.ndarray] = []
    tracks: list[np.ndarray] = []
    px_scale = 1080.0 / max(image[3] - image[1], 1.0)

    def add(
        f: np.ndarray, b: np.ndarray, s: np.ndarray, src: DetectionSource, tr: np.ndarray
    ) -> None:
        keep = s >= config.min_score
        if src != DetectionSource.TRUE and config.fp_min_height > 0:
            keep &= (b[:, 3] - b[:, 1]) * px_scale >= config.fp_min_height
        frames.append(f[keep])
        boxes.append(b[keep])
        scores.append(s[keep])
        sources.append(np.full(int(keep.sum()), int(src)))
        tracks.append(tr[keep])

    if len(people):
        keep, box, score = _true_detections(people, config, dt, px_scale, rng)
        add(people.frame[keep], box[keep], score[keep], DetectionSource.TRUE, people.track[keep])
        # parts / duplicates: two channels, each correlated along the track in time
        # parts / duplicates: two channels per person, each switching on and off with
        # correlation time fp_tau and keeping its shape and (slowly varying) confidence
        rate = config.part_rate / 2 * np.sqrt(np.clip(people.visibility, 0, 1))
        u = ndtr(ar1_per_track(rng, people.track, people.frame, config.fp_tau, dt, 2))
        flat = np.flatnonzero(u < (1 - np.exp(-rate))[:, None])
        rows, channel = flat // 2, flat % 2
        key = 2 * (people.track[rows] - int(people.track.min(initial=0))) + channel
        u_score = ar1_per_track(rng, key, people.frame[rows], config.fp_score_tau, dt)[:, 0]
        add(
            people.frame[rows],
            _part_boxes(people, rows, key, config, dt, rng),
            _fp_scores(config, ndtr(u_score)),
            DetectionSource.PART,
            people.track[rows],
        )
    area = (image[2] - image[0]) * (image[3] - image[1]) / _REF_AREA
    share = config.clutter_persistent
    c_frame, c_box = _clutter_boxes(
        n_frames, image, config.clutter_rate * (1 - share), rng, config.clutter_height
    )
    add(
        c_frame,
        c_box,
        _fp_scores(config, rng.uniform(size=len(c_frame))),
        DetectionSource.CLUTTER,
        np.full(len(c_frame), -1),
    )
    s_frame, s_box, s_score = _clutter_sites(
        n_frames, image, config.clutter_rate * share * area, config, dt, rng
    )
    add(s_frame, s_box, s_score, DetectionSource.CLUTTER, np.full(len(s_frame), -1))
    if len(props):  # person-like objects: persistent firings, slowly varying confidence
        u = ndtr(ar1_per_track(rng, props.track, props.frame, config.fp_tau, dt)[:, 0])
        rows = np.flatnonzero((u < config.prop_fire_rate) & (props.visibility > 0.3))
        slow = ar1_per_track(rng, props.track, props.frame, config.fp_score_tau, dt)[rows, 0]
        noise = ar1_per_track(rng, props.track[rows], props.frame[rows], config.loc_tau, dt, 4)
        jitter = (2.0 + 0.02 * props.height_px[rows, None]) * noise
        add(
            props.frame[rows],
            props.xyxy[rows] + jitter,
            _fp_scores(config, ndtr(slow)),
            DetectionSource.PROP,
            props.track[rows],
        )
    return _finish(
        np.concatenate(frames),
        np.concatenate(boxes),
        np.concatenate(scores),
        np.concatenate(sources),
        np.concatenate(tracks),
        image,
        config.clip_to_image,
        config.nms_iou,
    )
