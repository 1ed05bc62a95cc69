from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from factories import make_tracks

from spamlabels.core import Tracks
from spamlabels.track import (
    cut_tracks,
    interpolate_tracks,
    smooth_tracks,
    stitch_tracks,
    swap_tracks,
)
from spamlabels.track.spam import SpamConfig


def _track(frames, xs, track_id=1, w=10.0, h=20.0):
    return make_tracks([(f, track_id, x, 0.0, w, h) for f, x in zip(frames, xs, strict=True)])


def test_smoothing_keeps_linear_motion_and_removes_jitter():
    frames = np.arange(1, 41)
    truth = 3.0 * frames  # left edge moves 3 px per frame
    jitter = np.where(frames % 2 == 0, 2.0, -2.0)
    out = smooth_tracks(_track(frames, truth + jitter), sigma=2.0).track(1)
    inner = slice(6, -6)  # farther than 3 sigma from either end
    err_before = np.abs(jitter[inner]).mean()
    err_after = np.abs(out.xywh[inner, 0] - truth[inner]).mean()
    assert err_after < 0.1 * err_before
    # the ends keep the motion (a moving average would pull them inwards)
    clean = smooth_tracks(_track(frames, truth), sigma=2.0).track(1)
    np.testing.assert_allclose(clean.xywh[:, 0], truth, atol=1e-6)
    np.testing.assert_allclose(out.xywh[:, 2:], [[10.0, 20.0]] * 40)  # constant size stays
    np.testing.assert_array_equal(out.frame, frames)


def test_smoothing_with_a_kernel_wider_than_every_track():
    rng = np.random.default_rng(0)
    short = _track(np.arange(1, 12), rng.normal(0, 3, 11) + 2.0 * np.arange(11))
    long_ = _track(np.arange(1, 102), rng.normal(0, 3, 101), track_id=2)
    both = Tracks.merge([short, long_])
    # sigma 5: 3 sigma = 15 frames, more than the short track spans (10): alone, its kernel
    # is cut to 10 frames; next to a long track it is not; the result is the same (to the
    # rounding of sums over a shorter grid)
    alone = smooth_tracks(short, sigma=5.0).track(1)
    with_long = smooth_tracks(both, sigma=5.0).track(1)
    np.testing.assert_allclose(alone.xywh, with_long.xywh, rtol=1e-12, atol=1e-12)
    assert np.abs(alone.xywh - short.xywh).max() > 0.1  # it did smooth
    # a huge sigma costs no more than the longest track: the straight-line fit of each track
    huge = smooth_tracks(both, sigma=1e12)
    assert np.isfinite(huge.xywh).all() and len(huge) == len(both)


def test_smoothing_never_mixes_tracks_and_skips_missing_frames():
    a = _track([1, 2, 3, 4], [0.0, 0.0, 0.0, 0.0], track_id=1)
    b = _track([1, 2, 3, 4], [100.0, 100.0, 100.0, 100.0], track_id=2)
    out = smooth_tracks(Tracks.merge([a, b]), sigma=3.0)
    np.testing.assert_allclose(out.track(1).xywh[:, 0], 0.0)
    np.testing.assert_allclose(out.track(2).xywh[:, 0], 100.0)
    # a gap carries no weight: the frames around it are fitted from real boxes only
    gap = smooth_tracks(_track([1, 2, 10, 11], [0.0, 0.0, 90.0, 90.0]), sigma=1.0).track(1)
    np.testing.assert_allclose(gap.xywh[:, 0], [0.0, 0.0, 90.0, 90.0], atol=1e-6)
    # a box with no other box within reach stays as it is
    lone = smooth_tracks(_track([1, 30], [0.0, 50.0]), sigma=1.0).track(1)
    np.testing.assert_allclose(lone.xywh[:, 0], [0.0, 50.0])
    # the line through a fast-shrinking box ends below zero width: that box stays as it is
    shrink = make_tracks([(f, 1, 0.0, 0.0, w, 20.0) for f, w in enumerate([80, 10, 8, 6, 5], 1)])
    out = smooth_tracks(shrink, sigma=2.0).track(1)
    assert (out.xywh[:, 2:] > 0).all() and out.xywh[-1, 2] == 5.0 and out.xywh[0, 2] < 80


