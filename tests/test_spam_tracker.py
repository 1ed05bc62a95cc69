from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from factories import make_tracks

from spamlabels.core import DataFormatError, Provenance
from spamlabels.io import MOTSequence, read_tracks
from spamlabels.track.spam import _clip_starts, interpolate_tracks, trained_clip_length

torch = pytest.importorskip("torch")

from spamlabels.cli.__main__ import main  # noqa: E402
from spamlabels.nn import HierarchicalGNN, load_checkpoint, read_checkpoint_meta  # noqa: E402
from spamlabels.synth import SceneConfig, simulate_scene  # noqa: E402
from spamlabels.track import create_tracker, smooth_tracks  # noqa: E402
from spamlabels.track.spam import DEFAULT_WEIGHTS, SpamConfig  # noqa: E402
from spamlabels.train import TrainConfig, Trainer, make_train_sequence  # noqa: E402


def test_interpolation_fills_gaps_linearly():
    t = make_tracks([(1, 1, 0, 0, 10, 20), (4, 1, 30, 0, 10, 20), (1, 2, 5, 5, 4, 4)],
                    data={"provenance": np.zeros(3, np.int8)})  # fmt: skip
    out = interpolate_tracks(t)
    tr = out.track(1)
    np.testing.assert_array_equal(tr.frame, [1, 2, 3, 4])
    np.testing.assert_allclose(tr.xywh[:, 0], [0, 10, 20, 30])
    assert (tr.data["provenance"][1:3] == Provenance.INTERPOLATED).all()
    assert len(interpolate_tracks(t, max_gap=1)) == 3  # a 2-frame gap is left open


@pytest.mark.parametrize(("n", "length"), [(10, 512), (600, 512), (1050, 512), (300, 64)])
def test_clip_starts_cover_the_sequence(n, length):
    starts = _clip_starts(n, length, 0.5)
    covered = np.zeros(n + 1, bool)
    for s in starts:
        covered[s : min(s + length, n + 1)] = True
    assert covered[1:].all() and starts[0] == 1


@pytest.fixture(scope="module")
def scene():
    return simulate_scene(SceneConfig(n_frames=50, n_people=10), seed=5)


def test_spam_tracker_runs_and_keeps_every_decision(scene):
    info, _, det = scene
    torch.manual_seed(0)
    model = HierarchicalGNN()
    tracker = create_tracker("spam", model=model, weights=None, clip_length=20, smooth_seconds=0,
                             image_size=(info.im_width, info.im_height))  # fmt: skip
    tracks = tracker.track(det, info.seq_length, info.frame_rate)
    pairs = np.stack([tracks.frame, tracks.id], 1)
    assert len(np.unique(pairs, axis=0)) == len(tracks)  # one box per track and frame
    real = tracks.data["det_index"] >= 0
    np.testing.assert_allclose(tracks.xywh[real], det.xywh[tracks.data["det_index"][real]])
    # by default the boxes are smoothed over time as the last step, nothing else changes; sigma
    # is in seconds, so the frame rate given to track() sets it (not the constructor's 30)
    smoothed = create_tracker("spam", model=model, weights=None, clip_length=20,
                              image_size=(info.im_width, info.im_height))  # fmt: skip
    out = smoothed.track(det, info.seq_length, frame_rate=12.5)
    raw = tracker.track(det, info.seq_length, frame_rate=12.5)
    sigma = smoothed.config.smooth_seconds * 12.5
    assert sigma > 0
    ref = smooth_tracks(raw, sigma).sorted()
    assert not np.allclose(ref.xywh, smooth_tracks(raw, sigma * 30 / 12.5).sorted().xywh)
    np.testing.assert_array_equal(out.id, ref.id)
    np.testing.assert_allclose(out.xywh, ref.xywh)
    assert len(tracker.last_clips) == len(_clip_starts(info.seq_length, 20, 0.5))
    clip = tracker.last_clips[0]
    rec0 = clip.hierarchy.records[0]
    assert rec0.node_prob is not None and rec0.node_prob.shape == (rec0.graph.num_nodes,)
    assert all(r.edge_prob is not None for r in clip.hierarchy.records[1:])
    with pytest.raises(TypeError, match="offline"):
        tracker.update(det.at_frame(1), 1)


