"""Annotation-free fine-tuning on pseudo-labels (paper §3.2, Table 3): ``spam selftrain``.

The synthetic-only model (the *teacher*) tracks the target sequences, which need no labels;
its output becomes pseudo ground truth and a copy of the model (the *student*) is fine-tuned
on it with the recipe of :class:`spamlabels.train.Trainer`:

- every candidate detection (``conf >= min_conf``) gets the id of the output track that holds
  it; candidates left out of every track (rejected by GNN_node, or in tracks shorter than the
  tracker's minimum) are false positives for GNN_node and leave the edge levels;
- ``copies`` "noisy student" copies of every sequence are added: each detection dropped with
  probability ``det_drop`` and, per pseudo track with probability ``seg_p``, a run of
  5..``seg_max`` frames cut out (an occlusion the student must bridge, with the teacher's
  link as its label).

Ground truth is never read (only ``det/det.txt`` and ``seqinfo.ini``); a test runs it on a
sequence folder without ``gt/``. Several ``rounds`` make each student the next teacher.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spamlabels.core import SCORE_MAPS, DataFormatError, Half
from spamlabels.graph import HierarchyConfig
from spamlabels.io import MOTSequence, check_output_file
from spamlabels.track import warn_unless_probabilities
from spamlabels.track.spam import DEFAULT_WEIGHTS, SpamTracker
from spamlabels.train import TrainConfig, Trainer, TrainSequence
from spamlabels.train.gnn import training_log

__all__ = ["SelfTrainConfig", "SelfTrainResult", "noisy_copy", "pseudo_labels", "self_train"]


@dataclass(frozen=True)
class SelfTrainConfig:
    """Settings of :func:`self_train` (defaults: the recipe measured in docs/benchmarks.md
    section 8)."""

    rounds: int = 1
    """Teacher -> student rounds; each student teaches the next round."""
    min_conf: float = 0.1
    """Candidate detections the teacher tracks and the student trains on."""
    score_map: str = "none"
    """Detector scores to probabilities first (:func:`spamlabels.core.map_scores`)."""
    iterations: int = 200
    """Optimiser steps per round."""
    copies: int = 3
    """Noisy copies of every sequence added to the training set (0 = plain pseudo-labels)."""
    det_drop: float = 0.1
    """Probability that a detection is dropped in a noisy copy."""
    seg_p: float = 0.5
    """Probability that a pseudo track loses a run of frames in a noisy copy."""
    seg_max: int = 60
    """Longest run cut out of a pseudo track (frames; runs are 5..seg_max)."""
    clip_length: int = 128
    batch_size: int = 2
    long_clip_every: int = 4
    lr: float = 3e-4
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rounds", "iterations", "clip_length", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.copies < 0:
            raise ValueError(f"copies must be >= 0, got {self.copies}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        for name in ("det_drop", "seg_p"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.seg_max < 5:
            raise ValueError(f"seg_max must be >= 5 frames, got {self.seg_max}")
        if self.score_map not in SCORE_MAPS:
            raise ValueError(f"score_map must be one of {', '.join(SCORE_MAPS)}, "
                             f"got {self.score_map!r}")  # fmt: skip


@dataclass
class SelfTrainResult:
    """What :func:`self_train` did: the weights it wrote and, per round, the pseudo-labels'
    size and the time spent (seconds, wall clock)."""

    weights: Path
    rounds: list[dict[str, Any]] = field(default_factory=list)
    reused: bool = False
    """``out`` already held the weights of the same request (``reuse=True``): nothing ran."""


def pseudo_labels(
    tracker: SpamTracker,
    seq: MOTSequence,
    half: Half = "all",
    min_conf: float = 0.1,
    score_map: str = "none",
) -> TrainSequence:
    """Track one sequence (half) and turn the output into training labels.

    The scores are mapped by ``score_map`` (:func:`spamlabels.core.map_scores`) before the
    ``min_conf`` filter.

    Returns:
        A :class:`~spamlabels.train.TrainSequence` of the candidates (``conf >= min_conf``)
        whose ``gt_id`` is the pseudo track id (-1 = not in any output track).
    """
    dets = seq.det(half, score_map=score_map)
    warn_unless_probabilities(dets.score, seq.det_path)
    dets = dets[dets.score >= min_conf]
    n = seq.length(half)
    tracker.reset()
    tracks = tracker.track(dets, n, seq.info.frame_rate)
    row = np.asarray(tracks.data["det_index"], np.int64)
    real = row >= 0  # interpolated boxes have no detection row
    ids = np.full(len(dets), -1, np.int64)
    ids[row[real]] = tracks.id[real]
    size = (seq.info.im_width, seq.info.im_height)
    return TrainSequence(seq.name, dets, ids, seq.info.frame_rate, size, n)


def noisy_copy(
    seq: TrainSequence, rng: np.random.Generator, det_drop: float, seg_p: float, seg_max: int,
    name: str,
) -> TrainSequence:  # fmt: skip
    """``seq`` with detections dropped at random and occlusion-like runs cut out of tracks."""
    dets, ids = seq.dets, seq.gt_id
    keep = rng.random(len(dets)) >= det_drop
    for t in np.unique(ids[ids >= 0]):
        if rng.random() >= seg_p:
            continue
        rows = np.flatnonzero(ids == t)
        f = dets.frame[rows]
        length = int(rng.integers(5, seg_max + 1))
        first = int(rng.integers(f.min(), f.max() + 1))
        keep[rows[(f >= first) & (f < first + length)]] = False
    return TrainSequence(name, dets[keep], ids[keep], seq.fps, seq.image_size, seq.n_frames)


def _sha1(path: Path) -> str | None:
    """SHA-1 of a file's bytes (``None`` if it does not exist)."""
    if not path.is_file():
        return None
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def round_paths(out: Path, rounds: int) -> list[Path]:
    """The weights file each of ``rounds`` rounds writes, in order: ``out`` for the last,
    ``<stem>.round<r><suffix>`` beside it for the ones before."""
    return [out.with_name(f"{out.stem}.round{r}{out.suffix}") for r in range(1, rounds)] + [out]


