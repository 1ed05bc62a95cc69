"""Re-ID embeddings: the deep_sort ``.npy`` reader/writer, simulated embeddings, their use."""

from __future__ import annotations

import numpy as np
import pytest
from factories import make_dets

from spamlabels.core import DataFormatError
from spamlabels.graph import assign_gt_ids
from spamlabels.io import MOTSequence, attach_embeddings, read_appearance, write_appearance
from spamlabels.synth import SceneConfig, simulate_scene
from spamlabels.synth.detector import DetectionSource
from spamlabels.synth.reid import ReidConfig, simulate_embeddings
from spamlabels.synth.stats import appearance_stats

torch = pytest.importorskip("torch")

from spamlabels.nn import HierarchicalGNN  # noqa: E402
from spamlabels.train import TrainConfig, Trainer, make_train_sequence  # noqa: E402
from spamlabels.train.data import synthetic_sequences  # noqa: E402


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.standard_normal((n, d))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# ---------------------------------------------------------------------------- file format
def test_write_then_read_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    dets = make_dets([3, 1, 2], [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], [0.5, 0.9, 0.1])
    emb = _unit(rng, 3, 5).astype(np.float32)
    path = write_appearance(tmp_path / "a.npy", dets.replace(data={"embedding": emb}))
    back = read_appearance(path, seq_length=3)
    assert back.frame.tolist() == [1, 2, 3]  # sorted by frame
    np.testing.assert_allclose(back.xywh, dets.xywh[[1, 2, 0]])
    np.testing.assert_allclose(back.score, [0.9, 0.1, 0.5])
    np.testing.assert_allclose(back.data["embedding"], emb[[1, 2, 0]], rtol=1e-6)
    raw = np.load(path)
    assert raw.shape == (3, 12) and (raw[:, 1] == -1).all()


def test_ten_column_det_rows_and_unmatched_detections(tmp_path):
    rng = np.random.default_rng(1)
    emb = _unit(rng, 2, 5)
    det_rows = np.array(
        [[1, -1, 0, 0, 4, 8, 0.9, -1, -1, -1], [2, -1, 2, 0, 4, 8, 0.8, -1, -1, -1]]
    )
    path = tmp_path / "ten.npy"
    np.save(path, np.hstack([det_rows, emb]))  # the whole det.txt row, then the embedding
    back = read_appearance(path, seq_length=3)
    np.testing.assert_allclose(back.data["embedding"], emb, rtol=1e-6)
    # detections that find no row of the file are said, with the count
    seq = tmp_path / "S"
    (seq / "det").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=S\nimDir=img1\nframeRate=30\nseqLength=3\n"
                                     "imWidth=64\nimHeight=48\nimExt=.jpg\n")  # fmt: skip
    (seq / "det" / "det.txt").write_text("1,-1,0,0,4,8,0.9\n2,-1,2,0,4,8,0.8\n3,-1,9,9,4,8,0.7\n")
    with pytest.warns(UserWarning, match="1 of the 3 detections .* have no embedding"):
        dets = MOTSequence.open(seq).det(appearance=path)
    assert (
        np.isnan(dets.data["embedding"][2]).all() and np.isfinite(dets.data["embedding"][:2]).all()
    )
    import warnings

    with warnings.catch_warnings():  # counted in the half asked for: frames 1-2 have rows
        warnings.simplefilter("error")
        assert len(MOTSequence.open(seq).det(half="train", appearance=path)) == 2


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((3, 7)), r"7 \+ d"),
        (np.array([[1, -1, 0, 0, 1, 1, 0.5, 0.1], [1.5, -1, 0, 0, 1, 1, 0.5, 0.1]]), "row 2"),
        (np.array([[1, -1, 0, 0, 0, 1, 0.5, 0.1]]), "width and height"),
        (np.array([[9, -1, 0, 0, 1, 1, 0.5, 0.1]]), "outside 1..5"),
        (np.array([[1, -1, 0, 0, 1, 1, 0.5, 0.1, np.nan]]), "partly non-finite"),
    ],
)
def test_read_rejects_bad_files_naming_file_and_row(tmp_path, array, message):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(DataFormatError, match=message) as err:
        read_appearance(path, seq_length=5)
    assert "bad.npy" in str(err.value)


