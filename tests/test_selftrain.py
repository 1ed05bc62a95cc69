"""Self-training on pseudo-labels (issue 5): never reads ground truth, atomic outputs."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
import torch

from spamlabels.cli.__main__ import main
from spamlabels.engine import SelfTrainConfig, noisy_copy, pseudo_labels, self_train
from spamlabels.io import MOTSequence
from spamlabels.nn import load_checkpoint, read_checkpoint_meta
from spamlabels.track import create_tracker
from spamlabels.track.spam import DEFAULT_WEIGHTS
from spamlabels.train import Trainer

TINY = SelfTrainConfig(iterations=2, copies=1, clip_length=16)
_TRAIN_STEP = Trainer.train_step  # unpatched, for tests that patch it more than once


@pytest.fixture(scope="module")
def bare_dir(tmp_path_factory):
    """A synthetic sequence folder whose gt/ is deleted."""
    root = tmp_path_factory.mktemp("st")
    assert main(["synth", str(root), "--sequences", "1", "--frames", "40", "--seed", "7",
                 "--no-progress"]) == 0  # fmt: skip
    seq = next(p for p in root.iterdir() if p.is_dir())
    shutil.rmtree(seq / "gt")
    return seq


@pytest.fixture
def no_gt(monkeypatch):
    """Any attempt to read ground truth fails the test."""

    def boom(*args, **kwargs):
        raise AssertionError("self-training read ground truth")

    monkeypatch.setattr(MOTSequence, "gt", boom)
    monkeypatch.setattr("spamlabels.io.sequence.read_gt", boom)


def test_pseudo_labels_are_the_teachers_tracks(bare_dir):
    seq = MOTSequence.open(bare_dir)
    tracker = create_tracker("spam", image_size=(seq.info.im_width, seq.info.im_height))
    ts = pseudo_labels(tracker, seq, min_conf=0.1)
    assert (ts.dets.score >= 0.1).all() and len(ts.gt_id) == len(ts.dets)
    tracks = tracker.track(ts.dets, seq.length(), seq.info.frame_rate)
    rows = np.asarray(tracks.data["det_index"])
    real = rows >= 0
    # every real output box labels its detection with its track id; the rest are -1
    assert (ts.gt_id[rows[real]] == tracks.id[real]).all()
    assert int((ts.gt_id >= 0).sum()) == int(real.sum())
    # no track holds two candidates of one frame
    pairs = np.stack([ts.dets.frame[ts.gt_id >= 0], ts.gt_id[ts.gt_id >= 0]], 1)
    assert len(np.unique(pairs, axis=0)) == len(pairs)


def test_pseudo_labels_of_margins_with_the_logistic_map(bare_dir, tmp_path):
    """Scores written as margins logit(p), read with ``score_map="logistic"``, give the
    pseudo-labels of the scores p; the recipe refuses an unknown map."""
    rows = [line.split(",") for line in (bare_dir / "det" / "det.txt").read_text().splitlines()]
    rank = np.argsort(np.argsort([float(r[6]) for r in rows], kind="stable"))
    p = 0.05 + 0.9 * (rank + 0.5) / len(rows)  # distinct: no tie for a rounding to break
    labels = []
    for kind, score in (("none", p), ("logistic", np.log(p / (1 - p)))):
        folder = tmp_path / kind / bare_dir.name
        shutil.copytree(bare_dir, folder)
        for row, s in zip(rows, score, strict=True):
            row[6] = f"{s:.17g}"
        (folder / "det" / "det.txt").write_text("\n".join(",".join(r) for r in rows) + "\n")
        seq = MOTSequence.open(folder)
        tracker = create_tracker("spam", image_size=(seq.info.im_width, seq.info.im_height))
        labels.append(pseudo_labels(tracker, seq, min_conf=0.1, score_map=kind))
    a, b = labels
    np.testing.assert_array_equal(a.dets.xywh, b.dets.xywh)
    np.testing.assert_allclose(a.dets.score, b.dets.score, atol=1e-12)
    np.testing.assert_array_equal(a.gt_id, b.gt_id)
    assert (a.gt_id >= 0).any()
    with pytest.raises(ValueError, match="score_map must be one of none, logistic"):
        SelfTrainConfig(score_map="minmax")


def test_noisy_copy_drops_boxes_and_cuts_runs(bare_dir):
    seq = MOTSequence.open(bare_dir)
    tracker = create_tracker("spam", image_size=(seq.info.im_width, seq.info.im_height))
    ts = pseudo_labels(tracker, seq)
    a = noisy_copy(ts, np.random.default_rng(0), 0.1, 0.9, 20, "n")
    b = noisy_copy(ts, np.random.default_rng(0), 0.1, 0.9, 20, "n")
    assert len(a.dets) == len(b.dets) < len(ts.dets)  # reproducible, smaller
    assert a.name == "n" and a.n_frames == ts.n_frames
    # the kept boxes keep their labels
    key = {(int(f), tuple(np.round(x, 3))): i
           for f, x, i in zip(ts.dets.frame, ts.dets.xywh, ts.gt_id, strict=True)}  # fmt: skip
    assert all(key[(int(f), tuple(np.round(x, 3)))] == i
               for f, x, i in zip(a.dets.frame, a.dets.xywh, a.gt_id, strict=True))  # fmt: skip
    none = noisy_copy(ts, np.random.default_rng(0), 0.0, 0.0, 20, "n")
    assert len(none.dets) == len(ts.dets)


def test_self_train_without_ground_truth(bare_dir, tmp_path, no_gt):
    out = tmp_path / "w" / "st.pt"
    res = self_train([MOTSequence.open(bare_dir)], out,
                     config=SelfTrainConfig(rounds=2, iterations=2, copies=1, clip_length=16),
                     progress=False)  # fmt: skip
    assert res.weights == out and out.is_file() and not res.reused
    first = tmp_path / "w" / "st.round1.pt"
    assert first.is_file()  # the earlier round is kept
    assert not list(out.parent.glob("*.partial*"))  # nothing half-written left behind
    assert [r["round"] for r in res.rounds] == [1, 2]
    assert res.rounds[1]["teacher"] == str(first) and res.rounds[0]["pseudo_boxes"] > 0
    meta = read_checkpoint_meta(out)
    assert meta["source"]["kind"] == "selftrain" and meta["source"]["init"] == str(DEFAULT_WEIGHTS)
    before = load_checkpoint(DEFAULT_WEIGHTS).state_dict()
    after = load_checkpoint(out).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    # the same request again is reused, not retrained; another one trains
    again = self_train([MOTSequence.open(bare_dir)], out,
                       config=SelfTrainConfig(rounds=2, iterations=2, copies=1, clip_length=16),
                       progress=False, reuse=True)  # fmt: skip
    assert again.reused and again.rounds == []
    other = self_train([MOTSequence.open(bare_dir)], out, config=TINY, progress=False, reuse=True)
    assert not other.reused and read_checkpoint_meta(out)["source"]["config"]["rounds"] == 1
    # the same names and recipe on edited detections train anew
    import shutil

    edited = tmp_path / "edited" / bare_dir.name
    shutil.copytree(bare_dir, edited)
    first = self_train([MOTSequence.open(edited)], out, config=TINY, progress=False, reuse=True)
    det = edited / "det" / "det.txt"
    lines = det.read_text().splitlines()
    det.write_text("\n".join(lines[:-1]) + "\n")  # one box fewer
    again = self_train([MOTSequence.open(edited)], out, config=TINY, progress=False, reuse=True)
    assert first.reused and not again.reused


def test_cli_selftrain_then_track(bare_dir, tmp_path, capsys, no_gt):
    out = tmp_path / "st.pt"
    args = ["selftrain", str(bare_dir), "--out", str(out), "--iterations", "2", "--copies", "0",
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    rounds = json.loads(capsys.readouterr().out)
    assert rounds[0]["candidates"] > 0 and rounds[0]["train_seconds"] >= 0
    assert main(args) == 2  # never overwrites without --force
    assert "exists" in capsys.readouterr().err
    assert main([*args, "--force", "--rounds", "0"]) == 2
    assert "rounds must be >= 1" in capsys.readouterr().err
    assert read_checkpoint_meta(out)["source"]["config"]["score_map"] == "none"
    # the score map is part of the recipe the weights record (warned: these are probabilities)
    assert main([*args, "--force", "--score-map", "logistic"]) == 0
    assert "already within 0-1" in capsys.readouterr().err
    assert read_checkpoint_meta(out)["source"]["config"]["score_map"] == "logistic"
    tracks = tmp_path / "t.txt"
    assert main(["track", str(bare_dir), "--tracker", "spam", "--weights", str(out), "--out",
                 str(tracks), "--no-progress"]) == 0  # fmt: skip
    assert tracks.stat().st_size > 0


def test_cli_label_selftrain_trains_once(tmp_path, capsys):
    root = tmp_path / "data"
    assert main(["synth", str(root), "--sequences", "1", "--frames", "40", "--seed", "8",
                 "--no-progress"]) == 0  # fmt: skip
    seq = next(p for p in root.iterdir() if p.is_dir())
    out = tmp_path / "out"
    args = ["label", str(seq), "--budget", "1%", "--out", str(out), "--selftrain",
            "--selftrain-iterations", "2", "--selftrain-copies", "0", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    assert "self-trained weights written" in capsys.readouterr().err
    effort = json.loads((out / "effort.json").read_text())
    assert effort["settings"]["weights"] == str(out / "selftrained.pt")
    # the recipe the weights were self-trained with is recorded with the labels
    source = effort["settings"]["weights_source"]
    assert source["kind"] == "selftrain" and source["config"]["iterations"] == 2
    assert source["config"]["copies"] == 0 and source["sequences"] == [seq.name]
    assert main([*args, "--answers", str(out / "answers.json")]) == 0  # more budget on top
    assert "self-trained weights reused" in capsys.readouterr().err
    # the student as its own teacher would be fine-tuned again on every run: refused
    assert main([*args, "--weights", str(out / "selftrained.pt"), "--answers",
                 str(out / "answers.json")]) == 2  # fmt: skip
    assert "is the file --selftrain writes" in capsys.readouterr().err
    # what needs no model is checked before training: nothing trained, nothing written
    bad = tmp_path / "bad"
    assert main([*args[:3], "lots", "--out", str(bad), *args[6:]]) == 2
    assert "budget 'lots'" in capsys.readouterr().err and not bad.exists()


def test_cli_selftrain_bad_output_and_empty_data_are_one_line_errors(bare_dir, tmp_path, capsys):
    args = ["selftrain", str(bare_dir), "--iterations", "2", "--copies", "0", "--no-progress"]
    folder = tmp_path / "adir"
    folder.mkdir()
    assert main([*args, "--out", str(folder), "--force"]) == 2  # before any training
    err = capsys.readouterr().err
    assert "is a folder" in err and err.count("\n") == 1
    assert not list(tmp_path.glob("*.partial*"))
    assert main([*args, "--out", str(bare_dir / "det" / "det.txt"), "--force"]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "w.pt"), "--seed", "-1"]) == 2
    assert "seed must be >= 0" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "w.pt"), "--min-conf", "2"]) == 2
    assert "no candidate detections (confidence >= 2)" in capsys.readouterr().err
    assert not (tmp_path / "w.pt").exists()


def test_a_diverging_self_training_is_one_line_and_writes_nothing(bare_dir, tmp_path, capsys,
                                                                   monkeypatch):  # fmt: skip
    from spamlabels.train import Trainer

    def nan_step(self):
        self.step += 1
        return {"loss": float("nan"), "levels": 1.0}

    monkeypatch.setattr(Trainer, "train_step", nan_step)
    out = tmp_path / "w.pt"
    assert main(["selftrain", str(bare_dir), "--out", str(out), "--iterations", "2",
                 "--copies", "0", "--no-progress"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "training diverged at step 1" in err and "was not written" in err
    assert not out.exists() and not list(tmp_path.iterdir())
    # spam label --selftrain: the same, and no labels
    seq = tmp_path / "seq"
    shutil.copytree(bare_dir, seq)
    (seq / "gt").mkdir()
    (seq / "gt" / "gt.txt").write_text("1,1,10,10,20,40,1,1,1\n")
    lab = tmp_path / "lab"
    assert main(["label", str(seq), "--budget", "0", "--selftrain", "--selftrain-iterations", "2",
                 "--selftrain-copies", "0", "--out", str(lab), "--no-progress"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "spam label: error: --selftrain: training diverged" in err
    assert not (lab / f"{seq.name}.txt").exists()


def test_selftrain_may_fine_tune_its_teacher_in_place_but_never_overwrite_data(bare_dir, tmp_path,
                                                                               capsys):  # fmt: skip
    from spamlabels.nn import HierarchicalGNN, save_checkpoint

    base = tmp_path / "base.pt"
    save_checkpoint(base, HierarchicalGNN())
    args = ["selftrain", str(bare_dir), "--iterations", "1", "--copies", "0", "--no-progress"]
    assert main([*args, "--weights", str(base), "--out", str(base), "--force"]) == 0
    capsys.readouterr()
    # a round's weights file of an earlier run is not replaced without --force either
    out = tmp_path / "two.pt"
    (tmp_path / "two.round1.pt").write_bytes(b"kept")
    assert main([*args, "--out", str(out), "--rounds", "2"]) == 2
    err = capsys.readouterr().err
    assert "two.round1.pt exists (--resume continues it, --force starts afresh)" in err
    assert (tmp_path / "two.round1.pt").read_bytes() == b"kept" and not out.exists()
    seqinfo = bare_dir / "seqinfo.ini"
    assert main([*args, "--out", str(seqinfo), "--force"]) == 2
    assert "is an input of this command" in capsys.readouterr().err and seqinfo.read_text()


def test_an_interrupted_selftrain_is_continued_by_resume(bare_dir, tmp_path, capsys, monkeypatch):
    """Ctrl-C in a round keeps its last checkpoint (every quarter of the iterations); the same
    command with --resume continues from it, and only from this command's own work."""
    from spamlabels.train import Trainer

    real_step = Trainer.train_step
    calls: list[int] = []

    def step(self, stop_at=None):
        if stop_at is not None and self.step + 1 == stop_at:
            raise KeyboardInterrupt
        calls.append(self.step)
        return real_step(self)

    out = tmp_path / "st.pt"
    partial = tmp_path / "st.pt.partial"
    args = ["selftrain", str(bare_dir), "--out", str(out), "--iterations", "8", "--copies",
            "0", "--no-progress"]  # fmt: skip
    monkeypatch.setattr(Trainer, "train_step", lambda self: step(self, stop_at=7))
    assert main(args) == 130  # interrupted in step 7: the checkpoint of step 6 is kept
    err = capsys.readouterr().err
    assert f"interrupted; the same command with --resume continues from {partial}" in err
    assert partial.is_file() and not out.exists()
    assert read_checkpoint_meta(partial)["step"] == 6
    # without --resume or --force: refused, naming the checkpoint; both at once: refused
    assert main(args) == 2
    assert f"{partial} exists (--resume continues an interrupted run's" in capsys.readouterr().err
    assert main([*args, "--resume", "--force"]) == 2
    assert "give one" in capsys.readouterr().err
    # another recipe does not continue it (nor replace it)
    assert main([*args[:-1], "--seed", "1", "--resume", "--no-progress"]) == 2
    assert "st.pt.partial differs in --seed; give the same" in capsys.readouterr().err
    assert partial.is_file()
    # --resume: the two steps left, then OUT, and the checkpoint is gone
    calls.clear()
    monkeypatch.setattr(Trainer, "train_step", lambda self: step(self))
    assert main([*args, "--resume"]) == 0
    assert calls == [6, 7]
    assert out.is_file() and not partial.exists()
    meta = read_checkpoint_meta(out)
    assert meta["step"] == 8 and meta["source"]["round"] == 1
    capsys.readouterr()
    assert main([*args, "--resume"]) == 0  # finished: nothing to do
    assert "already holds these weights: nothing to do" in capsys.readouterr().err
    # an interruption before the first checkpoint leaves nothing to resume
    monkeypatch.setattr(Trainer, "train_step", lambda self: step(self, stop_at=1))
    assert main([*args, "--force"]) == 130
    assert "before the first checkpoint (nothing to resume)" in capsys.readouterr().err
    assert not partial.exists()


