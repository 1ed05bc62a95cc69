"""Training data for the GNN hierarchy: generated scenes or MOTChallenge folders with gt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from spamlabels.core import Half
from spamlabels.io import discover_sequences
from spamlabels.synth import DetectorConfig, sample_config, simulate_scene
from spamlabels.synth.reid import simulate_embeddings
from spamlabels.train.gnn import TrainSequence, make_train_sequence

__all__ = ["mot_sequences", "synthetic_sequences"]


def synthetic_sequences(
    n_sequences: int, n_frames: int = 300, seed: int = 0, min_conf: float = 0.01,
    progress: bool = True, appearance: bool = False, detector: DetectorConfig | None = None,
    slow_share: float = 0.0,
) -> list[TrainSequence]:  # fmt: skip
    """Generate ``n_sequences`` varied synthetic scenes in memory (``spamlabels.synth``:
    crowd size, frame rate, camera pose and motion drawn per sequence from ``seed``) with
    simulated over-complete detections and exact ground truth.

    With ``appearance``, every detection also gets a simulated 128-d re-ID embedding
    (:func:`spamlabels.synth.reid.simulate_embeddings`, ``dets.data["embedding"]``), drawn
    from a separate random stream: the scenes and detections are the same either way.
    ``detector``: the simulated detector's parameters (default: the ``"yolox"`` preset).
    ``slow_share``: share of loitering crowds (:func:`spamlabels.synth.sample_config`)."""
    out = []
    children = np.random.SeedSequence(seed).spawn(n_sequences)
    for i, child in enumerate(tqdm(children, desc="synth", disable=not progress, unit="seq")):
        rng = np.random.default_rng(child)
        config = sample_config(rng, n_frames=n_frames, detector=detector, slow_share=slow_share)
        info, gt, det = simulate_scene(config, seed=int(rng.integers(2**31)), name=f"SYNTH-{i:04d}")
        if appearance:
            emb_rng = np.random.default_rng(child.spawn(1)[0])
            emb = simulate_embeddings(det, info.frame_rate, emb_rng)
            det = det.replace(data={**det.data, "embedding": emb})
        out.append(make_train_sequence(info.name, det, gt, info.frame_rate,
                                       (info.im_width, info.im_height), info.seq_length,
                                       min_conf))  # fmt: skip
    return out


def mot_sequences(
    paths: Sequence[str | Path], half: Half = "all", min_conf: float = 0.01
) -> list[TrainSequence]:
    """MOTChallenge-layout sequences with ``gt/gt.txt`` (detections from ``det/det.txt``)."""
    out = []
    for seq in discover_sequences(list(paths)):
        n = seq.length(half)
        size = (seq.info.im_width, seq.info.im_height)
        out.append(make_train_sequence(seq.name, seq.det(half), seq.gt(half), seq.info.frame_rate,
                                       size, n, min_conf))  # fmt: skip
    return out
