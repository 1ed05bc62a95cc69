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


def _score_matrix(
    score_fn: ScoreFn, src: IntArray, dst: IntArray, valid: NDArray[np.bool_], dense: bool
) -> FloatArray:
    """``(len(src), len(dst))`` pruning scores of the pairs ``src[i] -> dst[j]``, ``inf`` where
    ``valid`` is False (``score_fn`` called as described in :func:`candidate_edges`)."""
    if dense:
        return np.where(valid, np.asarray(score_fn(src[:, None], dst[None, :]), np.float64), np.inf)
    out = np.full(valid.shape, np.inf)
    ri, cj = np.nonzero(valid)
    out[ri, cj] = score_fn(src[ri], dst[cj])
    return out


def _row_topk(sym: FloatArray, k: int) -> NDArray[np.bool_]:
    """``(b, m)`` mask of each row's ``k`` lowest finite-or-not scores (ties at the k-th score
    kept by column order, up to ``k``)."""
    m = sym.shape[1]
    if m <= k:
        return np.ones(sym.shape, bool)
    kth = np.partition(sym, k - 1, axis=1)[:, k - 1 : k]
    keep = sym < kth
    ties = np.flatnonzero(np.isfinite(kth[:, 0]) & (sym == kth).any(axis=1))
    for r in ties:
        need = k - int(keep[r].sum())
        cols = np.flatnonzero(sym[r] == kth[r, 0])[:need]
        keep[r, cols] = True
    return keep


def candidate_edges(
    start: IntArray,
    end: IntArray,
    window: IntArray,
    score_fn: ScoreFn,
    k: int,
    dense: bool = False,
    block_entries: int = 8_000_000,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Time-valid candidate edges within windows, pruned to the reciprocal top-``k``.

    Windows are independent, so they are processed one at a time, and a window's ``m`` nodes in
    blocks of rows: a block of ``b`` nodes is scored against the whole window (its future
    candidates ``b -> m`` and its past ones ``m -> b``) into ``b x m`` matrices, each node keeps
    its ``k`` best neighbours (past and future together, ``np.partition``), and an edge survives
    when both endpoints keep it. Memory is ``O(block_entries)`` per matrix (``b = max(1,
    block_entries // m)``), never ``O(m^2)`` for a big window nor anything for the whole level.

    Args:
        start, end: ``(N,)`` first and last frame of every node.
        window: ``(N,)`` window id of every node; edges only join nodes of one window.
        score_fn: ``score_fn(src, dst)`` pruning score (lower = closer). With ``dense=True`` it
            is called with broadcastable index arrays ``(a, 1)`` and ``(1, c)`` and must return
            the ``(a, c)`` matrix (cheap, no gathers per pair); otherwise with the ``(P,)``
            candidate pairs of a block.
        k: reciprocal top-k.
        dense: how ``score_fn`` is called (see above).
        block_entries: entries of one ``b x m`` block matrix.

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
        s_m, e_m = start[members], end[members]
        if not (e_m.min() < s_m.max()):
            continue  # no time-valid pair in this window
        rows_per_block = max(1, block_entries // m)
        fwd_keys: list[IntArray] = []  # i * m + j: i (earlier) keeps its edge to j
        fwd_scores: list[FloatArray] = []
        bwd_keys: list[IntArray] = []  # i * m + j: j (later) keeps its edge from i
        for r0 in range(0, m, rows_per_block):
            rows = np.arange(r0, min(m, r0 + rows_per_block))
            fwd_valid = e_m[rows][:, None] < s_m[None, :]  # rows -> cols
            bwd_valid = e_m[None, :] < s_m[rows][:, None]  # cols -> rows
            fwd = _score_matrix(score_fn, members[rows], members, fwd_valid, dense)
            # the past candidates: the transpose when the block is the whole window
            bwd = (
                fwd.T
                if len(rows) == m
                else _score_matrix(score_fn, members, members[rows], bwd_valid.T, dense).T
            )
            # a node ranks past and future neighbours together
            keep = _row_topk(np.minimum(fwd, bwd), k)
            ri, cj = np.nonzero(keep & fwd_valid & np.isfinite(fwd))
            fwd_keys.append(rows[ri] * m + cj)
            fwd_scores.append(fwd[ri, cj])
            ri, cj = np.nonzero(keep & bwd_valid)
            bwd_keys.append(cj * m + rows[ri])
        f_keys = np.concatenate(fwd_keys)
        both = np.isin(f_keys, np.concatenate(bwd_keys))
        kept = f_keys[both]
        out_src.append(members[kept // m])
        out_dst.append(members[kept % m])
        out_score.append(np.concatenate(fwd_scores)[both])
    if not out_src:
        return empty
    src = np.concatenate(out_src).astype(np.int64)
    dst = np.concatenate(out_dst).astype(np.int64)
    score = np.concatenate(out_score)
    o = np.lexsort((dst, src))
    return src[o], dst[o], score[o]