def test_an_interrupted_label_selftrain_continues_its_training(bare_dir, tmp_path, capsys,
                                                               monkeypatch):  # fmt: skip
    from spamlabels.train import Trainer

    seq = tmp_path / "seq"
    shutil.copytree(bare_dir, seq)
    (seq / "gt").mkdir()
    (seq / "gt" / "gt.txt").write_text("1,1,10,10,20,40,1,1,1\n")
    out = tmp_path / "lab"
    args = ["label", str(seq), "--budget", "0", "--selftrain", "--selftrain-iterations", "8",
            "--selftrain-copies", "0", "--out", str(out), "--no-progress"]  # fmt: skip
    real_step = Trainer.train_step
    calls: list[int] = []

    def step(self, stop_at=None):
        if self.step + 1 == stop_at:
            raise KeyboardInterrupt
        calls.append(self.step)
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", lambda self: step(self, 7))
    assert main(args) == 130
    assert "interrupted while self-training; the same command continues" in capsys.readouterr().err
    assert (out / "selftrained.pt.partial").is_file() and not (out / "selftrained.pt").exists()
    calls.clear()
    monkeypatch.setattr(Trainer, "train_step", lambda self: step(self))
    assert main(args) == 0  # the same command continues from the checkpoint of step 6
    assert calls == [6, 7]
    assert (out / "selftrained.pt").is_file() and not (out / "selftrained.pt.partial").exists()
    assert (out / f"{seq.name}.txt").is_file()