def test_ground_truth_clamps_reach_every_edge_level(scene):
    """``data["gt_id"]`` labels every level's graph and ``run_clip`` may clamp the edges: with
    ground-truth decisions on every level an untrained model tracks a clean scene perfectly."""
    from spamlabels.graph.labels import assign_gt_ids
    from spamlabels.track.spam import SpamTracker, run_hierarchy

    info, gt, det = scene
    gid = assign_gt_ids(det, gt)
    clean = det[gid >= 0]
    clean = clean.replace(data={**clean.data, "gt_id": gid[gid >= 0]})

    class Oracle(SpamTracker):
        def run_clip(self, hierarchy):
            def clamp(graph, prob):
                assert graph.edge_label is not None and prob.shape == (graph.num_edges,)
                return np.where(graph.edge_label > 0.5, 1, -1).astype(np.int8)

            run_hierarchy(self.model, hierarchy, False, clamp_edges=clamp)

    torch.manual_seed(0)
    # no exchange of tails (swap_margin): it judges by straight-line motion, and the scene's
    # people may turn; this test is about the hierarchy's clamps
    tracker = Oracle(model=HierarchicalGNN(), weights=None, clip_length=64, interpolate=False,
                     min_track_len=1, swap_margin=0.0,
                     image_size=(info.im_width, info.im_height))  # fmt: skip
    tracks = tracker.track(clean, info.seq_length, info.frame_rate)
    records = tracker.last_clips[0].hierarchy.records
    assert all(r.forced_edges is not None for r in records)
    assert all((r.active == (r.forced_edges > 0)).all() for r in records)
    # every predicted track is one object (an object may still be split where the pruning
    # left no candidate edge: the clamp only decides on candidates)
    truth = gid[gid >= 0][tracks.data["det_index"]]
    for track_id in np.unique(tracks.id):
        assert len(np.unique(truth[tracks.id == track_id])) == 1
    assert len(np.unique(tracks.id)) < 2 * len(np.unique(truth))


def test_trainer_runs_the_curriculum_and_checkpoints(scene, tmp_path):
    info, gt, det = scene
    seq = make_train_sequence("s", det, gt, info.frame_rate, (info.im_width, info.im_height),
                              info.seq_length)  # fmt: skip
    torch.manual_seed(0)
    trainer = Trainer(HierarchicalGNN(), [seq],
                      TrainConfig(iterations=6, batch_size=2, clip_length=24, level_unlock=2,
                                  log_every=3, checkpoint_every=3))  # fmt: skip
    history = trainer.fit(tmp_path / "w.pt", meta={"note": "test"}, progress=False)
    assert len(history) == 2 and all(np.isfinite(h["loss"]) for h in history)
    assert history[-1]["levels"] > 1  # the curriculum unlocked edge levels (mean of steps 4-6)
    model = load_checkpoint(tmp_path / "w.pt")
    meta = read_checkpoint_meta(tmp_path / "w.pt")
    assert meta["step"] == 6 and meta["note"] == "test"
    for a, b in zip(model.state_dict().values(), trainer.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)
    assert (tmp_path / "w.pt.log.jsonl").read_text().count("\n") == 2


def test_cut_links_leaves_fragments_for_the_next_level(scene):
    """Fragment augmentation: links the model would take are cut at random before the next
    level is built, so that level sees more (and shorter-gap) true links to make."""
    from spamlabels.graph import ClipHierarchy, HierarchyConfig, assign_gt_ids

    info, gt, det = scene
    seq = make_train_sequence("s", det, gt, info.frame_rate, (info.im_width, info.im_height),
                              info.seq_length)  # fmt: skip
    nodes, positives = {}, {}
    for q in (0.0, 0.5):
        trainer = Trainer(HierarchicalGNN(), [seq], TrainConfig(cut_links=q, seed=3))
        h = ClipHierarchy(det.frame, det.xywh, det.score, info.frame_rate,
                          (info.im_width, info.im_height), gt_id=assign_gt_ids(det, gt),
                          config=HierarchyConfig())  # fmt: skip
        h.skip_node_level()
        g = h.edge_graph()
        assert g.edge_label is not None
        trainer._apply_edges(h, g, g.edge_label.astype(np.float64))  # perfect level 1
        nodes[q] = h.num_nodes
        g2 = h.edge_graph()
        assert g2.edge_label is not None
        positives[q] = int(g2.edge_label.sum())
    assert nodes[0.5] > nodes[0.0] and positives[0.5] > positives[0.0]
    with pytest.raises(ValueError, match="cut_links"):
        TrainConfig(cut_links=1.0)


def test_long_clip_steps_train_only_the_deep_levels(scene):
    from spamlabels.graph import HierarchyConfig

    info, gt, det = scene
    seq = make_train_sequence("s", det, gt, info.frame_rate, (info.im_width, info.im_height),
                              info.seq_length)  # fmt: skip
    torch.manual_seed(0)
    # clips of 4 frames train levels 1-2 (coverage 2, 4); levels 3-4 need the long clips
    # (node_threshold ~0: the untrained GNN_node must not reject everything)
    trainer = Trainer(HierarchicalGNN(), [seq],
                      TrainConfig(iterations=1, batch_size=2, clip_length=4, level_unlock=1,
                                  long_clip_every=1),
                      HierarchyConfig(coverages=(2, 4, 8, 16), node_threshold=1e-6))  # fmt: skip
    trainer.step = 10  # the curriculum has reached every level
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    steps = [trainer.train_step() for _ in range(4)]
    assert all(s["long"] == 1.0 and "node_loss" not in s and "l1_loss" not in s for s in steps)
    assert any("l3_loss" in s for s in steps) and all(np.isfinite(s["loss"]) for s in steps)
    after = trainer.model.state_dict()
    for name in before:
        changed = not torch.equal(before[name], after[name])
        if name.startswith(("node_net.", "edge_nets.0.")):  # levels 0-1: built, not trained
            assert not changed, name
    assert any(not torch.equal(before[n], after[n]) for n in before if n.startswith("edge_nets.1"))
    trainer.step = 0  # before the deep levels are unlocked, a "long" step is a normal one
    assert trainer.train_step()["long"] == 0.0


