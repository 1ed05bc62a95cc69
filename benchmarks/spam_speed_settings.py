"""Side-by-side speed of SPAM inference settings (median of repeated runs, one process).

Each ``--setting`` is a comma-separated list of ``SpamConfig`` overrides (syntax of
``benchmarks/spam_node_sweep.py``); candidates conf >= ``--conf`` of the MOT17 YOLOX
validation halves; frames per second of the whole hierarchy (``SpamTracker.track``).

    python benchmarks/spam_speed_settings.py --seqs 04 02 \\
        --setting edge_threshold=0.5,top_k=10 --setting edge_threshold=0.45,top_k=7
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from spam_node_sweep import _parse

from spamlabels.io import MOTSequence
from spamlabels.track import create_tracker


def main() -> None:
    """Time every setting on every sequence, alternating settings inside each repeat."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--seqs", nargs="+", default=["04", "02"])
    ap.add_argument("--setting", action="append", required=True, type=_parse)
    ap.add_argument("--conf", type=float, default=0.1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for s in args.seqs:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets = seq.det("val")
        dets = dets[dets.score >= args.conf]
        n = seq.length("val")
        size = (seq.info.im_width, seq.info.im_height)
        trackers = [create_tracker("spam", image_size=size, **st) for st in args.setting]
        seconds: list[list[float]] = [[] for _ in trackers]
        for _ in range(args.repeats):
            for i, tracker in enumerate(trackers):
                t0 = time.perf_counter()
                tracker.track(dets, n, seq.info.frame_rate)
                seconds[i].append(time.perf_counter() - t0)
        base = statistics.median(seconds[0])
        for st, sec in zip(args.setting, seconds, strict=True):
            med = statistics.median(sec)
            print(f"{seq.name} conf>={args.conf} {st}: {n / med:.0f} fps (median of "
                  f"{args.repeats}, x{base / med:.2f} vs the first setting)")  # fmt: skip


if __name__ == "__main__":
    main()