def test_read_missing_and_non_npy_files(tmp_path):
    with pytest.raises(DataFormatError, match="not found"):
        read_appearance(tmp_path / "none.npy")
    (tmp_path / "text.npy").write_text("1,2,3\n")
    with pytest.raises(DataFormatError, match="npy"):
        read_appearance(tmp_path / "text.npy")


def test_attach_matches_by_frame_and_box_and_leaves_nan_elsewhere():
    table = make_dets([1, 1, 2], [[0, 0, 10, 20], [50, 0, 10, 20], [0, 0, 10, 20]])
    emb = np.eye(3, dtype=np.float32)
    table = table.replace(data={"embedding": emb})
    dets = make_dets(
        [1, 1, 2, 3], [[50.01, 0, 10, 20], [0, 0, 10, 20], [0, 0, 10, 21], [0, 0, 10, 20]]
    )
    out = attach_embeddings(dets, table)
    np.testing.assert_array_equal(out.data["embedding"][0], emb[1])
    np.testing.assert_array_equal(out.data["embedding"][1], emb[0])
    assert np.isnan(out.data["embedding"][2:]).all()  # box differs by 1 px; no frame 3
    with pytest.raises(ValueError, match="embedding"):
        attach_embeddings(dets, make_dets([1], [[0, 0, 1, 1]]))


def test_sequence_det_attaches_embeddings_before_taking_the_half(mot17):
    seq = MOTSequence.open(mot17 / "train" / "MOT17-09-FRCNN")
    npy = mot17 / "appearance" / "MOT17-09-FRCNN.npy"
    full = seq.det(appearance=npy)
    val = seq.det(half="val", appearance=npy)
    assert full.data["embedding"].shape == (len(full), 128)
    assert np.isfinite(full.data["embedding"]).all()  # every det.txt row has its embedding
    np.testing.assert_allclose(np.linalg.norm(full.data["embedding"], axis=1), 1.0, atol=1e-3)
    assert len(val) < len(full) and val.frame.min() == 1
    last = full.frame == full.frame.max()
    np.testing.assert_array_equal(
        val.data["embedding"][val.frame == val.frame.max()], full.data["embedding"][last]
    )


# ---------------------------------------------------------------------------- simulation
@pytest.fixture(scope="module")
def scene_with_emb():
    info, gt, det = simulate_scene(
        SceneConfig(n_frames=120, width=640, height=360, n_people=15, fps=10.0), seed=3
    )
    emb = simulate_embeddings(det, info.frame_rate, np.random.default_rng(0))
    return info, gt, det, emb


def test_simulated_embeddings_are_unit_rows_and_seeded(scene_with_emb):
    info, _, det, emb = scene_with_emb
    assert emb.shape == (len(det), 128) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    again = simulate_embeddings(det, info.frame_rate, np.random.default_rng(0))
    np.testing.assert_array_equal(emb, again)


def test_simulated_embeddings_separate_identities_like_real_reid(scene_with_emb):
    info, gt, det, emb = scene_with_emb
    st = appearance_stats(det.frame, emb, assign_gt_ids(det, gt), info.frame_rate)
    # the same person drifts away slowly; different people are far apart on average
    assert st["same_next_q50"] < st["same_1s_q50"] < st["same_10s_q50"] < st["diff_q50"]
    # ... but not always: a share of different-person pairs is closer than a 1-s lag
    assert st["diff_q05"] < st["same_1s_q90"] + 0.2
    # calibration targets (MOT17 deep_sort, docs/synth.md): loose bands
    assert 0.005 < st["same_next_q50"] < 0.06
    assert 0.35 < st["diff_q50"] < 0.8


def test_parts_look_like_their_person_and_clutter_does_not(scene_with_emb):
    _, _, det, emb = scene_with_emb
    src, track = det.data["source"], det.data["track"]
    true_rows = np.flatnonzero(src == DetectionSource.TRUE)
    key = {(int(det.frame[i]), int(track[i])): i for i in true_rows}
    part_rows = np.flatnonzero(src == DetectionSource.PART)
    parts = [(int(det.frame[i]), int(track[i]), i) for i in part_rows]
    a, b = np.array([(i, key[(f, t)]) for f, t, i in parts if (f, t) in key]).T
    d_part = 1 - np.sum(emb[a] * emb[b], axis=1)
    clutter = np.flatnonzero(src == DetectionSource.CLUTTER)
    first_true = {int(det.frame[i]): i for i in true_rows[::-1]}
    ca, cb = np.array([(c, first_true[int(det.frame[c])]) for c in clutter
                       if int(det.frame[c]) in first_true]).T  # fmt: skip
    d_clutter = 1 - np.sum(emb[ca] * emb[cb], axis=1)
    assert np.median(d_part) < np.median(d_clutter)


