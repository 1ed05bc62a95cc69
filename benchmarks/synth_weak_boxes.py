"""Weak candidates of the simulated detector against real YOLOX ones, per confidence bin.

What GNN_node and the edge levels see of a weak box: how well a true one is placed (IoU with
its ground-truth box), how visible its person is, how much true and false ones overlap a more
confident candidate of the same frame (an occluder, or the box they duplicate), and how tall
false ones are. Real: the YOLOX detections of the seven MOT17 validation halves; simulated:
``--sequences`` scenes drawn like ``spam synth`` draws them, per ``--presets`` entry (the same
scenes for every preset). Matching as in ``benchmarks/synth_detector_stats.py``.

    python benchmarks/synth_weak_boxes.py --presets yolox yolox-weak   # ~20 s
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_detector_stats import DEFAULT_DATA, real_pairs, sim_pairs

from spamlabels.core import Detections, Tracks, box_iou
from spamlabels.synth import match_detections

BINS = ((0.1, 0.3), (0.3, 0.6), (0.6, 1.01))


def _columns(pairs: list[tuple[Tracks, Detections]]) -> NDArray[np.float64]:
    """Per candidate (conf >= 0.1): conf, true, IoU with its box, visibility of its box,
    largest IoU with a more confident candidate of its frame, height (px)."""
    out = []
    for gt, det in pairs:
        det = det[det.score >= 0.1]
        m = match_detections(gt, det)
        gt_eval = gt[m.gt_rows]
        true = m.det_gt >= 0
        vis = np.where(true, gt_eval.visibility[np.maximum(m.det_gt, 0)], np.nan)
        over = np.zeros(len(det))
        xyxy = det.xyxy
        for frame in det.frames():
            r = det.rows_at(frame)
            if len(r) < 2:
                continue
            iou = box_iou(xyxy[r], xyxy[r])
            stronger = det.score[r][None, :] > det.score[r][:, None]
            over[r] = np.where(stronger, iou, 0.0).max(axis=1)
        out.append(np.column_stack([det.score, true, m.det_iou, vis, over, det.xywh[:, 3]]))
    return np.concatenate(out)


def _q(x: NDArray[np.float64], digits: int = 2) -> str:
    if not len(x):
        return "-"
    return " / ".join(f"{v:.{digits}f}" for v in np.nanquantile(x, [0.1, 0.5, 0.9]))


def main() -> int:
    """Print one table row per source and confidence bin."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--presets", nargs="+", default=["yolox", "yolox-weak"])
    ap.add_argument("--sequences", type=int, default=12)
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sources = {"real YOLOX": _columns(list(real_pairs(args.data, "YOLOX")))}
    for name in args.presets:
        sources[f"sim {name}"] = _columns(sim_pairs(name, args.sequences, args.frames, args.seed))
    print("| source | conf | precision | true: IoU with gt q10 / median / q90 | true: visibility "
          "median | true / false: overlap with a stronger candidate, median / q90 | false: "
          "height px q10 / median / q90 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, a in sources.items():
        for lo, hi in BINS:
            s = a[(a[:, 0] >= lo) & (a[:, 0] < hi)]
            t, f = s[s[:, 1] == 1], s[s[:, 1] == 0]
            ov = (f"{np.median(t[:, 4]):.2f} / {np.quantile(t[:, 4], 0.9):.2f}; "
                  f"{np.median(f[:, 4]):.2f} / {np.quantile(f[:, 4], 0.9):.2f}")  # fmt: skip
            print(f"| {name} | {lo:.1f}-{min(hi, 1.0):.1f} | {len(t) / max(len(s), 1):.2f} | "
                  f"{_q(t[:, 2])} | {np.nanmedian(t[:, 3]):.2f} | {ov} | {_q(f[:, 5], 0)} |",
                  flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
