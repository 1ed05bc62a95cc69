"""SPAM and ByteTrack under the same post-processing, on MOT17 halves (YOLOX or --detector).

SPAM's output has always been interpolated (``SpamConfig.interpolate``), ByteTrack's (the
baseline of docs/benchmarks.md section 3, official parameters) not. This runs both trackers
once without post-processing, then applies the same steps to both outputs: none, linear
interpolation of gaps (:func:`spamlabels.track.interpolate_tracks`), interpolation plus
temporal box smoothing (:func:`spamlabels.track.smooth_tracks` with
``SpamConfig.smooth_seconds`` or ``--smooth``), and stitching across short gaps first
(:func:`spamlabels.track.stitch_tracks` with ``SpamConfig``'s stitching settings, or
``--stitch``), and cutting the links the tracks' own motion contradicts before that
(:func:`spamlabels.track.cut_tracks` with ``SpamConfig``'s settings), and exchanging the
tails of tracks whose motion says they swapped before that
(:func:`spamlabels.track.swap_tracks`, ``SpamConfig``'s settings). SPAM's own ``track()``
with its defaults gives the last row (same steps, same order).

    python benchmarks/postprocess_mot17.py --half val --out runs/postprocess_val.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch
from post_options import POST_OFF

from spamlabels.core import Tracks
from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence, atomic_write
from spamlabels.track import ByteTrack, ByteTrackConfig, interpolate_tracks, smooth_tracks
from spamlabels.track.spam import SpamConfig, SpamTracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")
TRACKERS = {  # name -> candidate confidence
    "bytetrack": 0.1,
    "spam-A": 0.6,
    "spam-C": 0.1,
}
STEPS = (
    "none",
    "interpolation",
    "interpolation+smoothing",
    "stitching+interpolation+smoothing",
    "cut+stitching+interpolation+smoothing",
    "swap+cut+stitching+interpolation+smoothing",
)


def _post(tracks: Tracks, step: str, smooth: float, stitch: float, fps: float) -> Tracks:
    """``tracks`` after ``step``; ``smooth`` and ``stitch`` in seconds."""
    if step == "none":
        return tracks
    if "stitching" in step:  # as the tracker: cut (or not), stitch, drop short new pieces
        cut_iou = SpamConfig.cut_iou if "cut" in step else 0.0
        swap = SpamConfig.swap_margin if step.startswith("swap") else 0.0
        cfg = SpamConfig(stitch_seconds=stitch, cut_iou=cut_iou, swap_margin=swap)
        tracks = cfg.relink(tracks, fps)
    out = interpolate_tracks(tracks)
    return smooth_tracks(out, smooth * fps) if step.endswith("smoothing") else out


def main() -> None:
    """Print one line per tracker and post-processing; write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--detector", default="YOLOX",
                    help="MOT17-XX-<DETECTOR> sequences (e.g. FRCNN: no detector was trained on "
                         "their train halves)")  # fmt: skip
    ap.add_argument("--half", choices=("train", "val"), default="val")
    ap.add_argument("--trackers", nargs="+", default=list(TRACKERS), choices=list(TRACKERS))
    ap.add_argument("--smooth", type=float, default=SpamConfig.smooth_seconds,
                    metavar="SECONDS", help="smoothing kernel (default: SpamConfig's)")  # fmt: skip
    ap.add_argument(
        "--stitch",
        type=float,
        default=SpamConfig.stitch_seconds,
        metavar="SECONDS",
        help="longest gap stitched (default: SpamConfig's)",
    )
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}") for s in SEQS]
    results: dict[str, Any] = {}
    for name in args.trackers:
        raw = {}
        for seq in seqs:
            dets = seq.det(args.half)
            dets = dets[dets.score >= TRACKERS[name]]
            n = seq.length(args.half)
            if name == "bytetrack":
                tracker: Any = ByteTrack(ByteTrackConfig())
            else:
                size = (seq.info.im_width, seq.info.im_height)
                tracker = SpamTracker(node_level=name == "spam-C", interpolate=False,
                                      image_size=size, **POST_OFF)  # fmt: skip
            tracks = tracker.track(dets, n, seq.info.frame_rate)
            raw[seq.name] = (seq.gt(args.half), tracks, n, seq.info.frame_rate)
        results[name] = {}
        for step in STEPS:
            inputs = {k: (gt, _post(t, step, args.smooth, args.stitch, fps), n)
                      for k, (gt, t, n, fps) in raw.items()}  # fmt: skip
            table = evaluate(inputs).table
            results[name][step] = table
            c = table["COMBINED"]
            per = " ".join(f"{k[6:8]}:{v['HOTA']:.2f}" for k, v in table.items()
                           if k != "COMBINED")  # fmt: skip
            print(f"{args.half} {name:9s} {step:34s} HOTA {c['HOTA']:.2f} DetA {c['DetA']:.2f} "
                  f"AssA {c['AssA']:.2f} MOTA {c['MOTA']:.2f} IDF1 {c['IDF1']:.2f} "
                  f"IDSW {int(c['IDSW'])} | {per}", flush=True)  # fmt: skip
    if args.out:
        payload = {"half": args.half, "smooth_seconds": args.smooth,
                   "stitch_seconds": args.stitch, "results": results}  # fmt: skip
        with atomic_write(args.out) as f:
            f.write(json.dumps(payload, indent=1) + "\n")


if __name__ == "__main__":
    main()
