"""From edge probabilities to tracklets: flow-constrained rounding and connected components.

Design notes §1.11. SUSHI rounds ``p > 0.5`` to 1 and, where a node then has more than one
incoming or outgoing active edge, solves the LP ``min sum x_e (1 - 2 p_e)`` subject to in- and
out-degree <= 1. That LP is a maximum-weight bipartite matching between the "out" copies and the
"in" copies of the nodes (weights ``2p - 1 > 0``), totally unimodular, so we solve it exactly
with :func:`scipy.optimize.linear_sum_assignment` on each connected conflict component. Every
component of the result is a temporal chain (edges go forward in time, degrees <= 1).

Human answers can clamp edges: ``forced = +1`` keeps an edge whatever its probability (it wins
every conflict), ``forced = -1`` removes it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["components", "round_edges"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

_FORCED_WEIGHT = 1e6


def round_edges(
    src: IntArray,
    dst: IntArray,
    prob: FloatArray,
    n_nodes: int,
    forced: NDArray[np.int8] | None = None,
    threshold: float = 0.5,
    max_dense: int = 1_000_000,
) -> NDArray[np.bool_]:
    """Active edges after rounding: ``p > threshold`` projected onto in/out-degree <= 1.

    Conflicts are solved by maximum-weight matching with weights ``p - threshold`` (for the
    default 0.5 this is SUSHI's ``2p - 1`` up to a factor 2).

    Args:
        src, dst: ``(E,)`` endpoints, ``src`` earlier in time.
        prob: ``(E,)`` edge probabilities.
        n_nodes: number of nodes.
        forced: ``(E,)`` int8: +1 force active, -1 force inactive, 0 free; or ``None``.
        threshold: probability above which an edge is a candidate for activation.
        max_dense: a conflict component whose out x in copies exceed this many entries is
            solved greedily (highest weight first) instead of exactly; this only happens with
            untrained models (probabilities near 0.5 everywhere), where exactness is moot.

    Returns:
        ``(E,)`` bool mask of active edges; every node has at most one active incoming and one
        active outgoing edge.
    """
    e = len(src)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    weight = np.asarray(prob, np.float64) - threshold
    cand = prob > threshold
    if forced is not None:
        cand = (cand | (forced > 0)) & (forced >= 0)
        weight = np.where(forced > 0, _FORCED_WEIGHT, weight)
    active = cand.copy()
    if e == 0 or not cand.any():
        return active
    idx = np.flatnonzero(cand)
    out_deg = np.bincount(src[idx], minlength=n_nodes)
    in_deg = np.bincount(dst[idx], minlength=n_nodes)
    conflict = (out_deg[src[idx]] > 1) | (in_deg[dst[idx]] > 1)
    if not conflict.any():
        return active
    # bipartite conflict graph: out-copy of u (id u) -- in-copy of v (id n + v); take the edges
    # of every component that contains a violation, solve each by assignment
    cidx = idx[conflict]
    # grow to all candidate edges sharing an out- or in-copy with a conflicting edge
    bad_out = np.zeros(n_nodes, bool)
    bad_in = np.zeros(n_nodes, bool)
    bad_out[src[cidx]] = True
    bad_in[dst[cidx]] = True
    involved = idx[bad_out[src[idx]] | bad_in[dst[idx]]]
    u, v = src[involved], n_nodes + dst[involved]
    graph = coo_matrix((np.ones(len(involved)), (u, v)), shape=(2 * n_nodes, 2 * n_nodes))
    _, label = connected_components(graph, directed=False)
    comp = label[u]
    active[involved] = False
    order = np.argsort(comp, kind="stable")
    comp_sorted = comp[order]
    cuts = np.flatnonzero(np.diff(comp_sorted)) + 1
    for block in np.split(order, cuts):
        edges = involved[block]
        rows, r_inv = np.unique(src[edges], return_inverse=True)
        cols, c_inv = np.unique(dst[edges], return_inverse=True)
        if len(rows) * len(cols) > max_dense:
            active[_greedy_matching(src[edges], dst[edges], weight[edges], edges)] = True
            continue
        w = np.zeros((len(rows), len(cols)))
        w[r_inv, c_inv] = weight[edges]
        ri, ci = linear_sum_assignment(-w)
        chosen = w[ri, ci] > 0
        picked = np.zeros(w.shape, bool)
        picked[ri[chosen], ci[chosen]] = True
        active[edges[picked[r_inv, c_inv]]] = True
    return active


def _greedy_matching(
    src: IntArray, dst: IntArray, weight: FloatArray, edge_ids: IntArray
) -> IntArray:
    """Edges picked greedily by decreasing weight with in/out-degree <= 1."""
    used_out: set[int] = set()
    used_in: set[int] = set()
    picked = []
    for k in np.argsort(-weight, kind="stable"):
        if weight[k] <= 0:
            break
        a, b = int(src[k]), int(dst[k])
        if a not in used_out and b not in used_in:
            used_out.add(a)
            used_in.add(b)
            picked.append(int(edge_ids[k]))
    return np.asarray(picked, np.int64)


def components(src: IntArray, dst: IntArray, n_nodes: int) -> IntArray:
    """Connected-component label of every node, given active edges ``src -> dst``.

    Labels are ``0..C-1`` numbered in order of each component's smallest node index, so a
    node sorted by start time keeps the order of its component's first node.

    Returns:
        ``(n_nodes,)`` int64.
    """
    if n_nodes == 0:
        return np.zeros(0, np.int64)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_nodes, n_nodes))
    _, label = connected_components(graph, directed=False)
    first = np.full(label.max() + 1, n_nodes, np.int64)
    np.minimum.at(first, label, np.arange(n_nodes))
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[label].astype(np.int64)
