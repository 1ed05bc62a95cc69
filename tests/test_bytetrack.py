"""ByteTrack, its Kalman filter, the LAPJV emulation, the tracker registry and ``spam track``."""

from __future__ import annotations

import argparse
import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from spamlabels.core import DataFormatError, Detections, Tracks
from spamlabels.io import SeqInfo, read_tracks, write_mot, write_seqinfo
from spamlabels.track import (
    ByteTrack,
    ByteTrackConfig,
    KalmanFilterXYAH,
    Tracker,
    available_trackers,
    create_tracker,
    linear_assignment,
)
from spamlabels.track import base as track_base

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
W, H = 40.0, 100.0  # a pedestrian-shaped box (area 4000, w/h 0.4)


def _dets(rows: list[tuple[int, float, float, float]], w: float = W, h: float = H) -> Detections:
    """Detections from ``(frame, left, top, score)`` rows of ``w x h`` boxes."""
    if not rows:
        return Detections.empty()
    m = np.asarray(rows, dtype=float)
    xywh = np.column_stack([m[:, 1], m[:, 2], np.full(len(m), w), np.full(len(m), h)])
    return Detections(frame=m[:, 0].astype(int), xywh=xywh, score=m[:, 3])


def _ids_by_frame(tracks: Tracks) -> dict[int, list[int]]:
    return {f: sorted(t.id.tolist()) for f, t in tracks.iter_frames()}


# --------------------------------------------------------------------------- hand-made sequences
def test_two_people_crossing_keep_their_ids():
    # A walks right, B walks left, 30 px lower; their boxes overlap (IoU up to ~0.54) mid-way.
    rows = []
    for f in range(1, 25):
        rows.append((f, 10.0 + 12 * f, 100.0, 0.9))
        rows.append((f, 300.0 - 12 * f, 130.0, 0.85))
    tracks = ByteTrack().track(_dets(rows), seq_length=24)
    assert tracks.track_ids().tolist() == [1, 2]
    assert len(tracks) == 48  # both people output in every frame (activated on frame 1)
    for tid in (1, 2):
        t = tracks.track(tid)
        assert len(t) == 24
        dx = np.diff(t.xywh[:, 0])
        assert (dx > 0).all() or (dx < 0).all(), f"track {tid} switched people: {dx}"
        tops = np.unique(np.round(t.xywh[:, 1]))
        assert len(tops) == 1  # stays at its own height (Kalman box: y never jumps)


def test_low_score_detections_carry_a_track_through_a_dip():
    # Scores dip below track_thresh (0.6) for frames 6-8 (e.g. partial occlusion).
    rows = [(f, 100.0 + 2 * f, 50.0, 0.3 if 6 <= f <= 8 else 0.9) for f in range(1, 13)]
    dets = _dets(rows)
    tracks = ByteTrack().track(dets, seq_length=12)
    assert tracks.track_ids().tolist() == [1]
    assert tracks.frame.tolist() == list(range(1, 13))  # kept tracked by the 2nd association
    assert tracks.score[(tracks.frame >= 6) & (tracks.frame <= 8)] == pytest.approx(0.3)
    # Without the second association (low dets ignored) the track is lost during the dip and
    # re-found afterwards with its old id, but frames 6-8 have no output.
    no_low = ByteTrack(low_thresh=0.5).track(dets, seq_length=12)
    assert no_low.track_ids().tolist() == [1]
    assert no_low.frame.tolist() == [1, 2, 3, 4, 5, 9, 10, 11, 12]