def selftrain_request(seqs: Sequence[MOTSequence], half: Half = "all",
                      init: str | Path | None = None, config: SelfTrainConfig | None = None
                      ) -> dict[str, Any]:  # fmt: skip
    """What :func:`self_train` records in its weights' metadata (``source``) to say what they
    were trained from: the teacher (its resolved path), the sequences, the half and the
    recipe, with the SHA-1 of the teacher's, the det files' and the seqinfo.ini files' bytes
    (files edited at the same paths train anew)."""
    teacher = (Path(init) if init is not None else DEFAULT_WEIGHTS).resolve()
    return {"kind": "selftrain", "init": str(teacher), "half": half,
            "sequences": [s.name for s in seqs], "config": asdict(config or SelfTrainConfig()),
            "init_sha1": _sha1(teacher),
            "dets_sha1": [_sha1(s.det_path) for s in seqs],
            "info_sha1": [_sha1(s.root / "seqinfo.ini") for s in seqs]}  # fmt: skip


_SAID = {"init": "--weights", "init_sha1": "the teacher's bytes", "half": "--half",
         "sequences": "the sequences", "dets_sha1": "the det files",
         "info_sha1": "the seqinfo.ini files", "config.min_conf": "--min-conf",
         "config.score_map": "--score-map", "config.rounds": "--rounds",
         "config.iterations": "--iterations", "config.copies": "--copies",
         "config.seed": "--seed"}  # fmt: skip
"""How :func:`request_differences` names a field of the request (others: ``the recipe's
<field>``, fields of :class:`SelfTrainConfig` no option sets)."""


def request_differences(path: str | Path, request: dict[str, Any]) -> list[str]:
    """What differs between ``request`` (:func:`selftrain_request`) and the one the weights
    file ``path`` (a round's, or its ``.partial`` checkpoint) was self-trained for, as the
    user would name it (``--seed``, ``the det files``; ``not a spamlabels checkpoint`` when
    it cannot be read); ``[]`` when nothing does."""
    source = _source(path)
    if source is None:
        return ["not a spamlabels checkpoint"]
    return _differences(source, request)


def _source(path: str | Path) -> dict[str, Any] | None:
    """The ``source`` a weights file records (``None``: not a checkpoint of ours)."""
    from spamlabels.nn import read_checkpoint_meta

    try:
        return read_checkpoint_meta(path).get("source") or {}
    except DataFormatError:
        return None


