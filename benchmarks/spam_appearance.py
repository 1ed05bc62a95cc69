"""The SPAM tracker with and without re-ID embeddings on the MOT17 sequences that have them.

``../shared/data/MOT17/appearance`` holds deep_sort "mars-small128" embeddings for the public
detections of MOT17-05-FRCNN, MOT17-09-FRCNN and MOT17-09-SDP. Each sequence is tracked twice
by the same weights, on the same detections (whole sequence, conf >= ``--min-conf``, GNN_node
on): once without embeddings, once with them attached (``spam track --appearance``). Scores:
``spamlabels.eval`` (TrackEval) against the full ground truth.

    python benchmarks/spam_appearance.py --weights spamlabels/weights/spam_synth.pt \
        --out runs/spam_appearance.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence, atomic_write
from spamlabels.track import create_tracker

SEQS = ("MOT17-05-FRCNN", "MOT17-09-FRCNN", "MOT17-09-SDP")


def main() -> None:
    """Track every sequence with and without embeddings; print and save both tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--min-conf", type=float, default=0.1)
    ap.add_argument("--no-node-level", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results: dict[str, dict] = {}
    for variant in ("without", "with"):
        inputs, timing = {}, {}
        for name in SEQS:
            seq = MOTSequence.open(args.data / "train" / name)
            npy = args.data / "appearance" / f"{name}.npy" if variant == "with" else None
            dets = seq.det(appearance=npy)
            dets = dets[dets.score >= args.min_conf]
            n = seq.length()
            tracker = create_tracker(
                "spam",
                weights=args.weights,
                node_level=not args.no_node_level,
                image_size=(seq.info.im_width, seq.info.im_height),
            )
            t0 = time.perf_counter()
            tracks = tracker.track(dets, n, seq.info.frame_rate)
            timing[name] = n / (time.perf_counter() - t0)
            inputs[name] = (seq.gt(), tracks, n)
        table = evaluate(inputs).table
        results[variant] = {"table": table, "fps": timing}
        print(f"{variant} re-ID embeddings (conf >= {args.min_conf})")
        for name, row in table.items():
            print(
                f"  {name:16s} HOTA {row['HOTA']:5.1f} AssA {row['AssA']:5.1f} "
                f"MOTA {row['MOTA']:5.1f} IDF1 {row['IDF1']:5.1f} IDSW {int(row['IDSW']):4d}"
            )
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump(
                {
                    "weights": str(args.weights),
                    "min_conf": args.min_conf,
                    "node_level": not args.no_node_level,
                    "results": results,
                },
                fh,
                indent=1,
            )


if __name__ == "__main__":
    main()
