from __future__ import annotations

import numpy as np
import pytest
from factories import make_tracks

from spamlabels.core import Tracks
from spamlabels.track import interpolate_tracks, smooth_tracks
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