def test_train_tracker_hierarchy(tmp_path, capsys):
    from spamlabels.cli.__main__ import build_parser
    from spamlabels.cli.train_cmd import hierarchy_config

    def parse(*extra):
        return build_parser().parse_args(["train", "synth", "--out", "w.pt", *extra])

    def fields(h):
        return h.top_k, h.edge_threshold, h.node_threshold, h.node_keep_conf

    tracker = SpamConfig()
    assert fields(hierarchy_config(parse())) == (10, 0.5, 0.5, None)  # SUSHI's
    assert fields(hierarchy_config(parse("--tracker-hierarchy", "edges", "--node-threshold",
                                         "0.3"))) == (tracker.top_k, tracker.edge_threshold,
                                                      0.3, None)  # fmt: skip
    assert fields(hierarchy_config(parse("--tracker-hierarchy", "all"))) == (
        tracker.top_k,
        tracker.edge_threshold,
        tracker.node_threshold,
        tracker.node_keep_conf,
    )
    for given in ("0.3", "0.5"):  # even the default, when given, is a contradiction
        with pytest.raises(ValueError, match="leave out --node-threshold"):
            hierarchy_config(parse("--tracker-hierarchy", "all", "--node-threshold", given))
    assert main(["train", "synth", "--out", str(tmp_path / "x.pt"), "--tracker-hierarchy",
                 "all", "--node-threshold", "0.3"]) == 2  # fmt: skip
    assert "leave out --node-threshold" in capsys.readouterr().err
    assert not (tmp_path / "x.pt").exists()


def test_cli_train_then_track(tmp_path, capsys):
    weights = tmp_path / "w.pt"
    assert main(["train", "synth", "--out", str(weights), "--sequences", "1", "--frames", "30",
                 "--iterations", "2", "--clip-length", "16", "--batch-size", "1",
                 "--node-threshold", "0.3", "--detector", "yolox-weak",
                 "--slow-share", "1"]) == 0  # fmt: skip
    meta = read_checkpoint_meta(weights)
    assert meta["hierarchy"]["node_threshold"] == 0.3
    assert meta["source"]["detector"] == "yolox-weak"
    assert meta["source"]["slow_share"] == 1.0
    assert main(["train", "synth", "--out", str(tmp_path / "x.pt"), "--sequences", "1",
                 "--slow-share", "1.5"]) == 2  # fmt: skip
    assert "--slow-share must be in [0, 1]" in capsys.readouterr().err
    assert main(["train", "synth", "--out", str(tmp_path / "x.pt"), "--sequences", "1",
                 "--detector", "dpm"]) == 2  # fmt: skip
    assert "unknown detector preset" in capsys.readouterr().err
    assert not (tmp_path / "x.pt").exists()
    assert main(["synth", str(tmp_path / "data"), "--sequences", "1", "--frames", "30",
                 "--seed", "1", "--no-progress"]) == 0  # fmt: skip
    seq = next((tmp_path / "data").iterdir())
    out = tmp_path / "t.txt"
    assert main(["track", str(seq), "--tracker", "spam", "--weights", str(weights), "--out",
                 str(out), "--no-progress"]) == 0  # fmt: skip
    assert out.is_file()
    raw = tmp_path / "raw.txt"  # --smooth 0: the boxes as detected (and interpolated)
    assert main(["track", str(seq), "--tracker", "spam", "--weights", str(weights), "--out",
                 str(raw), "--no-progress", "--smooth", "0"]) == 0  # fmt: skip
    a, b = read_tracks(out).sorted(), read_tracks(raw).sorted()
    np.testing.assert_array_equal(a.id, b.id)
    assert not np.allclose(a.xywh, b.xywh)
    with pytest.raises(SystemExit):
        main(["track", str(seq), "--tracker", "spam", "--out", str(raw), "--smooth", "-1"])
    assert "must be >= 0" in capsys.readouterr().err
    # ByteTrack gets the same post-processing on request (its official output has none)
    bt, bt_post = tmp_path / "bt.txt", tmp_path / "bt_post.txt"
    assert main(["track", str(seq), "--out", str(bt), "--no-progress"]) == 0
    assert main(["track", str(seq), "--out", str(bt_post), "--interpolate", "--smooth", "0.1",
                 "--no-progress"]) == 0  # fmt: skip
    plain, post = read_tracks(bt), read_tracks(bt_post)
    assert len(post) >= len(plain)
    info = MOTSequence.open(seq).info
    ref = smooth_tracks(interpolate_tracks(plain), 0.1 * info.frame_rate).sorted()
    np.testing.assert_allclose(post.sorted().xywh, ref.xywh, atol=0.01)  # file: 2 decimals
    with pytest.raises(SystemExit):
        main(["track", str(seq), "--out", str(raw), "--stitch", "-2"])
    assert "must be >= 0" in capsys.readouterr().err
    assert main(["track", str(seq), "--tracker", "spam", "--weights", str(tmp_path / "nope.pt"),
                 "--out", str(out), "--no-progress"]) == 2  # fmt: skip
    assert "weights file not found" in capsys.readouterr().err


