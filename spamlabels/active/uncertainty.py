"""Uncertainty of the graph model's decisions (paper §3.3 eq. 1; design notes §3.4).

Binary entropy in bits, so ``H(p)`` lies in ``[0, 1]`` (1 at ``p = 0.5``). At GNN_node a node's
uncertainty is the entropy of its node probability; at a GNN_edge level it is the largest
entropy over the node's incident edges, with probabilities *before* rounding (edges that
rounding later drops count: an edge at ``p = 0.45`` is exactly the uncertain kind). A node
without incident edges has nothing to decide: uncertainty 0.

A tracklet's *existence* (is it a real object at all?) is a detection decision taken on the
hierarchy: :func:`existence_uncertainty` is the entropy of the mean GNN_node probability of
its boxes (ours asks it about whole final tracks after the last level, docs/active.md).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["binary_entropy", "edge_node_uncertainty", "existence_uncertainty"]


def binary_entropy(p: ArrayLike) -> NDArray[np.float64]:
    """``H(p) = -p log2 p - (1 - p) log2 (1 - p)`` elementwise, in bits (``H(0) = H(1) = 0``)."""
    p = np.clip(np.asarray(p, np.float64), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h, nan=0.0)


def edge_node_uncertainty(
    src: ArrayLike, dst: ArrayLike, edge_prob: ArrayLike, n_nodes: int,
    mask: ArrayLike | None = None,
) -> NDArray[np.float64]:  # fmt: skip
    """Per-node uncertainty at a GNN_edge level: max binary entropy over incident edges.

    Args:
        src, dst: ``(E,)`` edge end nodes.
        edge_prob: ``(E,)`` edge probabilities before rounding.
        n_nodes: number of nodes ``N``.
        mask: ``(E,)`` bool, edges that count (e.g. not already decided by a human); all if
            ``None``.

    Returns:
        ``(N,)`` float64 in ``[0, 1]``; 0 for nodes without (counted) edges.
    """
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    h = binary_entropy(edge_prob)
    if mask is not None:
        h = np.where(np.asarray(mask, bool), h, 0.0)
    out = np.zeros(n_nodes)
    np.maximum.at(out, src, h)
    np.maximum.at(out, dst, h)
    return out


def existence_uncertainty(det_to_node: ArrayLike, box_prob: ArrayLike, n_nodes: int
                          ) -> NDArray[np.float64]:  # fmt: skip
    """Per-node uncertainty that a tracklet shows a real object: ``H(mean p)`` over its boxes.

    Args:
        det_to_node: ``(n,)`` node of each box (-1 = not in the level).
        box_prob: ``(n,)`` probability that each box is a true object (GNN_node's, or 1 for a
            box a human vouched for).
        n_nodes: number of nodes ``N``.

    Returns:
        ``(N,)`` float64 in ``[0, 1]``; 0 for nodes without boxes.
    """
    node = np.asarray(det_to_node, np.int64)
    live = node >= 0
    size = np.bincount(node[live], minlength=n_nodes)
    total = np.bincount(node[live], weights=np.asarray(box_prob, np.float64)[live],
                        minlength=n_nodes)  # fmt: skip
    mean = np.divide(total, size, out=np.ones(n_nodes), where=size > 0)
    return binary_entropy(mean)
