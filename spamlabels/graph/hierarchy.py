"""The hierarchical graph over one clip: levels, their graphs, decisions and bookkeeping.

SPAM's hierarchy (paper §3.2, supplementary A.1; design notes §1, §3.2-3.3) over a clip of
detections::

    level 0   GNN_node  nodes = detections, windows of 10 frames  -> accept / reject each box
    level 1   GNN_edge  nodes = accepted detections, windows of 2 frames  -> merge into tracklets
    level 2   GNN_edge  nodes = level-1 tracklets, windows of 4 frames
    ...
    level L   GNN_edge  windows of 512 frames (the whole clip)

Each level: build the graph (time-valid candidate edges inside windows, reciprocal top-k
pruning, node and edge features), let a model score it, then :meth:`ClipHierarchy.apply_node_probs`
(level 0) or :meth:`ClipHierarchy.apply_edge_probs` (levels >= 1) turns the scores into
decisions: rejected detections leave the graph (kept in the record), edges are rounded onto
in/out-degree <= 1 and connected components become the next level's nodes. Unmatched nodes
survive as singletons. Every graph, probability (before rounding) and node-to-tracklet map is
kept in :attr:`ClipHierarchy.records`, which active learning reads.

This module is numpy only; the model is applied by the caller (``spamlabels.track``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from spamlabels.graph.edges import candidate_edges
from spamlabels.graph.features import (
    EDGE_FEATURES,
    NODE_FEATURES,
    NodeAttributes,
    context_velocity,
    edge_features,
    motion_giou,
    node_attributes,
)
from spamlabels.graph.rounding import components, round_edges

__all__ = [
    "ClipHierarchy",
    "HierarchyConfig",
    "LevelGraph",
    "LevelRecord",
    "edge_labels",
    "majority_ids",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class HierarchyConfig:
    """Shape of the hierarchy and its graphs."""

    node_window: int = 10
    """Frames per GNN_node window (paper: 10)."""
    coverages: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512)
    """Frames per window of GNN_edge levels 1, 2, ... (SUSHI: 2..512)."""
    top_k: int = 10
    """Reciprocal top-k of the pruning (SUSHI: 10). Higher = denser graphs, more recall of true
    links and more compute."""
    node_level: bool = True
    """Run GNN_node (level 0); without it every detection enters level 1."""
    node_threshold: float = 0.5
    """Detections with GNN_node probability below this are rejected."""
    node_keep_conf: float | None = None
    """Detections with detector confidence at least this are never rejected by GNN_node (it
    then only decides on the low-confidence candidates; their probabilities are still
    recorded); ``None`` = GNN_node decides on every detection."""
    edge_threshold: float | tuple[float, ...] = 0.5
    """Edge probability above which GNN_edge links two tracklets (SUSHI: 0.5); a tuple gives
    one threshold per edge level (1, 2, ...), its last entry repeated for deeper levels."""
    emb_weight: float = 0.5
    """Weight of appearance in the pruning score of motion levels when both nodes have
    embeddings (SUSHI uses 0.95 with raw fast-reid features)."""
    context_motion: bool = False
    """Give node ends without a velocity of their own (single detections, above all on the
    first edge level, which otherwise has no motion cue) the velocity of
    :func:`~spamlabels.graph.features.context_velocity`: the displacement from the box's
    mutual-best-IoU neighbour in the adjacent frame. A model must be trained with the same
    setting (checkpoints record it in ``meta["hierarchy"]``)."""

    def __post_init__(self) -> None:
        if self.node_window < 2:
            raise ValueError(f"node_window must be >= 2, got {self.node_window}")
        if not self.coverages or any(c < 2 for c in self.coverages):
            raise ValueError(f"coverages must be >= 2 frames, got {self.coverages}")
        if list(self.coverages) != sorted(self.coverages):
            raise ValueError(f"coverages must increase, got {self.coverages}")
        if self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if not 0.0 < self.node_threshold < 1.0:
            raise ValueError(f"node_threshold must be in (0, 1), got {self.node_threshold}")
        thresholds = np.atleast_1d(np.asarray(self.edge_threshold, np.float64))
        if not len(thresholds) or not ((thresholds > 0) & (thresholds < 1)).all():
            raise ValueError(f"edge_threshold must be in (0, 1), got {self.edge_threshold}")
        if self.node_keep_conf is not None and not np.isfinite(self.node_keep_conf):
            raise ValueError(f"node_keep_conf must be a finite number, got {self.node_keep_conf}")

    def edge_threshold_at(self, level: int) -> float:
        """Edge threshold of GNN_edge level ``level`` (>= 1)."""
        t = self.edge_threshold
        if isinstance(t, (int, float)):
            return float(t)
        return float(t[min(level, len(t)) - 1])

    def levels_for(self, n_frames: int) -> int:
        """Number of GNN_edge levels needed to cover ``n_frames`` (the last covers the clip)."""
        for i, c in enumerate(self.coverages):
            if c >= n_frames:
                return i + 1
        return len(self.coverages)


@dataclass
class LevelGraph:
    """One level's graph, ready for a model (all arrays numpy).

    Attributes:
        level: 0 = GNN_node, k >= 1 = GNN_edge level k.
        coverage: frames per window.
        x: ``(N, 6)`` float32 node features (:data:`NODE_FEATURES`).
        src, dst: ``(E,)`` int64 edges, ``src`` ends before ``dst`` starts.
        edge_attr: ``(E, 8)`` float32 (:data:`EDGE_FEATURES`).
        node_start, node_end: ``(N,)`` first / last frame of each node.
        node_size: ``(N,)`` member detections per node.
        node_label: ``(N,)`` float32 1 = true detection (level 0, training only) or ``None``.
        edge_label: ``(E,)`` float32 1 = same object, consecutive (training only) or ``None``.
        node_gt: ``(N,)`` int64 majority ground-truth id (-1 none) or ``None``.
    """

    level: int
    coverage: int
    x: NDArray[np.float32]
    src: IntArray
    dst: IntArray
    edge_attr: NDArray[np.float32]
    node_start: IntArray
    node_end: IntArray
    node_size: IntArray
    node_label: NDArray[np.float32] | None = None
    edge_label: NDArray[np.float32] | None = None
    node_gt: IntArray | None = None

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.src.shape[0])

    @property
    def edge_index(self) -> IntArray:
        """``(2, E)`` stacked ``src``, ``dst``."""
        return np.stack([self.src, self.dst])


@dataclass
class LevelRecord:
    """What happened at one level (kept for active learning and diagnostics).

    Attributes:
        graph: the level's graph.
        det_to_node: ``(n_det,)`` node of every detection in this graph (-1 = not in it).
        node_prob: ``(N,)`` GNN_node probabilities (level 0) or ``None``.
        edge_prob: ``(E,)`` edge probabilities before rounding.
        active: ``(E,)`` edges kept by rounding (levels >= 1).
        rejected: ``(N,)`` nodes rejected by GNN_node (level 0).
        forced_nodes / forced_edges: clamps applied (+1 / -1 / 0) or ``None``.
    """

    graph: LevelGraph
    det_to_node: IntArray
    node_prob: FloatArray | None = None
    edge_prob: FloatArray | None = None
    active: NDArray[np.bool_] | None = None
    rejected: NDArray[np.bool_] | None = None
    forced_nodes: NDArray[np.int8] | None = None
    forced_edges: NDArray[np.int8] | None = None


def edge_labels(
    src: IntArray, dst: IntArray, gap: IntArray, node_id: IntArray
) -> NDArray[np.bool_]:
    """Network-flow edge labels (design notes §1.10, undirected form).

    An edge ``i -> j`` is positive iff both carry the same id ``!= -1``, ``j`` is the closest
    (smallest gap) same-id successor of ``i`` among ``i``'s edges, and ``i`` is the closest
    same-id predecessor of ``j`` among ``j``'s edges.

    Returns:
        ``(E,)`` bool.
    """
    same = (node_id[src] == node_id[dst]) & (node_id[src] >= 0)
    if not same.any():
        return same
    n = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
    big = np.iinfo(np.int64).max
    g = np.where(same, gap, big)
    best_out = np.full(n, big, np.int64)
    np.minimum.at(best_out, src, g)
    best_in = np.full(n, big, np.int64)
    np.minimum.at(best_in, dst, g)
    return same & (g == best_out[src]) & (g == best_in[dst])


def majority_ids(
    det_gt: IntArray, det_to_node: IntArray, n_nodes: int, min_share: float = 0.5
) -> IntArray:
    """Majority ground-truth id per node if its share >= ``min_share``, else -1.

    Args:
        det_gt: ``(n,)`` ground-truth id per detection (-1 = false positive).
        det_to_node: ``(n,)`` node of each detection (-1 = in no node).
        n_nodes: number of nodes.
        min_share: smallest share of the node's detections the id must hold.

    Returns:
        ``(n_nodes,)`` int64.
    """
    keep = det_to_node >= 0
    node, gid = det_to_node[keep], det_gt[keep]
    out = np.full(n_nodes, -1, np.int64)
    if not len(node):
        return out
    size = np.bincount(node, minlength=n_nodes)
    valid = gid >= 0
    pairs = np.stack([node[valid], gid[valid]], 1)
    if not len(pairs):
        return out
    uniq, counts = np.unique(pairs, axis=0, return_counts=True)
    order = np.lexsort((-counts, uniq[:, 0]))
    uniq, counts = uniq[order], counts[order]
    first = np.concatenate([[True], uniq[1:, 0] != uniq[:-1, 0]])
    nodes, ids, cnt = uniq[first, 0], uniq[first, 1], counts[first]
    ok = cnt >= min_share * size[nodes]
    out[nodes[ok]] = ids[ok]
    return out


@dataclass
class ClipHierarchy:
    """Hierarchy state of one clip of detections.

    Args:
        frame: ``(n,)`` detection frames (any range; windows start at the first frame).
        xywh: ``(n, 4)`` boxes, pixels.
        score: ``(n,)`` detector confidences.
        fps: frames per second (edge time features are in seconds).
        image_size: ``(width, height)`` in pixels (node features are normalised by it).
        emb: ``(n, d)`` re-ID embeddings or ``None`` (rows of NaN = missing).
        gt_id: ``(n,)`` ground-truth id per detection (-1 = false positive) for training labels,
            or ``None``.
        config: the hierarchy shape.
    """

    frame: IntArray
    xywh: FloatArray
    score: FloatArray
    fps: float
    image_size: tuple[int, int]
    emb: FloatArray | None = None
    gt_id: IntArray | None = None
    config: HierarchyConfig = field(default_factory=HierarchyConfig)
    records: list[LevelRecord] = field(default_factory=list)
    det_to_node: IntArray = field(init=False)
    rejected: NDArray[np.bool_] = field(init=False)
    _context_cache: tuple[NDArray[np.bool_], FloatArray, FloatArray] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.frame = np.asarray(self.frame, np.int64)
        self.xywh = np.asarray(self.xywh, np.float64)
        self.score = np.asarray(self.score, np.float64)
        n = len(self.frame)
        if self.xywh.shape != (n, 4) or self.score.shape != (n,):
            raise ValueError("frame, xywh and score must describe the same detections")
        if self.gt_id is not None:
            self.gt_id = np.asarray(self.gt_id, np.int64)
        self.clip_start = int(self.frame.min()) if n else 0
        self.n_frames = int(self.frame.max()) - self.clip_start + 1 if n else 0
        order = np.argsort(self.frame, kind="stable")
        self.det_to_node = np.empty(n, np.int64)
        self.det_to_node[order] = np.arange(n)  # node order = time order
        self.rejected = np.zeros(n, bool)
        self.level = 0

    # ------------------------------------------------------------------ helpers
    @property
    def num_nodes(self) -> int:
        """Nodes of the current level."""
        return int(self.det_to_node.max(initial=-1)) + 1

    def num_edge_levels(self) -> int:
        """GNN_edge levels this clip needs."""
        return self.config.levels_for(max(self.n_frames, 2))

    def _attributes(self, motion_window: int) -> NodeAttributes:
        attrs = node_attributes(self.frame, self.xywh, self.score, self.det_to_node,
                                self.num_nodes, self.emb, motion_window)  # fmt: skip
        if self.config.context_motion and self.level >= 1:
            past, future = self._context_velocity()
            fill = ~np.isfinite(attrs.vel_fwd).all(1)
            attrs.vel_fwd[fill] = past[attrs.last_det[fill]]
            fill = ~np.isfinite(attrs.vel_bwd).all(1)
            attrs.vel_bwd[fill] = future[attrs.first_det[fill]]
        return attrs

    def _context_velocity(self) -> tuple[FloatArray, FloatArray]:
        """:func:`context_velocity` of the detections in the graph (cached while that set of
        detections stays the same, i.e. over all edge levels)."""
        live = self.det_to_node >= 0
        cached = self._context_cache
        if cached is None or not np.array_equal(cached[0], live):
            past, future = context_velocity(self.frame, self.xywh, live)
            cached = self._context_cache = (live, past, future)
        return cached[1], cached[2]

    def _node_features(
        self, attrs: NodeAttributes, window_start: IntArray, coverage: int
    ) -> NDArray[np.float32]:
        w, h = self.image_size
        box = attrs.mean_box
        mid = (attrs.start + attrs.end) / 2.0
        x = np.stack(
            [
                (mid - window_start) / max(coverage - 1, 1),
                (box[:, 0] + box[:, 2] / 2) / w,
                (box[:, 1] + box[:, 3] / 2) / h,
                box[:, 3] / h,
                box[:, 2] / w,
                attrs.conf,
            ],
            axis=1,
        )
        assert x.shape[1] == len(NODE_FEATURES)
        return x.astype(np.float32)

    @staticmethod
    def _feet_score(attrs: NodeAttributes, src: IntArray, dst: IntArray) -> FloatArray:
        """Feet (bottom-centre) distance from ``src``'s last box to ``dst``'s first box in units
        of their mean height; broadcasts (``src`` ``(m, 1)``, ``dst`` ``(1, m)``)."""
        a, b = attrs.end_box, attrs.start_box
        dx = (b[dst, 0] + b[dst, 2] / 2) - (a[src, 0] + a[src, 2] / 2)
        dy = (b[dst, 1] + b[dst, 3]) - (a[src, 1] + a[src, 3])
        return np.sqrt(dx * dx + dy * dy) / ((a[src, 3] + b[dst, 3]) / 2)

    def _labels(self, graph: LevelGraph) -> None:
        if self.gt_id is None:
            return
        node_gt = majority_ids(self.gt_id, self.det_to_node, graph.num_nodes)
        graph.node_gt = node_gt
        gap = graph.node_start[graph.dst] - graph.node_end[graph.src]
        graph.edge_label = edge_labels(graph.src, graph.dst, gap, node_gt).astype(np.float32)
        if graph.level == 0:
            graph.node_label = (node_gt >= 0).astype(np.float32)

    # ------------------------------------------------------------------ level 0: GNN_node
    def node_graph(self) -> LevelGraph:
        """The GNN_node graph: detections in windows of ``node_window`` frames, edges between
        detections of different frames, pruned to the reciprocal top-k by feet distance."""
        if self.level != 0:
            raise RuntimeError("the node level must come first")
        cov = self.config.node_window
        attrs = self._attributes(0)
        window = (attrs.start - self.clip_start) // cov
        src, dst, _ = candidate_edges(attrs.start, attrs.end, window,
                                      lambda s, d: self._feet_score(attrs, s, d), self.config.top_k,
                                      dense=True)  # fmt: skip
        graph = LevelGraph(
            level=0, coverage=cov,
            x=self._node_features(attrs, self.clip_start + window * cov, cov),
            src=src, dst=dst, edge_attr=edge_features(attrs, src, dst, self.fps, 0),
            node_start=attrs.start, node_end=attrs.end, node_size=attrs.size,
        )  # fmt: skip
        self._labels(graph)
        return graph

    def node_decided(self, num_nodes: int) -> NDArray[np.bool_]:
        """``(num_nodes,)`` GNN_node level: the nodes whose keep / reject GNN_node's
        probability decides. All of them without ``node_keep_conf``; with it, those whose
        most confident detection is below it (the others stay in whatever GNN_node says)."""
        keep_conf = self.config.node_keep_conf
        if keep_conf is None:
            return np.ones(num_nodes, bool)
        conf = np.zeros(num_nodes)
        live = self.det_to_node >= 0
        np.maximum.at(conf, self.det_to_node[live], self.score[live])
        return conf < keep_conf

    def apply_node_probs(
        self, graph: LevelGraph, node_prob: FloatArray, edge_prob: FloatArray | None = None,
        forced: NDArray[np.int8] | None = None,
    ) -> NDArray[np.bool_]:  # fmt: skip
        """Reject the detections whose probability is below ``node_threshold`` (``forced``:
        +1 keep, -1 reject, 0 free). Returns the rejected-node mask."""
        node_prob = np.asarray(node_prob, np.float64)
        reject = (node_prob < self.config.node_threshold) & self.node_decided(graph.num_nodes)
        if forced is not None:
            reject = (reject | (forced < 0)) & (forced <= 0)
        self.records.append(LevelRecord(graph, self.det_to_node.copy(), node_prob=node_prob,
                                        edge_prob=edge_prob, rejected=reject,
                                        forced_nodes=forced))  # fmt: skip
        dets_rejected = reject[self.det_to_node]
        self.rejected |= dets_rejected
        keep_nodes = np.flatnonzero(~reject)
        remap = np.full(graph.num_nodes, -1, np.int64)
        remap[keep_nodes] = np.arange(len(keep_nodes))
        self.det_to_node = remap[self.det_to_node]
        self.level = 1
        return reject

    def skip_node_level(self) -> None:
        """Go to the edge levels without GNN_node (every detection is kept)."""
        if self.level != 0:
            raise RuntimeError("the node level was already done")
        self.level = 1

    # ------------------------------------------------------------------ levels >= 1: GNN_edge
    def edge_graph(self) -> LevelGraph:
        """The current GNN_edge level's graph over the current tracklets."""
        if self.level < 1:
            raise RuntimeError("run (or skip) the node level first")
        k = self.level
        cov = self.config.coverages[k - 1]
        # motion window of the level; level 1 prunes by feet distance alone and, with context
        # motion, predicts one frame ahead from the context velocities
        prune_motion = self.config.coverages[k - 2] if k >= 2 else 0
        motion = prune_motion or int(self.config.context_motion)
        attrs = self._attributes(motion)
        window = (attrs.start - self.clip_start) // cov

        def score(s: IntArray, d: IntArray) -> FloatArray:
            feet = self._feet_score(attrs, s, d)
            if prune_motion == 0:
                return feet
            giou = motion_giou(attrs, s, d, motion)
            sc = (1.0 - giou) + 0.01 * feet  # feet distance breaks ties of missing motion
            if attrs.emb is not None:
                both = attrs.has_emb[s] & attrs.has_emb[d]
                dist = np.linalg.norm(attrs.emb[s] - attrs.emb[d], axis=1)
                w = self.config.emb_weight
                sc = np.where(both, (1 - w) * sc + w * dist, sc)
            return sc

        src, dst, _ = candidate_edges(
            attrs.start, attrs.end, window, score, self.config.top_k, dense=prune_motion == 0
        )
        graph = LevelGraph(
            level=k, coverage=cov,
            x=self._node_features(attrs, self.clip_start + window * cov, cov),
            src=src, dst=dst, edge_attr=edge_features(attrs, src, dst, self.fps, motion),
            node_start=attrs.start, node_end=attrs.end, node_size=attrs.size,
        )  # fmt: skip
        self._labels(graph)
        return graph

    def apply_edge_probs(
        self, graph: LevelGraph, edge_prob: FloatArray, forced: NDArray[np.int8] | None = None
    ) -> IntArray:
        """Round the edges, merge components into the next level's nodes.

        Returns:
            ``(N,)`` new node id of each node of ``graph``.
        """
        edge_prob = np.asarray(edge_prob, np.float64)
        active = round_edges(graph.src, graph.dst, edge_prob, graph.num_nodes, forced,
                             threshold=self.config.edge_threshold_at(graph.level))  # fmt: skip
        labels = components(graph.src[active], graph.dst[active], graph.num_nodes)
        self.records.append(LevelRecord(graph, self.det_to_node.copy(), edge_prob=edge_prob,
                                        active=active, forced_edges=forced))  # fmt: skip
        in_graph = self.det_to_node >= 0
        mapped = labels[np.maximum(self.det_to_node, 0)] if len(labels) else self.det_to_node
        self.det_to_node = np.where(in_graph, mapped, -1)
        self.level += 1
        return labels

    def done(self) -> bool:
        """All levels applied."""
        return self.level > self.num_edge_levels()

    def track_ids(self) -> IntArray:
        """``(n,)`` current tracklet of every detection (-1 = rejected)."""
        return self.det_to_node.copy()


assert len(EDGE_FEATURES) == 8
