"""The SPAM tracker: a hierarchy of time-aware GNNs over clips of detections (offline).

Paper §3.2 and supplementary A.1; design notes §1 and §3.2-3.3. For each clip of
``clip_length`` frames (default 512, consecutive clips overlap by half):

1. GNN_node (level 0) scores every candidate detection in 10-frame windows; those below
   ``node_threshold`` are rejected (kept in the record: an annotator may restore them),
   except detections at least ``node_keep_conf`` confident, which always go on.
2. GNN_edge levels 1, 2, ... link the surviving detections into ever longer tracklets over
   windows of 2, 4, ..., 512 frames (rounding onto in/out-degree <= 1, components).
3. Clips are stitched by Hungarian matching on the detections they share (each clip decides
   the first or second half of the overlap nearer its own centre).
4. Tracks shorter than ``min_track_len`` are dropped; links their own motion contradicts are
   cut and tracks are stitched across short gaps; gaps are filled by linear interpolation and
   boxes smoothed over time (each switchable).

Every decision is kept: :attr:`SpamTracker.last_clips` holds, per clip, the indices of its
detections in the input and the :class:`~spamlabels.graph.ClipHierarchy` with every level's
graph, node / edge probabilities before rounding and node-to-tracklet maps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from spamlabels.core import Detections, Provenance, Tracks
from spamlabels.graph import ClipHierarchy, HierarchyConfig, LevelGraph
from spamlabels.track.base import Tracker, _check_frames
from spamlabels.track.postprocess import (
    _pair_mask,
    cut_tracks,
    interpolate_tracks,
    smooth_tracks,
    stitch_tracks,
    swap_tracks,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "ClipResult",
    "EdgeClamp",
    "SpamConfig",
    "SpamTracker",
    "interpolate_tracks",
    "run_hierarchy",
    "score_graph",
    "trained_clip_length",
]

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "spam_synth.pt"
"""Weights shipped with the package: trained by ``spam train synth`` on generated scenes only."""


@dataclass(frozen=True)
class SpamConfig:
    """Inference settings of :class:`SpamTracker`."""

    clip_length: int | None = None
    """Frames per clip (the hierarchy's last level covers the clip); ``None`` = the longest
    clips the weights were trained on (:func:`trained_clip_length`)."""
    clip_overlap: float = 0.5
    """Fraction of a clip shared with the next one."""
    node_level: bool = True
    """Run GNN_node; ``False`` sends every detection to the edge levels (Table 1, setting B)."""
    node_threshold: float = 0.8
    """GNN_node probability below which a detection is rejected (0.8: chosen with
    ``node_keep_conf`` on the MOT17 YOLOX *train* halves, docs/benchmarks.md section 6)."""
    node_keep_conf: float | None = 0.6
    """Detections at least this confident are never rejected by GNN_node, which then decides
    on the low-confidence candidates only (``None``: GNN_node decides on every candidate)."""
    edge_threshold: float | tuple[float, ...] = 0.45
    """GNN_edge link threshold, one for all levels or one per level (last one repeated).
    0.45 (SUSHI: 0.5): chosen with ``top_k`` on the MOT17 YOLOX *train* halves, where the
    synthetic-only model is under-confident on real long-range links (docs/benchmarks.md
    section 6); on synthetic scenes 0.5 is as good."""
    min_track_len: int = 2
    """Tracks with fewer detections are dropped."""
    swap_margin: float = 0.3
    """First of the relinking steps: exchange the tails of two tracks where straight lines
    through the ``swap_window`` boxes before and after their links continue each other's
    tracks better than their own, by more than this (the crossed pair of mean IoUs summed minus
    the own pair summed, in [0, 2];
    :func:`~spamlabels.track.postprocess.swap_tracks`; 0 = off). A track's end (start) also
    counts as a link to nothing over the next (previous) ``swap_end_seconds``. 0.3 with
    ``swap_window`` 10 and 1 s: chosen on the MOT17 YOLOX and FRCNN *train* halves together
    (docs/benchmarks.md section 6, "Exchanging the tails of swapped tracks")."""
    swap_window: int = 10
    """Boxes on each side of a link that give the motion for :attr:`swap_margin`."""
    swap_end_seconds: float = 1.0
    """How far a track's end or start reaches as a link to nothing for :attr:`swap_margin`
    (0 = links between two boxes only)."""
    cut_iou: float = 0.05
    """Before stitching, cut a link between consecutive boxes of a track where straight lines
    through the ``cut_window`` boxes on either side, carried across the link, meet the boxes
    there with a mean IoU below this (:func:`~spamlabels.track.postprocess.cut_tracks`; pieces
    left shorter than ``min_track_len`` and not stitched are dropped; 0 = off). 0.05 with
    ``cut_window`` 5: chosen on the MOT17 YOLOX and FRCNN *train* halves together
    (docs/benchmarks.md section 6, "Cutting links that motion contradicts")."""
    cut_window: int = 5
    """Boxes on each side of a link that give the motion for :attr:`cut_iou`."""
    stitch_seconds: float = 2.0
    """Join a track that ends to one starting at most this long after it where each one's
    straight-line motion carries it onto the other (:func:`~spamlabels.track.postprocess.
    stitch_tracks`, after the min-length filter, before interpolation; 0 = off). 2 s, with
    ``stitch_iou`` and ``stitch_window``: chosen on the MOT17 YOLOX and FRCNN *train* halves
    together (docs/benchmarks.md section 6, "Stitching")."""
    stitch_iou: float = 0.3
    """Smallest mean IoU (forward and backward prediction) of two tracks to be stitched."""
    stitch_window: int = 10
    """Boxes at each track end that give its velocity for stitching."""
    interpolate: bool = True
    """Fill gaps inside tracks by linear interpolation (off for DanceTrack in SUSHI)."""
    max_interpolation_gap: int = 0
    """Largest gap (frames) to fill; 0 = any."""
    smooth_seconds: float = 0.1
    """Standard deviation (seconds) of the Gaussian of the local linear fit that smooths every
    track's boxes over time after interpolation
    (:func:`~spamlabels.track.postprocess.smooth_tracks`; 0 = off). 0.1 s (3 frames at 30
    frames/s): chosen on the MOT17 YOLOX *train* halves (docs/benchmarks.md section 6)."""
    top_k: int = 7
    """Reciprocal top-k of the graph pruning (SUSHI: 10; 7 chosen with ``edge_threshold`` on
    the MOT17 YOLOX train halves)."""
    context_motion: bool | None = None
    """:attr:`spamlabels.graph.HierarchyConfig.context_motion`; ``None`` = as the weights were
    trained (their ``meta["hierarchy"]``; off for weights that do not record it)."""

    def __post_init__(self) -> None:
        if self.clip_length is not None and self.clip_length < 2:
            raise ValueError(f"clip_length must be >= 2, got {self.clip_length}")
        if not 0.0 <= self.clip_overlap < 1.0:
            raise ValueError(f"clip_overlap must be in [0, 1), got {self.clip_overlap}")
        if self.min_track_len < 1:
            raise ValueError(f"min_track_len must be >= 1, got {self.min_track_len}")
        if not (self.smooth_seconds >= 0.0 and np.isfinite(self.smooth_seconds)):
            raise ValueError(f"smooth_seconds must be >= 0, got {self.smooth_seconds}")
        if not 0.0 < self.node_threshold < 1.0:
            raise ValueError(f"node_threshold must be in (0, 1), got {self.node_threshold}")
        if not (self.stitch_seconds >= 0.0 and np.isfinite(self.stitch_seconds)):
            raise ValueError(f"stitch_seconds must be >= 0, got {self.stitch_seconds}")
        if not 0.0 < self.stitch_iou <= 1.0:
            raise ValueError(f"stitch_iou must be in (0, 1], got {self.stitch_iou}")
        if self.stitch_window < 1:
            raise ValueError(f"stitch_window must be >= 1, got {self.stitch_window}")
        if not 0.0 <= self.cut_iou <= 1.0:
            raise ValueError(f"cut_iou must be in [0, 1], got {self.cut_iou}")
        if self.cut_window < 2:
            raise ValueError(f"cut_window must be >= 2, got {self.cut_window}")
        if not 0.0 <= self.swap_margin <= 2.0:
            raise ValueError(f"swap_margin must be in [0, 2], got {self.swap_margin}")
        if self.swap_window < 2:
            raise ValueError(f"swap_window must be >= 2, got {self.swap_window}")
        if not (self.swap_end_seconds >= 0.0 and np.isfinite(self.swap_end_seconds)):
            raise ValueError(f"swap_end_seconds must be >= 0, got {self.swap_end_seconds}")

    def stitch(
        self, tracks: Tracks, frame_rate: float, forbid: Collection[tuple[int, int]] | None = None
    ) -> Tracks:
        """``tracks`` (any tracker's) stitched across gaps with these settings
        (:func:`~spamlabels.track.postprocess.stitch_tracks`, which takes ``forbid``;
        ``stitch_seconds`` converted to frames at ``frame_rate``; 0 s returns ``tracks``)."""
        return stitch_tracks(tracks, round(self.stitch_seconds * frame_rate), self.stitch_iou,
                             self.stitch_window, forbid=forbid)  # fmt: skip

    def relink(
        self, tracks: Tracks, frame_rate: float, forbid: Collection[tuple[int, int]] | None = None,
        keep: Collection[tuple[int, int]] | None = None, protect: NDArray[np.bool_] | None = None,
    ) -> Tracks:  # fmt: skip
        """``tracks`` (any tracker's) with the tails of swapped tracks exchanged
        (:func:`~spamlabels.track.postprocess.swap_tracks` with ``swap_margin`` /
        ``swap_window`` / ``swap_end_seconds``; never breaking a link in ``keep`` nor making
        a pair in ``forbid`` consecutive), cut where their own motion contradicts a link
        (:func:`~spamlabels.track.postprocess.cut_tracks` with ``cut_iou`` / ``cut_window``;
        never a link in ``keep``), then stitched across short gaps (:meth:`stitch`; never
        directly joining the tracks that hold the two rows of a pair in ``forbid``); pieces the
        cut made that are still shorter than ``min_track_len`` are then dropped, unless they
        hold a row of ``protect`` ``(len(tracks),)``. ``forbid`` and ``keep`` are pairs of row
        positions in ``tracks``. Every step off (0) returns ``tracks``."""
        # each step returns its input as it is when off (0) or given no rows
        end = round(self.swap_end_seconds * frame_rate)
        out = swap_tracks(tracks, self.swap_window, self.swap_margin, end_frames=end, keep=keep,
                          forbid=forbid)  # fmt: skip
        out = cut_tracks(out, self.cut_window, self.cut_iou, keep=keep)
        ids = None if not forbid else {(int(out.id[p]), int(out.id[q])) for p, q in forbid}
        out = self.stitch(out, frame_rate, forbid=ids)
        if out is tracks:
            return out
        # only the pieces the cut made (ids above the input's; a chain takes its first id)
        return _drop_short(out, self.min_track_len, protect, above=int(tracks.id.max()))


@dataclass
class ClipResult:
    """One clip: ``det_index`` ``(m,)`` rows of the input detections, and their hierarchy."""

    det_index: NDArray[np.int64]
    hierarchy: ClipHierarchy
    frames: tuple[int, int]


def trained_clip_length(meta: dict[str, Any]) -> int:
    """The longest clips a checkpoint's levels were trained on, from its metadata: the last
    level's coverage when training used long clips (``long_clip_every``), else
    ``train_config.clip_length``; 512 when the metadata says nothing."""
    train = meta.get("train_config") or {}
    if not train.get("clip_length"):
        return 512
    if train.get("long_clip_every"):
        coverages = (meta.get("hierarchy") or {}).get("coverages") or [512]
        return int(max(coverages))
    return int(train["clip_length"])


def _clip_starts(n_frames: int, length: int, overlap: float) -> list[int]:
    """First frames (1-based) of clips covering ``1..n_frames``."""
    if n_frames <= length:
        return [1]
    step = max(1, round(length * (1 - overlap)))
    starts = list(range(1, n_frames - length + 2, step))
    if starts[-1] + length - 1 < n_frames:
        starts.append(n_frames - length + 1)
    return starts


def score_graph(
    model: Any, graph: LevelGraph, device: str = "cpu"
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Run ``model`` (a :class:`spamlabels.nn.HierarchicalGNN`) on one level's graph (call it
    under ``torch.inference_mode()``).

    Returns:
        ``(E,)`` edge probabilities of the last message-passing step, and ``(N,)`` node
        probabilities when the level has a node head (GNN_node), else ``None``.
    """
    import torch

    x = torch.from_numpy(graph.x).to(device)
    ei = torch.from_numpy(graph.edge_index).to(device)
    ea = torch.from_numpy(graph.edge_attr).to(device)
    out = model(graph.level, x, ei, ea)
    ep = torch.sigmoid(out.edge_logits[-1]).double().cpu().numpy()
    nl = out.node_logits
    npb = torch.sigmoid(nl[-1]).double().cpu().numpy() if nl is not None else None
    return ep, npb


EdgeClamp = Callable[[LevelGraph, NDArray[np.float64]], "NDArray[np.int8] | None"]
"""``clamp(graph, edge_prob)`` -> ``(E,)`` int8 clamps (+1 keep, -1 remove, 0 free) or ``None``."""


def run_hierarchy(
    model: Any, hierarchy: ClipHierarchy, node_level: bool = True, device: str = "cpu",
    clamp_edges: EdgeClamp | None = None,
) -> ClipHierarchy:  # fmt: skip
    """Run every level of ``hierarchy`` with ``model`` (a :class:`spamlabels.nn.HierarchicalGNN`)
    in inference mode and apply its decisions. Returns the same hierarchy.

    ``clamp_edges`` is asked at every GNN_edge level, after the model and before rounding, for
    decisions that override the model's (an annotator's answers, or ground truth for a
    ceiling); they are recorded in ``LevelRecord.forced_edges``."""
    import torch

    with torch.inference_mode():
        if node_level:
            g = hierarchy.node_graph()
            ep, npb = score_graph(model, g, device)
            assert npb is not None, "the model has no node head"
            hierarchy.apply_node_probs(g, npb, edge_prob=ep)
        else:
            hierarchy.skip_node_level()
        while not hierarchy.done():
            g = hierarchy.edge_graph()
            ep, _ = score_graph(model, g, device)
            forced = clamp_edges(g, ep) if clamp_edges is not None else None
            hierarchy.apply_edge_probs(g, ep, forced)
    return hierarchy


class SpamTracker(Tracker):
    """The hierarchical GNN tracker (offline: call :meth:`track` on a whole sequence).

    Args:
        weights: checkpoint written by ``spam train`` (default: the shipped
            :data:`DEFAULT_WEIGHTS`), or ``None`` with ``model`` given.
        config: inference settings (:class:`SpamConfig`); keyword overrides are accepted too.
        frame_rate: frames per second (edge time features are in seconds).
        image_size: ``(width, height)`` of the frames in pixels (node features are normalised
            by it).
        model: an already built :class:`spamlabels.nn.HierarchicalGNN` (e.g. during training).
        device: torch device.
    """

    name = "spam"

    def __init__(
        self,
        weights: str | Path | None = DEFAULT_WEIGHTS,
        config: SpamConfig | None = None,
        frame_rate: float = 30.0,
        image_size: tuple[int, int] = (1920, 1080),
        model: Any = None,
        device: str = "cpu",
        **overrides: Any,
    ) -> None:
        super().__init__(frame_rate)
        self.config = dataclasses.replace(config or SpamConfig(), **overrides)
        self.image_size = image_size
        self.device = device
        if model is None:
            from spamlabels.nn import load_checkpoint, read_checkpoint_meta

            path = weights if weights is not None else DEFAULT_WEIGHTS
            model = load_checkpoint(path)
            meta = read_checkpoint_meta(path)
            if self.config.clip_length is None:
                self.config = dataclasses.replace(
                    self.config, clip_length=trained_clip_length(meta)
                )
            if self.config.context_motion is None:
                trained = bool((meta.get("hierarchy") or {}).get("context_motion", False))
                self.config = dataclasses.replace(self.config, context_motion=trained)
        if self.config.clip_length is None:
            self.config = dataclasses.replace(self.config, clip_length=512)
        self.model = model.to(device).eval()
        self.last_clips: list[ClipResult] = []

    def reset(self) -> None:
        """Forget the previous sequence's clips."""
        self.last_clips = []

    def update(self, frame_dets: Detections, frame: int) -> Tracks:
        """Not available: the hierarchy is offline (it looks at whole clips)."""
        raise TypeError("the spam tracker is offline: call track() on the whole sequence")

    def _hierarchy_config(self) -> HierarchyConfig:
        return HierarchyConfig(
            top_k=self.config.top_k,
            node_threshold=self.config.node_threshold,
            node_keep_conf=self.config.node_keep_conf,
            edge_threshold=self.config.edge_threshold,
            context_motion=bool(self.config.context_motion),
        )

    def run_clip(self, hierarchy: ClipHierarchy) -> None:
        """Run the model over one clip's hierarchy (override to clamp decisions, e.g. with
        :func:`run_hierarchy`'s ``clamp_edges``)."""
        run_hierarchy(self.model, hierarchy, self.config.node_level, self.device)

    def track(
        self,
        dets: Detections,
        seq_length: int | None = None,
        frame_rate: float | None = None,
        progress: bool = False,
    ) -> Tracks:
        """Track a whole sequence.

        Args:
            dets: candidate detections (frames ``1..seq_length``); ``data["embedding"]``
                ``(n, d)`` is used as appearance when present, ``data["gt_id"]`` ``(n,)``
                (ground-truth id, -1 none) gives every level's graph its labels
                (``LevelGraph.edge_label`` ...; diagnostics and ceilings, see
                :meth:`run_clip`).
            seq_length: number of frames (default: last frame with a detection).
            frame_rate: frames per second (default: the tracker's :attr:`frame_rate`, the
                constructor's or the last one given).
            progress: show a progress bar over clips.

        Returns:
            Tracks with ``data["det_index"]`` (row of ``dets``, -1 for interpolated boxes) and
            ``data["provenance"]`` (:class:`~spamlabels.core.Provenance` codes).
        """
        from tqdm import tqdm

        n_frames = _check_frames(dets, seq_length)
        if frame_rate is not None:
            self.frame_rate = frame_rate
        clips = self.make_clips(dets, n_frames)
        for clip in tqdm(clips, desc="track (spam)", unit="clip", disable=not progress):
            self.run_clip(clip.hierarchy)
        self.last_clips = clips
        return self.assemble(dets, clips)

    def make_clips(self, dets: Detections, n_frames: int) -> list[ClipResult]:
        """Cut ``dets`` (frames ``1..n_frames``) into clips of ``clip_length`` frames overlapping
        by ``clip_overlap``, each with a fresh (not yet run) hierarchy; empty clips are left
        out. ``data["embedding"]`` and ``data["gt_id"]`` are passed on (see :meth:`track`)."""
        cfg = self.config
        emb = dets.data.get("embedding")
        gt_id = dets.data.get("gt_id")
        length = int(cfg.clip_length or 512)
        clips = []
        for s in _clip_starts(n_frames, length, cfg.clip_overlap):
            e = min(s + length - 1, n_frames)
            rows = np.flatnonzero((dets.frame >= s) & (dets.frame <= e))
            if not len(rows):
                continue
            h = ClipHierarchy(
                dets.frame[rows], dets.xywh[rows], dets.score[rows], self.frame_rate,
                self.image_size, emb=None if emb is None else np.asarray(emb)[rows],
                gt_id=None if gt_id is None else np.asarray(gt_id)[rows],
                config=self._hierarchy_config(),
            )  # fmt: skip
            clips.append(ClipResult(rows, h, (s, e)))
        return clips

    def assemble(
        self, dets: Detections, clips: list[ClipResult], drop: NDArray[np.bool_] | None = None,
        protect: NDArray[np.bool_] | None = None, fixed: NDArray[np.bool_] | None = None,
        cannot: Collection[tuple[int, int]] | None = None,
        linked: NDArray[np.bool_] | None = None, must: Collection[tuple[int, int]] | None = None,
        extend: Collection[tuple[int, int]] | None = None,
    ) -> Tracks:  # fmt: skip
        """Tracks of a sequence from its finished clips (in time order): stitch consecutive
        clips by Hungarian matching on the detections they share (each clip decides the frames
        from the middle of its overlap with the previous one on), drop the rows in ``drop``
        ``(n,)`` (e.g. rejected by an annotator), drop tracks shorter than ``min_track_len``
        unless they hold a row of ``protect`` ``(n,)`` (e.g. accepted by an annotator),
        exchange the tails of tracks whose motion says they swapped (``swap_margin``), never
        breaking a link the cut keeps below nor making a pair of ``cannot`` consecutive, cut
        links the tracks' own motion contradicts (``cut_iou``) except a pair of ``must``
        (rows ``(a, b)`` of ``dets`` an annotator linked) or two rows of ``linked`` ``(n,)``
        (e.g. of tracklets whose identity an annotator checked) that ``cannot`` does not hold,
        join tracks across short gaps (``stitch_seconds``) except where ``cannot`` holds a pair
        ``(a, b)`` of rows of ``dets`` with ``a`` in the earlier track and ``b`` in the later
        one (e.g. an annotator said they are not consecutive), put the row ``b`` of each pair
        ``(a, b)`` of ``extend`` (e.g. a box an annotator said continues the track of ``a``;
        ``b`` is kept out of every track until then) into ``a``'s track, along chains of
        pairs, unless that track already has a box in ``b``'s frame (then neither ``b`` nor
        the rows beyond it join), then interpolate and smooth the
        boxes over time (``smooth_seconds``), except the rows of ``fixed`` ``(n,)`` (e.g.
        refined by an annotator), whose boxes are kept. Boxes are taken from ``dets``.

        Returns:
            Tracks with ``data["det_index"]`` and ``data["provenance"]`` (see :meth:`track`).
        """
        cfg = self.config
        final = np.full(len(dets), -1, np.int64)
        next_id = 1
        prev_end = 0
        prev_glob = np.full(len(dets), -1, np.int64)  # ids the previous clip gave each row
        for k, clip in enumerate(clips):
            rows, h, (s, e) = clip.det_index, clip.hierarchy, clip.frames
            local = h.track_ids()
            # ---- stitch with the previous clip on the shared detections
            n_local = int(local.max(initial=-1)) + 1
            to_glob = np.full(n_local, -1, np.int64)
            old = prev_glob[rows]
            shared = (old >= 0) & (local >= 0)
            if shared.any():
                old_u, old_inv = np.unique(old[shared], return_inverse=True)
                new_u, new_inv = np.unique(local[shared], return_inverse=True)
                counts = np.zeros((len(old_u), len(new_u)))
                np.add.at(counts, (old_inv, new_inv), 1)
                ri, ci = linear_sum_assignment(-counts)
                ok = counts[ri, ci] > 0
                to_glob[new_u[ci[ok]]] = old_u[ri[ok]]
            fresh = np.flatnonzero(to_glob < 0)
            to_glob[fresh] = next_id + np.arange(len(fresh))
            next_id += len(fresh)
            # this clip decides frames from the middle of the overlap on
            # (the previous clip keeps the overlap up to its middle)
            decide = dets.frame[rows] > (s + prev_end) // 2 if k > 0 else np.ones(len(rows), bool)
            glob = np.where(local >= 0, to_glob[np.maximum(local, 0)], -1) if n_local else local
            final[rows[decide]] = glob[decide]
            prev_glob[:] = -1
            prev_glob[rows] = glob
            prev_end = e
        if extend:  # these join their partner's track after the relinking, and no other
            final[[b for _, b in extend]] = -1
        keep = final >= 0
        if drop is not None:
            keep &= ~drop
        out = Tracks(
            frame=dets.frame[keep], xywh=dets.xywh[keep], id=final[keep], score=dets.score[keep],
            data={"det_index": np.flatnonzero(keep).astype(np.int64),
                  "provenance": np.full(int(keep.sum()), Provenance.PSEUDO, np.int8)},
        )  # fmt: skip
        kept = None if protect is None else protect[np.asarray(out.data["det_index"])]
        out = _drop_short(out, cfg.min_track_len, kept)
        if linked is not None and len(linked) != len(dets):
            raise ValueError(f"linked has {len(linked)} rows, dets {len(dets)}")
        row = np.asarray(out.data["det_index"])
        pos_of = np.full(len(dets), -1, np.int64)
        pos_of[row] = np.arange(len(out))
        forbid = None
        if cannot:
            forbid = {(int(pos_of[a]), int(pos_of[b])) for a, b in cannot
                      if pos_of[a] >= 0 and pos_of[b] >= 0}  # fmt: skip
        relinks = cfg.cut_iou > 0 or cfg.swap_margin > 0
        vouched = _human_links(out, linked, must, cannot) if relinks else None
        out = cfg.relink(out, self.frame_rate, forbid=forbid, keep=vouched,
                         protect=None if protect is None else protect[row])  # fmt: skip
        if extend:
            out = _attach(out, dets, extend, drop)
        if cfg.interpolate:
            out = interpolate_tracks(out, cfg.max_interpolation_gap)
        if cfg.smooth_seconds > 0 and len(out):
            row = np.asarray(out.data["det_index"])
            keep_box = None
            if fixed is not None:
                if len(fixed) != len(dets):
                    raise ValueError(f"fixed has {len(fixed)} rows, dets {len(dets)}")
                keep_box = (row >= 0) & fixed[np.maximum(row, 0)]
            out = smooth_tracks(out, cfg.smooth_seconds * self.frame_rate, fixed=keep_box)
        return out.sorted()


def _attach(tracks: Tracks, dets: Detections, extend: Collection[tuple[int, int]],
            drop: NDArray[np.bool_] | None) -> Tracks:  # fmt: skip
    """``tracks`` with row ``b`` of each pair ``(a, b)`` of ``extend`` in the track of row
    ``a`` (``a`` in a track, or joined earlier along a chain of pairs), unless that track
    already has a box in ``b``'s frame or ``b`` is in ``drop`` (then neither ``b`` nor the
    rows beyond it join)."""
    row = np.asarray(tracks.data["det_index"])
    track_of = np.full(len(dets), -1, np.int64)
    track_of[row[row >= 0]] = tracks.id[row >= 0]
    after: dict[int, list[int]] = {}
    for a, b in extend:
        if drop is None or not drop[b]:
            after.setdefault(int(a), []).append(int(b))
    taken = set(zip(tracks.id.tolist(), tracks.frame.tolist(), strict=True))
    todo = [a for a in after if track_of[a] >= 0]
    added: list[int] = []
    while todo:
        a = todo.pop()
        for b in after.get(a, []):
            key = (int(track_of[a]), int(dets.frame[b]))
            if track_of[b] >= 0 or key in taken:
                continue
            track_of[b] = track_of[a]
            taken.add(key)
            added.append(b)
            todo.append(b)
    if not added:
        return tracks
    new = np.asarray(added, np.int64)
    data = {k: np.zeros(len(new), np.asarray(v).dtype) for k, v in tracks.data.items()}
    data["det_index"][:] = new
    data["provenance"][:] = Provenance.PSEUDO
    joined = Tracks(frame=dets.frame[new], xywh=dets.xywh[new], id=track_of[new],
                    score=dets.score[new], data=data)  # fmt: skip
    return Tracks.merge([tracks, joined])


def _human_links(
    tracks: Tracks, linked: NDArray[np.bool_] | None, must: Collection[tuple[int, int]] | None,
    cannot: Collection[tuple[int, int]] | None,
) -> set[tuple[int, int]] | None:  # fmt: skip
    """Links of ``tracks`` (pairs of its row positions, consecutive rows of one track) that an
    annotator vouched for: the pair is in ``must`` (rows of the detections,
    ``data["det_index"]``), or both rows are ``linked`` and the pair is not in ``cannot``."""
    if linked is None and not must:
        return None
    row = np.asarray(tracks.data["det_index"])
    order = np.lexsort((tracks.frame, tracks.id))
    same = tracks.id[order[1:]] == tracks.id[order[:-1]]
    p, q = order[:-1][same], order[1:][same]
    a, b = row[p], row[q]
    ok = _pair_mask(a, b, must) if must else np.zeros(len(p), bool)
    if linked is not None:
        both = linked[a] & linked[b]
        ok |= (both & ~_pair_mask(a, b, cannot)) if cannot else both
    return set(zip(p[ok].tolist(), q[ok].tolist(), strict=True))


def _drop_short(
    tracks: Tracks, min_len: int, protect: NDArray[np.bool_] | None = None,
    above: int | None = None,
) -> Tracks:  # fmt: skip
    """``tracks`` without its tracks of fewer than ``min_len`` rows (only those with an id
    greater than ``above``, if given), except tracks holding a row of ``protect``
    ``(len(tracks),)`` (e.g. a box an annotator accepted), which stay however short."""
    if min_len <= 1 or not len(tracks):
        return tracks
    track_ids, lengths = np.unique(tracks.id, return_counts=True)
    short = lengths < min_len
    if above is not None:
        short &= track_ids > above
    drop = np.isin(tracks.id, track_ids[short])
    if protect is not None:
        drop &= ~np.isin(tracks.id, tracks.id[protect])
    return tracks[~drop]
