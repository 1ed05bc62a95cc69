"""How much each part of the hierarchy is worth: ground-truth decisions from level L upwards.

The shipped model decides levels ``1 .. L-1``; from level ``L`` on, every edge of the pruned
graph is clamped to its ground-truth label (design notes §1.10: linked iff the two nodes show
the same pedestrian and are consecutive), so the score is the ceiling of a perfect classifier
on the same candidates (the pruning and the lower levels' mistakes stay). ``L`` past the last
level = the model alone. MOT17 YOLOX halves, setting A (conf >= 0.6, no GNN_node) by default.

    python benchmarks/spam_level_oracle.py --half val --from-levels 99 7 5 3 1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from spamlabels.eval import evaluate
from spamlabels.graph import ClipHierarchy, LevelGraph
from spamlabels.graph.labels import assign_gt_ids
from spamlabels.io import MOTSequence
from spamlabels.track.spam import SpamTracker, run_hierarchy

SEQS = ("02", "04", "05", "09", "10", "11", "13")


class OracleFrom(SpamTracker):
    """The SPAM tracker with ground-truth edge decisions from level ``from_level`` on (the
    detections must carry ``data["gt_id"]``)."""

    def __init__(self, from_level: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.from_level = from_level

    def _clamp(self, graph: LevelGraph, prob: NDArray[np.float64]) -> NDArray[np.int8] | None:
        if graph.level < self.from_level or graph.edge_label is None:
            return None
        return np.where(graph.edge_label > 0.5, 1, -1).astype(np.int8)

    def run_clip(self, hierarchy: ClipHierarchy) -> None:
        run_hierarchy(self.model, hierarchy, self.config.node_level, self.device,
                      clamp_edges=self._clamp)  # fmt: skip


def main() -> None:
    """Print combined and per-sequence HOTA for every ``--from-levels`` value."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--conf", type=float, default=0.6)
    ap.add_argument("--node-level", action="store_true", help="run GNN_node (setting C)")
    ap.add_argument("--from-levels", type=int, nargs="+", default=[99, 7, 5, 3, 1])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = []
    for s in SEQS:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets = seq.det(args.half)
        dets = dets[dets.score >= args.conf]
        gt = seq.gt(args.half)
        gid = assign_gt_ids(dets, gt[gt.cls == 1])
        data.append((seq, dets.replace(data={**dets.data, "gt_id": gid}), gt))
    for level in args.from_levels:
        inputs = {}
        for seq, dets, gt in data:
            n = seq.length(args.half)
            tracker = OracleFrom(level, frame_rate=seq.info.frame_rate,
                                 image_size=(seq.info.im_width, seq.info.im_height),
                                 node_level=args.node_level)  # fmt: skip
            inputs[seq.name] = (gt, tracker.track(dets, n), n)
        table = evaluate(inputs).table
        c = table.pop("COMBINED")
        per = " ".join(f"{k[6:8]}:{v['HOTA']:.1f}" for k, v in table.items())
        print(f"{args.half} conf>={args.conf} ground truth from level {level}: "
              f"HOTA {c['HOTA']:.1f} DetA {c['DetA']:.1f} AssA {c['AssA']:.1f} "
              f"IDSW {int(c['IDSW'])} | {per}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
