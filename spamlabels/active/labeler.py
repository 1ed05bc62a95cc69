"""Active labelling on graph hierarchies (paper §3.3, supplementary A.2; design notes §3.4-3.6).

Annotation runs bottom-up, interleaved with inference, over every clip of every sequence at
once (one budget pool, spent where the uncertainty is highest)::

    for each level k (0 = GNN_node, then the GNN_edge levels):
        build and score level k in every clip
        rank all nodes of all clips by the selection strategy (ours: binary entropy,
            at GNN_node the boxes it decides first)
        ask the annotator about the top nodes until the level's share B_k is spent
        clamp the answers (forced in or out), round, build level k + 1
    ours: spend what the levels left on whole final tracks, the least certain to be a real
        object first (reject the track, or keep it), then on chains of unused boxes that
        may continue the tracks' ends (link the chain to the track, or not)

What the annotator says is kept as facts about *detections*, so it holds in every clip that
contains them (consecutive clips overlap) and at every later level: detections accepted,
rejected or refined; pairs of detections that show the same object (the links set), and,
at the level of the question, pairs that must not be joined there (every other edge of a
queried node). A tracklet answer therefore fixes the links of all its boxes at once, and the
next levels build on it. Each fact keeps the level where it was given: a later run with the
same answers (a top-up) replays it from there, and so rebuilds the same hierarchy.
"""

from __future__ import annotations

import copy
import dataclasses
import heapq
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from spamlabels.active.annotators import (
    Annotator,
    NodeAnswer,
    NodeQuery,
    OracleAnnotator,
    TrackletAnswer,
    TrackletQuery,
)
from spamlabels.active.budget import (
    CLICKS_REFINE,
    DEFAULT_SPLIT,
    LevelBudget,
    check_passes,
    fit_shares,
    split_levels,
)
from spamlabels.active.extension import Extension, extension_chains, track_positions
from spamlabels.active.selection import STRATEGIES, LevelView, Selection, entropy
from spamlabels.active.uncertainty import (
    binary_entropy,
    edge_node_uncertainty,
    existence_uncertainty,
)
from spamlabels.core import Detections, Provenance, Tracks
from spamlabels.graph import LevelGraph
from spamlabels.track.spam import ClipResult, SpamTracker, score_graph

__all__ = [
    "HumanKnowledge",
    "LabelResult",
    "LabelTask",
    "Query",
    "label_sequences",
]

IntArray = NDArray[np.int64]


@dataclass
class LabelTask:
    """One sequence to label.

    Attributes:
        name: sequence name (the annotator's questions and the outputs use it).
        dets: candidate detections, frames ``1..n_frames`` (``data["embedding"]`` is used).
        n_frames: sequence length.
        frame_rate: frames per second.
        image_size: ``(width, height)`` pixels.
    """

    name: str
    dets: Detections
    n_frames: int
    frame_rate: float
    image_size: tuple[int, int]

    def __post_init__(self) -> None:
        last = int(self.dets.frame.max()) if len(self.dets) else 0
        if isinstance(self.n_frames, bool) or int(self.n_frames) != self.n_frames \
                or self.n_frames < max(last, 1):  # fmt: skip
            raise ValueError(f"{self.name}: n_frames must be a whole number >= the last "
                             f"detection's frame ({last}), got {self.n_frames!r}")  # fmt: skip
        if not (np.isfinite(self.frame_rate) and self.frame_rate > 0):
            raise ValueError(f"{self.name}: frame_rate must be > 0, got {self.frame_rate!r}")
        size = np.asarray(self.image_size, np.float64)
        if size.shape != (2,) or not (np.isfinite(size).all() and (size > 0).all()):
            raise ValueError(f"{self.name}: image_size must be (width, height) > 0 pixels, "
                             f"got {self.image_size!r}")  # fmt: skip


def _ints(values: Any) -> list[int]:
    """Whole numbers of an answers file (``1.0`` is 1, ``1.5`` is refused)."""
    out = [int(v) for v in values]
    if any(o != v for o, v in zip(out, values, strict=True)):
        raise ValueError(f"expected whole numbers, got {values}")
    return out


def _pairs(values: Any) -> list[tuple[int, int]]:
    """Pairs of detection rows of an answers file."""
    out = [(a, b) for a, b in (_ints(p) for p in values)]
    if any(a == b for a, b in out):
        raise ValueError("a pair joins a box to itself")
    return out


