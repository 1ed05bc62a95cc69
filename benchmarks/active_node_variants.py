"""Other GNN_node question orders for issue 4 (experiments, not kept).

Ours (``hierarchical``) asks, at GNN_node, the weak boxes (conf < 0.6, whose keep / reject
GNN_node decides) first, most uncertain first. A true weak box restored by an answer helps
only if the edge levels then link it into a track; left alone it is a short track of its own.
Two variants weigh that in with GNN_node's own edges (the node level's 10-frame graph):
``link`` = a node's largest edge probability to a box that stays in (a confident box, or one
GNN_node keeps); the weak boxes are then asked by

- ``link``: entropy x link (weak boxes still before the confident ones);
- ``linkgate``: first the weak boxes with link >= 0.5, then the other weak boxes, then the
  confident ones, each group most uncertain first.

And two orders that read the ground truth (probes of how much knowing the answers helps at
GNN_node, not methods, and not upper bounds: the oracle's "wrong" is not HOTA's): ``truth``
asks first the boxes whose fate the model gets wrong as the oracle judges them (a weak box
rejected though it matches a pedestrian, a kept box that matches none), ``truthfp`` only the
kept false ones; then the rest as ours. And a null order, ``null``: first the confident boxes
(conf >= 0.6, kept whatever GNN_node says) that match a pedestrian, whose "accept" changes no
decision, so GNN_node's share is spent on (almost) nothing; then the rest as ours.

Association questions as ours. Runs ``benchmarks/active_mot17.py`` with these added to
``STRATEGIES`` (and each candidate's ground-truth id given to the hierarchy, which only labels
its graphs); every option of that script applies:

    python benchmarks/active_node_variants.py --half train --budgets 1 2 \
        --strategies hierarchical link linkgate --replicates 3 --jitter 0.1 \
        --no-ceiling --no-frame-based
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import active_mot17
import numpy as np
from numpy.typing import NDArray

from spamlabels.active.selection import (
    STRATEGIES,
    LevelView,
    Selection,
    decision_entropy,
    entropy,
)
from spamlabels.engine.label import LabelInputs
from spamlabels.io import MOTSequence


def _decided_and_stays(view: LevelView) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """``(N,)`` boxes GNN_node decides, and boxes that stay in unless an answer removes them."""
    h, p = view.hierarchy, view.node_prob
    assert p is not None
    decided = h.node_decided(len(p))
    return decided, ~decided | (p >= h.config.node_threshold)


def _link(view: LevelView, stays: NDArray[np.bool_]) -> NDArray[np.float64]:
    """``(N,)`` each box's best GNN_node edge probability to a box that stays in."""
    g = view.graph
    link = np.zeros(g.num_nodes)
    if len(view.edge_prob):
        np.maximum.at(link, g.src, view.edge_prob * stays[g.dst])
        np.maximum.at(link, g.dst, view.edge_prob * stays[g.src])
    return link


def link_entropy(view: LevelView) -> NDArray[np.float64]:
    """Weak boxes by entropy x link, then the confident ones by entropy."""
    u = view.uncertainty
    if view.level != 0 or view.hierarchy.config.node_keep_conf is None:
        return u
    decided, stays = _decided_and_stays(view)
    return np.where(decided, 1.0 + u * _link(view, stays), u)


def link_gate(view: LevelView) -> NDArray[np.float64]:
    """Weak boxes with a likely link first, then the other weak ones, then the confident ones
    (each group as ours: :func:`~spamlabels.active.selection.decision_entropy`)."""
    ours = decision_entropy(view)
    if view.level != 0 or view.hierarchy.config.node_keep_conf is None:
        return ours
    decided, stays = _decided_and_stays(view)
    return ours + (decided & (_link(view, stays) >= 0.5))


def _truth_boxes_first(
    view: LevelView,
    first: Callable[[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.float32]], NDArray[np.bool_]],
) -> NDArray[np.float64]:
    """At GNN_node the boxes ``first(decided, stays, label)`` picks (needs
    ``graph.node_label``), then ours; ours alone above GNN_node or without labels."""
    ours = decision_entropy(view)
    label = view.graph.node_label
    if view.level != 0 or label is None or view.node_prob is None:
        return ours
    decided, stays = _decided_and_stays(view)
    return ours + 2.0 * first(decided, stays, label)


def truth_first(view: LevelView, restore: bool = True) -> NDArray[np.float64]:
    """The boxes whose default fate is wrong first (``restore`` False: only the kept false
    ones), then ours."""
    return _truth_boxes_first(
        view, lambda _, stays, label: np.where(stays, label < 0.5, restore & (label > 0.5))
    )


def null_first(view: LevelView) -> NDArray[np.float64]:
    """The confident true boxes first: answers that change no decision. Then ours."""
    return _truth_boxes_first(view, lambda decided, _, label: ~decided & (label > 0.5))


def _inputs_with_truth(
    seqs: Sequence[MOTSequence], half: str, min_conf: float, score_map: str = "none"
) -> LabelInputs:
    """``load_label_inputs`` with each candidate's ground-truth id in ``dets.data["gt_id"]``."""
    inputs = _load(seqs, half, min_conf, score_map)  # type: ignore[arg-type]
    for task in inputs.tasks:
        gt_id = inputs.truth[task.name].gt_id
        task.dets = task.dets.replace(data={**task.dets.data, "gt_id": gt_id})
    return inputs


# the rest as ours, the review of whole tracks (and of their ends) included
_REST = {"existence": True, "extend": True}
STRATEGIES["link"] = Selection(link_entropy, entropy, **_REST)
STRATEGIES["linkgate"] = Selection(link_gate, entropy, **_REST)
STRATEGIES["truth"] = Selection(truth_first, entropy, **_REST)
STRATEGIES["truthfp"] = Selection(lambda view: truth_first(view, restore=False), entropy, **_REST)
STRATEGIES["null"] = Selection(null_first, entropy, **_REST)
_load = active_mot17.load_label_inputs
active_mot17.load_label_inputs = _inputs_with_truth

if __name__ == "__main__":
    active_mot17.main()
