"""The SPAM tracker on the seven MOT17 YOLOX validation halves: the paper's Table 1 and speed.

Settings (paper Table 1):

- ``A``: high-confidence boxes only (conf >= 0.6), no GNN_node;
- ``B``: all boxes down to conf 0.1 (``B@0.01``: 0.01) without GNN_node;
- ``C``: the same candidates with GNN_node (``C@0.01``).

Every row is scored with ``spamlabels.eval`` (TrackEval) against the validation-half ground
truth; ``fps`` is the whole hierarchy (graph building, features, network, rounding, cutting,
stitching, interpolation; detection and re-ID excluded) over all frames, and ``peak_rss_mb``
the process's peak resident memory after the run.

    python benchmarks/spam_mot17.py --weights spamlabels/weights/spam_synth.pt \
        --out runs/spam_mot17.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import torch
from post_options import add_post_options, post_kwargs

from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence, atomic_write
from spamlabels.track import create_tracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")
SETTINGS = {
    "A": (0.6, False),
    "B": (0.1, False),
    "C": (0.1, True),
    "B@0.01": (0.01, False),
    "C@0.01": (0.01, True),
}


def main() -> None:
    """Run the chosen settings and print one table per setting."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    ap.add_argument("--seqs", nargs="+", default=list(SEQS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--clip-length", type=int, default=None)
    add_post_options(ap)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results: dict[str, dict] = {}
    for setting in args.settings:
        min_conf, node_level = SETTINGS[setting]
        inputs, timing = {}, {}
        for s in args.seqs:
            seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
            dets = seq.det("val")
            dets = dets[dets.score >= min_conf]
            n = seq.length("val")
            kwargs = {"clip_length": args.clip_length} if args.clip_length else {}
            kwargs.update(post_kwargs(args))
            tracker = create_tracker("spam", weights=args.weights, node_level=node_level,
                                     image_size=(seq.info.im_width, seq.info.im_height),
                                     **kwargs)  # fmt: skip
            t0 = time.perf_counter()
            tracks = tracker.track(dets, n, seq.info.frame_rate)
            seconds = time.perf_counter() - t0
            inputs[seq.name] = (seq.gt("val"), tracks, n)
            timing[seq.name] = {"frames": n, "seconds": seconds, "fps": n / seconds,
                                "detections": len(dets)}  # fmt: skip
        table = evaluate(inputs).table
        results[setting] = {"min_conf": min_conf, "node_level": node_level, "table": table,
                            "timing": timing}  # fmt: skip
        print(f"setting {setting}: conf >= {min_conf}, GNN_node {'on' if node_level else 'off'}")
        for name, row in table.items():
            fps = timing.get(name, {}).get("fps")
            print(f"  {name:16s} HOTA {row['HOTA']:5.1f} MOTA {row['MOTA']:5.1f} "
                  f"IDF1 {row['IDF1']:5.1f} IDSW {int(row['IDSW']):4d}"
                  + (f"  {fps:6.1f} fps" if fps else ""))  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    if args.out:
        with atomic_write(args.out) as fh:
            json.dump({"weights": str(args.weights), "results": results, "peak_rss_mb": peak},
                      fh, indent=1)  # fmt: skip


if __name__ == "__main__":
    main()
