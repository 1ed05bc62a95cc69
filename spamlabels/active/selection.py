"""Which questions to ask first: selection strategies (ours and the baselines of paper Fig. 5).

A strategy is a pair of selectors, one for detections (the GNN_node level) and one for
associations (the GNN_edge levels), named as in the paper: ``detection|association``. A
selector turns a scored level (:class:`LevelView`) into one priority per node; nodes are asked
in decreasing priority, across all clips of all sequences, until the level's share of the
budget is spent. Every strategy uses the same levels, budget split and click accounting, and
asks only nodes with something left to decide (uncertainty > 0). Ours also selects detections
on the hierarchy, not only box by box: the budget the levels leave unspent goes to whole
final tracks whose existence is least certain (one "reject" drops a whole false track), then
to chains of unused boxes that may continue the tracks' ends (one "link" adds a whole chain);
the baselines' detection selectors, from the object-detection literature, act on single boxes.

=======================  ============================================  =====================
name                     detections (GNN_node level)                   associations
=======================  ============================================  =====================
``hierarchical`` (ours)  box entropy ``H(p_node)``, the boxes whose    max edge entropy
                         fate GNN_node decides first
                         (:func:`decision_entropy`); and whole final
                         tracks, with what the levels leave
                         (``Selection.existence``), then chains of
                         unused boxes that may continue them
                         (``Selection.extend``)
``paper``                box entropy, the paper's order                max edge entropy
``random``               random                                        random
``entbox``               box entropy                                   random
``entimg``               image entropy: whole frames, highest mean     random
                         box entropy first
``coreset``              k-center greedy on box features (diversity)   max edge entropy
``consistency``          disagreement between the original and the     max edge entropy
                         horizontally flipped scene (Jensen-Shannon)
``ensemble``             entropy of the mean over several checkpoints  max edge entropy
                         (:func:`ensemble_selection`)
=======================  ============================================  =====================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spamlabels.active.uncertainty import binary_entropy
from spamlabels.graph import ClipHierarchy, LevelGraph
from spamlabels.track.spam import score_graph

__all__ = [
    "STRATEGIES",
    "LevelView",
    "Selection",
    "Selector",
    "decision_entropy",
    "ensemble_selection",
]

FloatArray = NDArray[np.float64]


@dataclass
class LevelView:
    """One clip's scored level, as a selector sees it.

    Attributes:
        level: 0 = GNN_node, k >= 1 = GNN_edge level k.
        graph: the level's graph.
        hierarchy: the clip's hierarchy (its boxes, to score variants of the scene).
        uncertainty: ``(N,)`` the paper's uncertainty per node (0 = nothing to decide).
        node_prob: ``(N,)`` GNN_node probabilities (level 0) or ``None``.
        edge_prob: ``(E,)`` edge probabilities before rounding.
        rng: random generator of the run.
        model: the model that scored the level; ``device`` its torch device.
        n_frames: frames of the sequence.
    """

    level: int
    graph: LevelGraph
    hierarchy: ClipHierarchy
    uncertainty: FloatArray
    node_prob: FloatArray | None
    edge_prob: FloatArray
    rng: np.random.Generator
    model: Any
    device: str
    n_frames: int


Selector = Callable[[LevelView], FloatArray]
"""``priority(view) -> (N,)``: higher is asked first."""


@dataclass(frozen=True)
class Selection:
    """A strategy: ``node`` selector for the GNN_node level, ``edge`` for the edge levels.

    ``existence``: detections are also selected on the hierarchy: after the last level, the
    budget the levels left unspent is spent on whole final tracks, the one least certain to
    be a real object first (:func:`~spamlabels.active.existence_uncertainty`), so one
    "reject" drops a whole false track. Ours only: the baselines select detections box by
    box, at GNN_node.

    ``extend`` (with ``existence``): the review then also asks, for each end of each final
    track, whether it goes on through a chain of unused candidates
    (:func:`~spamlabels.active.extension.extension_chains`), with what the existence
    questions leave; one click adds a whole chain."""

    node: Selector
    edge: Selector
    existence: bool = False
    extend: bool = False

    def __post_init__(self) -> None:
        if self.extend and not self.existence:
            raise ValueError("extend needs the review (existence=True)")

    def priority(self, view: LevelView) -> FloatArray:
        """Priorities of ``view``'s nodes."""
        pick = self.node if view.level == 0 else self.edge
        return np.asarray(pick(view), np.float64)


def entropy(view: LevelView) -> FloatArray:
    """The paper's uncertainty: box entropy at GNN_node, max incident edge entropy above."""
    return view.uncertainty


