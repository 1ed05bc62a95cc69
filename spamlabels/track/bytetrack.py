"""ByteTrack (Zhang et al., ECCV 2022) on numpy / scipy, as the official code does it.

Reference: ``yolox/tracker/byte_tracker.py``, ``matching.py`` and ``kalman_filter.py`` of
ifzhang/ByteTrack, and the output filter of ``yolox/evaluators/mot_evaluator.py`` (the loop that
``tools/track.py`` runs). One :meth:`ByteTrack.update` per frame:

1. Split detections by score: *high* if ``score > track_thresh``, *low* if
   ``low_thresh < score < track_thresh``; the rest are ignored.
2. Predict confirmed tracked and lost tracks with the Kalman filter (a lost track's height
   velocity is zeroed first). Match them to high detections on ``1 - IoU * score``
   (``fuse_score``) with cost limit ``match_thresh``; a matched lost track is re-found with its
   old id.
3. Match the still unmatched *tracked* tracks to low detections on ``1 - IoU``, limit
   ``low_match_thresh``; tracked tracks still unmatched become lost.
4. Match unconfirmed tracks (born in the previous frame, not predicted) to the remaining high
   detections, limit ``unconfirmed_match_thresh``; unmatched unconfirmed tracks are removed.
5. Remaining high detections with ``score >= det_thresh`` (``track_thresh + 0.1``) start
   tracks; these are output only from their second match on, except on the first frame.
6. Lost tracks not matched for more than ``int(frame_rate / 30 * track_buffer)`` frames are
   removed (like the official code, one frame late: they can still be re-found in the next
   frame); a tracked and a lost track with IoU > ``duplicate_iou`` are duplicates and the one
   tracked for the shorter time goes.
7. Output: activated tracked tracks, box = Kalman posterior (``output_box="kalman"``), conf =
   the matched detection's score, kept if ``w * h > min_box_area`` and
   ``w / h <= max_aspect_ratio``.

LAPJV (``lap.lapjv(cost, extend_cost=True, cost_limit=thresh)``) is replaced by
:func:`linear_assignment`, which solves the same extended problem with
:func:`scipy.optimize.linear_sum_assignment`. IoU uses the official ``cython_bbox`` pixel
convention (``+1`` on widths and heights) unless ``iou_plus_one=False``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

from spamlabels.core import Detections, Tracks, box_iou, xyah_to_xyxy, xyxy_to_xyah
from spamlabels.track.base import Tracker, _check_frames
from spamlabels.track.kalman import KalmanFilterXYAH

__all__ = ["ByteTrack", "ByteTrackConfig", "OutputBox", "linear_assignment"]

OutputBox = Literal["kalman", "detection"]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ByteTrackConfig:
    """Every ByteTrack parameter; the defaults are the official MOT17 settings.

    Scores are detector confidences in ``[0, 1]``; thresholds on costs are on ``1 - IoU`` or
    ``1 - IoU * score`` (so a *higher* cost limit accepts *worse* overlaps).
    """

    track_thresh: float = 0.6
    """Score above which a detection is *high* (first association, may start tracks). Raising
    it leaves more detections to the cautious second association (fewer false tracks, more
    fragmentation); lowering it lets weak detections re-find lost tracks and start tracks."""
    low_thresh: float = 0.1
    """Score above which a detection is at least *low* (second association only). Raising it
    ignores more weak boxes (fewer false continuations); lowering it keeps tracks alive
    through occlusions longer but may follow false positives."""
    new_track_thresh: float | None = None
    """Minimum score of an unmatched high detection to start a track (ByteTrack's
    ``det_thresh``); ``None`` means ``track_thresh + 0.1``. Raising it starts fewer (but
    surer) tracks; lowering it picks up people earlier and creates more false tracks."""
    match_thresh: float = 0.9
    """Cost limit of the first association (tracked + lost vs high detections). Raising it
    accepts weaker overlaps (fewer lost tracks, more identity switches); lowering it is
    stricter (more fragments and new ids)."""
    low_match_thresh: float = 0.5
    """Cost limit (``1 - IoU``) of the second association (tracked vs low detections); same
    trade-off as ``match_thresh``."""
    unconfirmed_match_thresh: float = 0.7
    """Cost limit of the association of unconfirmed (one-frame-old) tracks. Raising it confirms
    more new tracks; lowering it drops more of them after one frame."""
    track_buffer: int = 30
    """How long lost tracks are kept, in frames at 30 fps (scaled to
    ``int(frame_rate / 30 * track_buffer)`` frames). Raising it re-finds people after longer
    occlusions but risks re-attaching an id to someone else; lowering it creates new ids
    sooner."""
    fuse_score: bool = True
    """Multiply IoU by the detection score in the first and unconfirmed associations
    (official for MOT17; ByteTrack disables it for MOT20). Disabling it makes weak and strong
    detections equally attractive."""
    duplicate_iou: float = 0.85
    """A tracked and a lost track overlapping with IoU above this are duplicates; the one
    tracked for the shorter time is dropped. Raising it removes fewer duplicates; lowering it
    removes more (and may drop real neighbours)."""
    min_box_area: float = 100.0
    """Output filter: only boxes with ``w * h > min_box_area`` (square pixels) are output;
    0 keeps every box. Does not affect the tracker's state."""
    max_aspect_ratio: float | None = 1.6
    """Output filter: boxes with ``w / h`` above this are not output (pedestrians are tall);
    ``None`` disables it. Does not affect the tracker's state."""
    output_box: OutputBox = "kalman"
    """``"kalman"``: output the Kalman posterior box (official); ``"detection"``: output the
    detection matched in this frame (what supervision's ``ByteTrack`` returns)."""
    iou_plus_one: bool = True
    """Compute IoU with the ``+1`` pixel convention of ``cython_bbox`` (width = x2 - x1 + 1) as
    the official code does; ``False`` uses continuous coordinates (supervision, TrackEval)."""
    drop_refound_expired: bool = True
    """Official quirk: a lost track that timed out but was re-found in the frame after (while it
    still sat in the lost list) keeps its "removed" mark, so the next time it is lost it is
    dropped at once instead of being kept for ``track_buffer`` frames. ``False`` forgets the
    mark on re-finding (what supervision does)."""
    track_thresh_inclusive: bool = False
    """Count a detection with ``score == track_thresh`` as high (supervision) instead of as
    neither high nor low (official: ``score > track_thresh`` and ``score < track_thresh``)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.low_thresh <= self.track_thresh:
            raise ValueError(
                f"need 0 <= low_thresh <= track_thresh, got {self.low_thresh}, {self.track_thresh}"
            )
        for name in ("match_thresh", "low_match_thresh", "unconfirmed_match_thresh"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite cost limit >= 0, got {value}")
        if int(self.track_buffer) != self.track_buffer or self.track_buffer < 0:
            raise ValueError(f"track_buffer must be an integer >= 0, got {self.track_buffer}")
        if not 0.0 <= self.duplicate_iou <= 1.0:
            raise ValueError(f"duplicate_iou must be in [0, 1], got {self.duplicate_iou}")
        if self.min_box_area < 0:
            raise ValueError(f"min_box_area must be >= 0, got {self.min_box_area}")
        if self.max_aspect_ratio is not None and self.max_aspect_ratio <= 0:
            raise ValueError(f"max_aspect_ratio must be > 0 or None, got {self.max_aspect_ratio}")
        if self.output_box not in ("kalman", "detection"):
            raise ValueError(f"output_box must be 'kalman' or 'detection', got {self.output_box!r}")

    @property
    def det_thresh(self) -> float:
        """The score needed to start a track (``new_track_thresh`` or ``track_thresh + 0.1``)."""
        if self.new_track_thresh is not None:
            return self.new_track_thresh
        return self.track_thresh + 0.1

    def max_time_lost(self, frame_rate: float) -> int:
        """Frames a lost track survives: ``int(frame_rate / 30 * track_buffer)``."""
        return int(frame_rate / 30.0 * self.track_buffer)

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> ByteTrackConfig:
        """A named parameter set, optionally with some fields replaced.

        ``"official"``: the defaults (ifzhang/ByteTrack ``tools/track.py`` on MOT17).
        ``"supervision"``: the defaults and conventions of ``supervision.ByteTrack`` 0.30
        (``track_activation_threshold=0.25``, ``minimum_matching_threshold=0.8``,
        ``lost_track_buffer=30``): detection boxes as output, no output filter, duplicates at
        IoU > 0.95, continuous-coordinate IoU, ``score >= track_thresh`` counts as high, re-found
        timed-out tracks treated like any other track.
        """
        presets: dict[str, dict[str, Any]] = {
            "official": {},
            "supervision": {
                "track_thresh": 0.25,
                "match_thresh": 0.8,
                "track_buffer": 30,
                "duplicate_iou": 0.95,
                "min_box_area": 0.0,
                "max_aspect_ratio": None,
                "output_box": "detection",
                "iou_plus_one": False,
                "drop_refound_expired": False,
                "track_thresh_inclusive": True,
            },
        }
        if name not in presets:
            raise KeyError(f"unknown ByteTrack preset {name!r}; available: {sorted(presets)}")
        return cls(**{**presets[name], **overrides})


def linear_assignment(cost: ArrayLike, thresh: float) -> tuple[IntArray, IntArray, IntArray]:
    """Minimum-cost partial matching with a cost limit (``lap.lapjv`` with ``extend_cost=True,
    cost_limit=thresh``, as ByteTrack calls it).

    LAPJV with a cost limit solves an extended square problem: every row may instead take a
    dummy column and every column a dummy row, each at cost ``thresh / 2``. Matching ``(i, j)``
    therefore pays ``cost[i, j]`` instead of ``thresh``, so the solution minimises
    ``sum(cost[i, j] - thresh)`` over the matched pairs; a pair costing more than ``thresh`` is
    never matched. Here the same optimum comes from
    :func:`scipy.optimize.linear_sum_assignment` on the rectangular matrix
    ``min(cost - thresh, 0)`` (restricted to rows and columns that have an admissible pair),
    keeping the assigned pairs with ``cost <= thresh``. Pairs costing exactly ``thresh`` gain
    nothing; like LAPJV, whether such a tie is matched is up to the solver.

    Args:
        cost: ``(n, m)`` costs; ``+inf`` marks forbidden pairs; no NaN or ``-inf``.
        thresh: the cost limit.

    Returns:
        ``(matches (k, 2), unmatched_rows (n - k,), unmatched_cols (m - k,))``: matches as
        ``(row, col)`` sorted by row; unmatched indices ascending.
    """
    c = np.asarray(cost, dtype=np.float64)
    if c.ndim != 2:
        raise ValueError(f"cost must be a 2-d matrix, got shape {c.shape}")
    n, m = c.shape
    empty = np.zeros((0, 2), dtype=np.int64)
    if n == 0 or m == 0:
        return empty, np.arange(n, dtype=np.int64), np.arange(m, dtype=np.int64)
    if np.isnan(c).any() or np.isneginf(c).any():
        raise ValueError("cost must not contain NaN or -inf")
    admissible = c <= thresh
    rows = np.flatnonzero(admissible.any(axis=1))
    if len(rows) == 0:
        return empty, np.arange(n, dtype=np.int64), np.arange(m, dtype=np.int64)
    cols = np.flatnonzero(admissible.any(axis=0))
    sub = c[np.ix_(rows, cols)]
    gain = np.minimum(sub - thresh, 0.0)
    ri, ci = linear_sum_assignment(gain)
    keep = sub[ri, ci] <= thresh
    r, k = rows[ri[keep]], cols[ci[keep]]
    order = np.argsort(r, kind="stable")
    matches = np.stack([r[order], k[order]], axis=1).astype(np.int64)
    row_free = np.ones(n, dtype=bool)
    row_free[matches[:, 0]] = False
    col_free = np.ones(m, dtype=bool)
    col_free[matches[:, 1]] = False
    return matches, np.flatnonzero(row_free), np.flatnonzero(col_free)


class ByteTrack(Tracker):
    """ByteTrack with the official association (see the module docstring).

    Args:
        config: parameters; default :class:`ByteTrackConfig` (official MOT17 settings).
        frame_rate: frames per second (scales ``track_buffer``); :meth:`track` may give another.
        **overrides: fields of :class:`ByteTrackConfig` to replace, e.g.
            ``ByteTrack(track_thresh=0.5)`` or ``create_tracker("bytetrack", match_thresh=0.8)``.

    Example:
        >>> from spamlabels.core import Detections
        >>> dets = Detections(frame=[1, 2], xywh=[[10, 10, 20, 50], [12, 10, 20, 50]],
        ...                   score=[0.9, 0.9])
        >>> tracks = ByteTrack().track(dets, seq_length=2)
        >>> tracks.id.tolist(), tracks.frame.tolist()
        ([1, 1], [1, 2])
    """

    name = "bytetrack"

    def __init__(
        self, config: ByteTrackConfig | None = None, *, frame_rate: float = 30.0, **overrides: Any
    ) -> None:
        super().__init__(frame_rate)
        cfg = config if config is not None else ByteTrackConfig()
        if overrides:
            unknown = set(overrides) - {f.name for f in dataclasses.fields(ByteTrackConfig)}
            if unknown:
                raise TypeError(f"unknown ByteTrack option(s): {', '.join(sorted(unknown))}")
            cfg = dataclasses.replace(cfg, **overrides)
        self.config: ByteTrackConfig = cfg
        self.kalman = KalmanFilterXYAH()
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget all tracks; the next id is 1 again and the next frame is a first frame."""
        # Tracks live in parallel arrays: rows [0, n_tracked) are the tracked list, the rest
        # the lost list, each in the order the official code keeps its Python lists.
        self._n_tracked = 0
        self._mean: FloatArray = np.zeros((0, 8))
        self._cov: FloatArray = np.zeros((0, 8, 8))
        self._ids: IntArray = np.zeros(0, dtype=np.int64)
        self._activated = np.zeros(0, dtype=bool)
        self._start: IntArray = np.zeros(0, dtype=np.int64)
        self._last: IntArray = np.zeros(0, dtype=np.int64)
        self._score: FloatArray = np.zeros(0)
        self._det_box: FloatArray = np.zeros((0, 4))
        # "Marked removed" (the official code's removed_stracks, which only ever grows): set
        # when a lost track times out; such a track leaves the lost list one frame later.
        self._marked = np.zeros(0, dtype=bool)
        self._next_id = 1
        self._n_updates = 0
        self._last_frame: int | None = None

    @property
    def num_tracked(self) -> int:
        """Tracks currently tracked (confirmed or not)."""
        return self._n_tracked

    @property
    def num_lost(self) -> int:
        """Tracks currently lost (kept for re-identification)."""
        return len(self._ids) - self._n_tracked

    # ------------------------------------------------------------------ helpers
    def _iou(self, a: FloatArray, b: FloatArray) -> FloatArray:
        if len(a) == 0 or len(b) == 0:
            return np.zeros((len(a), len(b)))
        if self.config.iou_plus_one:  # cython_bbox: areas and overlaps count x2 - x1 + 1
            a = a.copy()
            b = b.copy()
            a[:, 2:] += 1.0
            b[:, 2:] += 1.0
        return box_iou(a, b)

    def _cost(self, tracks: FloatArray, dets: FloatArray, scores: FloatArray | None) -> FloatArray:
        iou = self._iou(tracks, dets)
        if scores is not None:
            iou = iou * scores[None, :]
        return 1.0 - iou

    def _boxes(self, rows: IntArray) -> FloatArray:
        """``(len(rows), 4)`` xyxy boxes of the Kalman means of ``rows``."""
        if len(rows) == 0:
            return np.zeros((0, 4))
        return xyah_to_xyxy(self._mean[rows, :4])

    # ------------------------------------------------------------------ one frame
    def _step(
        self, boxes: FloatArray, scores: FloatArray, frame: int
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """Advance one frame on raw arrays (``boxes (n, 4)`` xyxy, ``scores (n,)``).

        Returns:
            ``(ids (k,), boxes (k, 4) xyxy, scores (k,))`` of the output tracks.
        """
        cfg = self.config
        if self._last_frame is not None and frame <= self._last_frame:
            raise ValueError(f"frames must increase: got {frame} after {self._last_frame}")
        self._last_frame = frame
        self._n_updates += 1
        first_frame = self._n_updates == 1

        if cfg.track_thresh_inclusive:
            high = scores >= cfg.track_thresh
        else:
            high = scores > cfg.track_thresh
        hi = np.flatnonzero(high)
        lo = np.flatnonzero((scores > cfg.low_thresh) & (scores < cfg.track_thresh))
        fuse = cfg.fuse_score

        nt, total = self._n_tracked, len(self._ids)
        tracked_act = self._activated[:nt]
        unconfirmed = np.flatnonzero(~tracked_act)
        confirmed = np.flatnonzero(tracked_act)
        n_conf = len(confirmed)
        pool = np.concatenate([confirmed, np.arange(nt, total)])

        # Predict confirmed tracked and lost tracks (lost: height velocity zeroed first).
        if len(pool):
            mean = self._mean[pool]
            mean[n_conf:, 7] = 0.0
            self._mean[pool], self._cov[pool] = self.kalman.predict(mean, self._cov[pool])
        pool_boxes = self._boxes(pool)

        # 1st association: tracked + lost vs high detections.
        cost = self._cost(pool_boxes, boxes[hi], scores[hi] if fuse else None)
        m1, u_pool, u_hi = linear_assignment(cost, cfg.match_thresh)
        rows1, dets1 = pool[m1[:, 0]], hi[m1[:, 1]]
        refound = pool[m1[m1[:, 0] >= n_conf, 0]]
        if not cfg.drop_refound_expired:
            self._marked[refound] = False

        # 2nd association: remaining tracked (not lost) tracks vs low detections.
        r_tracked = u_pool[u_pool < n_conf]
        cost = 1.0 - self._iou(pool_boxes[r_tracked], boxes[lo])
        m2, u_r, _ = linear_assignment(cost, cfg.low_match_thresh)
        rows2, dets2 = pool[r_tracked[m2[:, 0]]], lo[m2[:, 1]]
        newly_lost = pool[r_tracked[u_r]]

        # Unconfirmed tracks vs the high detections left over.
        rest = hi[u_hi]
        cost = self._cost(self._boxes(unconfirmed), boxes[rest], scores[rest] if fuse else None)
        m3, _, u_rest = linear_assignment(cost, cfg.unconfirmed_match_thresh)
        rows3, dets3 = unconfirmed[m3[:, 0]], rest[m3[:, 1]]

        # Kalman update of every matched track at once.
        rows = np.concatenate([rows1, rows2, rows3])
        dets = np.concatenate([dets1, dets2, dets3])
        if len(rows):
            self._mean[rows], self._cov[rows] = self.kalman.update(
                self._mean[rows], self._cov[rows], xyxy_to_xyah(boxes[dets])
            )
            self._activated[rows] = True
            self._last[rows] = frame
            self._score[rows] = scores[dets]
            self._det_box[rows] = boxes[dets]

        # New tracks from confident unmatched high detections (ids in detection order).
        born = rest[u_rest]
        born = born[scores[born] >= cfg.det_thresh]
        k = len(born)
        if k:
            mean, cov = self.kalman.initiate(xyxy_to_xyah(boxes[born]))
            self._mean = np.concatenate([self._mean, mean])
            self._cov = np.concatenate([self._cov, cov])
            self._ids = np.concatenate([self._ids, np.arange(self._next_id, self._next_id + k)])
            self._next_id += k
            self._activated = np.concatenate([self._activated, np.full(k, first_frame)])
            self._start = np.concatenate([self._start, np.full(k, frame, dtype=np.int64)])
            self._last = np.concatenate([self._last, np.full(k, frame, dtype=np.int64)])
            self._score = np.concatenate([self._score, scores[born]])
            self._det_box = np.concatenate([self._det_box, boxes[born]])
            self._marked = np.concatenate([self._marked, np.zeros(k, dtype=bool)])

        # New list orders, as the official joint/sub list operations leave them.
        still_tracked = np.zeros(nt, dtype=bool)
        still_tracked[rows[rows < nt]] = True
        tracked = np.concatenate(
            [np.flatnonzero(still_tracked), np.arange(total, total + k), refound]
        )
        # Lost: old lost tracks not re-found, then the newly lost ones, minus every track marked
        # removed in an earlier frame. As in the official code (which subtracts its removed
        # list before adding this frame's removals), a track timing out now stays in the lost
        # list until the next frame and can still be re-found there; a track that was once
        # marked and re-found is dropped at once when it is lost again (drop_refound_expired).
        old_lost = np.arange(nt, total)
        keep_lost = np.ones(total - nt, dtype=bool)
        keep_lost[refound - nt] = False
        lost = np.concatenate([old_lost[keep_lost], newly_lost])
        lost = lost[~self._marked[lost]]
        timed_out = frame - self._last[old_lost] > cfg.max_time_lost(self.frame_rate)
        self._marked[old_lost[timed_out]] = True

        # Duplicates between tracked and lost: keep the one tracked for longer.
        if len(tracked) and len(lost):
            iou = self._iou(self._boxes(tracked), self._boxes(lost))
            p, q = np.nonzero(iou > cfg.duplicate_iou)
            if len(p):
                age_t = self._last[tracked[p]] - self._start[tracked[p]]
                age_l = self._last[lost[q]] - self._start[lost[q]]
                tracked = np.delete(tracked, np.unique(p[age_t <= age_l]))
                lost = np.delete(lost, np.unique(q[age_t > age_l]))

        order = np.concatenate([tracked, lost])
        self._n_tracked = len(tracked)
        self._mean, self._cov = self._mean[order], self._cov[order]
        self._ids, self._activated = self._ids[order], self._activated[order]
        self._start, self._last = self._start[order], self._last[order]
        self._score, self._det_box = self._score[order], self._det_box[order]
        self._marked = self._marked[order]
        return self._output()

    def _output(self) -> tuple[IntArray, FloatArray, FloatArray]:
        cfg = self.config
        rows = np.flatnonzero(self._activated[: self._n_tracked])
        if cfg.output_box == "kalman":
            out = self._boxes(rows)
        else:
            out = self._det_box[rows]
        w, h = out[:, 2] - out[:, 0], out[:, 3] - out[:, 1]
        keep = np.isfinite(out).all(axis=1) & (w > 0) & (h > 0) & (w * h > cfg.min_box_area)
        if cfg.max_aspect_ratio is not None:
            keep &= w <= cfg.max_aspect_ratio * h
        rows = rows[keep]
        return self._ids[rows], out[keep], self._score[rows]

    # ------------------------------------------------------------------ public API
    def update(self, frame_dets: Detections, frame: int) -> Tracks:
        """Process one frame (see :meth:`Tracker.update`).

        Args:
            frame_dets: detections of ``frame`` (boxes in pixels, ``score`` in ``[0, 1]``).
            frame: 1-based frame number, larger than in the previous call. The Kalman filter
                steps once per call, so call it for every frame, with empty detections where
                there are none.

        Returns:
            Output tracks of this frame: ids >= 1, boxes per ``config.output_box``,
            ``score`` = the matched detection's score.
        """
        frame = int(frame)
        if len(frame_dets) and (frame_dets.frame != frame).any():
            raise ValueError(f"frame_dets has rows of frames other than {frame}")
        ids, boxes, scores = self._step(frame_dets.xyxy, frame_dets.score, frame)
        return _to_tracks(np.full(len(ids), frame, dtype=np.int64), ids, boxes, scores)

    def track(
        self,
        dets: Detections,
        seq_length: int | None = None,
        frame_rate: float | None = None,
        progress: bool = False,
    ) -> Tracks:
        """Track a whole sequence (same result as :meth:`Tracker.track`, without building a
        table per frame).

        Args:
            dets: detections, frames in ``1 .. seq_length``.
            seq_length: number of frames; defaults to the last frame with a detection.
            frame_rate: frames per second (seqinfo ``frameRate``), scales ``track_buffer``
                (default: the tracker's, the constructor's or the last one given).
            progress: show a tqdm progress bar.

        Returns:
            Tracks sorted by frame then id.
        """
        from tqdm import tqdm

        n = _check_frames(dets, seq_length)
        if frame_rate is not None:
            self.frame_rate = frame_rate
        self.reset()
        order = np.argsort(dets.frame, kind="stable")
        bounds = np.searchsorted(dets.frame[order], np.arange(1, n + 2))
        xyxy, score = dets.xyxy[order], dets.score[order]
        frames, ids, boxes, scores = [], [], [], []
        bar = tqdm(range(1, n + 1), desc="track (bytetrack)", unit="frame", disable=not progress)
        for f in bar:
            a, b = bounds[f - 1], bounds[f]
            i, bx, sc = self._step(xyxy[a:b], score[a:b], f)
            frames.append(np.full(len(i), f, dtype=np.int64))
            ids.append(i)
            boxes.append(bx)
            scores.append(sc)
        if not frames:
            return Tracks.empty()
        out = _to_tracks(
            np.concatenate(frames), np.concatenate(ids), np.concatenate(boxes),
            np.concatenate(scores),
        )  # fmt: skip
        return out.sorted()


def _to_tracks(frame: IntArray, ids: IntArray, xyxy: FloatArray, score: FloatArray) -> Tracks:
    xywh = xyxy.copy()
    xywh[:, 2:] -= xywh[:, :2]
    return Tracks(frame=frame, id=ids, xywh=xywh.reshape(-1, 4), score=score)
