"""Self-training probe (issue 5): fine-tune the shipped synthetic-only weights on their own
pseudo-labels of MOT17 YOLOX halves, with no ground truth.

Superseded by ``spam selftrain`` (``spamlabels.engine.self_train``, the same pseudo-labels and
noise; its seeds differ), kept to reproduce the first measurements of docs/benchmarks.md
section 8 exactly. The teacher (``SpamTracker`` with the shipped weights and settings,
candidates conf >= 0.1, GNN_node on) tracks every sequence half; each candidate detection gets
the id of the output track that holds it (-1 = left out, a false positive for training).
Optionally, ``--copies`` noisy copies of each sequence are added ("noisy student"): every
detection is dropped with probability ``--det-drop`` and, per pseudo track with probability
``--seg-p``, a run of 5..``--seg-max`` frames of its detections is removed (a simulated
occlusion the student must bridge, with the teacher's link as the label). The student starts
from the shipped weights and trains with the recipe of the fine-tuning runs (200 steps,
128-frame clips, 2 clips per step, every level from the start, a 512-frame clip every 4th step,
lr 3e-4). Ground truth is never read; score the result with ``benchmarks/spam_mot17.py
--weights OUT``.

    python benchmarks/selftrain_mot17.py --half train --out runs/st/noisy1.pt
    python benchmarks/selftrain_mot17.py --half train --copies 0 --out runs/st/plain.pt
    python benchmarks/spam_mot17.py --weights runs/st/noisy1.pt --settings A C
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from spamlabels.engine import noisy_copy, pseudo_labels
from spamlabels.io import MOTSequence
from spamlabels.nn import load_checkpoint
from spamlabels.track.spam import DEFAULT_WEIGHTS, SpamTracker
from spamlabels.train import TrainConfig, Trainer
from spamlabels.train.gnn import TrainSequence

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def main() -> None:
    """Pseudo-label, build the training set, fine-tune."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="train")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--teacher", type=Path, default=DEFAULT_WEIGHTS)
    ap.add_argument("--init", type=Path, default=DEFAULT_WEIGHTS)
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--det-drop", type=float, default=0.1)
    ap.add_argument("--seg-p", type=float, default=0.5)
    ap.add_argument("--seg-max", type=int, default=60)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    data: list[TrainSequence] = []
    for s in SEQS:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        size = (seq.info.im_width, seq.info.im_height)
        teacher = SpamTracker(weights=args.teacher, image_size=size)
        base = pseudo_labels(teacher, seq, args.half, min_conf=0.1)
        data.append(base)
        for c in range(args.copies):
            data.append(noisy_copy(base, rng, args.det_drop, args.seg_p, args.seg_max,
                                   f"{seq.name}-noisy{c}"))  # fmt: skip
        ids = base.gt_id[base.gt_id >= 0]
        print(f"{seq.name}: {len(base.dets)} candidates, {len(ids)} in "
              f"{len(np.unique(ids))} pseudo tracks", flush=True)  # fmt: skip
    config = TrainConfig(iterations=args.iterations, batch_size=2, clip_length=128,
                         level_unlock=1, min_conf=0.1, lr=3e-4, seed=args.seed,
                         checkpoint_every=100, long_clip_every=4)  # fmt: skip
    model = load_checkpoint(args.init)
    meta = {"source": {"kind": "selftrain", **{k: str(v) for k, v in vars(args).items()}}}
    Trainer(model, data, config).fit(args.out, meta=meta)
    print(f"weights written to {args.out}")


if __name__ == "__main__":
    main()
