"""Offline post-processing of finished tracks: cutting links that motion contradicts, stitching
across short gaps, gap interpolation and temporal box smoothing.

All work on any :class:`~spamlabels.core.Tracks` (one row per track and frame), whichever
tracker made them; :class:`~spamlabels.track.spam.SpamTracker` applies them as its last steps,
in this order (``SpamConfig.cut_iou``, ``SpamConfig.stitch_seconds``, ``SpamConfig.interpolate``,
``SpamConfig.smooth_seconds``).
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
    lo, hi = np.maximum(start_of[i], i + 1 - window), np.minimum(end_of[i], i + 1 + window)
    two = (i + 1 - lo >= 2) & (hi - i - 1 >= 2)  # at least two rows on each side
    i, lo, hi = i[two], lo[two], hi[two]
    if not len(i):
        return tracks
    centre = t.xywh[:, :2] + t.xywh[:, 2:] / 2
    a_x, b_x = _fit_lines(t.frame, centre, lo, i + 1, t.frame[i])
    a_y, b_y = _fit_lines(t.frame, centre, i + 1, hi, t.frame[i + 1])
    gap = (t.frame[i + 1] - t.frame[i]).astype(float)
    score = _carry_score(a_x, b_x, t.xywh[i], a_y, b_y, t.xywh[i + 1], gap)
    cut = i[score < min_iou]
    if keep and len(cut):
        p, q = order[cut], order[cut + 1]
        cut = cut[~(_pair_mask(p, q, keep) | _pair_mask(q, p, keep))]
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
    order, t, starts, ends = _by_track(tracks)
    frame, tid, xywh = t.frame, t.id, t.xywh
    ids, first, last = tid[starts], frame[starts], frame[ends - 1]
    centre = xywh[:, :2] + xywh[:, 2:] / 2
    a_end, b_end = _end_lines(frame, centre, starts, ends, window, at_end=True)
    a_start, b_start = _end_lines(frame, centre, starts, ends, window, at_end=False)
    # candidate pairs: x ends, y starts within (last[x], last[x] + max_gap]
    by_start = np.argsort(first, kind="stable")
    lo = np.searchsorted(first[by_start], last, side="right")
    hi = np.searchsorted(first[by_start], last + max_gap, side="right")
    x = np.repeat(np.arange(len(ids)), hi - lo)
    if not len(x):
        return tracks
    y = by_start[np.concatenate([np.arange(s, e) for s, e in zip(lo, hi, strict=True)])]
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
    step = np.concatenate([np.arange(1, c + 1) for c in counts])
    alpha = (step / np.repeat(counts + 1, counts))[:, None]
    c = t.xywh[:, :2] + t.xywh[:, 2:] / 2
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
    radius = int(np.ceil(3 * sigma))
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