def test_reid_config_validation():
    with pytest.raises(ValueError, match="identity_dims"):
        ReidConfig(dim=8, identity_dims=4, drift_dims=4)
    with pytest.raises(ValueError, match="drift"):
        ReidConfig(drift=-1.0)
    with pytest.raises(ValueError, match="source"):
        simulate_embeddings(make_dets([1], [[0, 0, 1, 1]]), 10.0, np.random.default_rng(0))


def test_appearance_stats_on_hand_built_embeddings():
    # two people over 3 frames at 1 fps; person 1 constant, person 2 flips at frame 3
    e = np.eye(3)
    frame = np.array([1, 2, 3, 1, 2, 3])
    gid = np.array([1, 1, 1, 2, 2, 2])
    emb = np.stack([e[0], e[0], e[0], e[1], e[1], e[2]])
    st = appearance_stats(frame, emb, gid, fps=1.0)
    # next-frame (= 1 s) pairs: person 1: 0, 0; person 2: 0, 1
    assert st["same_next_q50"] == pytest.approx(0.0)
    assert st["same_1s_q90"] == pytest.approx(np.percentile([0, 0, 0, 1], 90))
    assert st["diff_q50"] == pytest.approx(1.0)  # orthogonal in every frame
    assert np.isnan(st["same_10s_q50"])


# ---------------------------------------------------------------------------- training
def test_synthetic_sequences_with_appearance_keep_the_same_detections():
    plain = synthetic_sequences(1, n_frames=30, seed=4, progress=False)[0]
    with_emb = synthetic_sequences(1, n_frames=30, seed=4, progress=False, appearance=True)[0]
    np.testing.assert_array_equal(plain.dets.xywh, with_emb.dets.xywh)
    np.testing.assert_array_equal(plain.gt_id, with_emb.gt_id)
    assert "embedding" not in plain.dets.data
    assert with_emb.dets.data["embedding"].shape == (len(with_emb.dets), 128)


def test_appearance_dropout_validated_and_applied(scene_with_emb):
    with pytest.raises(ValueError, match="appearance_dropout"):
        TrainConfig(appearance_dropout=1.5)
    info, gt, det, emb = scene_with_emb
    det = det.replace(data={**det.data, "embedding": emb})
    seq = make_train_sequence("s", det, gt, info.frame_rate, (640, 360), info.seq_length)

    def share_with_emb(p: float) -> float:
        trainer = Trainer(HierarchicalGNN(), [seq], TrainConfig(appearance_dropout=p, seed=1))
        clips = [trainer._sample_clip(20) for _ in range(40)]
        return float(np.mean([c.emb is not None for c in clips if c is not None]))

    assert share_with_emb(0.0) == 1.0
    assert share_with_emb(1.0) == 0.0
    assert 0.2 < share_with_emb(0.5) < 0.8


def test_cli_track_with_appearance_and_node_options(tmp_path, capsys):
    from spamlabels.cli.__main__ import main
    from spamlabels.io import read_tracks
    from spamlabels.synth import generate_sequence

    config = SceneConfig(n_frames=30, width=320, height=180, n_people=6, fps=10.0)
    seq_dir = generate_sequence(tmp_path, "S", config, seed=2)
    seq = MOTSequence.open(seq_dir)
    det = seq.det()
    emb = _unit(np.random.default_rng(1), len(det), 16).astype(np.float32)
    npy = write_appearance(tmp_path / "emb.npy", det.replace(data={"embedding": emb}))
    out = tmp_path / "t.txt"
    args = ["track", str(seq_dir), "--tracker", "spam", "--out", str(out), "--no-progress"]
    assert main([*args, "--appearance", str(npy), "--node-keep-conf", "0.6",
                 "--node-threshold", "0.8", "--edge-threshold", "0.5,0.45"]) == 0  # fmt: skip
    assert len(read_tracks(out)) > 0
    with pytest.raises(SystemExit):  # not a probability
        main([*args, "--edge-threshold", "0.5,1.5"])
    assert "probabilities in (0, 1)" in capsys.readouterr().err
    assert main(["track", str(seq_dir), "--out", str(out), "--appearance", str(npy)]) == 2
    assert "applies to spam" in capsys.readouterr().err
