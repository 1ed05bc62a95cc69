"""``spam track``: run an online tracker on the detections of one MOTChallenge sequence."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def finite_float(text: str) -> float:
    """argparse type: a finite number (e.g. a detector confidence, which may be negative)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number >= 0 (e.g. seconds)."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type: a whole number >= 0 (e.g. a seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def float_up_to(high: float) -> Callable[[str], float]:
    """argparse type: a number in ``[0, high]``."""

    def parse(text: str) -> float:
        value = nonnegative_float(text)
        if value > high:
            raise argparse.ArgumentTypeError(f"must be in [0, {high:g}], got {text!r}")
        return value

    return parse


unit_float = float_up_to(1.0)
"""argparse type: a number in [0, 1] (e.g. an IoU)."""
swap_margin = float_up_to(2.0)
"""argparse type: a number in [0, 2] (a gain in summed IoUs, ``SpamConfig.swap_margin``)."""


def probability(text: str) -> float:
    """argparse type: a number strictly between 0 and 1 (a threshold on a probability)."""
    value = finite_float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text!r}")
    return value


def _thresholds(text: str) -> float | tuple[float, ...]:
    """``0.45`` or one probability per edge level, ``0.5,0.5,0.45`` (last one repeated)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        msg = f"must be numbers separated by commas, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not all(0.0 < v < 1.0 for v in values):
        raise argparse.ArgumentTypeError(f"must be probabilities in (0, 1), got {text!r}")
    return values[0] if len(values) == 1 else values


def torch_device(text: str) -> str:
    """argparse type: a torch device string (``cpu``, ``cuda``, ``cuda:1``) this machine has."""
    import torch

    try:
        device = torch.device(text)
    except RuntimeError:
        msg = f"not a torch device: {text!r} (cpu, cuda or cuda:N)"
        raise argparse.ArgumentTypeError(msg) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise argparse.ArgumentTypeError(f"{text!r}: torch sees no CUDA device here")
        if device.index is not None and device.index >= torch.cuda.device_count():
            n = torch.cuda.device_count()
            raise argparse.ArgumentTypeError(f"{text!r}: only {n} CUDA device(s) here")
    elif device.type != "cpu":
        raise argparse.ArgumentTypeError(f"{text!r}: only cpu and cuda devices are supported")
    return text


def add_score_map_option(p: argparse.ArgumentParser) -> None:
    """``--score-map``, shared by ``spam track``, ``label`` and ``selftrain``."""
    from spamlabels.core import SCORE_MAPS

    p.add_argument("--score-map", choices=SCORE_MAPS, default="none",
                   help="map the detector scores to probabilities before any threshold: "
                   "logistic = 1 / (1 + exp(-s)), for margins or logits such as the MOT17 "
                   "DPM files' (default none: the scores are probabilities)")  # fmt: skip


def add_parser(sub: Any) -> None:
    """Register ``spam track``."""
    from spamlabels.track import available_trackers

    p = sub.add_parser(
        "track",
        help="track the detections of a sequence (ByteTrack) and write MOT tracker output",
        description=(
            "Run a tracker on the detections of one MOTChallenge sequence folder (det/det.txt, "
            "or --det) and write MOTChallenge tracker output (frame,id,left,top,w,h,conf,-1,-1,"
            "-1). With --half the frames of that half are renumbered from 1, as `spam eval "
            "--half` expects. The frame rate comes from seqinfo.ini."
        ),
    )
    p.add_argument("seq", type=Path, metavar="SEQ_DIR", help="sequence folder with seqinfo.ini")
    p.add_argument(
        "--tracker",
        default="bytetrack",
        choices=available_trackers(),
        help="tracker to run (default: bytetrack, official MOT17 parameters)",
    )
    p.add_argument(
        "--half",
        choices=("all", "train", "val"),
        default="all",
        help="track one half of the sequence (MOT17 ByteTrack protocol); default all",
    )
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="output .txt file")
    p.add_argument(
        "--det", type=Path, metavar="FILE", help="detections file (default SEQ_DIR/det/det.txt)"
    )
    p.add_argument(
        "--appearance",
        type=Path,
        metavar="NPY",
        help="spam: re-ID embeddings of the detections (deep_sort .npy layout: the first 7 or "
        "all 10 det.txt columns, then the embedding; matched to det rows by frame and box, "
        "and a warning says how many detections found none)",
    )
    add_score_map_option(p)
    p.add_argument(
        "--min-conf",
        type=finite_float,
        default=None,
        metavar="CONF",
        help="drop detections with score below this before tracking (default: 0.1 for "
        "bytetrack, 0.01 for spam, whose GNN_node sorts out the weak candidates)",
    )
    p.add_argument(
        "--weights",
        type=Path,
        metavar="W",
        help="spam: checkpoint from `spam train` (default: the shipped synthetic-only weights)",
    )
    p.add_argument(
        "--no-node-level",
        action="store_true",
        help="spam: skip GNN_node (every candidate goes to the edge levels)",
    )
    p.add_argument(
        "--node-threshold",
        type=probability,
        default=None,
        metavar="P",
        help="spam: GNN_node probability below which a candidate is rejected (default: "
        "SpamConfig.node_threshold)",
    )
    p.add_argument(
        "--node-keep-conf",
        type=finite_float,
        default=None,
        metavar="CONF",
        help="spam: candidates at least this confident are never rejected by GNN_node "
        "(default: SpamConfig.node_keep_conf)",
    )
    p.add_argument(
        "--edge-threshold",
        type=_thresholds,
        default=None,
        metavar="P[,P...]",
        help="spam: edge probability above which GNN_edge links two tracklets, one value or "
        "one per level, last repeated (default: SpamConfig.edge_threshold)",
    )
    p.add_argument(
        "--smooth",
        type=nonnegative_float,
        default=None,
        metavar="SECONDS",
        help="standard deviation of the Gaussian of the local linear fit that smooths each "
        "track's boxes over time, 0 = off (default: SpamConfig.smooth_seconds for spam, off for "
        "the others)",
    )
    p.add_argument(
        "--stitch",
        type=nonnegative_float,
        default=None,
        metavar="SECONDS",
        help="join a track that ends to one starting at most this long after it where their "
        "straight-line motion carries one onto the other, 0 = off (default: "
        "SpamConfig.stitch_seconds for spam, off for the others)",
    )
    p.add_argument(
        "--cut-iou",
        type=unit_float,
        default=None,
        metavar="IOU",
        help="before stitching, cut a link where straight lines through the boxes on either "
        "side meet the boxes across the link with a mean IoU below this, 0 = off (default: "
        "SpamConfig.cut_iou for spam, off for the others)",
    )
    p.add_argument(
        "--swap-margin",
        type=swap_margin,
        default=None,
        metavar="GAIN",
        help="first, exchange the tails of two tracks where straight lines through their boxes "
        "before and after continue each other's tracks better than their own by more than this "
        "(gain in summed IoUs, 0-2), 0 = off (default: SpamConfig.swap_margin for spam, off "
        "for the others)",
    )
    p.add_argument(
        "--interpolate",
        action="store_true",
        help="fill gaps inside tracks by linear interpolation (spam always does; for the others "
        "this gives the post-processing SPAM has, e.g. to compare like for like)",
    )
    p.add_argument(
        "--device",
        type=torch_device,
        default=None,
        metavar="DEV",
        help="spam: torch device of the network, e.g. cuda (default cpu); graphs, features and "
        "rounding stay on the CPU, and the decisions are the same (tests/test_device.py)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Track one sequence and write the result; returns the exit code (0)."""
    from spamlabels.core import DataFormatError
    from spamlabels.io import MOTSequence, check_output_file, write_mot
    from spamlabels.track import create_tracker, warn_unless_probabilities

    # options of the spam tracker only; refused (before any reading) for the others
    spam_only = {
        "--weights": args.weights,
        "--no-node-level": args.no_node_level or None,
        "--node-threshold": args.node_threshold,
        "--node-keep-conf": args.node_keep_conf,
        "--edge-threshold": args.edge_threshold,
        "--appearance": args.appearance,
        "--device": args.device,
    }
    if args.tracker != "spam" and any(v is not None for v in spam_only.values()):
        given = "/".join(k for k, v in spam_only.items() if v is not None)
        verb = "applies" if "/" not in given else "apply"
        raise DataFormatError(args.seq, f"{given} {verb} to spam, not {args.tracker}")
    seq = MOTSequence.open(args.seq)
    check_output_file(args.out, [args.det or seq.det_path, seq.root / "seqinfo.ini", seq.gt_path,
                                 args.appearance, args.weights])  # fmt: skip
    dets = seq.det(
        half=args.half, path=args.det, appearance=args.appearance, score_map=args.score_map
    )
    warn_unless_probabilities(dets.score, args.det or seq.det_path)
    min_conf = (
        args.min_conf if args.min_conf is not None else (0.01 if args.tracker == "spam" else 0.1)
    )
    dets = dets[dets.score >= min_conf]
    n = seq.length(args.half)
    kwargs: dict[str, Any] = {}
    if args.tracker == "spam":
        kwargs["image_size"] = (seq.info.im_width, seq.info.im_height)
        kwargs["node_level"] = not args.no_node_level
        for key in ("weights", "node_threshold", "node_keep_conf", "edge_threshold", "device"):
            if getattr(args, key) is not None:
                kwargs[key] = getattr(args, key)
        post = {"smooth_seconds": args.smooth, "stitch_seconds": args.stitch,
                "cut_iou": args.cut_iou, "swap_margin": args.swap_margin}  # fmt: skip
        kwargs.update({k: v for k, v in post.items() if v is not None})
    tracker = create_tracker(args.tracker, **kwargs)
    t0 = time.perf_counter()
    tracks = tracker.track(
        dets, seq_length=n, frame_rate=seq.info.frame_rate, progress=not args.no_progress
    )
    relink = args.cut_iou or args.stitch or args.swap_margin
    if args.tracker != "spam" and (args.interpolate or args.smooth or relink):
        from spamlabels.track import interpolate_tracks, smooth_tracks
        from spamlabels.track.spam import SpamConfig

        if relink:
            cfg = SpamConfig(stitch_seconds=args.stitch or 0.0, cut_iou=args.cut_iou or 0.0,
                             swap_margin=args.swap_margin or 0.0)  # fmt: skip
            tracks = cfg.relink(tracks, seq.info.frame_rate)
        if args.interpolate:
            tracks = interpolate_tracks(tracks)
        if args.smooth:
            tracks = smooth_tracks(tracks, args.smooth * seq.info.frame_rate)
    seconds = time.perf_counter() - t0
    write_mot(args.out, tracks, kind="tracks")
    fps = n / seconds if seconds > 0 else float("inf")
    print(
        f"{seq.name}: {len(dets)} detections, {n} frames -> {len(tracks)} boxes in "
        f"{len(tracks.track_ids())} tracks ({fps:.0f} frames/s), written to {args.out}",
        file=sys.stderr,
    )
    return 0
