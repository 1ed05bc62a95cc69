"""Sweep GNN_node's inference settings (or any ``SpamConfig`` field) on MOT17 YOLOX halves.

Used to choose ``SpamConfig.node_threshold`` and ``node_keep_conf`` on the *train* halves
(docs/benchmarks.md section 6); each ``--setting`` is a comma-separated list of
``field=value`` overrides of ``SpamConfig`` plus ``conf`` (the candidate threshold), e.g.
``conf=0.1,node_threshold=0.8,node_keep_conf=0.6`` (``none`` for ``None``).

    python benchmarks/spam_node_sweep.py --half train \
        --setting conf=0.1,node_threshold=0.5,node_keep_conf=none \
        --setting conf=0.1,node_threshold=0.8,node_keep_conf=0.6
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch

from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence
from spamlabels.track import create_tracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def _parse(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in text.split(","):
        key, value = item.split("=")
        if "/" in value:  # per-level tuple, e.g. edge_threshold=0.5/0.5/0.4
            out[key] = tuple(float(v) for v in value.split("/"))
        else:
            out[key] = None if value == "none" else float(value) if "." in value else int(value)
    return out


def main() -> None:
    """Run every setting and print the combined and per-sequence HOTA."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=None, help="default: the shipped weights")
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--detector", default="YOLOX",
                    help="MOT17-XX-<DETECTOR> sequences (e.g. FRCNN: no detector was trained on "
                         "their train halves)")  # fmt: skip
    ap.add_argument("--half", choices=("train", "val", "all"), default="train")
    ap.add_argument("--setting", action="append", required=True, type=_parse)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}") for s in SEQS]
    for setting in args.setting:
        overrides = dict(setting)
        conf = float(overrides.pop("conf", 0.1))
        if args.weights is not None:
            overrides["weights"] = args.weights
        inputs = {}
        for seq in seqs:
            dets = seq.det(args.half)
            n = seq.length(args.half)
            tracker = create_tracker(
                "spam", image_size=(seq.info.im_width, seq.info.im_height), **overrides
            )
            tracks = tracker.track(dets[dets.score >= conf], n, seq.info.frame_rate)
            inputs[seq.name] = (seq.gt(args.half), tracks, n)
        table = evaluate(inputs).table
        c = table.pop("COMBINED")
        per = " ".join(f"{k[6:8]}:{v['HOTA']:.1f}" for k, v in table.items())
        print(f"{args.half} conf>={conf} {setting}: HOTA {c['HOTA']:.2f} MOTA {c['MOTA']:.1f} "
              f"IDSW {int(c['IDSW'])} | {per}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