@dataclass
class HumanKnowledge:
    """Everything the annotator said about one sequence, as facts about its detections.

    Attributes:
        accepted: ``(n,)`` boxes accepted (or refined) one by one at the GNN_node level.
        linked: ``(n,)`` boxes of tracklets the annotator kept and linked (or confirmed as
            having no link) at an edge level, or of chains they linked to a track in the
            review: their identity is human-checked, the boxes themselves were not looked at
            one by one.
        rejected: ``(n,)`` false positives (single boxes, or whole tracklets).
        rejected_at: ``(n,)`` the level at which each box of ``rejected`` was rejected (0:
            GNN_node; meaningless where ``rejected`` is false).
        refined: ``(n,)`` boxes the annotator corrected (the new box is in ``xywh``).
        xywh: ``(n, 4)`` the boxes, with corrections.
        reviewed: ``(n,)`` boxes of whole final tracks the annotator kept in the review
            (ours, after the last level): the track shows a real object. Only the review reads
            it (such a track is not asked again); it vouches neither for the identity nor for
            single boxes.
        must: pairs ``(a, b)`` of detections that show the same object (``a`` earlier).
        must_at: the level at which each pair of ``must`` was given (same length).
        extend: pairs ``(a, b)``: the annotator said box ``b`` continues the track of box
            ``a`` (a chain linked to a track's end in ours' review, each pair moving away from
            the track; also in ``must``, in time order). The final tracks put ``b`` into
            ``a``'s track after the relinking, and into no other.
        cannot: per edge level (and at the review's level, one past the last, for chains the
            annotator did not link), pairs ``(a, b)`` of detections that must not be joined *at
            that level*: the annotator said the tracklet ending at ``a`` is not the one just
            before the tracklet starting at ``b`` (every candidate shown and not chosen, with
            or without an edge in the pruned graph). (They may still be one person with another
            tracklet in between, which a later level will join, so the fact holds only at the
            level where it was given, in every clip; the stitching of the final tracks never
            joins such a pair directly.)

    The levels let a later run (a top-up, ``prior`` of :func:`label_sequences`) replay each
    fact from the level where it was given, so that the hierarchy is built as it was when the
    answers were given (applied from the first level, facts from the last levels changed the
    tracklets below them: re-applied answers lost 0.8 HOTA, docs/benchmarks.md).
    """

    accepted: NDArray[np.bool_]
    linked: NDArray[np.bool_]
    rejected: NDArray[np.bool_]
    refined: NDArray[np.bool_]
    xywh: NDArray[np.float64]
    reviewed: NDArray[np.bool_]
    must: list[tuple[int, int]] = field(default_factory=list)
    extend: list[tuple[int, int]] = field(default_factory=list)
    cannot: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    rejected_at: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    must_at: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # not given: every fact from the first level (as answers saved before the levels)
        if not len(self.rejected_at):
            self.rejected_at = np.zeros(len(self.rejected), np.int64)
        if not self.must_at:
            self.must_at = [0] * len(self.must)
        if len(self.rejected_at) != len(self.rejected) or len(self.must_at) != len(self.must):
            raise ValueError("rejected_at / must_at must match rejected / must")

    @classmethod
    def empty(cls, dets: Detections) -> HumanKnowledge:
        """Nothing known yet about ``dets``."""
        n = len(dets)
        return cls(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                   dets.xywh.copy(), np.zeros(n, bool))  # fmt: skip

    def reject(self, rows: IntArray, level: int) -> None:
        """Mark ``rows`` false positives at ``level``, except boxes accepted one by one (they
        stay); a box already rejected keeps the lower of the two levels."""
        r = np.asarray(rows, np.int64)
        r = r[~self.accepted[r]]
        newer = ~self.rejected[r] | (self.rejected_at[r] > level)
        self.rejected_at[r[newer]] = level
        self.rejected[r] = True

    def link(self, pairs: Iterable[tuple[int, int]], level: int) -> None:
        """Add ``pairs`` to ``must``, given at ``level``; a pair already there is not added
        again and keeps the lower of the two levels."""
        index = {p: i for i, p in enumerate(self.must)}
        for a, b in pairs:
            p = (int(a), int(b))
            i = index.get(p)
            if i is None:
                index[p] = len(self.must)
                self.must.append(p)
                self.must_at.append(level)
            else:
                self.must_at[i] = min(self.must_at[i], level)

    def rejected_by(self, level: int) -> NDArray[np.bool_]:
        """``(n,)`` the boxes rejected at ``level`` or below."""
        return self.rejected & (self.rejected_at <= level)

    def must_by(self, level: int) -> list[tuple[int, int]]:
        """The pairs of ``must`` given at ``level`` or below."""
        return [p for p, lv in zip(self.must, self.must_at, strict=True) if lv <= level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: detection rows (of the candidate table) per kind of fact."""

        def rows(mask: NDArray[np.bool_]) -> list[int]:
            return [int(i) for i in np.flatnonzero(mask)]

        return {
            "detections": len(self.accepted),
            "accepted": rows(self.accepted), "linked": rows(self.linked),
            "rejected": rows(self.rejected), "reviewed": rows(self.reviewed),
            "rejected_level": [int(v) for v in self.rejected_at[self.rejected]],
            "refined": {str(i): [float(v) for v in self.xywh[i]] for i in rows(self.refined)},
            "must": [[int(a), int(b)] for a, b in self.must],
            "must_level": [int(v) for v in self.must_at],
            "extend": [[int(a), int(b)] for a, b in self.extend],
            "cannot": {str(lv): [[int(a), int(b)] for a, b in pairs]
                       for lv, pairs in sorted(self.cannot.items())},
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], dets: Detections) -> HumanKnowledge:
        """Inverse of :meth:`to_dict` for the same candidate table ``dets``; raises
        :class:`ValueError` when the rows cannot belong to it."""
        k = cls.empty(dets)
        n = len(dets)
        if int(data.get("detections", -1)) != n:
            raise ValueError(f"answers are for {data.get('detections')} candidate detections, "
                             f"this sequence has {n}")  # fmt: skip

        try:
            lists = {name: _ints(data.get(name, []))
                     for name in ("accepted", "linked", "rejected", "reviewed")}  # fmt: skip
            refined = {int(row): [float(v) for v in box]
                       for row, box in data.get("refined", {}).items()}  # fmt: skip

            k.must = _pairs(data.get("must", []))
            k.extend = _pairs(data.get("extend", []))
            k.cannot = {int(lv): _pairs(ps) for lv, ps in data.get("cannot", {}).items()}
            # answers saved before the levels were: every fact from the first level
            k.must_at = _ints(data.get("must_level", [0] * len(k.must)))
            levels = _ints(data.get("rejected_level", [0] * len(lists["rejected"])))
        except (TypeError, ValueError) as err:
            raise ValueError(f"malformed answers: {err}") from None
        if len(k.must_at) != len(k.must) or len(levels) != len(lists["rejected"]):
            raise ValueError("the levels do not match the facts (must_level, rejected_level)")
        if min(k.must_at + levels + list(k.cannot), default=0) < 0:
            raise ValueError("levels must be >= 0")
        rows = [r for v in lists.values() for r in v] + list(refined)
        rows += [r for pair in k.must + k.extend for r in pair]
        rows += [r for pairs in k.cannot.values() for pair in pairs for r in pair]
        if rows and (min(rows) < 0 or max(rows) >= n):
            raise ValueError(f"answers name detection rows outside 0..{n - 1}")
        if set(lists["accepted"]) & set(lists["rejected"]):
            raise ValueError("a box is both accepted and rejected")
        for name in ("accepted", "linked", "reviewed"):
            getattr(k, name)[np.asarray(lists[name], np.int64)] = True
        rejected = np.asarray(lists["rejected"], np.int64)
        for lv in set(levels):  # a row listed twice keeps its lower level
            k.reject(rejected[np.asarray(levels) == lv], lv)
        for row, box in refined.items():
            if len(box) != 4 or not np.isfinite(box).all() or box[2] <= 0 or box[3] <= 0:
                raise ValueError(f"malformed answers: refined box of row {row} is not four "
                                 f"finite numbers x, y, w, h with w, h > 0: {box}")  # fmt: skip
            k.refined[row] = True
            k.xywh[row] = box
        return k


@dataclass(frozen=True)
class Query:
    """One question asked: where, what, and what it cost."""

    sequence: str
    level: int
    kind: Literal["node", "tracklet", "review"]
    boxes: int
    """Detections the question covers (an extension question: the chain's)."""
    answer: str
    clicks: int
    uncertainty: float
    round: int = 1
    """The pass of the run that asked it (1 = the first; ``label_sequences(passes=...)``)."""


@dataclass
class LabelResult:
    """Labels of every sequence and the effort spent.

    Attributes:
        tracks: per sequence, the labels (``data["provenance"]``, ``data["det_index"]``).
        queries: every question asked, in order.
        budget: the budget in clicks.
        knowledge: per sequence, what the annotator said.
        open_levels: the levels that stopped with questions left, because their allowance was
            spent (where a top-up would find questions; empty when every level ran out), in
            the last pass.
        shares: the budget share of each level the run used (after fitting the split), in
            the last pass.
        passes: the passes over the hierarchy the run made.
    """

    tracks: dict[str, Tracks]
    queries: list[Query]
    budget: int
    knowledge: dict[str, HumanKnowledge]
    open_levels: tuple[int, ...] = ()
    shares: tuple[float, ...] = ()
    passes: int = 1

    @property
    def clicks(self) -> int:
        """Clicks spent."""
        return int(sum(q.clicks for q in self.queries))

    def clicks_by(self, key: Literal["level", "sequence"]) -> dict[Any, int]:
        """Clicks per level or per sequence."""
        out: dict[Any, int] = {}
        for q in self.queries:
            k = q.level if key == "level" else q.sequence
            out[k] = out.get(k, 0) + q.clicks
        return out

    def links_held(self, name: str) -> dict[str, int]:
        """How the labels of sequence ``name`` keep the links the annotator set.

        Returns:
            ``set``: links set (pairs of consecutive boxes of one object: answers to tracklet
            questions, and the chains a review added to a track's end); ``not_held``: those
            whose two boxes are not both in one track of the labels, neither box rejected
            by the annotator since; ``contradicted``: of these, those that share a box with
            another link on the same side (a box given two successors or two predecessors,
            e.g. the oracle's answers on two tracklets that hold boxes of one person at the
            same time; the hierarchy's rounding keeps one).
        """
        k, tracks = self.knowledge[name], self.tracks[name]
        row = np.asarray(tracks.data["det_index"])
        track = dict(zip(row[row >= 0].tolist(), tracks.id[row >= 0].tolist(), strict=True))
        pairs = sorted(set(k.must))
        first = Counter(a for a, _ in pairs)
        second = Counter(b for _, b in pairs)
        kept = [(a, b) for a, b in pairs if not (k.rejected[a] or k.rejected[b])]
        missed = [(a, b) for a, b in kept if a not in track or track[a] != track.get(b)]
        clash = sum(first[a] > 1 or second[b] > 1 for a, b in missed)
        return {"set": len(pairs), "not_held": len(missed), "contradicted": clash}


# ---------------------------------------------------------------------------- internals
@dataclass
class _Clip:
    """One clip during labelling."""

    task: int
    clip: ClipResult
    local: IntArray  # (n_seq,) position of each sequence row in the clip, -1 = not in it
    graph: LevelGraph | None = None
    edge_prob: NDArray[np.float64] | None = None
    node_prob: NDArray[np.float64] | None = None
    open_edges: NDArray[np.bool_] | None = None  # (E,) not yet decided by an answer
    incident: tuple[IntArray, IntArray] | None = None  # CSR: node -> its edges
    window: IntArray | None = None  # (N,) time window of each node (edge levels)
    node_row: IntArray | None = None  # (N,) sequence row of each node (GNN_node level)

    def edges_of(self, v: int) -> IntArray:
        """Edge level: indices of node ``v``'s edges in :attr:`graph`."""
        if self.incident is None:  # built once per level
            g = self.graph
            assert g is not None
            ends = np.concatenate([g.src, g.dst])
            order = np.argsort(ends, kind="stable")
            ptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=g.num_nodes))])
            self.incident = (ptr, order % g.num_edges)
        ptr, edges = self.incident
        return edges[ptr[v] : ptr[v + 1]]

    def windows(self) -> IntArray:
        """Edge level: ``(N,)`` time window of each node of :attr:`graph`."""
        if self.window is None:  # built once per level
            g = self.graph
            assert g is not None
            self.window = (g.node_start - self.clip.hierarchy.clip_start) // g.coverage
        return self.window

    def uncertainty(self, v: int) -> float:
        """Edge level: current uncertainty of node ``v`` (max entropy over its open edges)."""
        assert self.open_edges is not None and self.edge_prob is not None
        e = self.edges_of(v)
        e = e[self.open_edges[e]]
        return float(binary_entropy(self.edge_prob[e]).max()) if len(e) else 0.0

    def close(self, v: int) -> None:
        """Every edge of node ``v`` is decided (``v`` was answered)."""
        assert self.open_edges is not None
        self.open_edges[self.edges_of(v)] = False