def test_shipped_weights_load_with_their_recipe():
    from spamlabels.track.spam import DEFAULT_WEIGHTS

    model = load_checkpoint(DEFAULT_WEIGHTS)
    meta = read_checkpoint_meta(DEFAULT_WEIGHTS)
    assert model.num_parameters() == meta["parameters"] and 50_000 < meta["parameters"] < 80_000
    assert meta["source"]["kind"] == "synth"  # trained on generated scenes only
    assert DEFAULT_WEIGHTS.stat().st_size < 2_000_000
    tracker = create_tracker("spam")
    assert tracker.config.clip_length == trained_clip_length(meta)


def test_trained_clip_length_from_metadata():
    assert trained_clip_length({}) == 512
    assert trained_clip_length({"train_config": {"clip_length": 128}}) == 128
    long = {"train_config": {"clip_length": 128, "long_clip_every": 4},
            "hierarchy": {"coverages": [2, 4, 8, 16, 32, 64, 128, 256]}}  # fmt: skip
    assert trained_clip_length(long) == 256


@pytest.mark.integration
def test_shipped_weights_track_real_mot17(mot17):
    """Regression guard for the synthetic-only model on a real validation half (setting A of
    docs/benchmarks.md section 6, where MOT17-09 scores HOTA 69.6)."""
    from spamlabels.eval import evaluate
    from spamlabels.io import MOTSequence

    seq = MOTSequence.open(mot17 / "train" / "MOT17-09-YOLOX")
    dets = seq.det("val")
    dets = dets[dets.score >= 0.6]
    n = seq.length("val")
    tracker = create_tracker("spam", node_level=False,
                             image_size=(seq.info.im_width, seq.info.im_height))  # fmt: skip
    tracks = tracker.track(dets, n, seq.info.frame_rate)
    hota = evaluate({"s": (seq.gt("val"), tracks, n)}).combined["HOTA"]
    assert hota > 60.0


@pytest.mark.integration
def test_shipped_gnn_node_rescues_an_over_complete_candidate_set(mot17):
    """Table 1, B@0.01 vs C@0.01 on one real validation half (docs/benchmarks.md section 6:
    MOT17-05 41.4 vs 59.9 HOTA): GNN_node must keep most of the gain."""
    from spamlabels.eval import evaluate
    from spamlabels.io import MOTSequence

    seq = MOTSequence.open(mot17 / "train" / "MOT17-05-YOLOX")
    dets = seq.det("val")
    dets = dets[dets.score >= 0.01]
    n = seq.length("val")
    hota = {}
    for node_level in (False, True):
        tracker = create_tracker("spam", node_level=node_level,
                                 image_size=(seq.info.im_width, seq.info.im_height))  # fmt: skip
        tracks = tracker.track(dets, n, seq.info.frame_rate)
        hota[node_level] = evaluate({"s": (seq.gt("val"), tracks, n)}).combined["HOTA"]
    assert hota[True] > hota[False] + 10.0
    assert hota[True] > 55.0


@pytest.mark.parametrize(("version", "seed", "steps"), [(3, 0, 1000), (5, 2, 150), (6, 3, 200)])
def test_committed_ensemble_members_are_synthetic_only(version, seed, steps):
    """The ``ensemble`` baseline's checkpoints (benchmarks/weights/README.md) were trained on
    generated scenes only, by the commands written there, and load into the shipped
    architecture."""
    path = (
        Path(__file__).resolve().parents[1] / "benchmarks" / "weights" / f"spam_synth_v{version}.pt"
    )
    meta = read_checkpoint_meta(path)
    assert meta["source"]["kind"] == "synth"
    assert meta["source"]["seed"] == seed and meta["step"] == steps
    assert meta["source"]["appearance"] is (version != 3)
    if version != 3:  # fine-tuned from the shipped weights
        assert meta["source"]["init"] == "spamlabels/weights/spam_synth.pt"
    model = load_checkpoint(path)
    shipped = load_checkpoint(DEFAULT_WEIGHTS)
    assert sum(p.numel() for p in model.parameters()) == 68_076
    assert model.state_dict().keys() == shipped.state_dict().keys()


