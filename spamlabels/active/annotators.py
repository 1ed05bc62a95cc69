"""Annotators: who answers the engine's questions, behind one interface.

Two kinds of question (paper §3.3, Fig. 3):

* :class:`NodeQuery` (GNN_node level): one candidate detection. Answers: accept (1 click),
  reject (1 click) or refine its box (2 clicks; the box is accepted with new corners).
* :class:`TrackletQuery` (a GNN_edge level): one node of the level's graph, a tracklet of
  detections, with the level's other nodes it may be linked to (earlier ones as possible
  predecessors, later ones as successors, all inside the level's time window). Answers:
  reject the tracklet (1 click: every box is a false positive), or give its predecessor and
  its successor (1 click per association set; a query with nothing to link costs 1 click, the
  "no match" answer). Every other link of the node is then known to be wrong, at no extra
  cost. A link the annotator set before (to a neighbour asked earlier, or in an earlier run;
  ``cand_known``) is shown as set: naming it again costs nothing, and a tracklet whose sides
  are all set is not asked. The annotator never draws a new box. Each question carries the
  clicks of the budget left (``clicks_left``): with one left, an answer sets one new link at
  most, and nothing is then known about the other side.
* The same :class:`TrackletQuery` with ``review`` set and no candidates (ours, after the last
  level): "is this whole final track a real object?" Answers: reject (1 click, every box is a
  false positive) or keep (1 click, ``TrackletAnswer()``; an answer that names a link is an
  error). Answer it by existence, not identity: a track that switches between people still
  shows real people, and rejecting it would drop their boxes.
* With ``review`` set and one candidate (ours with ``Selection.extend``): the candidate is a
  chain of unused boxes, one per frame, that may continue the track (successor) or lead into
  it (predecessor): "does the track go on through these boxes?" Answers: link it (1 click:
  every box of the chain joins the track), no link (1 click) or reject the
  track (1 click).

:class:`OracleAnnotator` answers from ground truth (experiments, the simulated annotator of
the paper); :class:`CallbackAnnotator` hands each question to a function (the queue of the
annotation app, a script, a test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from spamlabels.active.budget import (
    CLICKS_ACCEPT,
    CLICKS_ASSOCIATE,
    CLICKS_REFINE,
    CLICKS_REJECT,
    counted_boxes,
)
from spamlabels.core import Detections, Tracks, box_iou, match_per_frame, xywh_to_xyxy
from spamlabels.graph import majority_ids

__all__ = [
    "Annotator",
    "CallbackAnnotator",
    "NodeAnswer",
    "NodeQuery",
    "OracleAnnotator",
    "SequenceTruth",
    "TrackletAnswer",
    "TrackletQuery",
]


@dataclass(frozen=True)
class NodeQuery:
    """Is this candidate detection a true object? (GNN_node level.)

    Attributes:
        sequence: sequence name.
        det: row of the detection in the sequence's candidate table.
        frame: its frame (1-based).
        xywh: ``(4,)`` its box, pixels.
        score: detector confidence.
        prob: GNN_node's probability that it is a true object.
        clicks_left: clicks of the budget left for this answer (``None``: no limit); the
            labeler asks a node question only with 2 or more left, so any answer fits.
    """

    sequence: str
    det: int
    frame: int
    xywh: NDArray[np.float64]
    score: float
    prob: float
    clicks_left: int | None = None


@dataclass(frozen=True)
class NodeAnswer:
    """``action`` accept / reject / refine; ``xywh`` the corrected box for refine."""

    action: Literal["accept", "reject", "refine"]
    xywh: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        if self.action not in ("accept", "reject", "refine"):
            raise ValueError(
                f"a node answer is 'accept', 'reject' or 'refine', got {self.action!r}"
            )
        if self.xywh is not None:
            box = np.asarray(self.xywh, np.float64)
            if box.shape != (4,) or not np.isfinite(box).all() or box[2] <= 0 or box[3] <= 0:
                raise ValueError(f"a refined box is 4 finite numbers (left, top, w, h) with "
                                 f"w, h > 0, got {self.xywh!r}")  # fmt: skip

    @property
    def clicks(self) -> int:
        """Clicks this answer costs."""
        return {"accept": CLICKS_ACCEPT, "reject": CLICKS_REJECT,
                "refine": CLICKS_REFINE}[self.action]  # fmt: skip


@dataclass(frozen=True)
class TrackletQuery:
    """Which tracklets continue this one? (GNN_edge level ``level``; with ``review`` set, a
    question of ours' review about a whole final track, see the module docstring.)

    The candidates are the level's other nodes in the same time window that end before this
    tracklet starts (possible predecessors, ``cand_side == -1``) or start after it ends
    (successors, ``+1``); their detections come flattened.

    Attributes:
        sequence: sequence name.
        level: the edge level (1 = 2-frame windows, ...; a review: one past the last).
        dets: ``(m,)`` rows (in the sequence's candidate table) of the tracklet's detections,
            in time order.
        start, end: its first and last frame.
        cand_rows: ``(M,)`` rows of every candidate's detections.
        cand_of_row: ``(M,)`` candidate index (``0 .. C-1``) of each of those rows.
        cand_side: ``(C,)`` -1 predecessor, +1 successor.
        cand_start, cand_end: ``(C,)`` first and last frame of each candidate.
        cand_prob: ``(C,)`` the model's probability of the link (``nan``: the pruned graph
            has no such edge; an extension: the mean GNN_node probability of the chain's
            boxes).
        review: a question of ours' review, after the last level, about a whole final track:
            without candidates only "is this a real object?" (reject, or keep); with one
            candidate, a chain of unused boxes, "does the track go on through it?" (link it,
            no link, or reject). 1 click either way.
        clicks_left: clicks of the budget left for this answer (``None``: no limit). With 1
            left, the answer sets one new link at most (a predecessor or a successor, not
            both, unless one of them is in ``cand_known``); the labeler then records nothing
            about the other side (it is not read as "no link").
        cand_known: ``(C,)`` the candidates the annotator already linked to this tracklet
            (``None``: none). They are shown as set; an answer that names them again pays
            nothing for them (:meth:`cost`), and one that leaves them out does not undo them.
    """

    sequence: str
    level: int
    dets: NDArray[np.int64]
    start: int
    end: int
    cand_rows: NDArray[np.int64]
    cand_of_row: NDArray[np.int64]
    cand_side: NDArray[np.int64]
    cand_start: NDArray[np.int64]
    cand_end: NDArray[np.int64]
    cand_prob: NDArray[np.float64]
    review: bool = False
    clicks_left: int | None = None
    cand_known: NDArray[np.bool_] | None = None

    @property
    def num_candidates(self) -> int:
        """``C``."""
        return int(self.cand_side.shape[0])

    def known(self) -> NDArray[np.bool_]:
        """``(C,)`` ``cand_known``, all false when it is not given."""
        if self.cand_known is None:
            return np.zeros(self.num_candidates, bool)
        return np.asarray(self.cand_known, bool)

    def cost(self, answer: TrackletAnswer) -> int:
        """Clicks ``answer`` costs here: as :attr:`TrackletAnswer.clicks`, but a link to a
        candidate of ``cand_known`` (set before) is free: 1 per new link, at least 1."""
        if answer.reject:
            return answer.clicks
        known = self.known()
        new = [i for i in (answer.predecessor, answer.successor)
               if i is not None and not (0 <= i < len(known) and known[i])]  # fmt: skip
        return max(1, len(new)) * CLICKS_ASSOCIATE

    def candidate(self, index: int) -> NDArray[np.int64]:
        """Rows of candidate ``index``'s detections."""
        return self.cand_rows[self.cand_of_row == index]


@dataclass(frozen=True)
class TrackletAnswer:
    """``reject``: every box is a false positive; else ``predecessor`` / ``successor``: index
    into the query's candidates, or ``None`` (no link)."""

    reject: bool = False
    predecessor: int | None = None
    successor: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.reject, bool | np.bool_):
            raise ValueError(f"reject is True or False, got {self.reject!r}")
        for name in ("predecessor", "successor"):
            i = getattr(self, name)
            if i is not None and (isinstance(i, bool) or not isinstance(i, int | np.integer)
                                  or i < 0):  # fmt: skip
                raise ValueError(f"{name} is a candidate index >= 0 or None, got {i!r}")
        if self.reject and (self.predecessor is not None or self.successor is not None):
            raise ValueError("a rejected tracklet has no predecessor or successor")

    @property
    def clicks(self) -> int:
        """Clicks this answer costs: 1 to reject, else 1 per link set, at least 1 (a link
        set before is free: :meth:`TrackletQuery.cost`)."""
        if self.reject:
            return CLICKS_REJECT
        links = (self.predecessor is not None) + (self.successor is not None)
        return max(1, links) * CLICKS_ASSOCIATE


