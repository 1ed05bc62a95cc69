"""Offline post-processing of finished tracks: exchanging the tails of two tracks where motion says
they swapped, cutting links that motion contradicts, stitching across short gaps, gap
interpolation and temporal box smoothing.

All work on any :class:`~spamlabels.core.Tracks` (one row per track and frame), whichever
tracker made them; :class:`~spamlabels.track.spam.SpamTracker` applies them as its last steps,
in this order (``SpamConfig.swap_margin``, ``SpamConfig.cut_iou``,
``SpamConfig.stitch_seconds``, ``SpamConfig.interpolate``, ``SpamConfig.smooth_seconds``).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from spamlabels.core import (
    Provenance,
    Tracks,
    box_iou_pairs,
    cxcywh_to_xyxy,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xywh,
)

__all__ = [
    "cut_tracks",
    "interpolate_tracks",
    "smooth_tracks",
    "stitch_tracks",
    "swap_tracks",
]


def _by_track(
    tracks: Tracks,
) -> tuple[NDArray[np.int64], Tracks, NDArray[np.int64], NDArray[np.int64]]:
    """``tracks`` sorted by track, then frame: the ``order`` that sorts them, the sorted table,
    and each track's first row and one past its last row in it. Checks that no track has two
    rows in one frame."""
    order = np.lexsort((tracks.frame, tracks.id))
    t = tracks[order]
    if (np.diff(t.frame)[t.id[1:] == t.id[:-1]] == 0).any():
        raise ValueError("a track has two rows in one frame")
    starts = np.r_[0, np.flatnonzero(t.id[1:] != t.id[:-1]) + 1]
    ends = np.r_[starts[1:], len(t)]
    return order, t, starts, ends


def _pair_mask(
    a: NDArray[np.int64], b: NDArray[np.int64], pairs: Collection[tuple[int, int]]
) -> NDArray[np.bool_]:
    """``(K,)`` whether each ``(a[k], b[k])`` is one of ``pairs`` (in that order)."""
    known = {(int(p), int(q)) for p, q in pairs}
    return np.array([pair in known for pair in zip(a.tolist(), b.tolist(), strict=True)], bool)


def _either(
    a: NDArray[np.int64], b: NDArray[np.int64], pairs: Collection[tuple[int, int]]
) -> NDArray[np.bool_]:
    """``(K,)`` whether ``(a[k], b[k])`` is one of ``pairs`` in either order."""
    return _pair_mask(a, b, pairs) | _pair_mask(b, a, pairs)


def _ranges(first: NDArray[np.int64], count: NDArray[np.int64]) -> NDArray[np.int64]:
    """``(count.sum(),)`` the ranges ``first[k], ..., first[k] + count[k] - 1`` one after the
    other (``count >= 0``)."""
    return np.repeat(first - (np.cumsum(count) - count), count) + np.arange(count.sum())


def _spans(
    lo: NDArray[np.int64], hi: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every ``(k, j)`` with ``lo[k] <= j < hi[k]`` (none where ``hi[k] <= lo[k]``), as two
    ``(K,)`` arrays in order of ``k``, then ``j``: the candidate pairs of a sorted search."""
    count = np.maximum(hi - lo, 0)
    return np.repeat(np.arange(len(lo)), count), _ranges(lo, count)