def _interrupting(monkeypatch, stop_at=None, calls=None):
    """Make every training step count itself in ``calls`` and raise KeyboardInterrupt
    (Ctrl-C) when step ``stop_at`` begins."""
    from spamlabels.train import Trainer

    real_step = _TRAIN_STEP

    def step(self):
        if self.step + 1 == stop_at:
            raise KeyboardInterrupt
        if calls is not None:
            calls.append(self.step)
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", step)


@pytest.mark.slow
def test_resume_continues_in_place_fine_tuning_and_keeps_logs_and_fingerprints_right(
    bare_dir, tmp_path, capsys, monkeypatch
):
    """Probed: an interrupted in-place fine-tuning (the teacher is OUT) and a --force run over
    an older OUT are continued; --force drops every older checkpoint; the log has each step
    once; an edited seqinfo.ini is not continued; failures leave no log behind."""
    seq = tmp_path / "seq"
    shutil.copytree(bare_dir, seq)
    w = tmp_path / "W.pt"
    shutil.copy(DEFAULT_WEIGHTS, w)
    args = ["selftrain", str(seq), "--weights", str(w), "--out", str(w), "--iterations", "8",
            "--copies", "0", "--no-progress"]  # fmt: skip
    # a checkpoint of round 2 left by another command: --force starts afresh without it
    stale = tmp_path / "W.pt.partial"
    shutil.copy(DEFAULT_WEIGHTS, stale)
    _interrupting(monkeypatch, stop_at=7)  # in step 7 of 8 of round 1
    assert main([*args, "--rounds", "2", "--force"]) == 130
    assert f"--resume continues from {tmp_path / 'W.round1.pt.partial'}" in capsys.readouterr().err
    assert not stale.exists()
    calls: list[int] = []
    _interrupting(monkeypatch, calls=calls)
    relative = os.path.relpath(w)  # the same teacher, spelled another way
    assert main([*args[:2], "--weights", relative, *args[4:], "--rounds", "2", "--resume"]) == 0
    assert calls == [6, 7, *range(8)]  # the rest of round 1, then round 2
    log = (tmp_path / "W.round1.pt.log.jsonl").read_text().splitlines()
    steps = [json.loads(x)["step"] for x in log]
    assert steps == sorted(set(steps)) and steps[-1] == 8
    assert read_checkpoint_meta(w)["source"]["round"] == 2
    assert not list(tmp_path.glob("*.partial*"))
    # an edited seqinfo.ini is not continued: it changes the pseudo-labels
    out = tmp_path / "o.pt"
    args2 = ["selftrain", str(seq), "--out", str(out), "--iterations", "8", "--copies", "0",
             "--no-progress"]  # fmt: skip
    _interrupting(monkeypatch, stop_at=7)
    assert main(args2) == 130
    info = seq / "seqinfo.ini"
    info.write_text(info.read_text().replace("imWidth=1920", "imWidth=640"))
    assert main([*args2, "--resume"]) == 2
    assert "differs in the seqinfo.ini files" in capsys.readouterr().err

    # a diverging round leaves neither its checkpoint nor its log
    def nan_at_27(self):
        stats = _TRAIN_STEP(self)
        return {**stats, "loss": float("nan")} if self.step == 27 else stats

    monkeypatch.setattr(Trainer, "train_step", nan_at_27)
    assert main([*args2[:4], "--iterations", "40", *args2[6:], "--force"]) == 1
    assert not list(tmp_path.glob("o.pt*"))
    # a folder where a checkpoint goes is a one-line error before any work
    (tmp_path / "o.pt.partial").mkdir()
    assert main([*args2, "--force"]) == 2
    assert "o.pt.partial" in capsys.readouterr().err