class Annotator(Protocol):
    """Answers the engine's questions (see the module docstring)."""

    def answer_node(self, query: NodeQuery) -> NodeAnswer:
        """Accept, reject or refine one detection."""
        ...

    def answer_tracklet(self, query: TrackletQuery) -> TrackletAnswer:
        """Reject one tracklet, or link it to a predecessor / successor (a review question,
        ``query.review``: reject, or keep with ``TrackletAnswer()``; with its one candidate,
        an extension, also link it)."""
        ...


@dataclass
class SequenceTruth:
    """Ground truth the oracle needs for one sequence's candidates.

    Attributes:
        gt_id: ``(n,)`` ground-truth id of each candidate detection (Hungarian, IoU >= 0.5 on
            evaluated pedestrians; -1 = false positive).
        gt_xywh: ``(n, 4)`` the matched ground-truth box (NaN when unmatched).
    """

    gt_id: NDArray[np.int64]
    gt_xywh: NDArray[np.float64]

    @classmethod
    def from_ground_truth(cls, dets: Detections, gt: Tracks, iou_threshold: float = 0.5
                          ) -> SequenceTruth:  # fmt: skip
        """Match ``dets`` to the ground truth that counts in evaluation (pedestrians, class 1
        or unknown, with the consider flag) frame by frame (Hungarian, IoU >= ``iou_threshold``).
        Detections on distractors or ignored boxes count as false positives: evaluation would
        remove them or count them as such."""
        target = gt[counted_boxes(gt)]
        if not len(target):  # no pedestrian counts (e.g. a half with none): all false
            return cls(np.full(len(dets), -1, np.int64), np.full((len(dets), 4), np.nan))
        to_gt, _ = match_per_frame(dets, target, iou_threshold)
        hit = to_gt >= 0
        idx = np.maximum(to_gt, 0)
        gt_id = np.where(hit, target.id[idx], -1).astype(np.int64)
        gt_xywh = np.where(hit[:, None], target.xywh[idx], np.nan)
        return cls(gt_id, gt_xywh)