def _centres(xywh: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(n, 2)`` box centres of ``(n, 4)`` xywh boxes (pixels)."""
    return xywh[:, :2] + xywh[:, 2:] / 2


def _sides(
    start: NDArray[np.int64], pre: NDArray[np.int64], end: NDArray[np.int64],
    post: NDArray[np.int64], window: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:  # fmt: skip
    """The rows that give a link's motion in a table sorted by track and frame: ``lo:pre + 1``
    (at most ``window`` rows up to the row before the link, not before ``start``, the first row
    of its track) and ``post:hi`` (at most ``window`` from the row after it, before ``end``),
    and whether each side has at least two rows."""
    lo, hi = np.maximum(start, pre + 1 - window), np.minimum(end, post + window)
    return lo, hi, pre + 1 - lo >= 2, hi - post >= 2


_Lines = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def _side_lines(
    frame: NDArray[np.int64], centre: NDArray[np.float64], pre: NDArray[np.int64],
    post: NDArray[np.int64], lo: NDArray[np.int64], hi: NDArray[np.int64],
) -> _Lines:  # fmt: skip
    """:func:`_fit_lines` on both sides of links (rows of :func:`_sides`): through ``lo:pre +
    1`` relative to ``pre``'s frame and through ``post:hi`` relative to ``post``'s frame.
    Returns ``a_pre, b_pre, a_post, b_post``, each ``(K, 2)``."""
    a_pre, b_pre = _fit_lines(frame, centre, lo, pre + 1, frame[pre])
    a_post, b_post = _fit_lines(frame, centre, post, hi, frame[post])
    return a_pre, b_pre, a_post, b_post


def _fit_lines(
    frame: NDArray[np.int64], centre: NDArray[np.float64], lo: NDArray[np.int64],
    hi: NDArray[np.int64], ref: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # fmt: skip
    """Least-squares lines ``centre(f) = a + b (f - ref[k])`` through rows ``lo[k]:hi[k]`` (at
    least one row each) of a table; frames are taken relative to ``ref`` before fitting, so
    large frame numbers lose no precision. Returns ``a`` ``(K, 2)`` and ``b`` ``(K, 2)``
    (pixels, pixels per frame; ``b = 0`` for a single row)."""
    if not len(lo):
        return np.zeros((0, 2)), np.zeros((0, 2))
    idx = lo[:, None] + np.arange(int((hi - lo).max()))
    inside = idx < hi[:, None]
    idx = np.where(inside, idx, lo[:, None])
    w = inside.astype(float)
    n = w.sum(1)
    f = (frame[idx] - ref[:, None]).astype(float)
    f_mean = (f * w).sum(1) / n
    c = centre[idx]
    c_mean = (c * w[..., None]).sum(1) / n[:, None]
    df = (f - f_mean[:, None]) * w
    var = (df * df).sum(1)
    cov = (df[..., None] * (c - c_mean[:, None])).sum(1)
    b = np.where(var[:, None] > 0, cov / np.where(var > 0, var, 1.0)[:, None], 0.0)
    return c_mean - b * f_mean[:, None], b


def _end_lines(
    frame: NDArray[np.int64], centre: NDArray[np.float64], starts: NDArray[np.int64],
    ends: NDArray[np.int64], window: int, at_end: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # fmt: skip
    """:func:`_fit_lines` through the last (``at_end``) or first ``window`` rows of each track
    (rows ``starts[i]:ends[i]`` of a table sorted by track and frame), relative to the track's
    last (first) frame."""
    if at_end:
        return _fit_lines(frame, centre, np.maximum(starts, ends - window), ends, frame[ends - 1])
    return _fit_lines(frame, centre, starts, np.minimum(ends, starts + window), frame[starts])


def _carry_score(
    a_x: NDArray[np.float64], b_x: NDArray[np.float64], box_x: NDArray[np.float64],
    a_y: NDArray[np.float64], b_y: NDArray[np.float64], box_y: NDArray[np.float64],
    gap: NDArray[np.float64],
) -> NDArray[np.float64]:  # fmt: skip
    """``(K,)`` how well two pieces continue each other across ``gap`` frames: the mean of the
    IoU of ``x``'s line (value ``a_x`` at ``box_x``'s frame, slope ``b_x``) carried forward
    onto ``box_y`` (with ``box_x``'s size) and of ``y``'s line carried back onto ``box_x``
    (with ``box_y``'s size); boxes ``(K, 4)`` xywh in pixels."""
    g = gap[:, None]
    size_x, size_y = box_x[:, 2:], box_y[:, 2:]
    fwd = np.concatenate([a_x + b_x * g - size_x / 2, size_x], 1)
    bwd = np.concatenate([a_y - b_y * g - size_y / 2, size_y], 1)
    return 0.5 * (box_iou_pairs(xywh_to_xyxy(fwd), xywh_to_xyxy(box_y))
                  + box_iou_pairs(xywh_to_xyxy(bwd), xywh_to_xyxy(box_x)))  # fmt: skip


def _match(
    x: NDArray[np.int64], y: NDArray[np.int64], score: NDArray[np.float64], n: int
) -> dict[int, int]:
    """One-to-one matching of ends ``x`` to starts ``y`` (track indices < ``n``) with the
    highest total ``score`` (all > 0), one Hungarian problem per connected group of pairs (a
    dense matrix over all tracks would grow with their square). Returns ``{x: y}``."""
    graph = coo_matrix((np.ones(len(x)), (x, n + y)), shape=(2 * n, 2 * n))
    _, group = connected_components(graph, directed=False)
    out: dict[int, int] = {}
    pair_group = group[x]
    for g in np.unique(pair_group).tolist():
        sel = pair_group == g
        ux, xi = np.unique(x[sel], return_inverse=True)
        uy, yi = np.unique(y[sel], return_inverse=True)
        m = np.zeros((len(ux), len(uy)))
        m[xi, yi] = score[sel]
        r, c = linear_sum_assignment(-m)
        keep = m[r, c] > 0
        out.update(zip(ux[r[keep]].tolist(), uy[c[keep]].tolist(), strict=True))
    return out


def cut_tracks(
    tracks: Tracks, window: int = 5, min_iou: float = 0.05,
    keep: Collection[tuple[int, int]] | None = None,
) -> Tracks:  # fmt: skip
    """Split tracks where their own motion contradicts a link (a wrong link between two people).

    For every link between consecutive rows ``i``, ``i + 1`` of a track (any frame gap), a
    straight line is fitted to the centres of the track's last ``window`` rows up to ``i`` and
    carried to ``i + 1``'s frame (size of row ``i``), and one fitted to the first ``window``
    rows from ``i + 1`` on is carried back to ``i``'s frame (size of row ``i + 1``); the link
    is cut when the mean of the two predictions' IoUs with the boxes they reach is below
    ``min_iou`` (the score :func:`stitch_tracks` gives two tracks). Links with fewer than two
    rows on either side are kept. Cutting comes before :func:`stitch_tracks`, which may join the
    pieces to the right tracks (MOT17: docs/benchmarks.md section 6, "Cutting links that motion
    contradicts").

    Args:
        tracks: input tracks (one row per track and frame; boxes in pixels).
        window: rows on each side that give the motion (>= 2).
        min_iou: links scoring below this are cut, in [0, 1]; 0 returns ``tracks``.
        keep: pairs ``(i, j)`` of rows of ``tracks`` (positions, either order) whose link is
            never cut (e.g. a link an annotator set).

    Returns:
        The same rows (same order); every piece after a cut gets a new id (above the largest).
    """
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window}")
    if not 0.0 <= min_iou <= 1.0:
        raise ValueError(f"min_iou must be in [0, 1], got {min_iou}")
    if min_iou <= 0 or len(tracks) == 0:
        return tracks
    order, t, starts, ends = _by_track(tracks)
    start_of = np.repeat(starts, ends - starts)
    end_of = np.repeat(ends, ends - starts)
    i = np.flatnonzero(t.id[1:] == t.id[:-1])  # link between rows i and i + 1
    lo, hi, before, after = _sides(start_of[i], i, end_of[i], i + 1, window)
    two = before & after  # at least two rows on each side
    i, lo, hi = i[two], lo[two], hi[two]
    if not len(i):
        return tracks
    a_x, b_x, a_y, b_y = _side_lines(t.frame, _centres(t.xywh), i, i + 1, lo, hi)
    gap = (t.frame[i + 1] - t.frame[i]).astype(float)
    score = _carry_score(a_x, b_x, t.xywh[i], a_y, b_y, t.xywh[i + 1], gap)
    cut = i[score < min_iou]
    if keep and len(cut):
        cut = cut[~_either(order[cut], order[cut + 1], keep)]
    if not len(cut):
        return tracks
    piece = np.zeros(len(t), np.int64)
    piece[cut + 1] = 1
    piece = np.cumsum(piece)  # pieces counted over the whole sorted table
    base = int(tracks.id.max()) + 1
    new = np.where(piece > piece[start_of], base + piece - 1, t.id)
    out_id = tracks.id.copy()
    out_id[order] = new
    return tracks.replace(id=out_id)


def _overlapping(
    lo: NDArray[np.int64], hi: NDArray[np.int64], left: NDArray[np.float64],
    right: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:  # fmt: skip
    """Every unordered pair ``(a, b)``, ``a < b``, of the rectangles ``[lo, hi) x [left,
    right)`` (frames, each interval non-empty; pixels) that overlap, once each. Vectorised:
    each rectangle is laid out over its frames, and within a frame one searchsorted on the
    left edges finds the rectangles starting inside another (as :func:`stitch_tracks`'
    candidates), so the work grows with the (pair, shared frame) combinations that overlap,
    not with all pairs of a frame."""
    if not len(lo):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    span = hi - lo
    item = np.repeat(np.arange(len(lo)), span)
    frame = _ranges(lo, span) - lo.min()  # relative: keys keep their precision
    x0 = float(left.min())
    scale = float(right.max() - x0) + 1.0
    start = frame * scale + (left[item] - x0)  # frame-major, then x
    end = start + (right - left)[item]
    by = np.argsort(start, kind="stable")
    a, b = _spans(np.arange(len(by)) + 1, np.searchsorted(start[by], end[by], side="left"))
    p, q = item[by[a]], item[by[b]]
    n = len(lo)
    key = np.sort(np.minimum(p, q) * n + np.maximum(p, q))  # a pair meets in several frames
    key = key[np.r_[True, key[1:] != key[:-1]][: len(key)] & (key // n != key % n)]
    return key // n, key % n


def swap_tracks(
    tracks: Tracks, window: int = 10, margin: float = 0.3, end_frames: int = 0,
    min_cross: float = 0.1, rounds: int = 5, keep: Collection[tuple[int, int]] | None = None,
    forbid: Collection[tuple[int, int]] | None = None,
) -> Tracks:  # fmt: skip
    """Exchange the tails of two tracks where their own motion says the identities swapped.

    For two links, ``A``: rows ``i -> i + 1`` of one track and ``B``: rows ``j -> j + 1`` of
    another, whose frame intervals ``[frame_i, frame_i+1)`` overlap, straight lines are fitted
    to the centres of the ``window`` rows before and after each link (as :func:`cut_tracks`)
    and each "before" line is carried onto each "after" piece (the score :func:`stitch_tracks`
    gives two tracks). Where the crossed pairing scores better than the tracks' own by more
    than ``margin`` (the gain: the sum of the two crossed scores minus the sum of the two own
    ones, each score in [0, 1]), the two tracks exchange everything
    after the later of ``frame_i``, ``frame_j``. Only links with at least two rows on each
    side count, and only pairs whose crossed links are plausible (a box before one link and
    one after the other overlap with IoU > ``min_cross``). With ``end_frames`` > 0 the last
    row of a track also counts as a link to nothing over the next ``end_frames`` frames (and
    its first row as one from nothing over the previous ``end_frames``): a track that ends
    then takes another's tail where that tail continues it better than its own head does
    (the other track then ends there), and a track that starts takes another's head. Such a
    pair needs only the other track's link to begin within ``end_frames`` of the end (start):
    the link made may span a longer gap, up to the other link's own, and is scored by the
    same carried lines. Exchanges are made greedily by score gain, each track
    in at most one per round, for up to ``rounds`` rounds (until none is left). Comes before
    :func:`cut_tracks` in ``SpamConfig.relink`` (MOT17: docs/benchmarks.md section 6,
    "Exchanging the tails of swapped tracks").

    Args:
        tracks: input tracks (one row per track and frame; boxes in pixels).
        window: rows on each side of a link that give the motion (>= 2).
        margin: an exchange must gain more than this, in [0, 2]; 0 returns ``tracks``.
        end_frames: how far (frames) a track's end or start reaches as a link to nothing;
            0 = only links between two rows.
        min_cross: smallest IoU of the plausibility test, in [0, 1).
        rounds: most rounds of exchanges (>= 1).
        keep: pairs ``(i, j)`` of rows of ``tracks`` (positions, either order) whose link is
            never broken (e.g. a link an annotator set).
        forbid: pairs ``(a, b)`` of rows of ``tracks`` (``a`` the earlier) that must not
            become consecutive rows of one track (e.g. an annotator said they are not).

    Returns:
        The same rows (same order) with the ids after each exchange point exchanged.
    """
    if window < 2:
        raise ValueError(f"window must be >= 2, got {window}")
    if not 0.0 <= margin <= 2.0:
        raise ValueError(f"margin must be in [0, 2], got {margin}")
    if not 0.0 <= min_cross < 1.0:
        raise ValueError(f"min_cross must be in [0, 1), got {min_cross}")
    if rounds < 1 or end_frames < 0:
        raise ValueError(f"rounds must be >= 1 and end_frames >= 0, got {rounds}, {end_frames}")
    if margin <= 0 or len(tracks) == 0:
        return tracks
    out = tracks
    changed = None  # after the first round only pairs with a changed track can gain
    for _ in range(rounds):
        new_id = _swap_round(out, window, margin, end_frames, min_cross, keep, forbid, changed)
        if new_id is None:
            break
        moved = new_id != out.id  # a track that only gained a tail keeps its rows' ids
        changed = np.unique(np.r_[out.id[moved], new_id[moved]])
        out = out.replace(id=new_id)
    return out


def _swap_round(
    tracks: Tracks, window: int, margin: float, end_frames: int, min_cross: float,
    keep: Collection[tuple[int, int]] | None, forbid: Collection[tuple[int, int]] | None,
    changed: NDArray[np.int64] | None = None,
) -> NDArray[np.int64] | None:  # fmt: skip
    """One round of :func:`swap_tracks`: the new ids ``(len(tracks),)``, or ``None`` when no
    exchange gains more than ``margin``. With ``changed`` (track ids), only pairs of links
    with at least one of them in such a track are looked at."""
    order, t, starts, ends = _by_track(tracks)
    n_rows = ends - starts
    track_of = np.repeat(np.arange(len(starts)), n_rows)
    i = np.flatnonzero(t.id[1:] == t.id[:-1])  # link between sorted rows i and i + 1
    if keep:
        i = i[~_either(order[i], order[i + 1], keep)]
    long = (n_rows >= 2) & (end_frames > 0)  # ends and starts as links to nothing
    last, first = ends[long] - 1, starts[long]
    pre = np.concatenate([i, last, np.full(len(first), -1)])  # last row before the link (-1: none)
    post = np.concatenate([i + 1, np.full(len(last), -1), first])  # first row after it
    has_pre, has_post = pre >= 0, post >= 0
    pr, po = np.where(has_pre, pre, post), np.where(has_post, post, pre)  # valid rows
    lo, hi, before, after = _sides(starts[track_of[pr]], pr, ends[track_of[po]], po, window)
    ok = (~has_pre | before) & (~has_post | after)
    has_pre, has_post, pr, po, lo, hi = has_pre[ok], has_post[ok], pr[ok], po[ok], lo[ok], hi[ok]
    f0 = np.where(has_pre, t.frame[pr], t.frame[po] - end_frames)
    f1 = np.where(has_post, t.frame[po], t.frame[pr] + end_frames)
    # a crossed link needs a box before one link to overlap one after the other: the pair's
    # x ranges (both boxes of each link) overlap
    x, w = t.xywh[:, 0], t.xywh[:, 2]
    p, q = _overlapping(f0, f1, np.minimum(x[pr], x[po]), np.maximum(x[pr] + w[pr], x[po] + w[po]))
    real = has_pre & has_post
    sel = (real[p] | real[q]) & (track_of[pr[p]] != track_of[pr[q]])
    if changed is not None:
        sel &= np.isin(t.id[pr[p]], changed) | np.isin(t.id[pr[q]], changed)
    p, q = p[sel], q[sel]
    xyxy = xywh_to_xyxy(t.xywh)
    cross = np.maximum(
        np.where(has_pre[p] & has_post[q], box_iou_pairs(xyxy[pr[p]], xyxy[po[q]]), 0.0),
        np.where(has_pre[q] & has_post[p], box_iou_pairs(xyxy[pr[q]], xyxy[po[p]]), 0.0),
    )
    # exchange point: after the later "before" row, and every "after" row must follow it
    at = np.maximum(np.where(has_pre[p], t.frame[pr[p]], np.iinfo(np.int64).min),
                    np.where(has_pre[q], t.frame[pr[q]], np.iinfo(np.int64).min))  # fmt: skip
    after = np.minimum(np.where(has_post[p], t.frame[po[p]], np.iinfo(np.int64).max),
                       np.where(has_post[q], t.frame[po[q]], np.iinfo(np.int64).max))  # fmt: skip
    sel = (cross > min_cross) & (at < after)
    if forbid:
        for x, y in ((p, q), (q, p)):  # the new links: before x -> after y
            both = has_pre[x] & has_post[y]
            sel &= ~(both & _pair_mask(order[pr[x]], order[po[y]], forbid))
    p, q, at = p[sel], q[sel], at[sel]
    if not len(p):
        return None
    a_pre, b_pre, a_post, b_post = _side_lines(t.frame, _centres(t.xywh), pr, po, lo, hi)

    def carry(x: NDArray[np.int64], y: NDArray[np.int64]) -> NDArray[np.float64]:
        """Score of "before" of ``x`` continued by "after" of ``y`` (0 where one is none)."""
        gap = (t.frame[po[y]] - t.frame[pr[x]]).astype(float)
        score = _carry_score(a_pre[x], b_pre[x], t.xywh[pr[x]], a_post[y], b_post[y],
                             t.xywh[po[y]], gap)  # fmt: skip
        return np.where(has_pre[x] & has_post[y] & (gap > 0), score, 0.0)

    gain = carry(p, q) + carry(q, p) - carry(p, p) - carry(q, q)
    good = np.flatnonzero(gain > margin)
    if not len(good):
        return None
    new = t.id.copy()
    used: set[int] = set()
    for k in good[np.argsort(-gain[good], kind="stable")].tolist():
        ta, tb = int(track_of[pr[p[k]]]), int(track_of[pr[q[k]]])
        if ta in used or tb in used:
            continue
        used.update((ta, tb))
        # each track's rows are in frame order: its tail is a slice
        a0 = starts[ta] + np.searchsorted(t.frame[starts[ta] : ends[ta]], at[k], side="right")
        b0 = starts[tb] + np.searchsorted(t.frame[starts[tb] : ends[tb]], at[k], side="right")
        new[a0 : ends[ta]], new[b0 : ends[tb]] = t.id[starts[tb]], t.id[starts[ta]]
    out_id = tracks.id.copy()
    out_id[order] = new
    return out_id


def stitch_tracks(
    tracks: Tracks, max_gap: int, min_iou: float = 0.3, window: int = 10,
    forbid: Collection[tuple[int, int]] | None = None,
) -> Tracks:  # fmt: skip
    """Join a track that ends to one that starts a little later where each one's motion
    carries it onto the other (offline re-identification by position, as ByteTrack re-finds
    a lost track within its buffer).

    For every pair of tracks ``X``, ``Y`` with ``0 < start(Y) - end(X) <= max_gap`` frames,
    ``X``'s centre is carried forward to ``start(Y)`` along a straight line fitted to its last
    ``window`` boxes (size of its last box) and compared with ``Y``'s first box, and ``Y``'s
    carried backward to ``end(X)`` and compared with ``X``'s last box; the pair's score is
    the mean of the two IoUs. Pairs scoring at least ``min_iou`` are matched one to one
    (Hungarian, highest total score: each track gets at most one successor and one
    predecessor; solved per connected group of candidate pairs), and matched chains become one
    track with the id of their first track. The gap stays empty (:func:`interpolate_tracks`
    fills it). Measured on MOT17 in docs/benchmarks.md section 6 ("Stitching").

    Args:
        tracks: input tracks (one row per track and frame; boxes in pixels).
        max_gap: largest ``start(Y) - end(X)`` in frames; ``<= 0`` returns ``tracks``.
        min_iou: smallest score of a pair that may be joined, in (0, 1].
        window: boxes at each track end that give its velocity (>= 1; 1 = no motion).
        forbid: ``(X, Y)`` track-id pairs (``X`` the earlier) that must not be joined directly,
            e.g. tracklets an annotator said are not consecutive (a chain ``X -> W -> Y`` may
            still put them in one track).

    Returns:
        The same rows with the ids of joined tracks replaced (row order unchanged).
    """
    if not 0.0 < min_iou <= 1.0:
        raise ValueError(f"min_iou must be in (0, 1], got {min_iou}")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if max_gap <= 0 or len(tracks) == 0:
        return tracks
    # no gap is longer than the frames spanned (a huge max_gap would overflow int64)
    max_gap = int(min(max_gap, int(tracks.frame.max() - tracks.frame.min()) + 1))
    order, t, starts, ends = _by_track(tracks)
    frame, tid, xywh = t.frame, t.id, t.xywh
    ids, first, last = tid[starts], frame[starts], frame[ends - 1]
    centre = _centres(xywh)
    a_end, b_end = _end_lines(frame, centre, starts, ends, window, at_end=True)
    a_start, b_start = _end_lines(frame, centre, starts, ends, window, at_end=False)
    # candidate pairs: x ends, y starts within (last[x], last[x] + max_gap]
    by_start = np.argsort(first, kind="stable")
    lo = np.searchsorted(first[by_start], last, side="right")
    hi = np.searchsorted(first[by_start], last + max_gap, side="right")
    x, y = _spans(lo, hi)
    if not len(x):
        return tracks
    y = by_start[y]
    gap = (first[y] - last[x]).astype(float)
    score = _carry_score(a_end[x], b_end[x], xywh[ends[x] - 1], a_start[y], b_start[y],
                         xywh[starts[y]], gap)  # fmt: skip
    ok = score >= min_iou
    if forbid:
        ok &= ~_pair_mask(ids[x], ids[y], forbid)
    x, y, score = x[ok], y[ok], score[ok]
    if not len(x):
        return tracks
    successor = _match(x, y, score, len(ids))
    new = ids.copy()
    for i in by_start.tolist():  # chains in time order
        if i in successor:
            new[successor[i]] = new[i]
    out_id = tracks.id.copy()
    out_id[order] = np.repeat(new, ends - starts)
    return tracks.replace(id=out_id)


def interpolate_tracks(tracks: Tracks, max_gap: int = 0) -> Tracks:
    """Fill missing frames inside each track by linear interpolation of centre, width and height.

    Interpolated rows get ``data["provenance"] = INTERPOLATED``, score = the smaller of the two
    bracketing scores, and ``data["det_index"] = -1`` when that column exists.

    Args:
        tracks: input tracks (one row per track and frame).
        max_gap: only fill gaps of at most this many missing frames (0 = all).
    """
    if len(tracks) == 0:
        return tracks
    t = tracks[np.lexsort((tracks.frame, tracks.id))]
    same = t.id[1:] == t.id[:-1]
    gap = t.frame[1:] - t.frame[:-1] - 1
    fill = same & (gap > 0)
    if max_gap > 0:
        fill &= gap <= max_gap
    idx = np.flatnonzero(fill)
    if not len(idx):
        return tracks
    counts = gap[idx]
    left = np.repeat(idx, counts)
    step = _ranges(np.ones(len(counts), np.int64), counts)
    alpha = (step / np.repeat(counts + 1, counts))[:, None]
    c = _centres(t.xywh)
    wh = t.xywh[:, 2:]
    c_new = c[left] * (1 - alpha) + c[left + 1] * alpha
    wh_new = wh[left] * (1 - alpha) + wh[left + 1] * alpha
    data: dict[str, np.ndarray] = {}
    for key, value in t.data.items():
        if key == "provenance":
            data[key] = np.full(len(left), Provenance.INTERPOLATED, value.dtype)
        elif key == "det_index":
            data[key] = np.full(len(left), -1, value.dtype)
        else:
            data[key] = value[left]
    new = Tracks(
        frame=t.frame[left] + step, xywh=np.concatenate([c_new - wh_new / 2, wh_new], 1),
        id=t.id[left], score=np.minimum(t.score[left], t.score[left + 1]), data=data,
    )  # fmt: skip
    return Tracks.merge([t, new]).sorted()


def _window_sums(
    x: NDArray[np.float64], kernel: NDArray[np.float64], offset: NDArray[np.int64]
) -> NDArray[np.float64]:
    """``sum_j x[f + j] * kernel[j]`` for each ``f`` in ``offset`` (``x`` zero-padded by the
    kernel's radius on both sides)."""
    return np.correlate(x, kernel, "valid")[offset]


def smooth_tracks(tracks: Tracks, sigma: float, fixed: NDArray[np.bool_] | None = None) -> Tracks:
    """Smooth every track's boxes over time by a Gaussian-weighted local linear fit (offline).

    For each row, box centre, width and height are fitted with a straight line over the
    track's own rows within ``3 * sigma`` frames, weighted by ``exp(-d^2 / (2 sigma^2))`` of
    the frame distance ``d``, and the line's value at the row's frame replaces the box (a
    local-linear kernel smoother). Frames the track misses carry no weight. Unlike a moving
    average it leaves constant-velocity motion unchanged, also at track ends and next to gaps;
    where a row has only one box within reach, or the fit ends at a width or height <= 0, the
    box stays as it is. Detector boxes jitter from
    frame to frame around the person, and the fit is a better box (MOT17 YOLOX: +0.7 HOTA for
    SPAM, docs/benchmarks.md section 6).

    Args:
        tracks: input tracks (one row per track and frame; boxes in pixels).
        sigma: kernel standard deviation in frames; ``<= 0`` returns ``tracks`` itself
            (unchanged, in its own order).
        fixed: ``(len(tracks),)`` rows whose box is kept as it is (e.g. drawn or refined by
            an annotator); they still take part in their neighbours' fits.

    Returns:
        The same rows (sorted by frame, then id, as :func:`interpolate_tracks` returns them)
        with smoothed ``xywh``; every other column unchanged.
    """
    if not np.isfinite(sigma):
        raise ValueError(f"sigma must be a finite number of frames, got {sigma}")
    if sigma <= 0 or len(tracks) == 0:
        return tracks
    if fixed is not None and len(fixed) != len(tracks):
        raise ValueError(f"fixed has {len(fixed)} rows, tracks {len(tracks)}")
    order, t, starts, ends = _by_track(tracks)
    # no box lies further from another of its track than the longest track spans: a wider
    # kernel adds only zeros (a huge sigma would otherwise allocate a huge grid)
    span = int((t.frame[ends - 1] - t.frame[starts]).max())
    radius = max(1, min(int(np.ceil(3 * sigma)), span))
    d = np.arange(-radius, radius + 1, dtype=float)
    k0 = np.exp(-0.5 * (d / sigma) ** 2)
    k1, k2 = k0 * d, k0 * d * d
    value = xyxy_to_cxcywh(t.xyxy)
    out = value.copy()
    fitted = np.zeros(len(t), bool)  # rows with at least two boxes within reach
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s < 2:
            continue
        offset = t.frame[s:e] - t.frame[s]
        present = np.zeros(int(offset[-1]) + 1 + 2 * radius)
        present[offset + radius] = 1.0
        grid = np.zeros((len(present), 4))
        grid[offset + radius] = value[s:e]
        s0, s1, s2 = (_window_sums(present, k, offset) for k in (k0, k1, k2))
        det = s0 * s2 - s1 * s1
        line = det > 1e-9 * s0 * s0  # at least two boxes within reach
        for j in range(4):
            sy, sdy = _window_sums(grid[:, j], k0, offset), _window_sums(grid[:, j], k1, offset)
            fit = (s2 * sy - s1 * sdy) / np.where(line, det, 1.0)
            out[s:e, j] = np.where(line, fit, sy / s0)
        fitted[s:e] = line
    xywh = xyxy_to_xywh(cxcywh_to_xyxy(out))
    # the input box comes back bit for bit where nothing was fitted, where the row is fixed, and
    # where a line fitted to a box shrinking fast (e.g. leaving the image) ends below zero size
    revert = ~fitted | ~(xywh[:, 2:] > 0).all(axis=1)
    if fixed is not None:
        revert |= fixed[order]
    xywh[revert] = t.xywh[revert]
    return t.replace(xywh=xywh).sorted()
