"""What the confident false positives of the MOT17 YOLOX halves are.

The candidates of conf >= ``--min-conf`` are matched to the ground-truth pedestrians counted in
evaluation as the oracle annotator does (Hungarian per frame, IoU >= 0.5, all candidates at
once, so a weaker box may take a person). A candidate of conf >= ``--conf`` left unmatched is
put in the first kind that fits:

- ``duplicate``: IoU >= 0.5 with another candidate of the same frame at least as confident
  (matched or not);
- ``mislocalised``: IoU >= 0.3 with a counted ground-truth pedestrian;
- ``ignored``: IoU >= 0.5 with a ground-truth box that does not count (distractor, ignored
  region, other class): evaluation removes such a box instead of counting it as false;
- ``isolated``: none of these.

    python benchmarks/confident_fp_kinds.py --half val
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spamlabels.active import SequenceTruth, counted_boxes
from spamlabels.core import box_iou, xywh_to_xyxy
from spamlabels.io import MOTSequence

SEQS = ("02", "04", "05", "09", "10", "11", "13")
KINDS = ("duplicate", "mislocalised", "ignored", "isolated")


def _best_iou(box: np.ndarray, others: np.ndarray) -> float:
    """Largest IoU of one ``(1, 4)`` xyxy box with ``(m, 4)`` xyxy boxes (0 when m = 0)."""
    return float(box_iou(box, others)[0].max()) if len(others) else 0.0


def main() -> None:
    """Print one row per sequence and the total."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--detector", default="YOLOX")
    ap.add_argument("--conf", type=float, default=0.6, help="confident: conf >= this")
    ap.add_argument("--min-conf", type=float, default=0.1, help="candidates: conf >= this")
    args = ap.parse_args()
    total = dict.fromkeys(KINDS, 0)
    print("| sequence | boxes | false | " + " | ".join(KINDS) + " |")
    print("|---" * (3 + len(KINDS)) + "|")
    for s in SEQS:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}")
        dets = seq.det(args.half)
        dets = dets[dets.score >= args.min_conf]
        gt = seq.gt(args.half)
        counted = gt[counted_boxes(gt)]
        gt_id = SequenceTruth.from_ground_truth(dets, gt).gt_id  # the oracle's matching
        boxes = xywh_to_xyxy(dets.xywh)
        confident = dets.score >= args.conf
        false = np.flatnonzero(confident & (gt_id < 0))
        counts = dict.fromkeys(KINDS, 0)
        for i in false:
            f, b = dets.frame[i], boxes[i : i + 1]
            same = np.flatnonzero((dets.frame == f) & (dets.score >= dets.score[i]))
            same = same[same != i]
            if _best_iou(b, boxes[same]) >= 0.5:
                kind = "duplicate"
            elif _best_iou(b, xywh_to_xyxy(counted.xywh[counted.frame == f])) >= 0.3:
                kind = "mislocalised"
            elif _best_iou(b, xywh_to_xyxy(gt.xywh[gt.frame == f])) >= 0.5:
                kind = "ignored"
            else:
                kind = "isolated"
            counts[kind] += 1
        for k in KINDS:
            total[k] += counts[k]
        print(f"| MOT17-{s} | {int(confident.sum())} | {len(false)} | "
              + " | ".join(str(counts[k]) for k in KINDS) + " |")  # fmt: skip
    print(f"| all | | {sum(total.values())} | " + " | ".join(str(total[k]) for k in KINDS) + " |")


if __name__ == "__main__":
    main()