def test_new_track_threshold_and_activation():
    # score 0.65 is "high" (> 0.6) but below det_thresh = 0.7: never starts a track
    weak = _dets([(f, 100.0, 50.0, 0.65) for f in range(1, 6)])
    assert len(ByteTrack().track(weak, seq_length=5)) == 0
    # ... unless new_track_thresh is lowered
    assert len(ByteTrack(new_track_thresh=0.6).track(weak, seq_length=5)) == 5
    assert ByteTrackConfig().det_thresh == pytest.approx(0.7)

    rows = [(f, 100.0, 50.0, 0.9) for f in range(1, 11)]  # P: frames 1-10
    rows.append((3, 500.0, 50.0, 0.9))  # a one-frame false positive: born, never confirmed
    rows += [(f, 300.0, 50.0, 0.8) for f in range(5, 11)]  # Q: frames 5-10
    tracks = ByteTrack().track(_dets(rows), seq_length=10)
    # P is output from frame 1 (first-frame special case); the false positive consumed id 2
    # but is never output; Q (id 3) is output from its second frame on.
    assert tracks.track_ids().tolist() == [1, 3]
    assert tracks.track(1).frame.tolist() == list(range(1, 11))
    assert tracks.track(3).frame.tolist() == list(range(6, 11))


@pytest.mark.parametrize(("drop", "ids"), [(True, [1, 2]), (False, [1])])
def test_refound_expired_track_quirk(drop, ids):
    # Re-found in the grace frame (17) after timing out at frame 16, seen 17-19, missed on frame
    # 20: the official code drops it at once (its id stays in removed_stracks), so the person
    # gets a new id on frame 21; with drop_refound_expired=False it is kept as lost as usual.
    frames = [1, 2, 3, 4, 5, 17, 18, 19, 21, 22, 23]
    tracks = ByteTrack(track_buffer=10, drop_refound_expired=drop).track(
        _dets([(f, 100.0, 50.0, 0.9) for f in frames]), seq_length=23
    )
    assert tracks.track_ids().tolist() == ids
    assert tracks.track(1).frame.tolist()[:8] == [1, 2, 3, 4, 5, 17, 18, 19]


@pytest.mark.parametrize(
    ("back_at", "same_id"),
    [(15, True), (17, True), (18, False)],
)
def test_lost_track_removed_after_buffer(back_at, same_id):
    # Seen on frames 1-5, then absent; track_buffer 10 at 30 fps keeps it 10 frames. Like the
    # official code, the removal takes effect one frame late: frame 16 marks it, frame 17
    # can still re-find it, from frame 18 on a new id starts.
    rows = [(f, 100.0, 50.0, 0.9) for f in range(1, 6)]
    rows += [(f, 100.0, 50.0, 0.9) for f in range(back_at, back_at + 3)]
    tracker = ByteTrack(track_buffer=10)
    tracks = tracker.track(_dets(rows), seq_length=back_at + 2, frame_rate=30)
    ids = tracks.track_ids().tolist()
    assert ids == ([1] if same_id else [1, 2])
    if same_id:  # re-found lost tracks are output at once
        assert tracks.frame.tolist() == [1, 2, 3, 4, 5, back_at, back_at + 1, back_at + 2]
    else:  # a new track is output from its second frame
        assert tracks.track(2).frame.tolist() == [back_at + 1, back_at + 2]
    assert tracker.num_lost == 0 and tracker.num_tracked == 1


def test_lost_buffer_scales_with_frame_rate():
    cfg = ByteTrackConfig(track_buffer=30)
    assert cfg.max_time_lost(30) == 30
    assert cfg.max_time_lost(14) == 14  # MOT17-05 (the official evaluator's 14)
    assert cfg.max_time_lost(25) == 25  # MOT17-13
    rows = [(f, 100.0, 50.0, 0.9) for f in range(1, 6)] + [(30, 100.0, 50.0, 0.9)]
    rows += [(31, 100.0, 50.0, 0.9)]
    dets = _dets(rows)
    assert ByteTrack().track(dets, 31, frame_rate=30).track_ids().tolist() == [1]
    assert ByteTrack().track(dets, 31, frame_rate=14).track_ids().tolist() == [1, 2]