def test_smoothing_keeps_fixed_rows_and_other_columns():
    t = _track([1, 2, 3, 4, 5], [0.0, 10.0, 0.0, 10.0, 0.0])
    t = t.replace(data={"det_index": np.arange(5)})
    fixed = np.array([False, True, False, False, False])
    out = smooth_tracks(t, sigma=1.0, fixed=fixed)
    assert out.xywh[1, 0] == 10.0  # kept as drawn
    assert 0.0 < out.xywh[2, 0] < 10.0  # its neighbours are fitted (with it)
    np.testing.assert_array_equal(out.data["det_index"], np.arange(5))
    np.testing.assert_array_equal(out.score, t.score)
    assert smooth_tracks(t, sigma=0.0) is t
    with pytest.raises(ValueError, match="fixed has 2 rows"):
        smooth_tracks(t, 1.0, fixed=np.ones(2, bool))


def test_smoothing_after_interpolation_and_config_check():
    t = _track([1, 5], [0.0, 40.0])
    out = smooth_tracks(interpolate_tracks(t), sigma=2.0).track(1)
    np.testing.assert_allclose(out.xywh[:, 0], [0, 10, 20, 30, 40], atol=1e-9)  # linear stays
    with pytest.raises(ValueError, match="smooth_seconds"):
        SpamConfig(smooth_seconds=-0.1)


def _brute_force(frames, values, at, sigma):
    """Weighted least-squares line through (frames, values) evaluated at ``at``."""
    d = frames - at
    w = np.exp(-0.5 * (d / sigma) ** 2) * (np.abs(d) <= np.ceil(3 * sigma))
    a = np.stack([np.ones_like(d), d], 1) * np.sqrt(w)[:, None]
    coef = np.linalg.lstsq(a, values * np.sqrt(w), rcond=None)[0]
    return coef[0]


def test_smoothing_matches_weighted_least_squares_on_unsorted_tracks():
    rng = np.random.default_rng(0)
    rows = []
    for tid in (7, 3):
        frames = np.sort(rng.choice(np.arange(1, 60), 35, replace=False))
        rows += [(f, tid, *rng.uniform(10, 100, 2), *rng.uniform(20, 60, 2)) for f in frames]
    t = make_tracks(rows)
    perm = rng.permutation(len(t))
    t = t[perm]  # unsorted input, two tracks interleaved
    fixed = np.zeros(len(t), bool)
    fixed[[3, 40]] = True
    out = smooth_tracks(t, sigma=2.5, fixed=fixed)
    for tid in (7, 3):
        src, got = t.track(tid), out.track(tid)
        c = src.xywh[:, :2] + src.xywh[:, 2:] / 2
        for i, f in enumerate(src.frame):
            want = [_brute_force(src.frame.astype(float), c[:, 0], f, 2.5),
                    _brute_force(src.frame.astype(float), src.xywh[:, 2], f, 2.5)]  # fmt: skip
            got_c = got.xywh[i, 0] + got.xywh[i, 2] / 2
            is_fixed = fixed[np.flatnonzero((t.id == tid) & (t.frame == f))[0]]
            if is_fixed:  # kept bit for bit
                np.testing.assert_array_equal(got.xywh[i], src.xywh[i])
            else:
                np.testing.assert_allclose([got_c, got.xywh[i, 2]], want, rtol=1e-9)
    with pytest.raises(ValueError, match="finite"):
        smooth_tracks(t, float("nan"))
    with pytest.raises(ValueError, match="two rows in one frame"):
        smooth_tracks(Tracks.merge([t, t[:1]]), 1.0)


def _walker(frames, track_id, x0=0.0, speed=3.0, w=10.0, h=20.0):
    """A box moving right at ``speed`` px per frame, seen in ``frames``."""
    return _track(frames, [x0 + speed * f for f in frames], track_id, w, h)


