"""Detector scores that are not probabilities: the shipped SPAM tracker on the MOT17 DPM
detections with the scores as given, mapped by the logistic ``1 / (1 + exp(-s))``, or rescaled
min-max to 0-1 over all seven files (docs/benchmarks.md section 7, "DPM, a held-out
detector").

Every threshold of the tracker (candidates at ``--min-conf``, GNN_node's ``node_keep_conf``
0.6) reads the score as a probability; DPM's are SVM margins (-0.5 to 4.8), and
``spam track`` / ``spam label`` warn about them. This measures which mapping the warning
should advise. Whole sequences, combined HOTA over the seven MOT17 train sequences::

    python benchmarks/score_maps.py --detector DPM --maps raw logistic minmax
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence
from spamlabels.track.spam import SpamTracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def score_map(name: str, scores: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``(n,)`` scores mapped by ``name`` (``lo``, ``hi``: the range over every file)."""
    if name == "raw":
        return scores
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-scores))
    if name == "minmax":
        return (scores - lo) / (hi - lo)
    raise ValueError(f"unknown map {name!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17/train"))
    ap.add_argument("--detector", default="DPM")
    ap.add_argument("--maps", nargs="+", default=["raw", "logistic", "minmax"])
    ap.add_argument("--min-conf", type=float, default=0.01, help="spam track's default")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / f"MOT17-{s}-{args.detector}") for s in SEQS]
    dets = {s.name: s.det() for s in seqs}
    every = np.concatenate([d.score for d in dets.values()])
    lo, hi = float(every.min()), float(every.max())
    print(f"{args.detector}: scores {lo:.3g} .. {hi:.3g}")
    print("| map | candidates | HOTA | DetA | AssA | MOTA | IDF1 |\n|---|---|---|---|---|---|---|")
    for name in args.maps:
        t0, out, n = time.perf_counter(), {}, 0
        for seq in seqs:
            d = dets[seq.name]
            d = d.replace(score=score_map(name, d.score, lo, hi))
            d = d[d.score >= args.min_conf]
            n += len(d)
            tracker = SpamTracker(image_size=(seq.info.im_width, seq.info.im_height))
            tracks = tracker.track(d, seq.length(), seq.info.frame_rate, progress=False)
            out[seq.name] = (seq.gt(), tracks, seq.length())
        c = evaluate(out).combined
        cells = " | ".join(f"{c[k]:.2f}" for k in ("HOTA", "DetA", "AssA", "MOTA", "IDF1"))
        print(f"| {name} | {n} | {cells} |  ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