def _random_scene(seed: int, n_people: int = 12, n_frames: int = 60) -> Detections:
    rng = np.random.default_rng(seed)
    rows = []
    start = rng.integers(1, n_frames // 2, n_people)
    length = rng.integers(5, n_frames, n_people)
    pos = rng.uniform(0, 600, (n_people, 2))
    vel = rng.normal(0, 4, (n_people, 2))
    for p in range(n_people):
        for f in range(start[p], min(n_frames, start[p] + length[p]) + 1):
            if rng.random() < 0.1:  # missed detection
                continue
            x, y = pos[p] + vel[p] * (f - start[p]) + rng.normal(0, 1.5, 2)
            rows.append((f, x, y, float(rng.uniform(0.05, 1.0))))
    for _ in range(40):  # clutter
        rows.append((int(rng.integers(1, n_frames + 1)), *rng.uniform(0, 600, 2), 0.5))
    return _dets(rows)


@pytest.mark.parametrize("seed", range(5))
def test_ids_unique_per_frame_and_never_reused(seed):
    dets = _random_scene(seed)
    tracks = ByteTrack().track(dets, seq_length=60)
    assert len(tracks) > 50
    assert (tracks.id >= 1).all()
    for f, ids in _ids_by_frame(tracks).items():
        assert len(ids) == len(set(ids)), f"frame {f} has duplicate ids {ids}"
    # ids are handed out in birth order and never reused: first appearances are ordered by id
    first = [int(tracks.frame[tracks.id == i].min()) for i in tracks.track_ids()]
    assert first == sorted(first)
    # every output box is an input-like box, and the score is a detection's score
    assert np.isin(np.round(tracks.score, 12), np.round(dets.score, 12)).all()


def test_output_filter_and_boxes():
    wide = _dets([(f, 100.0, 50.0, 0.9) for f in range(1, 4)], w=100.0, h=50.0)  # w/h = 2
    assert len(ByteTrack().track(wide, 3)) == 0
    assert len(ByteTrack(max_aspect_ratio=None).track(wide, 3)) == 3
    tiny = _dets([(f, 100.0, 50.0, 0.9) for f in range(1, 4)], w=5.0, h=10.0)  # area 50
    assert len(ByteTrack().track(tiny, 3)) == 0
    assert len(ByteTrack(min_box_area=0).track(tiny, 3)) == 3
    # "detection" boxes are the input boxes; "kalman" boxes are smoothed but close to them
    rows = [(f, 100.0 + 5 * f + (3 if f % 2 else -3), 50.0, 0.9) for f in range(1, 15)]
    dets = _dets(rows)
    det_out = ByteTrack(output_box="detection").track(dets, 14)
    np.testing.assert_allclose(det_out.xywh, dets.xywh)
    kf_out = ByteTrack().track(dets, 14)
    assert np.abs(kf_out.xywh - dets.xywh).max() < 6.0
    assert not np.allclose(kf_out.xywh, dets.xywh)


def test_update_is_online_and_matches_track():
    dets = _random_scene(7)
    whole = ByteTrack().track(dets, seq_length=60)
    tracker = ByteTrack()
    per_frame = [tracker.update(dets.at_frame(f), f) for f in range(1, 61)]
    assert Tracks.merge(per_frame).sorted() == whole
    # the base-class loop (one update per frame) gives the same result as the fast override
    assert Tracker.track(ByteTrack(), dets, seq_length=60) == whole
    # reset() restarts ids
    again = tracker.track(dets, seq_length=60)
    assert again == whole


def test_update_checks_frames():
    tracker = ByteTrack()
    tracker.update(_dets([(1, 0.0, 0.0, 0.9)]), 1)
    with pytest.raises(ValueError, match="frames must increase"):
        tracker.update(Detections.empty(), 1)
    with pytest.raises(ValueError, match="other than 2"):
        tracker.update(_dets([(3, 0.0, 0.0, 0.9)]), 2)
    assert len(tracker.update(Detections.empty(), 2)) == 0  # empty frames are fine
    with pytest.raises(ValueError, match=r"outside 1\.\.5"):
        ByteTrack().track(_dets([(6, 0.0, 0.0, 0.9)]), seq_length=5)
    assert len(ByteTrack().track(Detections.empty(), seq_length=3)) == 0


# --------------------------------------------------------------------------- configuration
def test_config_validation_and_presets():
    with pytest.raises(ValueError, match="low_thresh"):
        ByteTrackConfig(low_thresh=0.7)
    with pytest.raises(ValueError, match="match_thresh"):
        ByteTrackConfig(match_thresh=-0.1)
    with pytest.raises(ValueError, match="track_buffer"):
        ByteTrackConfig(track_buffer=-1)
    with pytest.raises(ValueError, match="output_box"):
        ByteTrackConfig(output_box="mean")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown ByteTrack option"):
        ByteTrack(track_tresh=0.5)
    official = ByteTrackConfig.preset("official")
    assert official == ByteTrackConfig()
    assert (official.track_thresh, official.match_thresh, official.track_buffer) == (0.6, 0.9, 30)
    sv_like = ByteTrackConfig.preset("supervision", track_buffer=50)
    assert sv_like.track_thresh == 0.25 and sv_like.det_thresh == pytest.approx(0.35)
    assert sv_like.output_box == "detection" and sv_like.track_buffer == 50
    with pytest.raises(KeyError, match="unknown ByteTrack preset"):
        ByteTrackConfig.preset("nope")


def test_registry():
    assert "bytetrack" in available_trackers()
    tracker = create_tracker("bytetrack", match_thresh=0.8, frame_rate=14)
    assert isinstance(tracker, ByteTrack)
    assert tracker.config.match_thresh == 0.8 and tracker.frame_rate == 14
    with pytest.raises(KeyError, match=r"unknown tracker 'nope'; available: .*bytetrack"):
        create_tracker("nope")

    class _Dummy(Tracker):
        name = "dummy-for-test"

        def reset(self) -> None:
            self.calls = 0

        def update(self, frame_dets: Detections, frame: int) -> Tracks:
            self.calls += 1
            return Tracks(
                frame=frame_dets.frame, xywh=frame_dets.xywh, id=np.arange(len(frame_dets)) + 1
            )

    try:
        assert "dummy-for-test" in available_trackers()
        dummy = create_tracker("dummy-for-test")
        out = dummy.track(_dets([(2, 0.0, 0.0, 1.0), (4, 0.0, 0.0, 1.0)]), seq_length=5)
        assert dummy.calls == 5 and out.frame.tolist() == [2, 4]  # every frame visited
        with pytest.raises(ValueError, match="already registered"):
            type("Clash", (Tracker,), {"name": "dummy-for-test"})
    finally:
        track_base._REGISTRY.pop("dummy-for-test", None)
    assert "dummy-for-test" not in available_trackers()


# --------------------------------------------------------------------------- LAPJV emulation
def _brute_force(cost: np.ndarray, thresh: float) -> tuple[float, set[tuple[int, int]]]:
    """Best partial matching by enumeration: minimise sum(cost - thresh) over pairs <= thresh."""
    n, m = cost.shape
    best, best_set = 0.0, set()
    for k in range(1, min(n, m) + 1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                c = cost[list(rows), list(cols)]
                if (c > thresh).any():
                    continue
                value = float((c - thresh).sum())
                if value < best - 1e-12:
                    best, best_set = value, set(zip(rows, cols, strict=True))
    return best, best_set


def _lap_extended(cost: np.ndarray, thresh: float) -> set[tuple[int, int]]:
    """lap 0.4's extend_cost + cost_limit construction, solved exactly by scipy."""
    n, m = cost.shape
    big = np.full((n + m, n + m), thresh / 2.0)
    big[n:, m:] = 0.0
    big[:n, :m] = cost
    rows, cols = linear_sum_assignment(big)
    return {(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if r < n and c < m}


def test_linear_assignment_matches_brute_force_and_lap_construction():
    rng = np.random.default_rng(0)
    for trial in range(400):
        n, m = (int(x) for x in rng.integers(0, 6, 2))
        cost = rng.uniform(0, 1.2, (n, m))
        cost[rng.random((n, m)) < 0.15] = np.inf
        thresh = float(rng.uniform(0.1, 1.0))
        matches, free_rows, free_cols = linear_assignment(cost, thresh)
        got = {(int(r), int(c)) for r, c in matches}
        value, expected = _brute_force(cost, thresh)
        assert got == expected, f"trial {trial}: {cost}, {thresh}"
        assert got == _lap_extended(np.where(np.isinf(cost), 1e6, cost), thresh)
        assert float(sum(cost[r, c] - thresh for r, c in got)) == pytest.approx(value)
        assert matches[:, 0].tolist() == sorted(matches[:, 0].tolist())
        assert sorted(free_rows.tolist() + matches[:, 0].tolist()) == list(range(n))
        assert sorted(free_cols.tolist() + matches[:, 1].tolist()) == list(range(m))


def test_linear_assignment_is_not_assign_then_threshold():
    # A full assignment would match both rows crosswise (total 1.1 < 10); with the cost limit,
    # one excellent match beats two mediocre ones, as LAPJV with cost_limit decides.
    cost = np.array([[0.0, 0.55], [0.55, 10.0]])
    matches, free_rows, free_cols = linear_assignment(cost, 0.6)
    assert matches.tolist() == [[0, 0]]
    assert free_rows.tolist() == [1] and free_cols.tolist() == [1]
    matches, _, _ = linear_assignment(np.zeros((0, 3)), 0.5)
    assert matches.shape == (0, 2)
    with pytest.raises(ValueError, match="NaN"):
        linear_assignment(np.array([[np.nan]]), 0.5)


# --------------------------------------------------------------------------- Kalman filter
def _reference_kf_step(mean, cov, z, wp=1 / 20, wv=1 / 160):
    """One textbook predict + update of ByteTrack's filter for a single track."""
    f = np.eye(8)
    f[:4, 4:] = np.eye(4)
    h = mean[3]
    q = np.diag(np.square([wp * h, wp * h, 1e-2, wp * h, wv * h, wv * h, 1e-5, wv * h]))
    mean, cov = f @ mean, f @ cov @ f.T + q
    hm = np.eye(4, 8)
    r = np.diag(np.square([wp * mean[3], wp * mean[3], 1e-1, wp * mean[3]]))
    s = hm @ cov @ hm.T + r
    k = cov @ hm.T @ np.linalg.inv(s)
    return mean + k @ (z - hm @ mean), cov - k @ s @ k.T


def test_kalman_filter_batch_matches_reference():
    rng = np.random.default_rng(1)
    kf = KalmanFilterXYAH()
    z0 = np.column_stack(
        [rng.uniform(0, 1000, (5, 2)), rng.uniform(0.3, 0.6, 5), rng.uniform(50, 300, 5)]
    )
    mean, cov = kf.initiate(z0)
    assert (mean[:, 4:] == 0).all() and np.allclose(mean[:, :4], z0)
    np.testing.assert_allclose(np.sqrt(cov[:, 0, 0]), 2 / 20 * z0[:, 3])
    np.testing.assert_allclose(np.sqrt(cov[:, 4, 4]), 10 / 160 * z0[:, 3])
    for _ in range(4):
        z = mean[:, :4] + rng.normal(0, 3, (5, 4)) * [1, 1, 0.01, 1]
        ref = [_reference_kf_step(mean[i], cov[i], z[i]) for i in range(5)]
        pm, pc = kf.predict(mean, cov)
        mean, cov = kf.update(pm, pc, z)
        for i in range(5):
            np.testing.assert_allclose(mean[i], ref[i][0], rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(cov[i], ref[i][1], rtol=1e-9, atol=1e-9)
        assert np.allclose(cov, cov.transpose(0, 2, 1))
    # constant velocity: a state with velocity moves by it in one predict
    m = np.array([[10.0, 20.0, 0.5, 100.0, 3.0, -2.0, 0.0, 1.0]])
    pm, _ = kf.predict(m, np.eye(8)[None])
    np.testing.assert_allclose(pm[0, :4], [13.0, 18.0, 0.5, 101.0])
    empty_m, empty_c = kf.update(np.zeros((0, 8)), np.zeros((0, 8, 8)), np.zeros((0, 4)))
    assert empty_m.shape == (0, 8) and empty_c.shape == (0, 8, 8)


# --------------------------------------------------------------------------- spam track
def _cli(argv: list[str]) -> argparse.Namespace:
    from spamlabels.cli import track_cmd

    parser = argparse.ArgumentParser(prog="spam")
    track_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def _crossing_seq(root: Path, n: int = 20) -> Path:
    seq = root / "CROSS"
    rows = []
    for f in range(1, n + 1):
        rows.append((f, 10.0 + 12 * f, 100.0, 0.9))
        rows.append((f, 300.0 - 12 * f, 130.0, 0.85))
        rows.append((f, 50.0, 300.0, 0.05))  # below --min-conf
    write_mot(seq / "det" / "det.txt", _dets(rows), "det")
    write_seqinfo(seq / "seqinfo.ini", SeqInfo("CROSS", 30, n, 640, 480))
    return seq


def test_cli_track(tmp_path):
    seq = _crossing_seq(tmp_path)
    out = tmp_path / "out" / "CROSS.txt"
    args = _cli(["track", str(seq), "--tracker", "bytetrack", "--out", str(out), "--no-progress"])
    assert args.run(args) == 0
    tracks = read_tracks(out, seq_length=20)
    assert tracks.track_ids().tolist() == [1, 2] and len(tracks) == 40
    assert (tracks.score >= 0.85).all()

    # --half val: frames 12..20 renumbered 1..9; --det reads another file
    other = tmp_path / "dets.txt"
    write_mot(other, _dets([(f, 200.0, 200.0, 0.9) for f in range(1, 21)]), "det")
    val = tmp_path / "val.txt"
    args = _cli(["track", str(seq), "--half", "val", "--det", str(other), "--out", str(val)])
    assert args.run(args) == 0
    tracks = read_tracks(val)
    assert tracks.frame.tolist() == list(range(1, 10)) and tracks.track_ids().tolist() == [1]
    np.testing.assert_allclose(tracks.xywh[0], [200, 200, W, H])


def test_cli_track_errors(tmp_path, capsys):
    seq = _crossing_seq(tmp_path)
    with pytest.raises(SystemExit) as info:
        _cli(["track", str(seq), "--tracker", "nope", "--out", str(tmp_path / "x.txt")])
    assert info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    args = _cli(["track", str(seq), "--det", str(tmp_path / "missing.txt"), "--out", "x.txt"])
    with pytest.raises(DataFormatError, match=r"missing\.txt: file not found"):
        args.run(args)


# --------------------------------------------------------------------------- real data
@pytest.mark.integration
@pytest.mark.slow
def test_matches_supervision_on_mot17_yolox_val():
    """Ours (supervision preset) vs ``sv.ByteTrack`` defaults on two real validation halves."""
    sv = pytest.importorskip("supervision")
    root = SHARED_DATA / "MOT17" / "train"
    if not root.is_dir():
        pytest.skip("../shared/data/MOT17 not present")
    from spamlabels.eval import evaluate
    from spamlabels.io import MOTSequence

    ours, theirs = {}, {}
    for name in ("MOT17-05-YOLOX", "MOT17-09-YOLOX"):
        seq = MOTSequence.open(root / name)
        dets = seq.det(half="val")
        dets = dets[dets.score >= 0.1]
        n, rate = seq.length("val"), seq.info.frame_rate
        gt = seq.gt(half="val")
        mine = ByteTrack(ByteTrackConfig.preset("supervision")).track(dets, n, frame_rate=rate)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tracker = sv.ByteTrack(frame_rate=rate)
        rows = []
        for f in range(1, n + 1):
            d = dets.at_frame(f)
            out = tracker.update_with_detections(
                sv.Detections(xyxy=d.xyxy, confidence=d.score, class_id=np.zeros(len(d), int))
            )
            rows += [
                (f, i, *b, c)
                for b, i, c in zip(out.xyxy, out.tracker_id, out.confidence, strict=True)
            ]
        m = np.asarray(rows, dtype=float)
        xywh = m[:, 2:6] - np.column_stack([np.zeros((len(m), 2)), m[:, 2:4]])
        ref = Tracks(frame=m[:, 0].astype(int), id=m[:, 1].astype(int), xywh=xywh, score=m[:, 6])
        ours[name], theirs[name] = (gt, mine, n), (gt, ref, n)
    a, b = evaluate(ours), evaluate(theirs)
    for name in ours:
        assert abs(a.table[name]["HOTA"] - b.table[name]["HOTA"]) <= 2.0, name
    assert abs(a.combined["HOTA"] - b.combined["HOTA"]) <= 1.0
    assert b.combined["HOTA"] > 55  # the reference really tracked (README: 62.9 and 66.6)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize(("track_thresh", "match_thresh"), [(0.25, 0.8), (0.6, 0.9)])
def test_same_tracker_state_as_supervision(monkeypatch, track_thresh, match_thresh):
    """Frame by frame, our state (track lists in order, activation, Kalman means) equals
    ``sv.ByteTrack``'s once its unmatched indices come in ascending order as in the official
    code (supervision returns them in Python-set order)."""
    sv = pytest.importorskip("supervision")
    from supervision.tracker.byte_tracker import core, matching

    root = SHARED_DATA / "MOT17" / "train"
    if not root.is_dir():
        pytest.skip("../shared/data/MOT17 not present")
    from spamlabels.io import MOTSequence

    original = matching.linear_assignment

    def ascending(cost_matrix: np.ndarray, thresh: float):  # supervision's signature
        m, unmatched_a, unmatched_b = original(cost_matrix, thresh)
        return m, tuple(sorted(unmatched_a)), tuple(sorted(unmatched_b))

    monkeypatch.setattr(core.matching, "linear_assignment", ascending)
    seq = MOTSequence.open(root / "MOT17-05-YOLOX")
    dets = seq.det(half="val")
    dets = dets[dets.score >= 0.1]
    rate = seq.info.frame_rate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sv.ByteTrack(
            frame_rate=rate,
            track_activation_threshold=track_thresh,
            minimum_matching_threshold=match_thresh,
        )
    cfg = ByteTrackConfig.preset(
        "supervision", track_thresh=track_thresh, match_thresh=match_thresh
    )
    ours = ByteTrack(cfg, frame_rate=rate)
    for f in range(1, seq.length("val") + 1):
        d = dets.at_frame(f)
        theirs.update_with_detections(
            sv.Detections(xyxy=d.xyxy, confidence=d.score, class_id=np.zeros(len(d), int))
        )
        ours.update(d, f)
        assert (len(theirs.tracked_tracks), len(theirs.lost_tracks)) == (
            ours.num_tracked,
            ours.num_lost,
        ), f"frame {f}"
        activated = [t.is_activated for t in theirs.tracked_tracks]
        assert activated == ours._activated[: ours.num_tracked].tolist(), f"frame {f}"
        means = [t.mean for t in theirs.tracked_tracks + theirs.lost_tracks]
        if means:  # supervision keeps boxes in float32
            np.testing.assert_allclose(np.asarray(means), ours._mean, atol=1e-2, err_msg=f"{f}")


def test_the_constructors_frame_rate_is_used_unless_track_gives_one():
    from factories import make_dets

    from spamlabels.track import create_tracker

    tracker = create_tracker("bytetrack", frame_rate=1.0)
    dets = make_dets([1, 2], [[0, 0, 10, 10], [1, 0, 10, 10]], [0.9, 0.9])
    tracker.track(dets)
    assert tracker.frame_rate == 1.0
    tracker.track(dets, frame_rate=12.0)
    assert tracker.frame_rate == 12.0
