"""Where identities break: ByteTrack vs the SPAM hierarchy (setting A) by frame gap.

On the MOT17 YOLOX halves, every output box gets a ground-truth id (per frame Hungarian at IoU
>= 0.5, ``assign_gt_ids``). Two counts per tracker, binned by the frame gap between the two
boxes involved (1 = consecutive frames):

- ``switch``: consecutive matched boxes of one output track with different ground-truth ids;
- ``frag``: consecutive matched boxes of one ground-truth id in different output tracks.

With ``--no-interpolation`` SPAM runs without gap interpolation, so every count is a link the
hierarchy made (an interpolated box can take another person's ground-truth id inside a gap and
turn one wrong link across the gap into changes between consecutive frames). SPAM's switches
between consecutive frames are then also split by the level whose windows first hold both
frames (level 1: frames 2k and 2k+1; 2: 4k+1 and 4k+2; ...), and those of level 1 by whether
the next frame holds another output box of the first person ("alternative") or not ("one box":
one detection whose ground-truth assignment passes from one person to the other).

    python benchmarks/switch_gaps.py --half val [--no-interpolation]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from post_options import POST_OFF

from spamlabels.core import Tracks
from spamlabels.eval import evaluate
from spamlabels.graph.labels import assign_gt_ids
from spamlabels.io import MOTSequence
from spamlabels.track import ByteTrack, ByteTrackConfig, create_tracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")
BINS = (1, 2, 9, 33, 129, 10**9)
LABELS = ("1", "2-8", "9-32", "33-128", ">128")


def _changes(group: np.ndarray, value: np.ndarray, frame: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Where ``value`` changes between consecutive (in time) rows of one ``group``: the frames
    before and after each change and the value before it."""
    order = np.lexsort((frame, group))
    g, v, f = group[order], value[order], frame[order]
    i = np.flatnonzero((g[1:] == g[:-1]) & (v[1:] != v[:-1]))
    return f[i], f[i + 1], v[i]


def gap_counts(tracks: Tracks, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(switch, frag)`` histograms over :data:`BINS` (see the module docstring); ``gid`` =
    ``assign_gt_ids(tracks, gt)``."""
    m = gid >= 0
    frame, tid, g = tracks.frame[m], tracks.id[m], gid[m]
    hist = [np.histogram(after - before, BINS)[0]
            for before, after, _ in (_changes(tid, g, frame), _changes(g, tid, frame))]  # fmt: skip
    return hist[0], hist[1]


def switch_levels(tracks: Tracks, gid: np.ndarray, first_frame: int) -> tuple[np.ndarray, int]:
    """Switches between consecutive frames by the level whose windows first hold both frames
    (index k = level k, up to 11), and how many of level 1 have another output box of the
    first ground-truth id in the second frame. ``gid`` = ``assign_gt_ids(tracks, gt)``."""
    m = gid >= 0
    frame, g = tracks.frame[m], gid[m]
    before, after, person = _changes(tracks.id[m], g, frame)
    one_frame = after - before == 1
    before, after, person = before[one_frame], after[one_frame], person[one_frame]
    # first level k with (a >> k) == (b >> k): the bit length of a ^ b
    diff = (before - first_frame) ^ (after - first_frame)
    level = np.frexp(diff.astype(np.float64))[1]
    boxes = set(zip(frame.tolist(), g.tolist(), strict=True))
    first = level == 1
    pairs = zip(after[first].tolist(), person[first].tolist(), strict=True)
    alternative = sum(pair in boxes for pair in pairs)
    return np.bincount(level, minlength=12)[:12], alternative


def main() -> None:
    """Print per-sequence and total counts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--seqs", nargs="+", default=list(SEQS))
    ap.add_argument("--no-interpolation", action="store_true")
    args = ap.parse_args()
    levels, alternative = np.zeros(12, int), 0
    torch.set_num_threads(2)
    total: dict[str, list[np.ndarray]] = {}
    for s in args.seqs:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets, n, gt = seq.det(args.half), seq.length(args.half), seq.gt(args.half)
        fps, size = seq.info.frame_rate, (seq.info.im_width, seq.info.im_height)
        runs = {
            "ByteTrack": ByteTrack(ByteTrackConfig(), frame_rate=fps).track(
                dets[dets.score >= 0.1], n, fps),
            # no smoothing: it moves boxes, and so which person a box matches; no cutting or
            # stitching: the links counted are the hierarchy's (the counts of
            # docs/benchmarks.md section 6 were made without any of them)
            "SPAM A": create_tracker("spam", node_level=False, image_size=size, **POST_OFF,
                                     interpolate=not args.no_interpolation).track(
                dets[dets.score >= 0.6], n, fps),
        }  # fmt: skip
        for name, tracks in runs.items():
            gid = assign_gt_ids(tracks, gt)
            sw, fr = gap_counts(tracks, gid)
            row = evaluate({seq.name: (gt, tracks, n)}).table[seq.name]
            print(f"{seq.name} {name:9s} HOTA {row['HOTA']:5.1f} AssA {row['AssA']:5.1f} "
                  f"AssRe {row['AssRe']:5.1f} tracks {len(np.unique(tracks.id))} "
                  f"switch {sw.tolist()} frag {fr.tolist()}")  # fmt: skip
            if name == "SPAM A":
                lv, alt = switch_levels(tracks, gid, int(dets.frame.min()))
                levels += lv
                alternative += alt
            acc = total.setdefault(name, [np.zeros(len(LABELS), int), np.zeros(len(LABELS), int)])
            acc[0] += sw
            acc[1] += fr
    print("gap bins (frames):", " / ".join(LABELS))
    for name, (sw, fr) in total.items():
        print(f"total {name:9s} switch {sw.tolist()} frag {fr.tolist()}")
    print(f"SPAM A switches between consecutive frames by level 1..: {levels[1:].tolist()}; "
          f"level 1: {levels[1] - alternative} one box, {alternative} alternative")  # fmt: skip


if __name__ == "__main__":
    main()