def _differences(source: dict[str, Any], request: dict[str, Any]) -> list[str]:
    """:func:`request_differences` of a ``source`` already read."""
    if source.get("kind") != "selftrain":
        return ["not self-trained weights"]
    out, unrecorded = [], []
    for key, want in request.items():
        if key not in source:
            unrecorded.append(key)
        elif isinstance(want, dict) and isinstance(source[key], dict):
            for k, v in want.items():
                if k not in source[key]:
                    unrecorded.append(f"config.{k}")
                elif source[key][k] != v:
                    out.append(f"config.{k}")
        elif source[key] != want:
            out.append(key)
    said = [_SAID.get(k, f"the recipe's {k.removeprefix('config.')}") for k in out]
    if unrecorded:  # weights of an older version of this command
        said.append(
            "an older version's record (without "
            + ", ".join(_SAID.get(k, k.removeprefix("config.")) for k in unrecorded)
            + ")"
        )
    return said


def of_request(path: str | Path, request: dict[str, Any], round_: int | None = None) -> bool:
    """Whether the weights file ``path`` (a round's, or its ``.partial`` checkpoint) was
    self-trained for ``request`` (:func:`selftrain_request`), in round ``round_`` if given."""
    source = _source(path)  # (None for a missing file too)
    if source is None or _differences(source, request):
        return False
    return round_ in (None, source.get("round"))


def partial_path(target: Path) -> Path:
    """The checkpoint a round trains into before it becomes ``target``."""
    return target.with_name(target.name + ".partial")


def _discard(partial: Path) -> None:
    """Remove a round's checkpoint and its training log."""
    partial.unlink(missing_ok=True)
    training_log(partial).unlink(missing_ok=True)


def _fit_round(trainer: Trainer, target: Path, meta: dict[str, Any], resume: bool,
               progress: bool) -> None:  # fmt: skip
    """Train one round into ``target``'s ``.partial`` checkpoint (continued from it when
    ``resume``), then move it and its log onto ``target``. An interrupted round keeps the
    checkpoint and its log, and so does a failed resumed one (an earlier run saved it; the
    checkpoints are written atomically); any other failure, or an interruption before the
    first checkpoint, removes both."""
    partial = partial_path(target)
    log = training_log(partial)
    if resume:
        trainer.resume(partial)
    else:
        _discard(partial)
    try:
        trainer.fit(partial, meta=meta, progress=progress)
        os.replace(partial, target)
    except KeyboardInterrupt:  # the checkpoint is kept: reuse / --resume continues it
        if not partial.exists():
            log.unlink(missing_ok=True)
        raise
    except BaseException:
        if not resume:
            _discard(partial)
        raise
    if log.exists():
        os.replace(log, training_log(target))


def _check_outputs(targets: Sequence[Path], reads: Sequence[Path], teacher: Path) -> None:
    """Refuse, before any work, round files (weights, checkpoints, logs) that cannot be
    written or would overwrite an input. The teacher may be replaced by the last round's
    weights (fine-tuning in place), never by a checkpoint or a log (a round removes them)."""
    for target in targets:
        for path in (target, training_log(target)):
            check_output_file(path, reads)
        for path in (partial_path(target), training_log(partial_path(target))):
            check_output_file(path, [*reads, teacher])


def _round_data(
    teacher: SpamTracker, seqs: Sequence[MOTSequence], half: Half, cfg: SelfTrainConfig, r: int
) -> tuple[list[TrainSequence], tuple[int, int, int]]:
    """Round ``r``'s training set: the teacher's pseudo-labels of every sequence and their
    noisy copies; with the numbers of candidates, pseudo boxes and pseudo tracks."""
    rng = np.random.default_rng([cfg.seed, r])
    data: list[TrainSequence] = []
    n_tracks = n_boxes = n_cands = 0
    for seq in seqs:
        teacher.image_size = (seq.info.im_width, seq.info.im_height)
        base = pseudo_labels(teacher, seq, half, cfg.min_conf, cfg.score_map)
        data.append(base)
        n_cands += len(base.dets)
        n_boxes += int((base.gt_id >= 0).sum())
        n_tracks += len(np.unique(base.gt_id[base.gt_id >= 0]))
        for c in range(cfg.copies):
            data.append(noisy_copy(base, rng, cfg.det_drop, cfg.seg_p, cfg.seg_max,
                                   f"{seq.name}-noisy{c}"))  # fmt: skip
    return data, (n_cands, n_boxes, n_tracks)