def test_device_option_is_checked_before_any_work(tmp_path, capsys):
    import argparse

    from spamlabels.cli.track_cmd import torch_device
    from spamlabels.synth import generate_sequence

    assert torch_device("cpu") == "cpu"
    for bad, message in (("mps", "only cpu and cuda"), ("tpu", "not a torch device")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            torch_device(bad)
    if not torch.cuda.is_available():
        with pytest.raises(argparse.ArgumentTypeError, match="no CUDA device"):
            torch_device("cuda")
        with pytest.raises(SystemExit):  # argparse: one line, exit code 2, nothing read
            main(["track", str(tmp_path / "missing"), "--tracker", "spam", "--device", "cuda",
                  "--out", str(tmp_path / "t.txt")])  # fmt: skip
        assert "no CUDA device" in capsys.readouterr().err
    seq = generate_sequence(tmp_path, "S", SceneConfig(n_frames=10, n_people=3), seed=1)
    assert main(["track", str(seq), "--device", "cpu", "--out", str(tmp_path / "t.txt")]) == 2
    assert "--device applies to spam, not bytetrack" in capsys.readouterr().err


class _Clip:
    """Stands in for a finished clip's hierarchy: ``assemble`` reads only its track ids."""

    def __init__(self, ids):
        self._ids = np.asarray(ids)

    def track_ids(self):
        return self._ids


def test_assemble_stitches_tracks_unless_an_annotator_said_no():
    from spamlabels.core import Detections
    from spamlabels.track.spam import ClipResult, SpamTracker

    # one walker seen in frames 1-10 and 16-25 that the hierarchy left as two tracks
    frames = np.r_[1:11, 16:26]
    dets = Detections(frame=frames, xywh=np.column_stack([3.0 * frames, np.zeros(20),
                                                          np.full(20, 10.0), np.full(20, 20.0)]),
                      score=np.full(20, 0.9))  # fmt: skip
    clip = ClipResult(np.arange(20), _Clip([0] * 10 + [1] * 10), (1, 25))
    tracker = SpamTracker(smooth_seconds=0.0)
    tracker.frame_rate = 30.0
    out = tracker.assemble(dets, [clip])
    assert len(out.track_ids()) == 1 and len(out) == 25  # stitched, gap interpolated
    assert (out.data["provenance"] == Provenance.INTERPOLATED).sum() == 5
    # the annotator said the tracklet ending at row 9 is not the one before row 10
    kept = tracker.assemble(dets, [clip], cannot=[(9, 10)])
    assert len(kept.track_ids()) == 2 and len(kept) == 20
    # a fact about a box that was dropped (rejected) no longer blocks the join
    drop = np.zeros(20, bool)
    drop[9] = True
    assert len(tracker.assemble(dets, [clip], drop=drop, cannot=[(9, 10)]).track_ids()) == 1
    # gap longer than stitch_seconds: not stitched
    short = SpamTracker(smooth_seconds=0.0, stitch_seconds=0.1)
    short.frame_rate = 30.0
    assert len(short.assemble(dets, [clip]).track_ids()) == 2


def _swapped_walkers(speed, x_b, y_b):
    """Walker A at y 0 moving right at ``speed`` px per frame, walker B at ``y_b`` moving left
    from ``x_b``, frames 1-20 each; one clip whose hierarchy swapped them after frame 10 (rows
    0-19: A, rows 20-39: B). Returns the detections and the clip."""
    from spamlabels.core import Detections
    from spamlabels.track.spam import ClipResult

    f = np.r_[1:21, 1:21]
    x = np.r_[speed * np.arange(1, 21), x_b - speed * np.arange(1, 21)]
    y = np.r_[np.zeros(20), np.full(20, y_b)]
    dets = Detections(frame=f, xywh=np.column_stack([x, y, np.full(40, 10.0), np.full(40, 20.0)]),
                      score=np.full(40, 0.9))  # fmt: skip
    ids = np.r_[np.zeros(10), np.ones(10), np.ones(10), np.zeros(10)].astype(int)
    return dets, ClipResult(np.arange(40), _Clip(ids), (1, 20))


def _pure(t):
    """Every output track stays at one height (one walker)."""
    return all(len(np.unique(t.xywh[t.id == k, 1])) == 1 for k in t.track_ids())


def test_assemble_cuts_a_wrong_link_unless_an_annotator_linked_both_boxes():
    from spamlabels.core import Detections
    from spamlabels.track.spam import ClipResult, SpamTracker

    # the walkers far apart (y 0 and 100): no exchange, the cut splits the wrong links
    dets, clip = _swapped_walkers(3.0, 300.0, 100.0)
    tracker = SpamTracker(smooth_seconds=0.0)
    tracker.frame_rate = 30.0
    pure = _pure

    out = tracker.assemble(dets, [clip])
    assert pure(out) and len(out.track_ids()) == 2  # cut, then each walker stitched
    # an annotator linked these tracklets: their identity is checked, the links stay
    linked = np.ones(40, bool)
    kept = tracker.assemble(dets, [clip], linked=linked)
    assert not pure(kept) and len(kept.track_ids()) == 2
    # only the link an annotator set (must: rows 9 -> 30) stays; the other one is cut
    one = tracker.assemble(dets, [clip], must=[(9, 30)])
    row = np.asarray(one.data["det_index"])
    track_of = dict(zip(row.tolist(), one.id.tolist(), strict=True))
    assert track_of[9] == track_of[30] and track_of[29] != track_of[10]
    # two linked rows are not vouched for across a pair the annotator said is not consecutive
    two = tracker.assemble(dets, [clip], linked=linked, cannot=[(9, 30)])
    row = np.asarray(two.data["det_index"])
    track_of = dict(zip(row.tolist(), two.id.tolist(), strict=True))
    assert track_of[9] != track_of[30] and track_of[29] == track_of[10]
    # a piece the cut leaves shorter than min_track_len, and stitching does not join, goes:
    # one walker whose box in frame 10 is someone else's, 400 px away
    frames = np.arange(1, 21)
    xs = np.where(frames == 10, 400.0 + 3.0 * frames, 3.0 * frames)
    walker = Detections(frame=frames, xywh=np.column_stack([xs, np.zeros(20), np.full(20, 10.0),
                                                            np.full(20, 20.0)]),
                        score=np.full(20, 0.9))  # fmt: skip
    solo = ClipResult(np.arange(20), _Clip(np.zeros(20, int)), (1, 20))
    mended = tracker.assemble(walker, [solo])
    assert len(mended.track_ids()) == 1 and 9 not in np.asarray(mended.data["det_index"])
    assert (mended.data["provenance"] == Provenance.INTERPOLATED).sum() == 1
    with pytest.raises(ValueError, match="linked has 3 rows"):
        tracker.assemble(dets, [clip], linked=np.ones(3, bool))
    off = SpamTracker(smooth_seconds=0.0, cut_iou=0.0)
    off.frame_rate = 30.0
    assert len(off.assemble(dets, [clip]).track_ids()) == 2


def test_assemble_exchanges_swapped_tails_unless_an_annotator_linked_them():
    from spamlabels.track.spam import SpamTracker

    # the walkers (y 0 and 10) cross at frame 10 with their boxes overlapping
    dets, clip = _swapped_walkers(4.0, 84.0, 10.0)
    pure = _pure

    for cut in (0.0, 0.05):  # the exchange alone mends it, and so it does with the cut
        tracker = SpamTracker(smooth_seconds=0.0, cut_iou=cut)
        tracker.frame_rate = 30.0
        out = tracker.assemble(dets, [clip])
        assert pure(out) and len(out.track_ids()) == 2 and len(out) == 40
        # the annotator checked these tracklets' identity: their links stay
        kept = tracker.assemble(dets, [clip], linked=np.ones(40, bool))
        assert not pure(kept) and len(kept.track_ids()) == 2
    off = SpamTracker(smooth_seconds=0.0, cut_iou=0.0, swap_margin=0.0)
    off.frame_rate = 30.0
    assert not pure(off.assemble(dets, [clip]))


def test_cli_stitches_bytetrack_across_a_gap_longer_than_its_buffer(tmp_path):
    from spamlabels.core import Detections
    from spamlabels.io import SeqInfo, write_mot, write_seqinfo

    # one walker seen in frames 1-20 and 61-80: ByteTrack drops the lost track after 30 frames
    seq = tmp_path / "WALK"
    frames = np.r_[1:21, 61:81]
    xywh = np.column_stack([100.0 + 3.0 * frames, np.full(40, 200.0), np.full(40, 40.0),
                            np.full(40, 100.0)])  # fmt: skip
    write_mot(seq / "det" / "det.txt", Detections(frame=frames, xywh=xywh, score=np.full(40, 0.9)),
              "det")  # fmt: skip
    write_seqinfo(seq / "seqinfo.ini", SeqInfo("WALK", 30, 80, 640, 480))
    plain, joined = tmp_path / "plain.txt", tmp_path / "joined.txt"
    assert main(["track", str(seq), "--out", str(plain), "--no-progress"]) == 0
    assert main(["track", str(seq), "--out", str(joined), "--stitch", "2", "--no-progress"]) == 0
    a, b = read_tracks(plain), read_tracks(joined)
    assert len(a.track_ids()) == 2 and len(b.track_ids()) == 1
    np.testing.assert_array_equal(b.sorted().frame, a.sorted().frame)  # no box added or moved
    np.testing.assert_allclose(b.sorted().xywh, a.sorted().xywh)
    ref = SpamConfig(stitch_seconds=2).stitch(a, 30.0)
    np.testing.assert_array_equal(b.sorted().id, ref.sorted().id)
    # a gap (41 frames) longer than --stitch 1 (30 frames): not joined
    assert main(["track", str(seq), "--out", str(joined), "--stitch", "1", "--no-progress"]) == 0
    assert len(read_tracks(joined).track_ids()) == 2
    # cutting first (--cut-iou) leaves the walker's own motion alone: still one track
    assert main(["track", str(seq), "--out", str(joined), "--stitch", "2", "--cut-iou", "0.05",
                 "--no-progress"]) == 0  # fmt: skip
    assert len(read_tracks(joined).track_ids()) == 1
    # and so does the exchange of swapped tails (--swap-margin): one walker, nothing to swap
    assert main(["track", str(seq), "--out", str(joined), "--stitch", "2", "--swap-margin",
                 "0.3", "--no-progress"]) == 0  # fmt: skip
    assert len(read_tracks(joined).track_ids()) == 1
    with pytest.raises(SystemExit):
        main(["track", str(seq), "--out", str(joined), "--swap-margin", "2.5"])


def test_cli_train_checks_before_it_trains_and_never_overwrites(tmp_path, capsys):
    import torch

    from spamlabels.nn import save_checkpoint

    tiny = ["--sequences", "1", "--frames", "30", "--iterations", "2", "--clip-length", "16",
            "--batch-size", "1"]  # fmt: skip
    out = tmp_path / "w.pt"
    for bad, message in [
        (["--iterations", "0"], "--iterations must be >= 1"),
        (["--checkpoint-every", "0"], "--checkpoint-every must be >= 1"),
        (["--clip-length", "1"], "--clip-length must be >= 2"),
        (["--lr", "nan"], "--lr must be a finite number > 0"),
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--sequences", "0"], "--sequences must be >= 1"),
        (["--init", str(tmp_path)], "not a file"),
    ]:
        assert main(["train", "synth", "--out", str(out), *tiny, *bad]) == 2, bad
        err = capsys.readouterr().err
        assert err.startswith("spam train: error: ") and message in err, (bad, err)
    assert not out.exists()
    # a bad output is refused before the data is built: a folder, or an input
    assert main(["train", "synth", "--out", str(tmp_path), *tiny]) == 2
    assert "is a folder" in capsys.readouterr().err
    init = tmp_path / "init.pt"
    save_checkpoint(init, HierarchicalGNN())
    before = init.read_bytes()
    assert main(["train", "synth", "--out", str(init), "--init", str(init), *tiny]) == 2
    assert "is an input of this command" in capsys.readouterr().err and init.read_bytes() == before
    # an existing output needs --resume or --force; a fresh run starts its own log
    deep = tmp_path / "new" / "dir" / "w.pt"  # missing folders are created
    assert main(["train", "synth", "--out", str(deep), *tiny]) == 0
    log = deep.parent / "w.pt.log.jsonl"
    first = log.read_text()
    assert main(["train", "synth", "--out", str(deep), *tiny]) == 2
    assert "exists (--resume continues it, --force starts afresh)" in capsys.readouterr().err
    assert main(["train", "synth", "--out", str(deep), *tiny, "--force"]) == 0
    assert log.read_text().count("\n") == first.count("\n")  # not appended to the old one
    # --resume: the same settings only; more iterations go on, as many do nothing
    assert main(["train", "synth", "--out", str(deep), *tiny, "--resume", "--lr", "1e-3"]) == 2
    assert "other settings (train.lr)" in capsys.readouterr().err
    assert main(["train", "synth", "--out", str(deep), *tiny, "--resume"]) == 0
    assert "at step 2 of 2: nothing to do" in capsys.readouterr().err
    more = [*tiny[:5], "4", *tiny[6:]]  # --iterations 4
    assert main(["train", "synth", "--out", str(deep), *more, "--resume"]) == 0
    err = capsys.readouterr().err  # finished weights: continued, but not as one longer run
    assert "resuming from step 2 (finished weights: with a fresh optimiser" in err
    assert read_checkpoint_meta(deep)["step"] == 4
    # folders given as a parent of sequences: their files are inputs too
    assert main(["synth", str(tmp_path / "data"), "--sequences", "1", "--frames", "30",
                 "--no-progress"]) == 0  # fmt: skip
    seq = next((tmp_path / "data").iterdir())
    det = seq / "det" / "det.txt"
    for target in (det, seq / "seqinfo.ini"):
        before = target.read_bytes()
        assert main(["train", str(tmp_path / "data"), "--out", str(target), "--force",
                     *tiny[4:]]) == 2  # fmt: skip
        assert "is an input of this command" in capsys.readouterr().err
        assert target.read_bytes() == before
    # --resume: the same folder written another way, and another checkpoint interval, go on
    w = tmp_path / "f.pt"
    assert main(["train", str(seq), "--out", str(w), *tiny[4:]]) == 0
    other = tmp_path / "data" / ".." / "data" / seq.name
    assert main(["train", str(other), "--out", str(w), "--iterations", "3", *tiny[6:],
                 "--checkpoint-every", "1", "--resume"]) == 0  # fmt: skip
    err = capsys.readouterr().err  # finished weights: continued, but not as one longer run
    assert "resuming from step 2 (finished weights: with a fresh optimiser" in err
    # a diverging run stops with one line, and NaN weights are never loaded
    assert main(["train", "synth", "--out", str(tmp_path / "d.pt"), *tiny, "--lr", "1e30"]) == 1
    assert "training diverged at step" in capsys.readouterr().err
    model = HierarchicalGNN()
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    save_checkpoint(tmp_path / "nan.pt", model)
    with pytest.raises(DataFormatError, match="NaN or infinite"):
        load_checkpoint(tmp_path / "nan.pt")


def test_cli_train_resume_is_checked_before_the_data_is_built(tmp_path, capsys, monkeypatch):
    tiny = ["--sequences", "1", "--frames", "30", "--iterations", "2", "--clip-length", "16",
            "--batch-size", "1"]  # fmt: skip
    out = tmp_path / "w.pt"
    assert main(["train", "synth", "--out", str(out), *tiny]) == 0

    def no_data(*args, **kwargs):
        raise AssertionError("the data was built")

    monkeypatch.setattr("spamlabels.train.synthetic_sequences", no_data)
    assert main(["train", "synth", "--out", str(out), *tiny, "--resume", "--seed", "1"]) == 2
    assert "other settings (source.seed, train.seed)" in capsys.readouterr().err
    assert main(["train", "synth", "--out", str(out), *tiny, "--resume"]) == 0
    assert "nothing to do" in capsys.readouterr().err


def test_cli_train_resumed_after_an_interruption_ends_as_an_uninterrupted_run(
    tmp_path, capsys, monkeypatch
):
    """--seed seeds the initial weights too, and a checkpoint of a run cut short holds the
    optimiser's and the random generators' state: the resumed run ends bit-identical."""
    from spamlabels.train import Trainer

    tiny = ["--sequences", "1", "--frames", "30", "--iterations", "30", "--clip-length", "16",
            "--batch-size", "1", "--checkpoint-every", "10", "--no-progress"]  # fmt: skip
    whole, cut = tmp_path / "a.pt", tmp_path / "b.pt"
    assert main(["train", "synth", "--out", str(whole), *tiny]) == 0
    whole_summary = json.loads(capsys.readouterr().out)
    real_step = Trainer.train_step

    def stop_in_step_28(self):  # past the log line of step 25 and the checkpoint of step 20
        if self.step == 27:
            raise KeyboardInterrupt
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", stop_in_step_28)
    assert main(["train", "synth", "--out", str(cut), *tiny]) == 130
    monkeypatch.setattr(Trainer, "train_step", real_step)
    capsys.readouterr()
    assert main(["train", "synth", "--out", str(cut), *tiny, "--resume"]) == 0
    said = capsys.readouterr()
    assert "resuming from step 20\n" in said.err  # (no note: it continues exactly)
    a, b = load_checkpoint(whole).state_dict(), load_checkpoint(cut).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    # the log holds each step once: the line of step 25, written before the interruption,
    # is dropped with the steps after the checkpoint and written again
    log = {p: [json.loads(x) for x in (tmp_path / f"{p}.pt.log.jsonl").read_text().splitlines()]
           for p in "ab"}  # fmt: skip
    assert [x["step"] for x in log["b"]] == [25, 30]
    # and its lines (the mean over the steps since the last line) are the uninterrupted ones
    drop = {"seconds"}  # (wall-clock time)
    for x, y in zip(log["a"], log["b"], strict=True):
        assert {k: v for k, v in x.items() if k not in drop} == {
            k: v for k, v in y.items() if k not in drop
        }
    cut_summary = json.loads(said.out)
    assert {k: v for k, v in whole_summary.items() if k not in drop} == {
        k: v for k, v in cut_summary.items() if k not in drop
    }


def test_a_damaged_trainer_state_is_a_one_line_error_and_the_checkpoint_stays(tmp_path, capsys):
    from spamlabels.nn import HierarchicalGNN, read_checkpoint_meta, save_checkpoint

    tiny = ["--sequences", "1", "--frames", "30", "--iterations", "4", "--clip-length", "16",
            "--batch-size", "1", "--no-progress"]  # fmt: skip
    out = tmp_path / "w.pt"
    assert main(["train", "synth", "--out", str(out), *tiny]) == 0
    meta = read_checkpoint_meta(out)
    save_checkpoint(
        out, HierarchicalGNN(), meta={**meta, "step": 2}, trainer_state={"step": 2}
    )  # fmt: skip  (keys missing: edited by hand)
    before = out.read_bytes()
    capsys.readouterr()
    assert main(["train", "synth", "--out", str(out), *tiny, "--resume"]) == 2
    assert "its trainer state cannot be read (KeyError" in capsys.readouterr().err
    assert out.read_bytes() == before
