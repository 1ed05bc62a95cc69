"""Choose the stitching and cutting settings of ``SpamConfig`` on MOT17 train halves (issue 3).

Runs SPAM setting A (conf >= 0.6, no GNN_node; shipped weights, stitching off) once per set of
halves, then scores every combination of ``--gaps`` (seconds) and ``--ious`` of
:func:`spamlabels.track.stitch_tracks` followed by the tracker's interpolation and smoothing,
and the same without stitching. The rule it serves (docs/benchmarks.md section 6,
"Stitching"): keep the setting with the largest mean gain over the two development sets, the
YOLOX train halves and the FRCNN train halves, if that mean is >= +0.3 HOTA and neither gain is
below -0.3.

    python benchmarks/stitch_grid.py --out runs/stitch_grid.json
    python benchmarks/stitch_grid.py --half val --gaps 2 --ious 0.3   # afterwards, for information

With ``--cut-windows`` and ``--cut-ious`` the grid is over the cutting of links the tracks'
motion contradicts (:func:`spamlabels.track.cut_tracks`), each followed by the shipped
stitching (``SpamConfig`` defaults, or the one ``--gaps`` / ``--ious`` value), against that
stitching without cutting; same rule (docs/benchmarks.md section 6, "Cutting links"):

    python benchmarks/stitch_grid.py --gaps 2 --ious 0.3 --cut-windows 5 10 \
        --cut-ious 0.05 0.1 0.2 0.3 --out runs/cut_grid.json

With ``--swap-windows``, ``--swap-margins`` and ``--swap-ends`` the grid is over exchanging the
tails of tracks whose motion says they swapped (:func:`spamlabels.track.swap_tracks`), each
followed by the shipped cutting and stitching, against those without the exchange; same rule
(docs/benchmarks.md section 6, "Exchanging the tails of swapped tracks"):

    python benchmarks/stitch_grid.py --swap-windows 5 10 --swap-margins 0.1 0.3 0.5 \
        --swap-ends 0 --out runs/swap_grid.json
    python benchmarks/stitch_grid.py --swap-windows 10 --swap-margins 0.3 --swap-ends 0 0.333 1
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import torch
from post_options import POST_OFF

from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence, atomic_write
from spamlabels.track import interpolate_tracks, smooth_tracks
from spamlabels.track.spam import SpamConfig, SpamTracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def _score(
    raw: dict[str, Any], gap: float, iou: float, window: int, cut: tuple[int, float] = (5, 0.0),
    swap: tuple[int, float, float] = (10, 0.0, 0.0),
) -> dict[str, Any]:  # fmt: skip
    """TrackEval table of ``raw`` (name -> (gt, tracks, frames, fps)) with swapped tails
    exchanged (``swap`` = (window, margin, end seconds); margin 0: not exchanged), cut where
    their motion contradicts a link (``cut`` = (window, IoU); IoU 0: not cut), stitched across
    gaps up to ``gap`` seconds (0: not stitched), interpolated and smoothed as the tracker
    does."""
    inputs = {}
    for name, (gt, tracks, n, fps) in raw.items():
        config = SpamConfig(stitch_seconds=gap, stitch_iou=iou, stitch_window=window,
                            cut_window=cut[0], cut_iou=cut[1], swap_window=swap[0],
                            swap_margin=swap[1], swap_end_seconds=swap[2])  # fmt: skip
        tracks = config.relink(tracks, fps)  # as the tracker does
        smoothed = smooth_tracks(interpolate_tracks(tracks), SpamConfig.smooth_seconds * fps)
        inputs[name] = (gt, smoothed, n)
    return evaluate(inputs).table


def main() -> None:
    """Print one line per set of halves and setting; write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val"), default="train")
    ap.add_argument("--detectors", nargs="+", default=["YOLOX", "FRCNN"])
    ap.add_argument("--gaps", type=float, nargs="+", default=[1 / 3, 2 / 3, 1, 1.5, 2, 3, 5],
                    metavar="SECONDS")  # fmt: skip
    ap.add_argument("--ious", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.7])
    ap.add_argument("--window", type=int, default=SpamConfig.stitch_window)
    ap.add_argument(
        "--cut-windows",
        type=int,
        nargs="+",
        default=None,
        help="grid over cutting instead (with the first --gaps / --ious value)",
    )
    ap.add_argument("--cut-ious", type=float, nargs="+", default=[0.05, 0.1, 0.2, 0.3])
    ap.add_argument(
        "--swap-windows",
        type=int,
        nargs="+",
        default=None,
        help="grid over exchanging swapped tails instead (with the shipped cutting and stitching)",
    )
    ap.add_argument("--swap-margins", type=float, nargs="+", default=[0.1, 0.3, 0.5])
    ap.add_argument("--swap-ends", type=float, nargs="+", default=[0.0], metavar="SECONDS")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results: dict[str, Any] = {}
    for detector in args.detectors:
        raw = {}
        for s in SEQS:
            seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-{detector}")
            dets = seq.det(args.half)
            n, fps = seq.length(args.half), seq.info.frame_rate
            tracker = SpamTracker(node_level=False, interpolate=False, **POST_OFF,
                                  image_size=(seq.info.im_width, seq.info.im_height))  # fmt: skip
            raw[seq.name] = (seq.gt(args.half), tracker.track(dets[dets.score >= 0.6], n, fps),
                             n, fps)  # fmt: skip
        if args.swap_windows:  # cut and stitched as shipped, exchanged or not
            gap, iou, cut = SpamConfig.stitch_seconds, SpamConfig.stitch_iou, (
                SpamConfig.cut_window, SpamConfig.cut_iou)  # fmt: skip
            combos = itertools.product(args.swap_windows, args.swap_margins, args.swap_ends)
            grid = {f"swap {w}/{m:g}/{e:.3g}s": (gap, iou, cut, (w, m, e)) for w, m, e in combos}
            rows = {"off": _score(raw, gap, iou, args.window, cut)}
            what = "cut and stitched as shipped, no exchange"
        elif args.cut_windows:  # stitched as given, cut or not
            gap, iou = args.gaps[0], args.ious[0]
            grid = {f"cut {w}/{t:g}": (gap, iou, (w, t), (10, 0.0, 0.0))
                    for w, t in itertools.product(args.cut_windows, args.cut_ious)}  # fmt: skip
            rows = {"off": _score(raw, gap, iou, args.window)}
            what = f"stitched ({gap:.3g} s, IoU {iou:g}), not cut"
        else:
            grid = {f"{g:.3g}s/{i:g}": (g, i, (5, 0.0), (10, 0.0, 0.0))
                    for g, i in itertools.product(args.gaps, args.ious)}  # fmt: skip
            rows = {"off": _score(raw, 0.0, 1.0, args.window)}
            what = "no stitching"
        base = rows["off"]["COMBINED"]["HOTA"]
        print(f"{detector} {args.half} {what}: HOTA {base:.2f}", flush=True)
        for key, (gap, iou, cut, swap) in grid.items():
            table = _score(raw, gap, iou, args.window, cut, swap)
            rows[key] = table
            c = table["COMBINED"]
            print(f"{detector} {args.half} {key}: HOTA {c['HOTA']:.2f} ({c['HOTA'] - base:+.2f}) "
                  f"DetA {c['DetA']:.2f} AssA {c['AssA']:.2f} IDSW {int(c['IDSW'])}",
                  flush=True)  # fmt: skip
        results[detector] = rows
    if len(args.detectors) == 2:
        a, b = (results[d] for d in args.detectors)
        gains = {k: (a[k]["COMBINED"]["HOTA"] - a["off"]["COMBINED"]["HOTA"],
                     b[k]["COMBINED"]["HOTA"] - b["off"]["COMBINED"]["HOTA"])
                 for k in a if k != "off"}  # fmt: skip
        best = max(gains, key=lambda k: sum(gains[k]))
        ga, gb = gains[best]
        verdict = "kept" if (ga + gb) / 2 >= 0.3 and min(ga, gb) >= -0.3 else "rejected"
        print(f"best mean gain: {best} ({ga:+.2f} / {gb:+.2f}, mean {(ga + gb) / 2:+.2f}): "
              f"{verdict}")  # fmt: skip
    if args.out:
        with atomic_write(args.out) as f:
            f.write(json.dumps({"half": args.half, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
