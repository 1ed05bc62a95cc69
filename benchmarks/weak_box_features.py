"""Is a real weak candidate's truth in its geometry? A classifier trained on real labels.

Experiment only (it learns from MOT17 ground truth; nothing is saved). Every weak candidate
(0.1 <= conf < 0.6) of the seven MOT17 YOLOX halves gets the hand-made features below; a
logistic regression and a small MLP learn true vs false (the oracle's matching,
``SequenceTruth``) on the *train* halves and are scored (ROC AUC) on the *validation* halves,
next to the detector confidence alone. Compare with GNN_node's AUC
(``benchmarks/gnn_node_auc.py``): if a classifier given real labels does no better, the
information is not in what the graph sees.

Features: confidence; log height, aspect ratio, bottom edge / image height; the largest IoU
with a more confident candidate of the same frame and that candidate's confidence; for frame
offsets -1, +1, -3, +3, -8, +8: the best IoU with a candidate of that frame, its confidence,
and the best IoU with a strong (conf >= 0.6) candidate there.

    python benchmarks/weak_box_features.py   # ~20 s
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from spamlabels.active import SequenceTruth
from spamlabels.core import box_iou
from spamlabels.io import MOTSequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gnn_node_auc import roc_auc

SEQS = ("02", "04", "05", "09", "10", "11", "13")
OFFSETS = (-1, 1, -3, 3, -8, 8)


def features(seq: MOTSequence, half: str) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """``(n_weak, 4 + 2 + 3 * len(OFFSETS))`` features and truth of one half's weak
    candidates."""
    dets = seq.det(half)  # type: ignore[arg-type]
    dets = dets[dets.score >= 0.1]
    true = SequenceTruth.from_ground_truth(dets, seq.gt(half)).gt_id >= 0  # type: ignore[arg-type]
    xyxy, score = dets.xyxy, dets.score
    rows_of = {int(f): dets.rows_at(int(f)) for f in np.unique(dets.frame)}
    weak = np.flatnonzero(score < 0.6)
    out = []
    for i in weak:
        f, box = int(dets.frame[i]), xyxy[i : i + 1]
        h = xyxy[i, 3] - xyxy[i, 1]
        row = [score[i], np.log(h), (xyxy[i, 2] - xyxy[i, 0]) / h, xyxy[i, 3] / seq.info.im_height]
        same = rows_of[f][rows_of[f] != i]
        stronger = same[score[same] > score[i]]
        if len(stronger):
            iou = box_iou(box, xyxy[stronger])[0]
            row += [iou.max(), score[stronger][np.argmax(iou)]]
        else:
            row += [0.0, 0.0]
        for dt in OFFSETS:
            other = rows_of.get(f + dt, np.zeros(0, np.int64))
            if len(other):
                iou = box_iou(box, xyxy[other])[0]
                j = int(np.argmax(iou))
                row += [iou[j], score[other][j], np.where(score[other] >= 0.6, iou, 0.0).max()]
            else:
                row += [0.0, 0.0, 0.0]
        out.append(row)
    return np.asarray(out, np.float32), true[weak]


def main() -> None:
    """Fit on the train halves, print AUCs on both halves."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX") for s in SEQS]
    data = {}
    for half in ("train", "val"):
        parts = [features(seq, half) for seq in seqs]
        data[half] = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    x_tr, y_tr = data["train"]
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0) + 1e-6
    print(f"weak candidates: train {len(y_tr)} ({y_tr.mean():.2f} true), "
          f"val {len(data['val'][1])} ({data['val'][1].mean():.2f} true)")  # fmt: skip
    print(f"confidence alone: AUC train {roc_auc(x_tr[:, 0], y_tr):.3f} "
          f"val {roc_auc(data['val'][0][:, 0], data['val'][1]):.3f}")  # fmt: skip
    n_in = x_tr.shape[1]
    mlp = [torch.nn.Linear(n_in, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU()]
    nets = {
        "logistic regression": torch.nn.Linear(n_in, 1),
        "MLP 64-64": torch.nn.Sequential(*mlp, torch.nn.Linear(64, 1)),
    }
    xs = {h: torch.tensor((x - mean) / std) for h, (x, _) in data.items()}
    target = torch.tensor(y_tr, dtype=torch.float32)
    for name, net in nets.items():
        torch.manual_seed(0)
        for p in net.parameters():  # the same start whatever ran before
            torch.nn.init.normal_(p, std=0.1)
        opt = torch.optim.Adam(net.parameters(), lr=1e-2 if name.startswith("log")
                               else 3e-3, weight_decay=1e-4)  # fmt: skip
        for _ in range(args.steps):  # full batch
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(xs["train"])[:, 0],
                                                                        target)  # fmt: skip
            loss.backward()
            opt.step()
        with torch.no_grad():
            auc = {h: roc_auc(net(xs[h])[:, 0].numpy(), data[h][1]) for h in data}
        print(f"{name}: AUC train {auc['train']:.3f} val {auc['val']:.3f}", flush=True)


if __name__ == "__main__":
    main()
