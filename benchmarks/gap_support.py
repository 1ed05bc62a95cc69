"""Do weak boxes inside a gap tell a true link across it from a false one?

ByteTrack gains from weak candidates (conf 0.1-0.6) by keeping its tracks alive through an
occlusion. The SPAM hierarchy (setting A: boxes of conf >= 0.6 only, GNN_node off) bridges a
gap by an edge between the tracklet that ends before it and the one that starts after it.
This probe asks whether the weak candidates could vouch for such an edge: for every candidate
edge of every level whose two ends are at least 2 frames apart, ``support`` = the share of
``--samples`` frames spread evenly over the gap in which some weak candidate overlaps the box
linearly interpolated between the two ends with IoU >= ``--iou``. Printed per half: the ROC AUC
of ``support`` for the edge's ground-truth label (design notes §1.10) within bins of the
model's edge probability (does it add to what the model knows?), and, per gap length, the
AUC of the model's probability against that of ``support`` among the uncertain edges.

    python benchmarks/gap_support.py --halves train val
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import torch
from gnn_node_auc import roc_auc
from numpy.typing import NDArray

from spamlabels.core.boxes import box_iou_pairs, xywh_to_xyxy
from spamlabels.graph import ClipHierarchy, LevelGraph
from spamlabels.graph.labels import assign_gt_ids
from spamlabels.io import MOTSequence
from spamlabels.track.spam import SpamTracker, run_hierarchy

SEQS = ("02", "04", "05", "09", "10", "11", "13")
P_BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.01)
GAP_BINS = (1, 2, 8, 32, 10**9)


class GapSupport(SpamTracker):
    """Setting A's hierarchy, recording ``(level, gap, p, label, support)`` for every candidate
    edge. ``weak`` is ``(frames + 1, K, 4)`` xyxy of the weak candidates per frame, NaN-padded
    (a NaN box has IoU 0 with anything)."""

    def __init__(self, weak: NDArray[np.float64], samples: int, iou: float,
                 **kwargs: object) -> None:  # fmt: skip
        super().__init__(node_level=False, **kwargs)  # type: ignore[arg-type]
        self.weak, self.samples, self.iou = weak, samples, iou
        self.rows: list[NDArray[np.float64]] = []

    def _support(self, h: ClipHierarchy, g: LevelGraph) -> NDArray[np.float64]:
        """``(E,)`` support of ``g``'s edges (NaN for edges without a frame between the ends).
        Gaps shorter than ``samples`` frames are looked at frame by frame (repeats drop out)."""
        a = h._attributes(0)
        src, dst = g.src, g.dst
        f0, f1 = g.node_end[src], g.node_start[dst]
        out = np.full(len(src), np.nan)
        for e in np.flatnonzero(f1 - f0 >= 2):  # at least one frame between the two ends
            frames = np.unique(np.rint(np.linspace(f0[e], f1[e], self.samples + 2)[1:-1]))
            frames = frames[(frames > f0[e]) & (frames < f1[e])].astype(np.int64)
            w = ((frames - f0[e]) / (f1[e] - f0[e]))[:, None]
            box = xywh_to_xyxy(a.end_box[src[e]] * (1 - w) + a.start_box[dst[e]] * w)
            cand = self.weak[frames]  # (F, K, 4)
            k = cand.shape[1]
            iou = box_iou_pairs(np.repeat(box, k, axis=0), cand.reshape(-1, 4))
            out[e] = float((iou.reshape(-1, k).max(axis=1) >= self.iou).mean())
        return out

    def run_clip(self, hierarchy: ClipHierarchy) -> None:
        def record(g: LevelGraph, ep: NDArray[np.float64]) -> None:
            gap = (g.node_start[g.dst] - g.node_end[g.src] - 1).astype(float)
            label = g.edge_label if g.edge_label is not None else np.full(len(ep), np.nan)
            sup = self._support(hierarchy, g)
            self.rows.append(np.column_stack([np.full(len(ep), g.level), gap, ep, label, sup]))

        run_hierarchy(self.model, hierarchy, node_level=False, device=self.device,
                      clamp_edges=record)  # fmt: skip


def collect(data: Path, half: str, samples: int, iou: float) -> NDArray[np.float64]:
    """``(E, 5)`` rows ``(level, gap, p, label, support)`` over the seven sequences."""
    rows = []
    for s in SEQS:
        seq = MOTSequence.open(data / "train" / f"MOT17-{s}-YOLOX")
        dets, gt = seq.det(half), seq.gt(half)
        strong = dets[dets.score >= 0.6]
        weak = dets[(dets.score >= 0.1) & (dets.score < 0.6)]
        strong = strong.replace(data={**strong.data,
                                      "gt_id": assign_gt_ids(strong, gt[gt.cls == 1])})  # fmt: skip
        n_frames = seq.length(half)
        frames = max(n_frames, int(dets.frame.max(initial=0))) + 1
        per = np.bincount(weak.frame, minlength=frames)
        padded = np.full((frames, max(int(per.max(initial=0)), 1), 4), np.nan)
        order = np.argsort(weak.frame, kind="stable")
        fr = weak.frame[order]
        padded[fr, np.arange(len(fr)) - np.searchsorted(fr, fr)] = xywh_to_xyxy(weak.xywh[order])
        tracker = GapSupport(padded, samples, iou, frame_rate=seq.info.frame_rate,
                             image_size=(seq.info.im_width, seq.info.im_height))  # fmt: skip
        tracker.track(strong, n_frames)
        rows.extend(tracker.rows)
    return np.concatenate(rows)


def report(half: str, rows: NDArray[np.float64]) -> None:
    """Print the two tables of the module docstring for one half."""
    _, gap, p, label, sup = rows.T
    ok = np.isfinite(sup) & np.isfinite(label)
    print(f"\n{half} halves: {int(ok.sum())} candidate edges across a gap, "
          f"{int(label[ok].sum())} true")  # fmt: skip
    print("| p | edges | true | support, true / false | AUC of support |\n|---|---|---|---|---|")
    for lo, hi in itertools.pairwise(P_BINS):
        m = ok & (p >= lo) & (p < hi)
        y = label[m] > 0.5
        if not m.any():
            continue
        print(
            f"| {lo:.1f}-{min(hi, 1.0):.1f} | {int(m.sum())} | {int(y.sum())} | "
            f"{sup[m][y].mean():.2f} / {sup[m][~y].mean():.2f} | {roc_auc(sup[m], y):.3f} |"
        )
    print("\n| gap (frames), 0.1 <= p < 0.9 | edges | true | AUC of p | AUC of support |")
    print("|---|---|---|---|---|")
    for lo, hi in itertools.pairwise(GAP_BINS):
        m = ok & (gap >= lo) & (gap < hi) & (p >= 0.1) & (p < 0.9)
        y = label[m] > 0.5
        name = f"{lo}-{hi - 1}" if hi < 10**9 else f">= {lo}"
        print(
            f"| {name} | {int(m.sum())} | {int(y.sum())} | {roc_auc(p[m], y):.3f} | "
            f"{roc_auc(sup[m], y):.3f} |"
        )


def main() -> None:
    """Collect and report for each ``--halves``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--halves", nargs="+", choices=("train", "val"), default=["train", "val"])
    ap.add_argument("--samples", type=int, default=8, help="gap frames looked at per edge")
    ap.add_argument("--iou", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for half in args.halves:
        report(half, collect(args.data, half, args.samples, args.iou))


if __name__ == "__main__":
    main()