def _check_cost(clicks: int, left: int | None, what: str) -> None:
    """Raise :class:`ValueError` when an answer costs more than the ``left`` clicks of the
    budget the question allowed (``None``: no limit)."""
    if left is not None and clicks > left:
        raise ValueError(f"{what} costs {clicks} clicks, but the question allowed {left} (the "
                         "rest of the budget): with one click left, set one link at most and "
                         "do not refine")  # fmt: skip


def _track_rows(tracks: Tracks) -> list[IntArray]:
    """Per track of ``tracks`` (sorted ids), the candidate rows of its real boxes in time
    order (interpolated boxes left out)."""
    row = np.asarray(tracks.data["det_index"])
    return [row[pos][row[pos] >= 0] for pos in track_positions(tracks)[1]]


def _node_members(det_to_node: IntArray, rows: IntArray, frames: IntArray, n_nodes: int
                  ) -> tuple[IntArray, IntArray]:  # fmt: skip
    """CSR of node members: ``(ptr (n_nodes + 1,), members)`` with sequence rows in time
    order inside each node."""
    live = np.flatnonzero(det_to_node >= 0)
    order = live[np.lexsort((frames[live], det_to_node[live]))]
    counts = np.bincount(det_to_node[order], minlength=n_nodes)
    ptr = np.concatenate([[0], np.cumsum(counts)])
    return ptr, rows[order]


def _gather(ptr: IntArray, members: IntArray, nodes: IntArray) -> tuple[IntArray, IntArray]:
    """Members of ``nodes`` flattened, and the index into ``nodes`` of each."""
    lengths = ptr[nodes + 1] - ptr[nodes]
    owner = np.repeat(np.arange(len(nodes)), lengths)
    offset = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return members[ptr[nodes][owner] + offset], owner


