"""Where identities break: ByteTrack vs the SPAM hierarchy (setting A) by frame gap.

On the MOT17 YOLOX halves, every output box gets a ground-truth id (per frame Hungarian at IoU
>= 0.5, ``assign_gt_ids``). Two counts per tracker, binned by the frame gap between the two
boxes involved (1 = consecutive frames):

- ``switch``: consecutive matched boxes of one output track with different ground-truth ids;
- ``frag``: consecutive matched boxes of one ground-truth id in different output tracks.

    python benchmarks/switch_gaps.py --half val
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from spamlabels.core import Tracks
from spamlabels.eval import evaluate
from spamlabels.graph.labels import assign_gt_ids
from spamlabels.io import MOTSequence
from spamlabels.track import ByteTrack, ByteTrackConfig, create_tracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")
BINS = (1, 2, 9, 33, 129, 10**9)
LABELS = ("1", "2-8", "9-32", "33-128", ">128")


def _changes(group: np.ndarray, value: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Histogram over :data:`BINS` of the frame gaps at which ``value`` changes between
    consecutive (in time) rows of one ``group``."""
    order = np.lexsort((frame, group))
    g, v, f = group[order], value[order], frame[order]
    step = (g[1:] == g[:-1]) & (v[1:] != v[:-1])
    return np.histogram((f[1:] - f[:-1])[step], BINS)[0]


def gap_counts(tracks: Tracks, gt: Tracks) -> tuple[np.ndarray, np.ndarray]:
    """``(switch, frag)`` histograms over :data:`BINS` (see the module docstring)."""
    gid = assign_gt_ids(tracks, gt)
    m = gid >= 0
    frame, tid, g = tracks.frame[m], tracks.id[m], gid[m]
    return _changes(tid, g, frame), _changes(g, tid, frame)


def main() -> None:
    """Print per-sequence and total counts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--seqs", nargs="+", default=list(SEQS))
    args = ap.parse_args()
    torch.set_num_threads(2)
    total: dict[str, list[np.ndarray]] = {}
    for s in args.seqs:
        seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
        dets, n, gt = seq.det(args.half), seq.length(args.half), seq.gt(args.half)
        fps, size = seq.info.frame_rate, (seq.info.im_width, seq.info.im_height)
        runs = {
            "ByteTrack": ByteTrack(ByteTrackConfig(), frame_rate=fps).track(
                dets[dets.score >= 0.1], n, fps),
            "SPAM A": create_tracker("spam", node_level=False, image_size=size).track(
                dets[dets.score >= 0.6], n, fps),
        }  # fmt: skip
        for name, tracks in runs.items():
            sw, fr = gap_counts(tracks, gt)
            row = evaluate({seq.name: (gt, tracks, n)}).table[seq.name]
            print(f"{seq.name} {name:9s} HOTA {row['HOTA']:5.1f} AssA {row['AssA']:5.1f} "
                  f"switch {sw.tolist()} frag {fr.tolist()}")  # fmt: skip
            acc = total.setdefault(name, [np.zeros(len(LABELS), int), np.zeros(len(LABELS), int)])
            acc[0] += sw
            acc[1] += fr
    print("gap bins (frames):", " / ".join(LABELS))
    for name, (sw, fr) in total.items():
        print(f"total {name:9s} switch {sw.tolist()} frag {fr.tolist()}")


if __name__ == "__main__":
    main()
