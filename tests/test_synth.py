"""Tests of the synthetic-scene generator ``spamlabels.synth`` and ``spam synth``."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np
import pytest
from factories import make_dets, make_tracks

from spamlabels.cli import synth_cmd
from spamlabels.core import Tracks
from spamlabels.io import MOTSequence, read_det, read_gt, read_seqinfo
from spamlabels.synth import (
    SLOW_CROWD,
    DetectionSource,
    DetectorConfig,
    SceneConfig,
    detector_stats,
    generate_dataset,
    generate_sequence,
    match_detections,
    render_frame,
    sample_config,
    simulate_scene,
)
from spamlabels.synth.camera import make_camera_path
from spamlabels.synth.detector import DetectorTargets, simulate_detections
from spamlabels.synth.figure import PROP_POSE, pose_table
from spamlabels.synth.visibility import Figures, compute_visibility

W, H = 320, 180


def tiny(**kw: object) -> SceneConfig:
    """A small, fast scene."""
    base: dict[str, object] = {"n_frames": 20, "width": W, "height": H, "n_people": 12, "fps": 10.0}
    base.update(kw)
    return SceneConfig(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def scene():
    return simulate_scene(tiny(n_frames=40, n_people=20), seed=7)


# ---------------------------------------------------------------------------- determinism
def test_same_seed_same_scene_and_frames():
    a = simulate_scene(tiny(), seed=3)
    b = simulate_scene(tiny(), seed=3)
    assert a.gt == b.gt and a.det == b.det
    assert len(a.gt) > 0 and len(a.det) > 0
    assert np.array_equal(render_frame(a, 5, 0.5), render_frame(b, 5, 0.5))
    c = simulate_scene(tiny(), seed=4)
    assert not (c.gt == a.gt)


def test_detector_change_keeps_people():
    a = simulate_scene(tiny(), seed=3)
    b = simulate_scene(tiny(detector=DetectorConfig.preset("frcnn")), seed=3)
    assert a.gt == b.gt  # independent random streams
    assert not (a.det == b.det)


def test_unpacks_as_info_gt_det(scene):
    info, gt, det = scene
    assert info.seq_length == 40 and (info.im_width, info.im_height) == (W, H)
    assert isinstance(gt, Tracks) and det is scene.det


# ---------------------------------------------------------------------------- ground truth
def test_ground_truth_is_valid_mot17(scene):
    gt = scene.gt
    assert set(np.unique(gt.cls)) == {1} and gt.consider.all()
    assert (gt.visibility >= 0).all() and (gt.visibility <= 1).all()
    assert (gt.xywh[:, 2:] > 0).all()
    # clipped to the 1-based image [1, W + 1] x [1, H + 1]
    xyxy = gt.xyxy
    assert xyxy[:, :2].min() >= 1 - 1e-9
    assert xyxy[:, 2].max() <= W + 1 + 1e-9 and xyxy[:, 3].max() <= H + 1 + 1e-9
    # one row per person and frame, sorted by frame then id
    keys = gt.frame * 100_000 + gt.id
    assert len(np.unique(keys)) == len(gt) and (np.diff(keys) > 0).all()
    assert gt.frame.min() >= 1 and gt.frame.max() <= 40


def test_unclipped_boxes_extend_past_the_image():
    gt = simulate_scene(tiny(clip_boxes=False, n_people=30, n_frames=30), seed=1).gt
    xyxy = gt.xyxy
    outside = (xyxy[:, 0] < 1) | (xyxy[:, 1] < 1) | (xyxy[:, 2] > W + 1) | (xyxy[:, 3] > H + 1)
    assert outside.any()
    assert (gt.xywh[:, 2:] > 0).all()


def test_perspective_far_people_are_small_and_high():
    cam = make_camera_path(SceneConfig(n_frames=1), np.random.default_rng(0))
    depth = np.array([5.0, 10.0, 20.0, 40.0])
    t = np.zeros(4, np.int64)
    feet, _ = cam.project(t, np.column_stack([np.zeros(4), depth, np.zeros(4)]))
    head, _ = cam.project(t, np.column_stack([np.zeros(4), depth, np.full(4, 1.75)]))
    height = feet[:, 1] - head[:, 1]
    assert (np.diff(height) < 0).all()  # smaller with distance
    assert (np.diff(feet[:, 1]) < 0).all()  # and higher in the image
    assert height[2] / height[3] == pytest.approx(2.0, rel=0.1)  # ~1 / distance far away


def test_perspective_in_simulated_boxes(scene):
    gt = scene.gt
    full = gt.xywh[:, 1] > 1.5  # top not clipped, so the height is the person's
    bottom, height = gt.xyxy[full, 3], gt.xywh[full, 3]
    inside = bottom < H  # feet visible
    assert np.corrcoef(bottom[inside], height[inside])[0, 1] > 0.7


def _two_people(offsets: np.ndarray) -> Figures:
    """A person 10 m away and a nearer one shifted sideways by ``offsets`` pixels."""
    n = len(offsets)
    t = np.repeat(np.arange(n), 2)
    cx = np.ravel(np.column_stack([np.full(n, 100.0), 100.0 + offsets]))
    return Figures(
        t=t,
        depth=np.tile([10.0, 5.0], n),
        cx=cx,
        top=np.tile([40.0, 30.0], n),
        h=np.tile([100.0, 120.0], n),
        bw=np.tile([100.0, 120.0], n),
        pose=np.zeros(2 * n, np.int64),
    )


def test_visibility_decreases_as_an_occluder_moves_in_front():
    offsets = np.array([150.0, 35.0, 25.0, 15.0, 5.0, 0.0])
    fig = _two_people(offsets)
    vis, vis_box, in_image = compute_visibility(fig, W, H)
    target, occluder = vis[0::2], vis[1::2]
    assert target[0] == 1.0 and (occluder == 1.0).all() and (in_image == 1.0).all()
    assert (np.diff(target) <= 0).all() and target[2] < 1.0 and target[-1] < 0.2
    # partly covered from the right: the visible-part box keeps the left edge only
    full = fig.xyxy()[6]
    assert 0.2 < target[3] < 0.9
    assert vis_box[6, 0] == pytest.approx(full[0]) and vis_box[6, 2] < full[2] - 5


def test_box_visibility_of_a_fully_covered_box_is_zero():
    fig = Figures(
        t=np.zeros(2, np.int64),
        depth=np.array([10.0, 5.0]),
        cx=np.array([100.0, 100.0]),
        top=np.array([50.0, 40.0]),
        h=np.array([60.0, 90.0]),
        bw=np.array([40.0, 80.0]),
        pose=np.full(2, PROP_POSE),
    )
    vis, vis_box, _ = compute_visibility(fig, W, H)
    assert vis[0] == 0.0 and vis[1] == 1.0
    assert np.isnan(vis_box[0]).all()


def test_image_border_counts_as_hidden():
    fig = Figures(
        t=np.zeros(1, np.int64),
        depth=np.array([5.0]),
        cx=np.array([0.0]),
        top=np.array([20.0]),
        h=np.array([100.0]),
        bw=np.array([100.0]),
        pose=np.zeros(1, np.int64),
    )
    vis, _, in_image = compute_visibility(fig, W, H)
    assert 0.3 < vis[0] < 0.7 and vis[0] == in_image[0]


def test_silhouette_and_box_visibility(scene):
    sil, box = scene.gt.data["vis_silhouette"], scene.gt.data["vis_box"]
    assert np.array_equal(scene.gt.visibility, sil)
    assert (box <= sil + 0.2).mean() > 0.9  # boxes hide more than silhouettes do
    other = simulate_scene(replace(scene.config, visibility="box"), seed=scene.seed)
    assert np.array_equal(other.gt.visibility, other.gt.data["vis_box"])


def test_pose_table_boxes_enclose_silhouettes():
    table = pose_table()
    xs = table.samples[..., 0]
    cell = 2 * table.half_width / table.masks.shape[2]  # rasterisation tolerance
    assert (xs.min(axis=1) >= table.x_min - cell).all()
    assert (xs.max(axis=1) <= table.x_max + cell).all()
    assert ((table.x_max - table.x_min)[:-1] > 0.25).all()  # people are not sticks
    assert table.masks.shape[0] == table.samples.shape[0] == len(table.parts)


# ---------------------------------------------------------------------------- detector
def _targets(vis_levels: list[float], n_tracks: int = 60, n_frames: int = 40) -> Tracks:
    rows = []
    for k, _ in enumerate(vis_levels):
        for i in range(n_tracks):
            tid = k * 1000 + i + 1
            x = 10.0 + 80.0 * i + 5000.0 * k
            rows += [(f, tid, x, 100.0, 60.0, 160.0) for f in range(1, n_frames + 1)]
    gt = make_tracks(rows)
    vis = np.repeat(vis_levels, n_tracks * n_frames)
    return gt.replace(visibility=vis, cls=np.ones(len(gt), np.int64))


def test_recall_falls_with_occlusion():
    levels = [0.02, 0.3, 1.0]
    gt = _targets(levels)
    xyxy = gt.xyxy
    tg = DetectorTargets(
        frame=gt.frame,
        track=gt.id,
        xyxy=xyxy,
        visible_xyxy=xyxy.copy(),
        visibility=gt.visibility,
        height_px=gt.xywh[:, 3],
        in_image=np.ones(len(gt)),
    )
    det = simulate_detections(
        tg,
        DetectorTargets.empty(),
        DetectorConfig(clutter_rate=0.0, part_rate=0.0),
        40,
        25.0,
        (0.0, 0.0, 16000.0, 1080.0),
        np.random.default_rng(0),
    )
    m = match_detections(gt, det)
    hit = m.gt_det >= 0
    vis = gt.visibility[m.gt_rows]
    recall = [hit[vis == v].mean() for v in levels]
    assert recall[0] < recall[1] < recall[2] and recall[2] > 0.95
    score = np.where(hit, det.score[np.maximum(m.gt_det, 0)], np.nan)
    med = [np.nanmedian(score[vis == v]) for v in levels]
    assert med[0] < med[1] < med[2]
    iou = m.det_iou[m.det_gt >= 0]
    assert np.median(iou) > 0.75


def _one_person_targets(n: int, visibility: float, height: float) -> DetectorTargets:
    """One person, ``n`` frames, standing still at a fixed visibility and height (1080p)."""
    xyxy = np.tile([[500.0, 300.0, 500.0 + height * 0.4, 300.0 + height]], (n, 1))
    return DetectorTargets(frame=np.arange(1, n + 1), track=np.zeros(n, np.int64), xyxy=xyxy,
                           visible_xyxy=xyxy.copy(), visibility=np.full(n, visibility),
                           height_px=np.full(n, height), in_image=np.ones(n))  # fmt: skip


def test_loc_weak_places_weak_boxes_worse_and_leaves_confident_ones():
    """``loc_weak`` adds box noise to weak detections only (real weak true boxes are the
    worst placed: MOT17 YOLOX median IoU 0.71 at conf 0.1-0.6 against 0.88 above)."""
    tg = _one_person_targets(4000, 0.15, 200.0)  # occluded: a wide spread of confidences
    kw = {"clutter_rate": 0.0, "part_rate": 0.0, "nms_iou": 1.0}
    image = (0.0, 0.0, 1920.0, 1080.0)
    runs = [
        simulate_detections(
            tg,
            DetectorTargets.empty(),
            DetectorConfig(loc_weak=lw, **kw),
            4000,
            25.0,
            image,
            np.random.default_rng(1),
        )
        for lw in (0.0, 2.0)
    ]
    common = np.intersect1d(runs[0].frame, runs[1].frame)  # a box made degenerate is dropped
    a, b = (r[np.searchsorted(r.frame, common)] for r in runs)
    assert len(common) > 0.9 * len(runs[0])
    assert np.array_equal(a.score, b.score)  # same confidences, only the boxes move
    err = [np.abs(r.xyxy - tg.xyxy[r.frame - 1]).mean(axis=1) for r in (a, b)]
    weak, strong = a.score < 0.3, a.score >= 0.7
    assert weak.sum() > 100 and strong.sum() > 100
    assert np.median(err[1][weak]) > 2.0 * np.median(err[0][weak])
    assert np.allclose(err[1][strong], err[0][strong])


def test_fp_min_height_drops_small_false_positives_only():
    config = SceneConfig(n_frames=60, n_people=30, fps=25.0)
    _, _, det = simulate_scene(config, seed=5)
    weak = DetectorConfig.preset("yolox", fp_min_height=60.0, clutter_height=(0.06, 0.2))
    _, _, det2 = simulate_scene(replace(config, detector=weak), seed=5)
    fp, fp2 = (d.data["source"] != DetectionSource.TRUE for d in (det, det2))
    scale = 1080.0 / config.height
    assert (det.xywh[fp, 3] * scale < 60).any()
    assert (det2.xywh[fp2, 3] * scale >= 60 - 1e-6).all()
    true, true2 = det[~fp], det2[~fp2]
    assert np.array_equal(true.xywh, true2.xywh)  # true detections untouched


def test_yolox_weak_preset_is_the_yolox_one_with_weak_box_changes():
    a, b = DetectorConfig.preset("yolox"), DetectorConfig.preset("yolox-weak")
    assert a.loc_weak == 0.0 and a.fp_min_height == 0.0 and b.loc_weak > 0
    changed = {f for f in a.__dataclass_fields__ if getattr(a, f) != getattr(b, f)}
    assert changed <= {"name", "loc_weak", "fp_min_height", "clutter_height", "clutter_rate",
                       "part_rate", "fp_decay", "fp_ceiling"}  # fmt: skip
    with pytest.raises(ValueError, match="clutter_height"):
        DetectorConfig(clutter_height=(0.3, 0.1))


def test_confidences_span_down_to_the_threshold(scene):
    det = scene.det
    assert det.score.min() <= 0.02 and det.score.max() >= 0.9
    assert (det.score >= 0.01).all() and (det.score <= 0.96).all()
    true = det.data["source"] == DetectionSource.TRUE
    assert np.median(det.score[true]) > 0.7 > np.median(det.score[~true])
    assert set(np.unique(det.data["source"])) >= {
        DetectionSource.TRUE,
        DetectionSource.PART,
        DetectionSource.CLUTTER,
    }
    assert len(det) > len(scene.gt)  # over-complete


def test_false_positives_persist_like_real_ones():
    """Real false positives mostly reappear in the next frame (MOT17 YOLOX: 55-95 %); the
    simulated ones must too, or GNN_node learns that flicker means false."""
    config = SceneConfig(n_frames=60, n_people=25, fps=25.0, n_props=4)
    _, gt, det = simulate_scene(config, seed=3)
    persistent = detector_stats([(gt, det)]).persistence
    flicker_cfg = DetectorConfig(fp_tau=0.01, fp_score_tau=0.01, clutter_persistent=0.0,
                                 part_jitter=0.3)  # fmt: skip
    _, gt2, det2 = simulate_scene(replace(config, detector=flicker_cfg), seed=3)
    flicker = detector_stats([(gt2, det2)]).persistence
    assert persistent["fp"] > 0.4 and persistent["tp"] > 0.8
    assert persistent["fp"] > flicker["fp"] + 0.2


def test_detector_stats_persistence_on_hand_built_frames():
    gt = make_tracks([(f, 1, 0, 0, 10, 20) for f in (1, 2, 3)], cls=np.ones(3, int))
    det = make_dets(
        [1, 2, 3, 1, 2, 3],
        [[0, 0, 10, 20]] * 3 + [[100, 0, 10, 20], [100, 0, 10, 20], [300, 0, 10, 20]],
        score=[0.9, 0.9, 0.9, 0.3, 0.3, 0.3],
    )
    p = detector_stats([(gt, det)]).persistence
    assert p["tp"] == pytest.approx(2 / 3) and p["fp"] == pytest.approx(1 / 3)


def test_detector_stats_on_hand_built_frames():
    gt = make_tracks(
        [(1, 1, 0, 0, 10, 20), (1, 2, 50, 0, 10, 20), (1, 3, 100, 0, 10, 20)],
        cls=np.array([1, 1, 7]),
    )
    det = make_dets(
        [1, 1, 1, 1],
        [[0, 0, 10, 20], [1, 0, 10, 20], [100, 0, 10, 20], [300, 0, 5, 5]],
        score=[0.9, 0.05, 0.5, 0.2],
    )
    m = match_detections(gt, det)
    assert m.det_gt.tolist() == [0, -1, -1, -1]  # Hungarian: one det per box
    assert m.det_ignored.tolist() == [False, False, True, False]  # matched to class 7
    stats = detector_stats([(gt, det)])
    assert stats.n_gt == 2 and stats.n_det == 4 and stats.n_ignored == 1
    assert stats.conf_bins[-1]["precision"] == 1.0
    assert stats.conf_bins[0]["recall_at_lo"] == 0.5
    assert stats.fp_kinds["near_miss"] == 0.5  # the duplicate of box 1


# ---------------------------------------------------------------------------- camera, config
@pytest.mark.parametrize("motion", ["pan", "zoom", "pan_zoom", "handheld"])
def test_moving_cameras(motion):
    sc = simulate_scene(
        tiny(camera_motion=motion, camera_height=2.0 if motion == "handheld" else 6.0), seed=2
    )
    assert not sc.camera.is_static and len(sc.gt) > 0
    img = render_frame(sc, 20, 0.25)
    assert img.shape == (45, 80, 3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_people", 0),
        ("fps", 0.5),
        ("camera_motion", "dolly"),
        ("width", 8),
        ("min_visibility", 1.5),
        ("camera_tilt", -40.0),
        ("visibility", "pixels"),
    ],
)
def test_config_validation(field, value):
    with pytest.raises(ValueError, match=field):
        tiny(**{field: value})


def test_detector_config_validation():
    with pytest.raises(ValueError, match="min_score"):
        DetectorConfig(min_score=0.99, score_cap=0.96)
    with pytest.raises(ValueError, match="unknown detector preset"):
        DetectorConfig.preset("dpm")
    assert DetectorConfig.preset("frcnn", nms_iou=0.6).nms_iou == 0.6


def test_sample_config_varies_within_ranges():
    rng = np.random.default_rng(0)
    cfgs = [sample_config(rng, n_frames=10, people=(5, 80), fps=(10, 30)) for _ in range(40)]
    assert all(5 <= c.n_people <= 80 and 10 <= c.fps <= 30 for c in cfgs)
    assert len({c.camera_motion for c in cfgs}) >= 3 and len({c.fps for c in cfgs}) >= 3


def test_sample_config_slow_share():
    # slow_share 0 draws nothing extra: the same config and the same generator state after it
    a_rng, b_rng = np.random.default_rng(3), np.random.default_rng(3)
    assert sample_config(a_rng) == sample_config(b_rng, slow_share=0.0)
    assert a_rng.uniform() == b_rng.uniform()
    slow = [sample_config(np.random.default_rng(i), slow_share=1.0) for i in range(20)]
    for c in slow:
        for name, value in SLOW_CROWD.items():
            lo, hi = value if isinstance(value, tuple) else (value, value)
            assert lo <= getattr(c, name) <= hi, name
    mixed = [sample_config(np.random.default_rng(i), slow_share=0.5) for i in range(100)]
    n_slow = sum(c.min_walk_speed == SLOW_CROWD["min_walk_speed"] for c in mixed)
    assert 30 <= n_slow <= 70
    with pytest.raises(ValueError, match="slow_share"):
        sample_config(np.random.default_rng(0), slow_share=1.5)


def test_loitering_crowd_is_slower():
    fast = tiny(n_frames=60, n_people=30, standing_fraction=0.0, stop_rate=0.0)
    slow = replace(fast, walk_speed=0.5, min_walk_speed=0.2, standing_fraction=0.3,
                   stop_rate=0.1, max_stop_seconds=12.0)  # fmt: skip
    v_fast = simulate_scene(fast, seed=1).walkers.speed
    v_slow = simulate_scene(slow, seed=1).walkers.speed
    assert np.median(v_fast) > 0.9 and np.median(v_slow) < 0.6
    assert np.mean(v_slow < 0.05) > 0.03 > np.mean(v_fast < 0.05)  # people standing


# ---------------------------------------------------------------------------- rendering, files
def test_render_size_and_content(scene):
    img = render_frame(scene, 10, 0.5)
    assert img.shape == (90, 160, 3) and img.dtype == np.uint8
    assert img.std() > 5
    with pytest.raises(IndexError):
        render_frame(scene, 41)
    big = scene.render(10, 1.0)
    assert big.shape == (H, W, 3)


def test_generate_sequence_is_readable(tmp_path):
    cfg = tiny(n_frames=8)
    seq_dir = generate_sequence(tmp_path, "SYN-A", cfg, seed=5, render=True, render_scale=0.5)
    info = read_seqinfo(seq_dir)
    assert (info.seq_length, info.im_width, info.im_height) == (8, W, H)
    gt = read_gt(seq_dir / "gt" / "gt.txt", seq_length=info.seq_length)
    det = read_det(seq_dir / "det" / "det.txt", seq_length=info.seq_length)
    mem = simulate_scene(cfg, seed=5, name="SYN-A")
    assert np.array_equal(gt.frame, mem.gt.frame) and np.array_equal(gt.id, mem.gt.id)
    assert np.allclose(gt.xywh, mem.gt.xywh) and np.allclose(gt.visibility, mem.gt.visibility)
    assert np.allclose(det.xywh, mem.det.xywh) and np.allclose(det.score, mem.det.score)
    seq = MOTSequence.open(seq_dir)
    frames = seq.frames()
    assert len(frames) == 8 and frames[1].shape == (H, W, 3)
    meta = json.loads((seq_dir / "synth.json").read_text())
    assert meta["seed"] == 5 and meta["config"]["n_people"] == 12
    with pytest.raises(FileExistsError):
        generate_sequence(tmp_path, "SYN-A", cfg, seed=5)
    generate_sequence(tmp_path, "SYN-A", replace(cfg, n_frames=4), seed=5, overwrite=True)
    assert read_seqinfo(seq_dir).seq_length == 4 and not (seq_dir / "img1" / "000008.jpg").exists()


def test_generate_dataset_sequences_do_not_depend_on_count(tmp_path):
    kw = {"width": W, "height": H, "people": (3, 8), "progress": False}
    two = generate_dataset(tmp_path / "a", 2, 5, seed=11, **kw)
    three = generate_dataset(tmp_path / "b", 3, 5, seed=11, **kw)
    assert [p.name for p in two] == ["SYNTH-0000", "SYNTH-0001"]
    for p, q in zip(two, three, strict=False):
        assert (p / "gt" / "gt.txt").read_text() == (q / "gt" / "gt.txt").read_text()
        assert (p / "det" / "det.txt").read_text() == (q / "det" / "det.txt").read_text()


def _cli(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="spam")
    synth_cmd.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_writes_the_expected_layout(tmp_path, capsys):
    out = tmp_path / "ds"
    argv = [
        "synth", str(out), *f"--sequences 2 --frames 4 --seed 1 --width {W} --height {H}".split(),
        *"--people 3 6 --render --render-scale 0.5 --no-progress".split(),
    ]  # fmt: skip
    args = _cli(argv)
    assert args.run(args) == 0
    lines = [s for s in capsys.readouterr().out.splitlines() if s.startswith("SYNTH-")]
    assert len(lines) == 2 and "4 frames" in lines[0]
    for name in ("SYNTH-0000", "SYNTH-0001"):
        seq = out / name
        for rel in ("seqinfo.ini", "gt/gt.txt", "det/det.txt", "synth.json"):
            assert (seq / rel).is_file()
        assert sorted(p.name for p in (seq / "img1").iterdir()) == [
            f"{i:06d}.jpg" for i in range(1, 5)
        ]
        assert read_seqinfo(seq).seq_length == 4
    again = _cli(argv)
    assert again.run(again) == 2  # refuses to overwrite
    assert "already holds a sequence" in capsys.readouterr().err
    no_render = _cli([*argv[:-4], "--no-render", "--overwrite", "--no-progress"])
    assert no_render.render is False and no_render.run(no_render) == 0


def test_cli_slow_share(tmp_path, capsys):
    args = _cli(["synth", str(tmp_path / "bad"), "--slow-share", "1.5", "--no-progress"])
    assert args.run(args) == 2
    assert "--slow-share must be in [0, 1]" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    argv = f"synth {tmp_path / 'ds'} --sequences 1 --frames 4 --width {W} --height {H} --people 3 6"
    args = _cli([*argv.split(), "--slow-share", "1", "--no-render", "--no-progress"])
    assert args.run(args) == 0
    cfg = json.loads((tmp_path / "ds" / "SYNTH-0000" / "synth.json").read_text())
    text = json.dumps(cfg)
    assert '"min_walk_speed": 0.2' in text and '"max_stop_seconds": 12.0' in text


def test_cli_rejects_unknown_detector(tmp_path, capsys):
    args = _cli(["synth", str(tmp_path), "--detector", "dpm", "--no-progress"])
    assert args.run(args) == 2
    assert "unknown detector preset" in capsys.readouterr().err