def decision_entropy(view: LevelView) -> FloatArray:
    """Ours at GNN_node: box entropy, but the boxes whose keep / reject GNN_node decides come
    before the ones it cannot drop.

    With ``node_keep_conf`` set (the shipped tracker: 0.6), a box at least that confident stays
    in whatever GNN_node says, so its entropy measures no decision of the hierarchy; the weak
    boxes, kept only if GNN_node accepts them, are asked first (most uncertain first), then
    the confident ones (most uncertain first). Without ``node_keep_conf``: the plain entropy.
    Measured against the plain entropy (``paper``) in docs/benchmarks.md section 7."""
    u = view.uncertainty
    if view.level != 0 or view.hierarchy.config.node_keep_conf is None:
        return u
    # u lies in [0, 1]: every box GNN_node decides ranks above every box kept anyway
    return u + view.hierarchy.node_decided(len(u))


def random(view: LevelView) -> FloatArray:
    """Uniformly random order."""
    return view.rng.random(len(view.uncertainty))


def image_entropy(view: LevelView) -> FloatArray:
    """Whole frames, the frame with the highest mean box entropy first (boxes of one frame in
    a row, most uncertain first): the usual image-level acquisition of detection AL."""
    frame = view.graph.node_start
    u = view.uncertainty
    uniq, inv = np.unique(frame, return_inverse=True)
    mean = np.bincount(inv, weights=u, minlength=len(uniq)) / np.bincount(inv, minlength=len(uniq))
    return mean[inv] + 1e-6 * u  # frame scores differ by far more than 1e-6 in practice


def coreset(view: LevelView, max_picks: int = 4000) -> FloatArray:
    """k-center greedy (Sener & Savarese) on box features: sequence time, centre, size,
    confidence (each scaled to [0, 1]); a box's priority is its distance to the boxes picked
    before it, so the most novel boxes come first. Boxes beyond ``max_picks`` follow in
    order of entropy."""
    g = view.graph
    feats = np.column_stack([g.node_start / max(view.n_frames, 1), g.x[:, 1:6]]).astype(np.float64)
    n = len(feats)
    out = -1.0 + view.uncertainty * 1e-3  # after every pick
    if not n:
        return out
    first = int(np.argmax(view.uncertainty))
    dist = np.linalg.norm(feats - feats[first], axis=1)
    out[first] = np.inf
    for _ in range(min(n, max_picks) - 1):
        j = int(np.argmax(dist))
        if dist[j] <= 0:
            break
        out[j] = dist[j]
        dist = np.minimum(dist, np.linalg.norm(feats - feats[j], axis=1))
    return out


def _js_bernoulli(p: FloatArray, q: FloatArray) -> FloatArray:
    """Jensen-Shannon divergence (bits) between Bernoulli(p) and Bernoulli(q)."""
    m = (p + q) / 2
    return binary_entropy(m) - (binary_entropy(p) + binary_entropy(q)) / 2


def consistency(view: LevelView) -> FloatArray:
    """Disagreement of GNN_node between the scene and its horizontal mirror image (Elezi et
    al.'s consistency over augmented inputs): Jensen-Shannon divergence of the two node
    probabilities, ties broken by entropy."""
    h = view.hierarchy
    assert view.node_prob is not None
    width = float(h.image_size[0])
    flipped = h.xywh.copy()
    flipped[:, 0] = width - h.xywh[:, 0] - h.xywh[:, 2]
    mirror = ClipHierarchy(h.frame, flipped, h.score, h.fps, h.image_size, emb=h.emb,
                           config=h.config)  # fmt: skip
    g = mirror.node_graph()  # node order = time order, as in the original
    _, p_flip = score_graph(view.model, g, view.device)
    assert p_flip is not None and len(p_flip) == len(view.node_prob)
    return _js_bernoulli(view.node_prob, p_flip) + 1e-6 * view.uncertainty


def ensemble_selection(models: Sequence[Any]) -> Selection:
    """``ensemble|hierarchical``: at GNN_node, the entropy of the mean node probability of the
    labelling model and ``models`` (other checkpoints; Beluch et al.); the edge levels by
    :func:`entropy`, as ``paper`` and ours (no review of whole tracks: that is ours only)."""

    def node(view: LevelView) -> FloatArray:
        assert view.node_prob is not None
        probs = [view.node_prob]
        for m in models:
            _, p = score_graph(m, view.graph, view.device)
            assert p is not None
            probs.append(p)
        return binary_entropy(np.mean(probs, axis=0))

    return Selection(node, entropy)


STRATEGIES: dict[str, Selection] = {
    "hierarchical": Selection(decision_entropy, entropy, existence=True, extend=True),
    "paper": Selection(entropy, entropy),
    "random": Selection(random, random),
    "entbox": Selection(entropy, random),
    "entimg": Selection(image_entropy, random),
    "coreset": Selection(coreset, entropy),
    "consistency": Selection(consistency, entropy),
}
"""Named strategies (module docstring); ``ensemble`` needs checkpoints:
:func:`ensemble_selection`."""
