"""How well GNN_node tells real weak candidates (0.1 <= conf < 0.6) apart, per checkpoint.

For each ``--weights`` (or ``conf``: the detector confidence itself as the score), the tracker
runs on the seven MOT17 YOLOX halves (``--half``) and GNN_node's probability of every weak
candidate is compared with the oracle's truth (``SequenceTruth``: Hungarian, IoU >= 0.5):
ROC AUC, and how many weak candidates reach p >= 0.8 (the shipped keep threshold) and p >= 0.5,
with the share of true boxes among them. Where clips overlap, the two probabilities are averaged.

    python benchmarks/gnn_node_auc.py --half val --weights conf spamlabels/weights/spam_synth.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from spamlabels.active import SequenceTruth
from spamlabels.io import MOTSequence
from spamlabels.track import create_tracker
from spamlabels.track.spam import SpamTracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def roc_auc(score: NDArray[np.float64], label: NDArray[np.bool_]) -> float:
    """Area under the ROC curve (Mann-Whitney; tied scores share their average rank, so a tie
    between a true and a false sample counts one half). NaN without both classes."""
    from scipy.stats import rankdata

    n1 = int(label.sum())
    n0 = len(label) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    rank = rankdata(score)
    return float((rank[label].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def weak_probs(seq: MOTSequence, half: str, weights: str) -> tuple[NDArray[np.float64],
                                                                   NDArray[np.bool_]]:  # fmt: skip
    """GNN_node probability (or confidence) and truth of the weak candidates of one half."""
    dets = seq.det(half)  # type: ignore[arg-type]
    dets = dets[dets.score >= 0.1]
    truth = SequenceTruth.from_ground_truth(dets, seq.gt(half))  # type: ignore[arg-type]
    weak = dets.score < 0.6
    if weights == "conf":
        return dets.score[weak], (truth.gt_id >= 0)[weak]
    tracker = create_tracker("spam", image_size=(seq.info.im_width, seq.info.im_height),
                             weights=weights)  # fmt: skip
    assert isinstance(tracker, SpamTracker)
    tracker.track(dets, seq.length(half), seq.info.frame_rate)  # type: ignore[arg-type]
    total, count = np.zeros(len(dets)), np.zeros(len(dets))
    for clip in tracker.last_clips:
        rec = clip.hierarchy.records[0]  # the GNN_node level
        assert rec.node_prob is not None
        total[clip.det_index] += rec.node_prob[rec.det_to_node]
        count[clip.det_index] += 1
    return (total / np.maximum(count, 1))[weak], (truth.gt_id >= 0)[weak]


def main() -> None:
    """Print one line per checkpoint."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val"), default="val")
    ap.add_argument("--weights", nargs="+", default=["conf", "spamlabels/weights/spam_synth.pt"])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX") for s in SEQS]
    for weights in args.weights:
        parts = [weak_probs(seq, args.half, weights) for seq in seqs]
        p = np.concatenate([x[0] for x in parts])
        y = np.concatenate([x[1] for x in parts])
        hi, mid = p >= 0.8, p >= 0.5
        print(f"{args.half} {weights}: {len(p)} weak candidates, {y.mean():.2f} true, "
              f"AUC {roc_auc(p, y):.3f}; p >= 0.8: {int(hi.sum())} "
              f"({y[hi].mean() if hi.any() else float('nan'):.2f} true), p >= 0.5: "
              f"{int(mid.sum())} ({y[mid].mean() if mid.any() else float('nan'):.2f} true)",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
