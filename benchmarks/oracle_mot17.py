"""The "oracle from candidates" ceiling on the seven MOT17 YOLOX validation halves.

Every detection (conf >= --min-conf) matched to a ground-truth box (Hungarian per frame,
IoU >= 0.5) takes its id; all others are dropped. Reference (../shared/data/README.md):
combined HOTA 76.5 at conf >= 0.1.

    python benchmarks/oracle_mot17.py --min-conf 0.1 --out runs/oracle_mot17.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spamlabels.eval import evaluate, oracle_from_candidates
from spamlabels.io import MOTSequence, atomic_write

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def main() -> None:
    """Print per-sequence and combined HOTA/MOTA/IDF1 of the oracle labels."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--min-conf", type=float, default=0.1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    results = {}
    for evaluated_only in (True, False):
        inputs = {}
        for s in SEQS:
            seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
            dets = seq.det("val")
            gt = seq.gt("val")
            oracle = oracle_from_candidates(
                gt, dets[dets.score >= args.min_conf], evaluated_only=evaluated_only
            )
            inputs[seq.name] = (gt, oracle, seq.length("val"))
        table = evaluate(inputs).table
        key = "evaluated_gt_only" if evaluated_only else "all_gt"
        results[key] = table
        print(f"matching against {key}:")
        for name, row in table.items():
            print(f"  {name:16s} HOTA {row['HOTA']:5.1f}  MOTA {row['MOTA']:5.1f}  "
                  f"IDF1 {row['IDF1']:5.1f}")  # fmt: skip
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump({"min_conf": args.min_conf, **results}, fh, indent=1)


if __name__ == "__main__":
    main()