class _Session:
    """The state of one labelling run (see :func:`label_sequences`)."""

    def __init__(self, tracker: SpamTracker, tasks: Sequence[LabelTask], annotator: Annotator,
                 strategy: Selection, seed: int, ask_all: bool = False,
                 prior: Mapping[str, HumanKnowledge] | None = None) -> None:  # fmt: skip
        self.ask_all = ask_all
        self.tracker = tracker
        self.tasks = list(tasks)
        self.annotator = annotator
        self.strategy = strategy
        self.rng = np.random.default_rng(seed)
        self.know: list[HumanKnowledge] = []
        self.queries: list[Query] = []
        self.open_levels: list[int] = []  # levels that stopped with questions left
        self.clips: list[_Clip] = []
        self.per_task: list[list[ClipResult]] = []
        # per sequence: sum and count of GNN_node's probability of each candidate over the
        # clips that hold it (the review of final tracks reads their mean)
        self.box_prob: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
        # per sequence: ``must`` as an (M, 2) array, rebuilt when pairs were added
        self.must_rows: dict[int, IntArray] = {}
        for i, t in enumerate(self.tasks):
            known = prior.get(t.name) if prior is not None else None
            fresh = HumanKnowledge.empty(t.dets)
            self.know.append(copy.deepcopy(known) if known is not None else fresh)
            self.box_prob.append((np.zeros(len(t.dets)), np.zeros(len(t.dets))))
            self.tracker.frame_rate, self.tracker.image_size = t.frame_rate, t.image_size
            # the boxes as detected: boxes refined in an earlier run are set where they were,
            # after GNN_node has scored them (:meth:`run`)
            made = self.tracker.make_clips(t.dets, t.n_frames)
            self.per_task.append(made)
            for c in made:
                local = np.full(len(t.dets), -1, np.int64)
                local[c.det_index] = np.arange(len(c.det_index))
                self.clips.append(_Clip(i, c, local))

    def num_levels(self) -> int:
        """Levels of the deepest clip (GNN_node included)."""
        return 1 + max((c.clip.hierarchy.num_edge_levels() for c in self.clips), default=0)

    # ----------------------------------------------------------------- clamps from knowledge
    # Clamps read the facts given at their level or below, so that a top-up replays earlier
    # answers where they were given; which nodes are worth asking reads every fact known
    # (``every``), so that nothing known is asked again. In a single run the two are the same
    # (nothing is known from the levels above).
    def _node_clamps(self, c: _Clip, every: bool = False) -> NDArray[np.int8]:
        k = self.know[c.task]
        rows = c.clip.det_index
        forced = np.zeros(len(rows), np.int8)
        forced[k.accepted[rows]] = 1
        rejected = k.rejected if every else k.rejected_by(0)
        forced[rejected[rows]] = -1
        node = c.clip.hierarchy.det_to_node  # level 0: one node per detection
        out = np.zeros(int(node.max(initial=-1)) + 1, np.int8)
        out[node] = forced
        return out

    def _edge_clamps(self, c: _Clip, g: LevelGraph, ep: NDArray[np.float64],
                     every: bool = False
                     ) -> tuple[LevelGraph, NDArray[np.float64], NDArray[np.int8]]:  # fmt: skip
        """Forced decisions of ``g``'s edges from the facts given at its level or below
        (``every``: from every fact known); links the annotator set that the pruned graph lacks
        are added as edges (probability 1, forced)."""
        k = self.know[c.task]
        rejected = k.rejected if every else k.rejected_by(g.level)
        must = k.must if every else k.must_by(g.level)
        h = c.clip.hierarchy
        n = g.num_nodes
        forced = np.zeros(g.num_edges, np.int8)
        key = g.src * n + g.dst
        order = np.argsort(key)
        skey = key[order]

        def find(a: IntArray, b: IntArray) -> IntArray:
            """Edge index of ``a -> b`` or ``b -> a`` (-1 none)."""
            out = np.full(len(a), -1, np.int64)
            if not len(skey):
                return out
            for x, y in ((a, b), (b, a)):
                q = x * n + y
                pos = np.minimum(np.searchsorted(skey, q), len(skey) - 1)
                out = np.where((out < 0) & (skey[pos] == q), order[pos], out)
            return out

        def nodes_of(pairs: list[tuple[int, int]]) -> tuple[IntArray, IntArray]:
            p = np.asarray(pairs, np.int64).reshape(-1, 2)
            la, lb = c.local[p[:, 0]], c.local[p[:, 1]]
            ok = (la >= 0) & (lb >= 0)
            na = np.where(ok, h.det_to_node[np.maximum(la, 0)], -1)
            nb = np.where(ok, h.det_to_node[np.maximum(lb, 0)], -1)
            ok = (na >= 0) & (nb >= 0) & (na != nb)
            return na[ok], nb[ok]

        # nodes made mostly of rejected detections: no links at all
        rows = c.clip.det_index
        live = h.det_to_node >= 0
        size = np.bincount(h.det_to_node[live], minlength=n)
        bad = np.bincount(h.det_to_node[live], weights=rejected[rows[live]], minlength=n)
        dead = 2 * bad >= np.maximum(size, 1)
        dead &= bad > 0
        forced[dead[g.src] | dead[g.dst]] = -1
        if k.cannot.get(g.level):
            na, nb = nodes_of(k.cannot[g.level])
            e = find(na, nb)
            forced[e[e >= 0]] = -1
        extra_src: list[int] = []
        extra_dst: list[int] = []
        if must:
            na, nb = nodes_of(must)
            e = find(na, nb)
            forced[e[e >= 0]] = 1
            window = (g.node_start - h.clip_start) // g.coverage
            for a, b in zip(na[e < 0], nb[e < 0], strict=True):
                a, b = (a, b) if g.node_end[a] < g.node_start[b] else (b, a)
                if g.node_end[a] < g.node_start[b] and window[a] == window[b]:
                    extra_src.append(int(a))
                    extra_dst.append(int(b))
        if extra_src:
            m = len(extra_src)
            label = g.edge_label
            g = dataclasses.replace(
                g, src=np.concatenate([g.src, extra_src]).astype(np.int64),
                dst=np.concatenate([g.dst, extra_dst]).astype(np.int64),
                edge_attr=np.concatenate([g.edge_attr, np.zeros((m, g.edge_attr.shape[1]),
                                                                 g.edge_attr.dtype)]),
                edge_label=None if label is None else np.concatenate(
                    [label, np.full(m, np.nan, label.dtype)]),
            )  # fmt: skip
            ep = np.concatenate([ep, np.ones(m)])
            forced = np.concatenate([forced, np.ones(m, np.int8)])
        return g, ep, forced

    # ----------------------------------------------------------------- questions
    def _ask_node(self, c: _Clip, node: int, u: float, left: int | None = None) -> int:
        t, k = self.tasks[c.task], self.know[c.task]
        assert c.node_row is not None
        row = int(c.node_row[node])
        if k.accepted[row] or k.rejected[row]:
            return 0  # answered in an overlapping clip
        if left is not None and left < CLICKS_REFINE:
            return 0  # its answer may refine the box (2 clicks): not asked with 1 left
        assert c.node_prob is not None
        q = NodeQuery(t.name, row, int(t.dets.frame[row]), k.xywh[row].copy(),
                      float(t.dets.score[row]), float(c.node_prob[node]), left)  # fmt: skip
        a: NodeAnswer = self.annotator.answer_node(q)
        if not isinstance(a, NodeAnswer):
            raise TypeError(f"{type(self.annotator).__name__}.answer_node returned {a!r} for "
                            f"box {row} of {t.name}; expected a NodeAnswer")  # fmt: skip
        _check_cost(a.clicks, left, f"the answer {a.action!r} about box {row} of {t.name}")
        if a.action == "refine" and a.xywh is None:
            raise ValueError(f"a refine answer needs the new box (box {row} of {t.name})")
        if a.action == "reject":
            k.reject(np.asarray([row]), 0)
        else:
            k.accepted[row] = True
            if a.action == "refine":
                assert a.xywh is not None
                k.refined[row] = True
                k.xywh[row] = a.xywh
                self._set_boxes(c.task, np.asarray([row]))
        self.queries.append(Query(t.name, 0, "node", 1, a.action, a.clicks, u))
        return a.clicks

    def _answer_tracklet(self, q: TrackletQuery) -> TrackletAnswer:
        """The annotator's answer to ``q``, checked to be a :class:`TrackletAnswer`."""
        a = self.annotator.answer_tracklet(q)
        if not isinstance(a, TrackletAnswer):
            raise TypeError(f"{type(self.annotator).__name__}.answer_tracklet returned {a!r}; "
                            "expected a TrackletAnswer")  # fmt: skip
        return a

    def _set_boxes(self, task: int, rows: IntArray) -> None:
        """Put the boxes ``rows`` of sequence ``task`` as known (refined) into every clip that
        holds them: the levels above GNN_node see the corrected boxes."""
        xywh = self.know[task].xywh
        for c in self.clips:
            if c.task == task:
                local = c.local[rows]
                c.clip.hierarchy.xywh[local[local >= 0]] = xywh[rows[local >= 0]]

    def _known_links(self, task: int, dets: IntArray, cand_rows: IntArray, owner: IntArray,
                     n_cands: int) -> NDArray[np.bool_]:  # fmt: skip
        """``(n_cands,)`` the candidates that a pair of ``must`` already links to the
        tracklet ``dets`` (``cand_rows``, ``owner``: their rows and the candidate of each)."""
        must = self.know[task].must
        m = self.must_rows.get(task)
        if m is None or len(m) != len(must):  # pairs are only ever added
            m = self.must_rows[task] = np.asarray(must, np.int64).reshape(-1, 2)
        known = np.zeros(n_cands, bool)
        if len(m):
            mine = np.isin(m, dets)
            partners = np.concatenate([m[mine[:, 0], 1], m[mine[:, 1], 0]])
            known[owner[np.isin(cand_rows, partners)]] = True
        return known

    def _ask_tracklet(self, c: _Clip, v: int, u: float, ptr: IntArray, members: IntArray,
                      answered: NDArray[np.bool_], left: int | None = None) -> int:  # fmt: skip
        t, k = self.tasks[c.task], self.know[c.task]
        g, ep = c.graph, c.edge_prob
        assert g is not None and ep is not None
        dets = members[ptr[v] : ptr[v + 1]]
        if answered[dets].mean() >= 0.5 or k.rejected[dets].mean() >= 0.5:
            return 0  # asked in an overlapping clip, or already rejected
        window = c.windows()
        s, e = g.node_start[v], g.node_end[v]
        same = window == window[v]
        cands = np.flatnonzero(same & ((g.node_end < s) | (g.node_start > e)))
        side = np.where(g.node_end[cands] < s, -1, 1)
        prob = np.full(len(cands), np.nan)
        pos = np.full(g.num_nodes, -1, np.int64)
        pos[cands] = np.arange(len(cands))
        inc = c.edges_of(v)
        other = np.where(g.src[inc] == v, g.dst[inc], g.src[inc])
        prob[pos[other]] = ep[inc]
        cand_rows, owner = _gather(ptr, members, cands)
        known = self._known_links(c.task, dets, cand_rows, owner, len(cands))
        if known.any() and all(known[side == d].any() for d in (-1, 1) if (side == d).any()):
            return 0  # every side with candidates was linked before: nothing to ask
        q = TrackletQuery(t.name, g.level, dets.copy(), int(s), int(e), cand_rows, owner,
                          side.copy(), g.node_start[cands], g.node_end[cands], prob,
                          clicks_left=left, cand_known=known.copy())  # fmt: skip
        a = self._answer_tracklet(q)
        for i, want, name in ((a.predecessor, -1, "predecessor"), (a.successor, 1, "successor")):
            if i is not None and not (0 <= i < len(cands) and side[i] == want):
                raise ValueError(f"the answer names candidate {i} as {name}: the query has "
                                 f"{len(cands)} candidates, and its {name}s are "
                                 f"{np.flatnonzero(side == want).tolist()}")  # fmt: skip
        clicks = q.cost(a)
        _check_cost(clicks, left, f"the answer {a} about a tracklet of {t.name} "
                    f"(frames {s}-{e})")  # fmt: skip
        answered[dets] = True
        # one new link with one click left: the annotator could not set the other side's, so
        # nothing is recorded about that side (not "no link")
        single = (a.predecessor is None) != (a.successor is None)
        named = a.predecessor if a.predecessor is not None else a.successor
        unsaid = 0
        if single and left == 1 and named is not None and not known[named]:
            unsaid = 1 if a.predecessor is not None else -1

        def pair(j: int) -> tuple[int, int]:
            """(last box of the earlier, first box of the later) of ``v`` and candidate ``j``."""
            rows_j = members[ptr[cands[j]] : ptr[cands[j] + 1]]
            if side[j] < 0:
                return int(rows_j[-1]), int(dets[0])
            return int(dets[-1]), int(rows_j[0])

        if a.reject:
            k.reject(dets, g.level)
            text = "reject"
        else:
            k.linked[dets] = True
            chosen = {i for i in (a.predecessor, a.successor) if i is not None}
            k.link([pair(i) for i in sorted(chosen)], g.level)
            # every candidate shown and not chosen (nor linked before), with or without an
            # edge in this graph: the fact also holds in overlapping clips and for the
            # stitching of the final tracks
            for j in range(len(cands)):
                if j not in chosen and not known[j] and side[j] != unsaid:
                    k.cannot.setdefault(g.level, []).append(pair(j))
            text = f"link {len(chosen)}"
        self.queries.append(Query(t.name, g.level, "tracklet", len(dets), text, clicks, u))
        return clicks

    # ----------------------------------------------------------------- the run
    def _score_level(self, level: int) -> tuple[list[tuple[float, float, int, int]],
                                                 dict[int, tuple[IntArray, IntArray]]]:  # fmt: skip
        """Build and score level ``level`` in every live clip; the askable nodes of all clips
        as ``(priority, uncertainty, clip, node)``, and each clip's node members (CSR)."""
        model, device = self.tracker.model, self.tracker.device
        cands: list[tuple[float, float, int, int]] = []
        members: dict[int, tuple[IntArray, IntArray]] = {}
        for ci, c in enumerate(self.clips):
            h = c.clip.hierarchy
            if h.done():
                continue
            if level == 0 and not self.tracker.config.node_level:
                h.skip_node_level()
                continue
            g = h.node_graph() if level == 0 else h.edge_graph()
            ep, npb = score_graph(model, g, device)
            c.graph, c.edge_prob, c.node_prob = g, ep, npb
            if level == 0:
                assert npb is not None, "the model has no node head"
                u = binary_entropy(npb)
                u[self._node_clamps(c, every=True) != 0] = 0.0
                c.node_row = np.empty(g.num_nodes, np.int64)
                c.node_row[h.det_to_node] = c.clip.det_index  # one node per detection
                total, count = self.box_prob[c.task]
                np.add.at(total, c.node_row, npb)
                np.add.at(count, c.node_row, 1.0)
            else:
                _, _, forced = self._edge_clamps(c, g, ep, every=True)
                c.open_edges = forced[: g.num_edges] == 0
                u = edge_node_uncertainty(g.src, g.dst, ep, g.num_nodes, mask=c.open_edges)
                rows = c.clip.det_index
                frames = self.tasks[c.task].dets.frame[rows]
                members[ci] = _node_members(h.det_to_node, rows, frames, g.num_nodes)
            view = LevelView(level, g, h, u, npb, ep, self.rng, self.tracker.model,
                             self.tracker.device, self.tasks[c.task].n_frames)  # fmt: skip
            pri = self.strategy.priority(view)
            ask = np.flatnonzero(u > 0)
            if self.ask_all:  # then the nodes with nothing left to decide by the model
                ask = np.concatenate([ask, np.flatnonzero(u <= 0)])
                pri = np.where(u > 0, pri, -np.inf)
            cands.extend((float(pri[v]), float(u[v]), ci, int(v)) for v in ask)
        cands.sort(key=lambda x: -x[0])
        return cands, members

    def _end_level(self, budget: LevelBudget, level: int, spent: int, left: bool) -> None:
        """Record level ``level``'s clicks, whether it stopped with questions ``left`` (its
        allowance spent), and clamp and round it."""
        budget.spend(level, spent)
        if left:
            self.open_levels.append(level)
        self._apply_level(level)

    def _apply_level(self, level: int) -> None:
        """Clamp what is known, round, and go to the next level in every clip."""
        for c in self.clips:
            h = c.clip.hierarchy
            if c.graph is None or h.done():
                continue
            assert c.edge_prob is not None
            if level == 0:
                assert c.node_prob is not None
                h.apply_node_probs(c.graph, c.node_prob, edge_prob=c.edge_prob,
                                   forced=self._node_clamps(c))  # fmt: skip
            else:
                g, ep, forced = self._edge_clamps(c, c.graph, c.edge_prob)
                h.apply_edge_probs(g, ep, forced if forced.any() else None)
            c.graph = c.edge_prob = c.node_prob = None
            c.open_edges = c.incident = c.window = c.node_row = None

    def _dry_question(self, c: _Clip, level: int, v: int,
                      members: tuple[IntArray, IntArray] | None,
                      answered: NDArray[np.bool_]) -> int:  # fmt: skip
        """What asking node ``v`` would cost in a dry run (1, or 0 when an overlapping clip
        asked it), without asking: its detections count as answered (:meth:`run` closes its
        edges, as for a real question)."""
        if level == 0:
            assert c.node_row is not None
            rows = c.node_row[v : v + 1]
        else:
            assert members is not None
            ptr, mem = members
            rows = mem[ptr[v] : ptr[v + 1]]
        if answered[rows].mean() >= 0.5:
            return 0
        answered[rows] = True
        return 1

    def capacity(self) -> list[int]:
        """Dry run: per level, how many questions an unlimited budget would ask if nobody
        answered (the hierarchy is the model's own; the session is used up afterwards)."""
        budget = LevelBudget(1 << 62, [1.0 / self.num_levels()] * self.num_levels())
        self.run(budget, dry=True)
        return [budget.spent.get(level, 0) for level in range(len(budget.shares))]

    def run(self, budget: LevelBudget, progress: Any = None, dry: bool = False) -> None:
        """Every level, bottom-up: score, ask within the level's allowance, clamp, round
        (``dry``: count the questions without asking them, see :meth:`capacity`)."""
        import torch

        with torch.inference_mode():
            for level in range(len(budget.shares)):
                if all(c.clip.hierarchy.done() for c in self.clips):
                    break
                cands, members = self._score_level(level)
                if level == 0:  # refined in an earlier run: set as after their question
                    for i, k in enumerate(self.know):
                        self._set_boxes(i, np.flatnonzero(k.refined))
                allowance = budget.allowance(level)
                spent = 0
                answered = [np.zeros(len(t.dets), bool) for t in self.tasks]
                # entropy at an edge level: re-rank lazily, an answer decides its node's edges
                lazy = level > 0 and self.strategy.edge is entropy and not self.ask_all
                heap = [(-pri, i, u_v, ci, v) for i, (pri, u_v, ci, v) in enumerate(cands)]
                heapq.heapify(heap)
                while heap and allowance - spent >= 1:
                    neg, i, u_v, ci, v = heapq.heappop(heap)
                    c = self.clips[ci]
                    if lazy:
                        now = c.uncertainty(v)
                        if now < -neg - 1e-12:
                            if now > 0:
                                heapq.heappush(heap, (-now, i, now, ci, v))
                            continue
                    left = budget.total - budget.used - spent  # of the whole budget
                    if dry:
                        cost = self._dry_question(c, level, v, members.get(ci),
                                                  answered[c.task])  # fmt: skip
                    elif level == 0:
                        cost = self._ask_node(c, v, u_v, left)
                    else:
                        ptr, mem = members[ci]
                        cost = self._ask_tracklet(c, v, u_v, ptr, mem, answered[c.task], left)
                    if level > 0:
                        c.close(v)  # asked (or counted): its edges are decided
                    spent += cost
                    if progress is not None and cost:
                        progress.update(cost)
                self._end_level(budget, level, spent, bool(heap))
        if not dry and self.strategy.existence and not self.ask_all:
            level = len(budget.shares)
            budget.spend(level, self.review(level, budget.total - budget.used, progress))

    # ----------------------------------------------------------------- the review
    def review(self, level: int, clicks: float, progress: Any = None) -> int:
        """Spend what the levels left (``clicks``) on whole final tracks, the one whose
        existence is least certain first: the entropy of the mean GNN_node probability of
        its boxes (1 for a box a human accepted, or whose tracklet a human kept, or whose
        track a human kept in an earlier review; tracks a human vouched for have nothing to
        decide). Without GNN_node (``node_level`` off) there is nothing to rank it by, and
        nothing is asked. Each question shows one track with no
        candidate to link (:class:`TrackletQuery` with ``review`` set, at ``level``, one past
        the last edge level): a "reject" drops all its boxes but those accepted one by one;
        "keep" only marks them ``reviewed`` (it vouches neither for the track's identity nor
        for single boxes). Returns the clicks spent."""
        if clicks < 1:
            return 0
        asks: list[tuple[float, int, int, IntArray]] = []
        for i in range(len(self.tasks)):
            k = self.know[i]
            p = np.where(k.accepted | k.linked | k.reviewed, 1.0, self._box_p(i))
            rows_of = _track_rows(self._assemble(i))
            if not rows_of:
                continue
            node = np.repeat(np.arange(len(rows_of)), [len(r) for r in rows_of])
            u = existence_uncertainty(node, p[np.concatenate(rows_of)], len(rows_of))
            for j in np.flatnonzero(u > 0):
                asks.append((float(u[j]), len(rows_of[j]), i, rows_of[j]))
        asks.sort(key=lambda a: (-a[0], -a[1]))
        spent = 0
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        for u_t, _, i, rows in asks:
            if clicks - spent < 1:
                break
            t, k = self.tasks[i], self.know[i]
            frames = t.dets.frame[rows]
            q = TrackletQuery(t.name, level, rows.copy(), int(frames.min()), int(frames.max()),
                              empty_i, empty_i, empty_i, empty_i, empty_i, empty_f,
                              review=True, clicks_left=int(clicks - spent))  # fmt: skip
            a = self._answer_tracklet(q)
            if a.predecessor is not None or a.successor is not None:
                raise ValueError(f"a review question has no candidates to link, the answer "
                                 f"names {a.predecessor} / {a.successor}")  # fmt: skip
            if a.reject:
                k.reject(rows, level)
            else:
                # a real object: not asked again (a top-up with these answers), but nothing
                # said about its identity (its links stay the model's, open to the cut and the
                # exchange) nor about single boxes
                k.reviewed[rows] = True
            self.queries.append(Query(t.name, level, "review", len(rows),
                                      "reject" if a.reject else "keep", a.clicks, u_t))  # fmt: skip
            spent += a.clicks
            if progress is not None:
                progress.update(a.clicks)
        if self.strategy.extend:
            spent += self._extend(level, clicks - spent, progress)
        return spent

    def _box_p(self, i: int) -> NDArray[np.float64]:
        """``(n,)`` GNN_node's probability of each candidate of sequence ``i``, the mean over
        the clips that hold it (1 for a box no clip scored)."""
        total, count = self.box_prob[i]
        return np.where(count > 0, total / np.maximum(count, 1.0), 1.0)

    def _extend(self, level: int, clicks: float, progress: Any = None) -> int:
        """The second part of the review: for each end of each final track, the chain of unused
        candidates that continues it (:func:`extension_chains`; candidates in no track, not
        rejected or human-checked, and not a chain the annotator already turned down), the
        chain whose boxes are least certain first (the entropy of their mean GNN_node
        probability; longer chains first among equals). Each question shows the track with the
        chain as its one candidate, successor or predecessor (:class:`TrackletQuery` with
        ``review`` set, 1 click): linking it marks the chain's boxes ``linked`` (their identity
        is checked; the boxes are not accepted one by one, the oracle links a chain when most
        of its boxes show the person) and records the links in ``must`` and ``extend`` (the
        final tracks put the boxes into this track and no other); no link records the chain's
        first pair as ``cannot`` at ``level`` (not asked again while the track ends on the same
        box); reject drops the track as in the review. Chains GNN_node is sure of (mean
        probability 0 or 1) are not asked. Answers logged: ``extend``, ``no-extension``,
        ``reject``. Returns the clicks spent."""
        if clicks < 1:
            return 0
        asks: list[tuple[float, int, int, Extension, IntArray, float]] = []
        for i, t in enumerate(self.tasks):
            k, p = self.know[i], self._box_p(i)
            tracks = self._assemble(i)
            rows_of = dict(zip(track_positions(tracks)[0].tolist(), _track_rows(tracks),
                               strict=True))  # fmt: skip
            free = ~(k.rejected | k.accepted | k.linked)
            row = np.asarray(tracks.data["det_index"])
            free[row[row >= 0]] = False
            # turned down in a review, this run's or an earlier one's: every key past this
            # sequence's deepest edge level (an earlier run with longer sequences put its
            # review deeper than ``level``)
            deepest = max((c.clip.hierarchy.num_edge_levels() for c in self.clips
                           if c.task == i), default=0)  # fmt: skip
            refused = {p for lv, pairs in k.cannot.items() if lv > deepest for p in pairs}
            for e in extension_chains(tracks, t.dets, free):
                pair = (e.anchor, int(e.rows[0])) if e.side > 0 else (int(e.rows[0]), e.anchor)
                if pair in refused:
                    continue
                rows = rows_of[e.track]
                pm = float(p[e.rows].mean())
                if not 0.0 < pm < 1.0:
                    continue  # nothing to decide
                asks.append((float(binary_entropy(np.asarray([pm]))[0]), len(e.rows), i, e,
                             rows, pm))  # fmt: skip
        asks.sort(key=lambda a: (-a[0], -a[1]))
        spent = 0
        for u_e, _, i, e, rows, pm in asks:
            if clicks - spent < 1:
                break
            t, k = self.tasks[i], self.know[i]
            if k.rejected[rows].any() or k.linked[e.rows].any() or k.rejected[e.rows].any():
                continue  # changed by an earlier answer (tracks hold no rejected box)
            frames = t.dets.frame[rows]
            chain = e.rows[np.argsort(t.dets.frame[e.rows], kind="stable")]
            cf = t.dets.frame[chain]
            n = len(chain)
            q = TrackletQuery(t.name, level, rows.copy(), int(frames.min()), int(frames.max()),
                              chain.copy(), np.zeros(n, np.int64),
                              np.asarray([e.side], np.int64),
                              np.asarray([cf.min()], np.int64), np.asarray([cf.max()], np.int64),
                              np.asarray([pm]), review=True,
                              clicks_left=int(clicks - spent))  # fmt: skip
            a = self._answer_tracklet(q)
            named = a.successor if e.side > 0 else a.predecessor
            other = a.predecessor if e.side > 0 else a.successor
            if other is not None or named not in (None, 0):
                raise ValueError(f"an extension question has one candidate, on side {e.side}; "
                                 f"the answer names {a.predecessor} / {a.successor}")  # fmt: skip
            if a.reject:
                k.reject(rows, level)
                answer = "reject"
            elif named == 0:
                k.linked[chain] = True  # the chain's identity is checked, not each box
                seq = np.concatenate([[e.anchor], e.rows]).tolist()  # away from the track
                links = list(itertools.pairwise(seq))
                k.extend.extend(links)  # (partner, box joining its track)
                k.link(((a_, b_) if e.side > 0 else (b_, a_) for a_, b_ in links), level)
                answer = "extend"
            else:
                first = int(e.rows[0])
                k.cannot.setdefault(level, []).append(
                    (e.anchor, first) if e.side > 0 else (first, e.anchor)
                )
                answer = "no-extension"
            self.queries.append(Query(t.name, level, "review", n, answer, a.clicks, u_e))
            spent += a.clicks
            if progress is not None:
                progress.update(a.clicks)
        return spent

    def _assemble(self, i: int) -> Tracks:
        """Sequence ``i``'s final tracks from its clips and everything known."""
        t, k = self.tasks[i], self.know[i]
        self.tracker.frame_rate, self.tracker.image_size = t.frame_rate, t.image_size
        cannot = [pair for pairs in k.cannot.values() for pair in pairs]
        return self.tracker.assemble(t.dets.replace(xywh=k.xywh), self.per_task[i],
                                     drop=k.rejected, protect=k.accepted, fixed=k.refined,
                                     cannot=cannot, linked=k.linked, must=k.must,
                                     extend=k.extend)  # fmt: skip

    def results(self) -> dict[str, Tracks]:
        out = {}
        for i, t in enumerate(self.tasks):
            k = self.know[i]
            tracks = self._assemble(i)
            row = np.asarray(tracks.data["det_index"])
            prov = np.asarray(tracks.data["provenance"]).copy()
            real = row >= 0
            r = np.maximum(row, 0)
            prov[real & k.accepted[r]] = Provenance.HUMAN_ACCEPTED
            prov[real & k.refined[r]] = Provenance.HUMAN_REFINED
            linked = real & k.linked[r]
            out[t.name] = tracks.replace(data={**tracks.data, "provenance": prov,
                                               "human_linked": linked})  # fmt: skip
        return out