def test_stitching_joins_a_track_its_motion_carries_onto_the_next():
    # one walker, seen in frames 1-10 (id 1) and 16-25 (id 2); another far away (id 3)
    a, b = _walker(range(1, 11), 1), _walker(range(16, 26), 2)
    other = _walker(range(12, 30), 3, x0=500.0, speed=-3.0)
    tracks = Tracks.merge([a, b, other])
    out = stitch_tracks(tracks, max_gap=10)
    np.testing.assert_array_equal(out.id, [1] * 20 + [3] * 18)  # row order kept
    np.testing.assert_array_equal(out.frame, tracks.frame)
    np.testing.assert_array_equal(out.xywh, tracks.xywh)
    # the gap is one track's now: interpolation fills it on the walker's line
    filled = interpolate_tracks(out).track(1)
    np.testing.assert_allclose(filled.xywh[:, 0], 3.0 * np.arange(1, 26))
    # gap longer than max_gap (6 frames > 5), or the motion points elsewhere: not joined
    assert set(stitch_tracks(tracks, max_gap=5).id) == {1, 2, 3}
    fast = Tracks.merge([a, _walker(range(16, 26), 2, x0=-60.0, speed=3.0)])  # 60 px behind
    assert set(stitch_tracks(fast, max_gap=10).id) == {1, 2}
    # a track standing still is not carried: window=1 compares the last box with the first
    assert set(stitch_tracks(tracks, max_gap=10, window=1).id) == {1, 2, 3}
    assert stitch_tracks(tracks, max_gap=0) is tracks


def test_stitching_is_one_to_one_chains_and_respects_forbidden_pairs():
    # two candidates start after track 1 ends: the one on its line wins
    a = _walker(range(1, 11), 1)
    on_line = _walker(range(13, 20), 2)
    beside = _walker(range(13, 20), 3, x0=3.0)  # 3 px off the line: IoU 0.54
    out = stitch_tracks(Tracks.merge([a, on_line, beside]), max_gap=5)
    assert sorted(np.unique(out.id[out.frame >= 13]).tolist()) == [1, 3]
    # chains: 1 -> 2 -> 4 become one track with the first id
    c = _walker(range(23, 30), 4)
    out = stitch_tracks(Tracks.merge([a, on_line, c]), max_gap=5)
    np.testing.assert_array_equal(np.unique(out.id), [1])
    # an annotator's "not consecutive" blocks the join; the next-best candidate may take it
    out = stitch_tracks(Tracks.merge([a, on_line, beside]), max_gap=5, forbid=[(1, 2)])
    assert sorted(np.unique(out.id[out.frame >= 13]).tolist()) == [1, 2]
    assert 1 in out.id[(out.frame >= 13) & (out.xywh[:, 0] > 3.0 * out.frame)]