def test_resume_never_replaces_later_work_nor_loses_its_checkpoint(bare_dir, tmp_path, capsys,
                                                                   monkeypatch):  # fmt: skip
    """Reviewed: --resume refuses work another command wrote after its last checkpoint; a
    resumed round that fails keeps the checkpoint an earlier run saved; a checkpoint may not
    be the teacher of a run that would remove it; what differs is said as the user knows it."""
    from spamlabels.engine.selftrain import request_differences, selftrain_request
    from spamlabels.nn import save_checkpoint

    out = tmp_path / "st.pt"
    args = ["selftrain", str(bare_dir), "--out", str(out), "--iterations", "8", "--copies",
            "0", "--no-progress"]  # fmt: skip
    ckpt = tmp_path / "st.round1.pt.partial"
    _interrupting(monkeypatch, stop_at=7)  # command A: round 1 of 2, interrupted
    assert main([*args, "--rounds", "2"]) == 130
    assert ckpt.is_file()
    _interrupting(monkeypatch)  # command B, another seed, writes OUT since
    assert main([*args, "--seed", "1", "--force"]) == 0
    capsys.readouterr()
    b_weights = out.read_bytes()
    assert main([*args, "--rounds", "2", "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"{out} was written by another command after this one's last checkpoint" in err
    assert out.read_bytes() == b_weights and ckpt.is_file()
    # a resumed round that fails (a full disk) keeps the checkpoint it started from
    out.unlink()

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("spamlabels.nn.save_checkpoint", full_disk)
    assert main([*args, "--rounds", "2", "--resume"]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert read_checkpoint_meta(ckpt)["step"] == 6
    monkeypatch.setattr("spamlabels.nn.save_checkpoint", save_checkpoint)
    # the checkpoint as the teacher of a run that would remove it: refused, and kept
    assert main([*args, "--weights", str(ckpt), "--rounds", "2", "--force"]) == 2
    assert "is an input of this command" in capsys.readouterr().err and ckpt.is_file()
    # what differs, in the user's words; weights of an older version say so
    seq = MOTSequence.open(bare_dir)
    request = selftrain_request([seq], "all", None, SelfTrainConfig(iterations=8, copies=0,
                                                                     rounds=2))  # fmt: skip
    assert request_differences(ckpt, request) == []
    other = selftrain_request(
        [seq], "all", None, SelfTrainConfig(iterations=8, copies=0, rounds=2, seed=3, lr=1e-3)
    )
    assert request_differences(ckpt, other) == ["the recipe's lr", "--seed"]
    meta = read_checkpoint_meta(ckpt)
    del meta["source"]["info_sha1"]
    old = tmp_path / "old.pt"
    save_checkpoint(old, load_checkpoint(ckpt), meta=meta)
    assert request_differences(old, request) == [
        "an older version's record (without the seqinfo.ini files)"
    ]
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    assert request_differences(tmp_path / "junk.pt", request) == ["not a spamlabels checkpoint"]


@pytest.mark.slow
def test_a_resumed_round_keeps_each_log_line_once(bare_dir, tmp_path, monkeypatch):
    """The log lines written after the checkpoint are trained again, so they are dropped:
    checkpoints every 15 steps, log lines every 25; interrupted in step 52 (checkpoint 45,
    lines 25 and 50), the resumed log reads 25, 50, 60."""
    cfg = SelfTrainConfig(iterations=60, copies=0, clip_length=16)
    seqs = [MOTSequence.open(bare_dir)]
    out = tmp_path / "st.pt"
    _interrupting(monkeypatch, stop_at=52)
    with pytest.raises(KeyboardInterrupt):
        self_train(seqs, out, config=cfg, progress=False)
    log = tmp_path / "st.pt.partial.log.jsonl"
    assert [json.loads(x)["step"] for x in log.read_text().splitlines()] == [25, 50]
    assert read_checkpoint_meta(tmp_path / "st.pt.partial")["step"] == 45
    _interrupting(monkeypatch)
    self_train(seqs, out, config=cfg, progress=False, reuse=True)
    steps = [json.loads(x)["step"] for x in (tmp_path / "st.pt.log.jsonl").read_text().splitlines()]
    assert steps == [25, 50, 60]


def test_a_later_rounds_checkpoint_is_not_continued_after_an_earlier_round_trains(
    bare_dir, tmp_path, monkeypatch
):
    """Round 2's checkpoint was taught by round 1's weights: when round 1 has to be trained
    again (its file is gone), round 2 starts afresh instead of continuing."""
    cfg = SelfTrainConfig(iterations=8, copies=0, clip_length=16, rounds=2)
    seqs = [MOTSequence.open(bare_dir)]
    out = tmp_path / "st.pt"
    calls: list[int] = []

    def step(self):
        if len(calls) == 8 + 6:  # step 7 of round 2
            raise KeyboardInterrupt
        calls.append(self.step)
        return _TRAIN_STEP(self)

    monkeypatch.setattr(Trainer, "train_step", step)
    with pytest.raises(KeyboardInterrupt):
        self_train(seqs, out, config=cfg, progress=False)
    assert (tmp_path / "st.pt.partial").is_file()
    (tmp_path / "st.round1.pt").unlink()
    calls.clear()
    _interrupting(monkeypatch, calls=calls)
    self_train(seqs, out, config=cfg, progress=False, reuse=True)
    assert calls == [*range(8), *range(8)]  # both rounds from their first step
    assert not (tmp_path / "st.pt.partial").exists()


def test_a_warning_is_said_once_per_command_not_once_per_round(bare_dir, tmp_path, capsys):
    seq = tmp_path / bare_dir.name
    shutil.copytree(bare_dir, seq)
    det = seq / "det" / "det.txt"
    rows = [line.split(",") for line in det.read_text().splitlines()]
    for row in rows:  # margins, as DPM's
        row[6] = f"{5 * float(row[6]):.3f}"
    det.write_text("\n".join(",".join(r) for r in rows) + "\n")
    assert main(["selftrain", str(seq), "--out", str(tmp_path / "w.pt"), "--rounds", "2",
                 "--iterations", "2", "--copies", "0", "--no-progress"]) == 0  # fmt: skip
    assert capsys.readouterr().err.count("not within 0-1") == 1


def test_a_resumed_self_training_ends_with_the_weights_of_an_uninterrupted_one(
    bare_dir, tmp_path, monkeypatch
):
    """The checkpoint keeps the optimiser's and the random generators' state: interrupted in
    step 7 of 8 and continued from the checkpoint of step 6, the run ends bit-identical to
    one that was never interrupted."""
    cfg = SelfTrainConfig(iterations=8, copies=1, clip_length=16)
    seqs = [MOTSequence.open(bare_dir)]
    whole, cut = tmp_path / "a" / "st.pt", tmp_path / "b" / "st.pt"
    self_train(seqs, whole, config=cfg, progress=False)
    _interrupting(monkeypatch, stop_at=7)
    with pytest.raises(KeyboardInterrupt):
        self_train(seqs, cut, config=cfg, progress=False)
    from spamlabels.nn import read_trainer_state

    assert read_trainer_state(tmp_path / "b" / "st.pt.partial")["step"] == 6
    _interrupting(monkeypatch)
    self_train(seqs, cut, config=cfg, progress=False, reuse=True)
    a, b = load_checkpoint(whole).state_dict(), load_checkpoint(cut).state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert read_trainer_state(cut) is None  # finished weights carry no optimiser state
