"""Where the SPAM hierarchy loses links: per-level recall of true links on MOT17 YOLOX halves.

For every GNN_edge level it counts, over the first clip (``--clip`` frames) of each sequence:

- ``possible``: consecutive (in time) nodes of one ground-truth object in one window of the
  level, i.e. links the level could still make;
- ``overlap``: of these, pairs whose nodes overlap in time (no time-valid edge can join them;
  one of the nodes mixes objects or a duplicate was linked);
- ``candidate``: links that survived the graph pruning (time-valid, reciprocal top-k);
- ``linked``: links active after rounding;
- ``wrong``: active edges between two different objects (``wrong_fp``: one end a false
  positive);
- the 10 / 25 / 50 % quantiles of the model's probability on the candidate true links.

Ground-truth ids come from ``assign_gt_ids`` (IoU >= 0.5 with pedestrians, class 1). The
inference settings are those of ``SpamConfig`` unless overridden, e.g.

    python benchmarks/spam_level_recall.py --half train --conf 0.6 --no-node-level
    python benchmarks/spam_level_recall.py --half val --seqs 02 --edge-threshold 0.5 --top-k 10
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import torch
from tabulate import tabulate

from spamlabels.graph import ClipHierarchy, HierarchyConfig
from spamlabels.graph.labels import assign_gt_ids
from spamlabels.io import MOTSequence
from spamlabels.nn import load_checkpoint
from spamlabels.track.spam import DEFAULT_WEIGHTS, SpamConfig, run_hierarchy

SEQS = ("02", "04", "05", "09", "10", "11", "13")
COLUMNS = ("possible", "overlap", "candidate", "linked", "wrong", "wrong_fp")


def level_counts(h: ClipHierarchy) -> dict[int, dict[str, object]]:
    """Counts of :data:`COLUMNS` (and the probabilities of candidate true links) per level of
    a hierarchy built with ``gt_id`` and run by :func:`run_hierarchy`."""
    out: dict[int, dict[str, object]] = {}
    for r in h.records:
        g = r.graph
        if g.level == 0 or g.node_gt is None or g.edge_label is None or r.active is None:
            continue
        ng, act, lab = g.node_gt, r.active, g.edge_label > 0.5
        order = np.lexsort((g.node_start, ng))
        a, b = order[:-1], order[1:]
        window = (g.node_start - h.clip_start) // g.coverage
        possible = (ng[a] == ng[b]) & (ng[a] >= 0) & (window[a] == window[b])
        overlap = possible & (g.node_end[a] >= g.node_start[b])
        wrong = act & (ng[g.src] != ng[g.dst])
        wrong_fp = wrong & ((ng[g.src] < 0) | (ng[g.dst] < 0))
        assert r.edge_prob is not None
        out[g.level] = {
            "possible": int(possible.sum()), "overlap": int(overlap.sum()),
            "candidate": int(lab.sum()), "linked": int((act & lab).sum()),
            "wrong": int((wrong & ~wrong_fp).sum()), "wrong_fp": int(wrong_fp.sum()),
            "prob": r.edge_prob[lab],
        }  # fmt: skip
    return out


def main() -> None:
    """Run the first clip of every sequence and print one row per level."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="train")
    ap.add_argument("--seqs", nargs="+", default=list(SEQS))
    ap.add_argument("--conf", type=float, default=0.1, help="candidate threshold")
    ap.add_argument("--no-node-level", action="store_true")
    ap.add_argument("--edge-threshold", type=float, default=None)
    ap.add_argument("--top-k", type=int, default=None)
    ap.add_argument("--clip", type=int, default=512, help="frames of the clip")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_checkpoint(args.weights).eval()
    spam = SpamConfig()
    overrides = {"edge_threshold": args.edge_threshold, "top_k": args.top_k}
    spam = dataclasses.replace(spam, **{k: v for k, v in overrides.items() if v is not None})
    config = HierarchyConfig(top_k=spam.top_k, node_threshold=spam.node_threshold,
                             node_keep_conf=spam.node_keep_conf,
                             edge_threshold=spam.edge_threshold)  # fmt: skip
    total: dict[int, dict[str, list]] = {}
    for s in args.seqs:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets = seq.det(args.half)
        dets = dets[dets.score >= args.conf]
        dets = dets[dets.frame < int(dets.frame.min(initial=1)) + args.clip]
        gt = seq.gt(args.half)
        h = ClipHierarchy(dets.frame, dets.xywh, dets.score, seq.info.frame_rate,
                          (seq.info.im_width, seq.info.im_height),
                          gt_id=assign_gt_ids(dets, gt[gt.cls == 1]), config=config)  # fmt: skip
        run_hierarchy(model, h, node_level=not args.no_node_level)
        for level, counts in level_counts(h).items():
            row = total.setdefault(level, {k: [] for k in (*COLUMNS, "prob")})
            for k, v in counts.items():
                row[k].append(v)
    rows = []
    for level, row in sorted(total.items()):
        c = {k: sum(row[k]) for k in COLUMNS}
        prob = np.concatenate(row["prob"]) if row["prob"] else np.zeros(0)
        q = np.quantile(prob, [0.1, 0.25, 0.5]) if len(prob) else [np.nan] * 3
        rows.append([level, *(c[k] for k in COLUMNS),
                     c["candidate"] / max(c["possible"], 1), c["linked"] / max(c["possible"], 1),
                     " / ".join(f"{v:.2f}" for v in q)])  # fmt: skip
    node = "off" if args.no_node_level else "on"
    print(f"{args.half} halves, conf >= {args.conf}, GNN_node {node}, edge threshold "
          f"{spam.edge_threshold}, top-k {spam.top_k}, first {args.clip} frames of "
          f"{len(args.seqs)} sequences")  # fmt: skip
    print(tabulate(rows, headers=["level", *COLUMNS, "cand. recall", "link recall",
                                  "p true links q10/25/50"], floatfmt=".3f"))  # fmt: skip


if __name__ == "__main__":
    main()
