"""Our in-memory evaluation equals TrackEval's own file-based MOTChallenge evaluation (1e-6)."""

from __future__ import annotations

import os
import shutil

import pytest

from spamlabels.eval import evaluate
from spamlabels.eval.reference import max_abs_difference, run_trackeval
from spamlabels.io import MOTSequence, read_tracks, write_mot, write_seqinfo, write_seqmap

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def _compare(ours, ref):
    worst, where = max_abs_difference(ours.raw, ref)
    assert worst <= 1e-6, where


@pytest.mark.integration
@pytest.mark.parametrize("detector", ["FRCNN", "DPM"])
def test_lift_parity_full_sequences(mot17, tmp_path, detector):
    names = [f"MOT17-{s}-{detector}" for s in SEQS]
    (tmp_path / "gt").mkdir()
    (tmp_path / "trackers" / "LifT" / "data").mkdir(parents=True)
    inputs = {}
    for name in names:
        os.symlink((mot17 / "train" / name).resolve(), tmp_path / "gt" / name)
        src = mot17 / "trackers" / "LifT" / f"{name}.txt"
        shutil.copy(src, tmp_path / "trackers" / "LifT" / "data" / f"{name}.txt")
        seq = MOTSequence.open(mot17 / "train" / name)
        n = seq.info.seq_length
        inputs[name] = (seq.gt(), read_tracks(src, n), n)
    write_seqmap(tmp_path / "seqmap.txt", names)
    ours = evaluate(inputs)
    ref = run_trackeval(tmp_path / "gt", tmp_path / "trackers", "LifT", names,
                        tmp_path / "seqmap.txt")  # fmt: skip
    _compare(ours, ref)
    assert 40 < ours.combined["HOTA"] < 80  # a real, strong tracker


@pytest.mark.integration
def test_lift_parity_validation_halves(mot17, tmp_path):
    """The half-split path: gt and tracks cut to the validation half, renumbered from 1."""
    names = [f"MOT17-{s}-FRCNN" for s in ("02", "05", "09")]
    inputs = {}
    for name in names:
        seq = MOTSequence.open(mot17 / "train" / name)
        n_val = seq.length("val")
        gt = seq.gt("val")
        from spamlabels.core import take_half

        pred, _ = take_half(read_tracks(mot17 / "trackers" / "LifT" / f"{name}.txt"),
                            seq.info.seq_length, "val")  # fmt: skip
        write_mot(tmp_path / "gt" / name / "gt" / "gt.txt", gt, "gt")
        write_seqinfo(tmp_path / "gt" / name, seq.info.with_length(n_val))
        write_mot(tmp_path / "trackers" / "LifT" / "data" / f"{name}.txt", pred, "tracks")
        inputs[name] = (gt, pred, n_val)
    write_seqmap(tmp_path / "seqmap.txt", names)
    ours = evaluate(inputs)
    ref = run_trackeval(tmp_path / "gt", tmp_path / "trackers", "LifT", names,
                        tmp_path / "seqmap.txt")  # fmt: skip
    _compare(ours, ref)
