"""The weak boxes ByteTrack keeps, given to SPAM: is its selection what SPAM lacks?

ByteTrack (official parameters) runs on the candidates of conf >= 0.1 of the seven MOT17 YOLOX
halves; a weak candidate (conf < 0.6) counts as used when an output box of its frame has its
confidence and IoU > 0.5 with it. SPAM then runs without GNN_node on the strong candidates
alone (setting A) and on the strong ones plus ByteTrack's weak ones ("A + ByteTrack's weak");
setting C (GNN_node on all candidates) for reference. Truth of the used boxes: the oracle's
matching (``SequenceTruth``).

    python benchmarks/bytetrack_weak_boxes.py --half val
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from spamlabels.active import SequenceTruth
from spamlabels.core import Detections, Tracks, box_iou
from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence
from spamlabels.track import create_tracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def used_weak(dets: Detections, out: Tracks) -> NDArray[np.bool_]:
    """Weak candidates (conf < 0.6) that ByteTrack's output ``out`` holds."""
    used = np.zeros(len(dets), bool)
    weak = np.flatnonzero(dets.score < 0.6)
    for frame in np.unique(dets.frame[weak]):
        rows = weak[dets.frame[weak] == frame]
        o = out.rows_at(int(frame))
        if not len(o):
            continue
        same = np.isclose(dets.score[rows][:, None], out.score[o][None, :])
        used[rows[(box_iou(dets.xyxy[rows], out.xyxy[o]) * same).max(axis=1) > 0.5]] = True
    return used


def main() -> None:
    """Print ByteTrack's weak boxes and the three SPAM runs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val"), default="val")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    runs: dict[str, dict[str, Any]] = {"A": {}, "A + ByteTrack's weak": {}, "C": {}}
    n_used = n_true = n_true_weak = 0
    for s in SEQS:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets = seq.det(args.half)
        dets = dets[dets.score >= 0.1]
        n, gt, fps = seq.length(args.half), seq.gt(args.half), seq.info.frame_rate
        used = used_weak(dets, create_tracker("bytetrack").track(dets, n, fps))
        true = SequenceTruth.from_ground_truth(dets, gt).gt_id >= 0
        n_used += int(used.sum())
        n_true += int((used & true).sum())
        n_true_weak += int((true & (dets.score < 0.6)).sum())
        size = (seq.info.im_width, seq.info.im_height)
        strong = dets.score >= 0.6
        for name, keep, node in (("A", strong, False), ("A + ByteTrack's weak", strong | used,
                                 False), ("C", np.ones(len(dets), bool), True)):  # fmt: skip
            tracker = create_tracker("spam", image_size=size, node_level=node)
            runs[name][seq.name] = (gt, tracker.track(dets[keep], n, fps), n)
    print(f"{args.half}: ByteTrack keeps {n_used} weak candidates, {n_true / max(n_used, 1):.2f} "
          f"of them true; {n_true_weak} weak candidates are true in all")  # fmt: skip
    for name, inputs in runs.items():
        c = evaluate(inputs).table["COMBINED"]
        print(f"{args.half} {name}: HOTA {c['HOTA']:.2f} DetA {c['DetA']:.2f} "
              f"AssA {c['AssA']:.2f} IDSW {int(c['IDSW'])}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