def label_sequences(
    tasks: Sequence[LabelTask],
    annotator: Annotator,
    budget: int,
    tracker: SpamTracker | None = None,
    strategy: str | Selection = "hierarchical",
    split: Sequence[float] = DEFAULT_SPLIT,
    seed: int = 0,
    progress: bool = False,
    ask_all: bool = False,
    prior: Mapping[str, HumanKnowledge] | None = None,
    fit_split: bool = True,
    passes: int = 1,
) -> LabelResult:
    """Label ``tasks`` with the graph hierarchy, asking ``annotator`` for at most ``budget``
    clicks (never more: each question tells the annotator the clicks left; a GNN_node
    question, whose answer may refine the box, is asked only with 2 or more left, and with
    one left a tracklet answer sets one link at most, the other side left open).

    Args:
        tasks: the sequences (one budget pool over all of them).
        annotator: who answers (:class:`~spamlabels.active.OracleAnnotator`, ...).
        budget: clicks; 0 gives the pseudo-labels alone.
        tracker: the model and its inference settings (default: ``SpamTracker()``, the shipped
            weights).
        strategy: a name in :data:`~spamlabels.active.selection.STRATEGIES` or a
            :class:`~spamlabels.active.selection.Selection`.
        split: budget shares of (first levels, the three before the last three, last three).
        seed: for random strategies.
        progress: show a progress bar over the clicks spent.
        ask_all: also ask about nodes the model has nothing left to decide on (no incident
            edge, or all of them already fixed by answers), after the uncertain ones; with an
            unlimited budget and the oracle this is the "every decision correct" ceiling.
        prior: per sequence name, answers of an earlier run on the same candidates
            (:meth:`HumanKnowledge.from_dict`): each fact replayed from the level where it
            was given (with no budget, the labels of that run), never asked again, not charged; the
            result's knowledge holds them plus the new answers.
        fit_split: before asking anything, run the hierarchy once without answers to count
            the questions each level has, and move the share of a level beyond its count to
            the other levels (:func:`~spamlabels.active.budget.fit_shares`), so that the
            budget is spent instead of rolling over past the last level.
            ``False``: the split as given, with roll-over only.
        passes: the most passes over the hierarchy. After a pass that left clicks unspent
            while some levels stopped with questions left (their share was spent), the next
            pass starts again from every answer so far (a top-up, as ``prior``) and spends
            what is left, split over the levels again; it stops early when nothing is left,
            no level has questions left, or a pass spends nothing. Each pass costs the model
            the inference of a run.

    Returns:
        The labels (provenance per box) and every question asked.
    """
    from tqdm import tqdm

    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 0:
        raise ValueError(f"budget must be a whole number of clicks >= 0, got {budget!r}")
    if isinstance(strategy, str) and strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (available: {', '.join(STRATEGIES)})")
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):  # the outputs and the annotator's questions use them
        twice = sorted(n for n in set(names) if names.count(n) > 1)
        raise ValueError(f"two tasks share a name: {twice}")
    if isinstance(annotator, OracleAnnotator) and budget > 0:  # it will be asked
        for t in tasks:
            truth = annotator.truth.get(t.name)
            if truth is None or len(truth.gt_id) != len(t.dets):
                raise ValueError(f"{t.name}: the oracle's truth must hold one identity per "
                                 f"candidate ({len(t.dets)}), got "
                                 f"{'none' if truth is None else len(truth.gt_id)}")  # fmt: skip
    passes = check_passes(passes)
    tracker = tracker if tracker is not None else SpamTracker()
    pick = STRATEGIES[strategy] if isinstance(strategy, str) else strategy
    kept = tracker.frame_rate, tracker.image_size  # set per sequence while labelling
    queries: list[Query] = []
    left = int(budget)
    try:
        with tqdm(total=int(budget), desc="label", unit="click", disable=not progress) as bar:
            for number in range(1, passes + 1):
                session = _Session(tracker, tasks, annotator, pick, seed, ask_all, prior)
                shares = split_levels(session.num_levels(), split)
                if fit_split and left > 0 and not ask_all:
                    dry = _Session(tracker, tasks, annotator, pick, seed, ask_all, prior)
                    shares = fit_shares(shares, dry.capacity(), left)
                session.run(LevelBudget(left, shares), bar)
                spent = sum(q.clicks for q in session.queries)
                queries += [dataclasses.replace(q, round=number) for q in session.queries]
                left -= spent
                prior = know = {t.name: k for t, k in zip(session.tasks, session.know,
                                                          strict=True)}  # fmt: skip
                if left <= 0 or not session.open_levels or not spent or ask_all:
                    break
        return LabelResult(
            session.results(),
            queries,
            int(budget),
            know,
            tuple(session.open_levels),
            tuple(float(x) for x in shares),
            passes=number,
        )
    finally:
        tracker.frame_rate, tracker.image_size = kept