def self_train(
    seqs: Sequence[MOTSequence],
    out: str | Path,
    half: Half = "all",
    init: str | Path | None = None,
    config: SelfTrainConfig | None = None,
    progress: bool = True,
    threads: int = 0,
    reuse: bool = False,
) -> SelfTrainResult:
    """Fine-tune ``init`` (default: the shipped synthetic-only weights) on its own
    pseudo-labels of ``seqs`` and write the student to ``out``.

    Every round trains into ``<round file>.partial`` (atomic checkpoints every quarter of the
    iterations) and renames it at the end, so ``out`` is never a half-trained model; with
    several rounds, the students of the rounds before the last are kept as
    ``<out stem>.round<r><suffix>`` (to measure what a round adds). An interrupted round
    (``KeyboardInterrupt``) keeps its ``.partial`` checkpoint for ``reuse``; any other
    failure removes it.

    Args:
        seqs: target sequences (``det/det.txt``; no ``gt/`` needed).
        out: weights file to write.
        half: the part of every sequence to use.
        init: first teacher and student.
        config: recipe.
        progress: progress bars.
        threads: torch threads (0 = torch's default).
        reuse: when ``out`` exists and was self-trained from the same weights on the same
            sequences, half and recipe (its metadata says so), return it instead of training
            again (e.g. a second ``spam label --selftrain`` with more budget). Likewise keep
            the rounds an interrupted run of the same request finished, and continue its
            interrupted round from its last checkpoint (``spam selftrain --resume``). The
            checkpoint holds the optimiser's and the random generators' state, so the weights
            end bit-identical to an uninterrupted run's (a test checks it; the first log line
            after the checkpoint averages only the steps after it). Work of another request
            is replaced.
    """
    import torch

    from spamlabels.nn import load_checkpoint

    if not seqs:
        raise ValueError("no sequences to self-train on")
    if threads > 0:
        torch.set_num_threads(threads)
    cfg = config or SelfTrainConfig()
    out = Path(out)
    teacher_path = Path(init) if init is not None else DEFAULT_WEIGHTS
    targets = round_paths(out, cfg.rounds)
    _check_outputs(targets, [p for s in seqs for p in s.input_files], teacher_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    request = selftrain_request(seqs, half, init, cfg)
    result = SelfTrainResult(out)

    def same_request(path: Path, r: int | None = None) -> bool:
        return of_request(path, request, r)

    if reuse and same_request(out):
        for target in targets:  # checkpoints of this request are stale now
            if same_request(partial_path(target)):
                _discard(partial_path(target))
        result.reused = True
        return result
    if not reuse:  # afresh: no checkpoint of an earlier run is left to be taken for this one's
        for target in targets:
            _discard(partial_path(target))
    continuing = reuse  # until a round trains: the later rounds' work had another teacher
    for r in range(1, cfg.rounds + 1):
        target = targets[r - 1]
        partial = partial_path(target)
        if continuing and same_request(target, r):  # a round an interrupted run finished
            result.rounds.append({"round": r, "weights": str(target), "teacher": str(teacher_path),
                                  "reused": True})  # fmt: skip
            teacher_path = target
            continue
        t0 = time.perf_counter()
        teacher = SpamTracker(teacher_path)  # loaded once per round
        data, (n_cands, n_boxes, n_tracks) = _round_data(teacher, seqs, half, cfg, r)
        t_label = time.perf_counter() - t0
        if not n_cands:
            raise ValueError(f"no candidate detections (confidence >= {cfg.min_conf:g}) in "
                             f"{', '.join(str(s.det_path) for s in seqs)}")  # fmt: skip
        train_cfg = TrainConfig(iterations=cfg.iterations, batch_size=cfg.batch_size,
                                clip_length=cfg.clip_length, level_unlock=1,
                                min_conf=cfg.min_conf, lr=cfg.lr, seed=cfg.seed + r - 1,
                                checkpoint_every=max(cfg.iterations // 4, 1),
                                long_clip_every=cfg.long_clip_every)  # fmt: skip
        meta = {"source": {**request, "round": r, "teacher": str(teacher_path)}}
        # the student is built as the teacher was trained (the tracker read it from the weights)
        hierarchy = HierarchyConfig(context_motion=bool(teacher.config.context_motion))
        trainer = Trainer(load_checkpoint(teacher_path), data, train_cfg, hierarchy)
        _fit_round(trainer, target, meta, continuing and same_request(partial, r), progress)
        continuing = False
        result.rounds.append({
            "round": r, "weights": str(target), "teacher": str(teacher_path),
            "candidates": n_cands, "pseudo_boxes": n_boxes, "pseudo_tracks": n_tracks,
            "label_seconds": round(t_label, 1),
            "train_seconds": round(time.perf_counter() - t0 - t_label, 1),
        })  # fmt: skip
        teacher_path = target
    return result