def test_stitching_checks_its_arguments_and_the_config():
    t = _walker(range(1, 5), 1)
    with pytest.raises(ValueError, match="min_iou"):
        stitch_tracks(t, 5, min_iou=0.0)
    with pytest.raises(ValueError, match="window"):
        stitch_tracks(t, 5, window=0)
    with pytest.raises(ValueError, match="two rows in one frame"):
        stitch_tracks(Tracks.merge([t, t]), 5)
    # nothing to join: empty input, single boxes far apart, every pair below the threshold
    empty = t[np.zeros(len(t), bool)]
    assert len(stitch_tracks(empty, 5)) == 0
    lone = Tracks.merge([_walker([1], 1), _walker([3], 2, x0=400.0)])
    np.testing.assert_array_equal(stitch_tracks(lone, 5).id, [1, 2])
    apart = Tracks.merge([t, _walker(range(7, 10), 2, x0=40.0)])  # 40 px off: IoU 0
    np.testing.assert_array_equal(stitch_tracks(apart, 5).id, apart.id)
    for bad in ({"stitch_seconds": -1.0}, {"stitch_iou": 1.5}, {"stitch_window": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SpamConfig(**bad)


def test_stitching_single_boxes_same_starts_and_unsorted_rows():
    # single-box tracks have no velocity: they join where they stand still
    still = Tracks.merge([_walker([1], 1, speed=0.0), _walker([3], 2, speed=0.0)])
    np.testing.assert_array_equal(stitch_tracks(still, 5).id, [1, 1])
    # two tracks start in the same frame after one ends: only the one on its line joins it
    a = _walker(range(1, 11), 7)
    b = _walker(range(13, 20), 9)
    c = _walker(range(13, 20), 8, x0=200.0)
    t = Tracks.merge([a, b, c])
    # rows shuffled, and a chain whose ids do not follow time (7 -> 9 -> 5): ids keep the row order
    d = _walker(range(22, 26), 5)
    t = Tracks.merge([t, d])
    perm = np.random.default_rng(0).permutation(len(t))
    shuffled = t[perm]
    out = stitch_tracks(shuffled, max_gap=5)
    np.testing.assert_array_equal(out.frame, shuffled.frame)
    want = np.where(np.isin(shuffled.id, [7, 9, 5]), 7, shuffled.id)
    np.testing.assert_array_equal(out.id, want)


def test_stitching_never_puts_two_rows_of_a_track_in_one_frame():
    rng = np.random.default_rng(1)
    joins = 0
    for _ in range(50):
        pieces = []
        for tid in range(1, 13):  # 12 random track pieces, some of them overlapping in time
            start = int(rng.integers(1, 60))
            frames = range(start, start + int(rng.integers(1, 15)))
            x0, speed = float(rng.uniform(0, 60)), float(rng.uniform(-2, 2))
            pieces.append(_walker(frames, tid, x0=x0, speed=speed))
        t = Tracks.merge(pieces)
        out = stitch_tracks(t, max_gap=int(rng.integers(1, 20)), min_iou=0.1)
        keys = out.id * 1000 + out.frame
        assert len(np.unique(keys)) == len(out)
        joins += len(np.unique(t.id)) - len(np.unique(out.id))
        # every track is a chain of whole input tracks, joined in time order
        for new_id in np.unique(out.id):
            members = np.unique(t.id[out.id == new_id])
            spans = sorted((t.frame[t.id == m].min(), t.frame[t.id == m].max()) for m in members)
            assert all(p[1] < q[0] for p, q in pairwise(spans))
    assert joins > 20  # the draws do join tracks


def test_cutting_splits_a_link_the_motion_contradicts_and_stitching_mends_it():
    # two walkers, one moving right at y 0, one moving left at y 100; the hierarchy swapped them
    # at frame 11 (a wrong link in each track), then the right walker is lost for 5 frames
    def right(frames, tid):
        return _walker(frames, tid)

    def left(frames, tid):
        w = _walker(frames, tid, x0=300.0, speed=-3.0)
        return w.replace(xywh=w.xywh + np.array([0.0, 100.0, 0.0, 0.0]))

    swapped = Tracks.merge(
        [
            right(range(1, 11), 1),
            left(range(11, 21), 1),
            left(range(1, 11), 2),
            right(range(16, 26), 2),
        ]
    )
    out = cut_tracks(swapped, window=5, min_iou=0.05)
    np.testing.assert_array_equal(out.frame, swapped.frame)  # same rows, same order
    np.testing.assert_array_equal(out.xywh, swapped.xywh)
    assert len(np.unique(out.id)) == 4
    assert set(np.unique(out.id)) - {1, 2} == {3, 4}  # new pieces above the largest id
    for tid in np.unique(out.id):  # every piece is one walker
        assert len(np.unique(out.xywh[out.id == tid, 1])) == 1
    # stitching then joins each walker's pieces (here across the right walker's gap)
    joined = stitch_tracks(out, max_gap=10)
    for y in (0.0, 100.0):
        assert len(np.unique(joined.id[joined.xywh[:, 1] == y])) == 1
    # a clean track, also across a gap its motion bridges, is never cut
    clean = Tracks.merge([right(np.r_[1:11, 16:26], 1), left(range(1, 21), 2)])
    np.testing.assert_array_equal(cut_tracks(clean).id, clean.id)
    # a link with fewer than two rows on a side is kept (one box of the other walker first)
    short = Tracks.merge([right(range(1, 2), 1), left(range(2, 8), 1)])
    np.testing.assert_array_equal(cut_tracks(short).id, short.id)
    # links given in keep (row positions, either order) stay: here rows 9-10 and 29-30
    np.testing.assert_array_equal(cut_tracks(swapped, keep=[(9, 10), (30, 29)]).id, swapped.id)
    one = cut_tracks(swapped, keep={(9, 10)})
    assert len(np.unique(one.id)) == 3 and one.id[9] == one.id[10] != one.id[30]
    assert cut_tracks(swapped, min_iou=0.0) is swapped


def test_cutting_checks_its_arguments_and_the_config():
    t = _walker(range(1, 9), 1)
    with pytest.raises(ValueError, match="window"):
        cut_tracks(t, window=1)
    with pytest.raises(ValueError, match="min_iou"):
        cut_tracks(t, min_iou=1.5)
    with pytest.raises(ValueError, match="two rows in one frame"):
        cut_tracks(Tracks.merge([t, t]))
    with pytest.raises(ValueError, match="two rows in one frame"):  # also for tiny inputs
        cut_tracks(Tracks.merge([t[:1], t[:1]]))
    assert len(cut_tracks(t[np.zeros(len(t), bool)])) == 0
    for bad in ({"cut_iou": -0.1}, {"cut_iou": 1.5}, {"cut_window": 1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            SpamConfig(**bad)


def _cut_brute_force(t, window, min_iou):
    """Loop over every link of every track (the definition of cut_tracks, written plainly)."""
    cuts = set()
    for tid in np.unique(t.id):
        rows = np.flatnonzero(t.id == tid)
        rows = rows[np.argsort(t.frame[rows])]
        f = (t.frame[rows] - t.frame[rows[0]]).astype(float)  # polyfit on small numbers
        c = t.xywh[rows, :2] + t.xywh[rows, 2:] / 2
        for i in range(len(rows) - 1):
            back, ahead = (
                range(max(0, i - window + 1), i + 1),
                range(i + 1, min(len(rows), i + 1 + window)),
            )
            if len(back) < 2 or len(ahead) < 2:
                continue
            ious = []
            for src, dst, size in ((back, i + 1, i), (ahead, i, i + 1)):
                slope, icpt = np.polyfit(f[list(src)], c[list(src)], 1)
                centre = slope * f[dst] + icpt
                wh = t.xywh[rows[size], 2:]
                a = np.r_[centre - wh / 2, centre + wh / 2]
                b = np.r_[t.xywh[rows[dst], :2], t.xywh[rows[dst], :2] + t.xywh[rows[dst], 2:]]
                inter = np.prod(
                    np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None)
                )
                ious.append(inter / (np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter))
            if np.mean(ious) < min_iou:
                cuts.add(int(rows[i + 1]))
    return cuts


def test_cutting_matches_a_plain_loop_on_random_tracks():
    rng = np.random.default_rng(3)
    total = 0
    for draw in range(30):
        pieces = []
        offset = 1_000_000 if draw % 3 == 0 else 0  # large frame numbers lose no precision
        for tid in range(1, 7):
            frames = np.sort(
                rng.choice(np.arange(1, 60), size=int(rng.integers(1, 25)), replace=False)
            )
            xs = rng.uniform(0, 40) + rng.uniform(-3, 3) * frames + rng.normal(0, 4, len(frames))
            jump = rng.random(len(frames)) < 0.1  # some rows of another person
            xs = np.where(jump, xs + 60.0, xs)
            sizes = rng.uniform(5, 30, size=(len(frames), 2))  # boxes of varying size
            pieces.append(make_tracks([(f + offset, tid, x, 0.0, w, h) for f, x, (w, h)
                                       in zip(frames, xs, sizes, strict=True)]))  # fmt: skip
        t = Tracks.merge(pieces)
        t = t[rng.permutation(len(t))]
        window, min_iou = int(rng.integers(2, 7)), float(rng.uniform(0.05, 0.5))
        want = _cut_brute_force(t, window, min_iou)
        if draw % 2:  # keep some of the links the loop cuts (given as row positions)
            kept = {r for r in want if rng.random() < 0.5}
            prev = {}
            for tid in np.unique(t.id):
                rows = np.flatnonzero(t.id == tid)
                rows = rows[np.argsort(t.frame[rows])]
                prev.update(zip(rows[1:].tolist(), rows[:-1].tolist(), strict=True))
            out = cut_tracks(t, window, min_iou, keep=[(prev[r], r) for r in kept])
            want -= kept
        else:
            out = cut_tracks(t, window, min_iou)
        total += len(want)
        # a row starts a new piece exactly where the loop cuts
        got = set()
        for tid in np.unique(t.id):
            rows = np.flatnonzero(t.id == tid)
            rows = rows[np.argsort(t.frame[rows])]
            got |= {int(r) for p, r in pairwise(rows) if out.id[p] != out.id[r]}
            assert len(np.unique(out.id[rows])) == len([r for r in rows if int(r) in want]) + 1
        assert got == want
        keys = out.id * 1000 + out.frame
        assert len(np.unique(keys)) == len(out)
    assert total > 30  # the draws do cut


def _crossing(swap_at=None, frames=range(1, 21)):
    """Walker R (y 0) moving right and walker L (y 10) moving left meet at frame 10 (boxes
    overlap); with ``swap_at``, tracks 1 and 2 exchange walkers after that frame."""

    def walker(fs, tid, y, x0, speed):
        w = _walker(fs, tid, x0=x0, speed=speed)
        return w.replace(xywh=w.xywh + np.array([0.0, y, 0.0, 0.0]))

    fs = list(frames)
    if swap_at is None:
        return Tracks.merge([walker(fs, 1, 0.0, 0.0, 4.0), walker(fs, 2, 10.0, 80.0, -4.0)])
    pre, post = [f for f in fs if f <= swap_at], [f for f in fs if f > swap_at]
    return Tracks.merge(
        [
            walker(pre, 1, 0.0, 0.0, 4.0),
            walker(post, 1, 10.0, 80.0, -4.0),
            walker(pre, 2, 10.0, 80.0, -4.0),
            walker(post, 2, 0.0, 0.0, 4.0),
        ]
    )


def test_swapping_exchanges_the_tails_of_two_tracks_that_crossed():
    swapped = _crossing(swap_at=10)
    out = swap_tracks(swapped, window=5, margin=0.3)
    np.testing.assert_array_equal(out.frame, swapped.frame)  # same rows, same order
    np.testing.assert_array_equal(out.xywh, swapped.xywh)
    assert set(np.unique(out.id)) == {1, 2}
    for tid in (1, 2):  # each track is one walker again, and keeps its head
        assert len(np.unique(out.xywh[out.id == tid, 1])) == 1
    assert (out.xywh[out.id == 1, 1] == 0.0).all()
    # the right pairing is left alone, as is anything with a margin above the gain
    clean = _crossing()
    np.testing.assert_array_equal(swap_tracks(clean, window=5).id, clean.id)
    np.testing.assert_array_equal(swap_tracks(swapped, window=5, margin=2.0).id, swapped.id)
    assert swap_tracks(swapped, margin=0.0) is swapped
    # a link in keep (row positions, either order) is never broken: rows 9-10 of track 1
    np.testing.assert_array_equal(swap_tracks(swapped, window=5, keep={(10, 9)}).id, swapped.id)
    # nor is a forbidden pair made consecutive: track 1's row 9 -> track 2's row 30
    np.testing.assert_array_equal(swap_tracks(swapped, window=5, forbid={(9, 30)}).id, swapped.id)


def test_swapping_lets_a_track_that_ends_take_the_tail_it_continues():
    # track 1 is walker R up to frame 10 and ends; track 2 is walker L up to frame 10, then
    # (a wrong link) walker R: with ends as links to nothing, track 1 takes R's tail
    r = _crossing()
    right, left = r[r.id == 1], r[r.id == 2]
    wrong = Tracks.merge(
        [
            right[right.frame <= 10],
            left[left.frame <= 10],
            right[right.frame > 10].replace(id=np.full(10, 2)),
        ]
    )
    np.testing.assert_array_equal(swap_tracks(wrong, window=5).id, wrong.id)  # no ends: nothing
    out = swap_tracks(wrong, window=5, end_frames=5)
    for tid, y in ((1, 0.0), (2, 10.0)):
        assert (out.xywh[out.id == tid, 1] == y).all()
    assert (out.id == 1).sum() == 20 and (out.id == 2).sum() == 10
    # a track end whose reach (5 frames) ends before the other track's link begins (frame 10)
    # takes nothing
    far = wrong[(wrong.id != 1) | (wrong.frame <= 2)]
    np.testing.assert_array_equal(swap_tracks(far, window=2, end_frames=5).id, far.id)


def test_swapping_checks_its_arguments_and_the_config():
    t = _crossing(swap_at=10)
    for kwargs, word in (({"window": 1}, "window"), ({"margin": 2.5}, "margin"),
                         ({"min_cross": 1.0}, "min_cross"), ({"rounds": 0}, "rounds"),
                         ({"end_frames": -1}, "end_frames")):  # fmt: skip
        with pytest.raises(ValueError, match=word):
            swap_tracks(t, **kwargs)
    with pytest.raises(ValueError, match="two rows in one frame"):
        swap_tracks(Tracks.merge([t, t]))
    assert len(swap_tracks(t[np.zeros(len(t), bool)])) == 0
    for bad in ({"swap_margin": -0.1}, {"swap_margin": 2.5}, {"swap_window": 1},
                {"swap_end_seconds": -1.0}):  # fmt: skip
        with pytest.raises(ValueError, match=next(iter(bad))):
            SpamConfig(**bad)
    # relink with everything but the swap off: the swap alone repairs the crossing
    cfg = SpamConfig(cut_iou=0.0, stitch_seconds=0.0, swap_window=5)
    out = cfg.relink(t, frame_rate=30.0)
    assert all(len(np.unique(out.xywh[out.id == k, 1])) == 1 for k in (1, 2))
    off = SpamConfig(cut_iou=0.0, stitch_seconds=0.0, swap_margin=0.0)
    assert off.relink(t, frame_rate=30.0) is t


def test_overlapping_rectangles_match_a_plain_loop():
    from spamlabels.track.postprocess import _overlapping

    rng = np.random.default_rng(0)
    for n in (0, 1, 2, 7, 60):
        lo = rng.integers(1, 30, n)
        hi = lo + rng.integers(1, 6, n)
        left = rng.uniform(0.0, 200.0, n).round(0)  # ties in both frame and x
        right = left + rng.uniform(1.0, 40.0, n).round(0)

        in_time = (lo[:, None] < hi[None, :]) & (lo[None, :] < hi[:, None])
        in_x = (left[:, None] < right[None, :]) & (left[None, :] < right[:, None])
        want = {(a, b) for a in range(n) for b in range(a + 1, n) if in_time[a, b] and in_x[a, b]}
        p, q = _overlapping(lo, hi, left, right)
        assert list(zip(p.tolist(), q.tolist(), strict=True)) == sorted(want)


def test_swapping_random_tracks_keeps_rows_and_one_row_per_frame():
    rng = np.random.default_rng(1)
    # ten walkers on crossing straight lines, seen with gaps; tails swapped at random
    parts = []
    for k in range(10):
        frames = np.sort(rng.choice(np.arange(1, 61), 45, replace=False))
        w = _walker(frames, k + 1, x0=rng.uniform(0, 300), speed=rng.uniform(-4, 4))
        parts.append(w.replace(xywh=w.xywh + np.array([0.0, rng.uniform(0, 30), 0.0, 0.0])))
    t = Tracks.merge(parts)
    mixed = t.id.copy()
    for _ in range(8):
        a, b = rng.choice(np.arange(1, 11), 2, replace=False)
        f = rng.integers(10, 50)
        ra, rb = (mixed == a) & (t.frame > f), (mixed == b) & (t.frame > f)
        mixed[ra], mixed[rb] = b, a
    swapped = t.replace(id=mixed)
    out = swap_tracks(swapped, window=5, margin=0.3, end_frames=10)
    np.testing.assert_array_equal(out.frame, swapped.frame)
    np.testing.assert_array_equal(out.xywh, swapped.xywh)
    assert set(np.unique(out.id)) <= set(np.unique(swapped.id))
    key = out.id * 1000 + out.frame
    assert len(np.unique(key)) == len(out)  # no track has two rows in one frame

    # fewer tracks mix walkers than before (each walker is at one height, at one speed)
    def mixed_tracks(tr):
        return sum(len(np.unique(t.id[tr.id == k])) > 1 for k in np.unique(tr.id))

    assert mixed_tracks(out) < mixed_tracks(swapped)


def test_stitch_with_an_unbounded_gap():
    from spamlabels.track import stitch_tracks

    t = make_tracks([(1, 1, 0, 0, 10, 10), (2, 1, 1, 0, 10, 10), (5, 2, 4, 0, 10, 10)])
    assert stitch_tracks(t, float("inf")).id.tolist() == stitch_tracks(t, 10**9).id.tolist()
