"""Candidate edges of a hierarchy level and their reciprocal top-k pruning (numpy, vectorised).

Design notes §1.5-1.6: inside one window of the level, every pair of nodes whose time spans do
not overlap (``end_i < start_j``) is a candidate ``i -> j``. Each node ranks its candidates (past
and future together) by a pruning score (lower = closer) and an edge is kept when it is in the
top-k of *both* endpoints.

Unlike SUSHI (Python loops over windows x end frames, then cartesian products, and a
per-edge motion tensor: the 121 GiB of dvl-tum/SUSHI #11), candidates are built window by window
with numpy broadcasting, scored, and reduced to the reciprocal top-k before anything per-edge
is kept: memory is quadratic only in the size of the largest window.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["candidate_edges", "reciprocal_topk"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
ScoreFn = Callable[[IntArray, IntArray], FloatArray]


def reciprocal_topk(
    src: IntArray, dst: IntArray, score: FloatArray, n_nodes: int, k: int
) -> NDArray[np.bool_]:
    """Mask of edges in the top-``k`` (lowest score) of both endpoints.

    Args:
        src, dst: ``(E,)`` endpoints.
        score: ``(E,)`` pruning score, lower = better.
        n_nodes: number of nodes.
        k: neighbours kept per node (ties broken by edge order).

    Returns:
        ``(E,)`` bool.
    """
    e = len(src)
    if e == 0:
        return np.zeros(0, bool)
    ends = np.concatenate([src, dst])
    sc = np.concatenate([score, score])
    order = np.lexsort((np.arange(2 * e), sc, ends))
    ends_sorted = ends[order]
    group_start = np.searchsorted(ends_sorted, ends_sorted, side="left")
    rank = np.empty(2 * e, np.int64)
    rank[order] = np.arange(2 * e) - group_start
    return (rank[:e] < k) & (rank[e:] < k)


def candidate_edges(
    start: IntArray,
    end: IntArray,
    window: IntArray,
    score_fn: ScoreFn,
    k: int,
    dense: bool = False,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Time-valid candidate edges within windows, pruned to the reciprocal top-``k``.

    Windows are independent, so they are processed one at a time: the window's candidate pairs
    are scored into an ``m x m`` matrix (``m`` nodes in the window), each node keeps its ``k``
    best neighbours (past and future together, ``np.argpartition``) and an edge survives when
    both endpoints keep it. Memory is ``O(m^2)`` for the largest window, never the whole level.

    Args:
        start, end: ``(N,)`` first and last frame of every node.
        window: ``(N,)`` window id of every node; edges only join nodes of one window.
        score_fn: ``score_fn(src, dst)`` pruning score (lower = closer). With ``dense=True`` it
            is called with broadcastable index arrays ``(m, 1)`` and ``(1, m)`` and must
            return an ``(m, m)`` matrix (cheap, no gathers per pair); otherwise with the
            ``(P,)`` candidate pairs of a window.
        k: reciprocal top-k.
        dense: how ``score_fn`` is called (see above).

    Returns:
        ``(src, dst, score)`` of the kept edges, ``src`` earlier, sorted by (src, dst).
    """
    n = len(start)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if n == 0:
        return empty
    order = np.lexsort((start, window))
    win_sorted = window[order]
    bounds = np.flatnonzero(np.diff(win_sorted)) + 1
    starts = np.concatenate([[0], bounds])
    stops = np.concatenate([bounds, [n]])
    out_src: list[IntArray] = []
    out_dst: list[IntArray] = []
    out_score: list[FloatArray] = []
    for a, b in zip(starts, stops, strict=True):
        members = order[a:b]
        m = len(members)
        if m < 2:
            continue
        valid = end[members][:, None] < start[members][None, :]
        if not valid.any():
            continue
        if dense:
            full = np.asarray(score_fn(members[:, None], members[None, :]), dtype=np.float64)
            sc = np.where(valid, full, np.inf)
        else:
            ri, cj = np.nonzero(valid)
            sc = np.full((m, m), np.inf)
            sc[ri, cj] = score_fn(members[ri], members[cj])
        sym = np.minimum(sc, sc.T)  # a node ranks past and future neighbours together
        if m > k:
            kth = np.partition(sym, k - 1, axis=1)[:, k - 1 : k]
            # keep ties at the k-th score only up to k (by column order) to mirror top-k
            keep = sym < kth
            ties = np.flatnonzero(np.isfinite(kth[:, 0]) & (sym == kth).any(axis=1))
            for r in ties:
                need = k - int(keep[r].sum())
                cols = np.flatnonzero(sym[r] == kth[r, 0])[:need]
                keep[r, cols] = True
        else:
            keep = np.ones((m, m), bool)
        ok = valid & keep & keep.T & np.isfinite(sc)
        ri, cj = np.nonzero(ok)
        out_src.append(members[ri])
        out_dst.append(members[cj])
        out_score.append(sc[ri, cj])
    if not out_src:
        return empty
    src = np.concatenate(out_src).astype(np.int64)
    dst = np.concatenate(out_dst).astype(np.int64)
    score = np.concatenate(out_score)
    o = np.lexsort((dst, src))
    return src[o], dst[o], score[o]