@dataclass
class OracleAnnotator:
    """The simulated annotator: answers every question correctly from ground truth.

    * Detection: accepted if it matches a ground-truth pedestrian (IoU >= 0.5, Hungarian per
      frame), else rejected. With ``refine_iou`` set, a matched box whose IoU with its match
      is below ``refine_iou`` is refined to the ground-truth box instead (2 clicks; off by
      default, as in the paper for MOT17).
    * Tracklet: its identity is the ground-truth id of at least half of its detections; none
      (mostly false positives, or no majority) -> rejected. Else the predecessor is the
      candidate of the same identity that ends last, the successor the one that starts first
      (a candidate's identity is decided the same way); no such candidate -> no link. A side
      with a link set before (``cand_known``) keeps it: the oracle names it again (free), the
      one that ends last (starts first) if there are several. With one click of the budget
      left (``clicks_left``) and two new links to set, only the one whose edge the model gave
      the lower probability (no edge in the pruned graph counts as 0; the predecessor on a
      tie): the other side stays open, not "no link".
    * Review of a whole final track (``TrackletQuery.review``, "is this a real object?"):
      rejected if at least half of its detections are false positives, else kept. (A track
      that switches between people has no majority identity but shows real people: the
      tracklet rule above would reject it and drop their boxes.)
    * Review with one candidate (an extension, "does the track go on through these boxes?"):
      rejected as above; else linked if at least half of the chain's detections have the
      ground-truth id of the track's detection next to the chain (its last one for a
      successor, its first for a predecessor), which is not a false positive; else no link.

    Args:
        truth: per sequence name, its :class:`SequenceTruth`.
        refine_iou: refine matched boxes below this IoU (``None``: never refine).
    """

    truth: Mapping[str, SequenceTruth]
    refine_iou: float | None = None
    asked: dict[str, int] = field(default_factory=lambda: {"node": 0, "tracklet": 0})

    def answer_node(self, query: NodeQuery) -> NodeAnswer:
        """See the class docstring."""
        self.asked["node"] += 1
        t = self.truth[query.sequence]
        if t.gt_id[query.det] < 0:
            return NodeAnswer("reject")
        if self.refine_iou is not None:
            gt_box = t.gt_xywh[query.det]
            iou = box_iou(xywh_to_xyxy(query.xywh[None]), xywh_to_xyxy(gt_box[None]))[0, 0]
            if iou < self.refine_iou:
                return NodeAnswer("refine", gt_box.copy())
        return NodeAnswer("accept")

    def answer_tracklet(self, query: TrackletQuery) -> TrackletAnswer:
        """See the class docstring."""
        self.asked["tracklet"] += 1
        gid = self.truth[query.sequence].gt_id
        if query.review:
            reject = 2 * int((gid[query.dets] < 0).sum()) >= len(query.dets)
            if reject or not query.num_candidates:
                return TrackletAnswer(reject=reject)
            side = int(query.cand_side[0])  # an extension: does the track go on through it?
            me = int(gid[query.dets[-1] if side > 0 else query.dets[0]])
            chain = gid[query.candidate(0)]
            if me < 0 or 2 * int((chain == me).sum()) < len(chain):
                return TrackletAnswer()
            return TrackletAnswer(successor=0) if side > 0 else TrackletAnswer(predecessor=0)
        zero = np.zeros(len(query.dets), np.int64)
        me = int(majority_ids(gid[query.dets], zero, 1)[0])
        if me < 0:
            return TrackletAnswer(reject=True)
        same = majority_ids(gid[query.cand_rows], query.cand_of_row, query.num_candidates) == me
        pred = np.flatnonzero(same & (query.cand_side < 0))
        succ = np.flatnonzero(same & (query.cand_side > 0))
        known = query.known()
        if (known & (query.cand_side < 0)).any():  # set before: kept
            pred = np.flatnonzero(known & (query.cand_side < 0))
        if (known & (query.cand_side > 0)).any():
            succ = np.flatnonzero(known & (query.cand_side > 0))
        p = int(pred[np.argmax(query.cand_end[pred])]) if len(pred) else None
        s = int(succ[np.argmin(query.cand_start[succ])]) if len(succ) else None
        one_left = query.clicks_left is not None and query.clicks_left < 2
        new = p is not None and s is not None and not known[p] and not known[s]
        if new and one_left:
            # one click left: the link the model is less sure of (no edge counts as 0)
            prob = np.nan_to_num(query.cand_prob, nan=0.0)
            if prob[p] <= prob[s]:
                return TrackletAnswer(predecessor=p)
            return TrackletAnswer(successor=s)
        return TrackletAnswer(predecessor=p, successor=s)


@dataclass
class CallbackAnnotator:
    """Hands every question to a function (a UI queue, a script, a test).

    The answers must keep to each question's ``clicks_left`` (an answer that costs more is
    an error naming the question).

    Args:
        on_node: called with each :class:`NodeQuery`, returns a :class:`NodeAnswer`.
        on_tracklet: called with each :class:`TrackletQuery`, returns a
            :class:`TrackletAnswer`.
    """

    on_node: Callable[[NodeQuery], NodeAnswer]
    on_tracklet: Callable[[TrackletQuery], TrackletAnswer]

    def answer_node(self, query: NodeQuery) -> NodeAnswer:
        """Forward to ``on_node``."""
        return self.on_node(query)

    def answer_tracklet(self, query: TrackletQuery) -> TrackletAnswer:
        """Forward to ``on_tracklet``."""
        return self.on_tracklet(query)
