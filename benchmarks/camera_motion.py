"""Camera-motion compensation experiment: SPAM and ByteTrack on stabilised coordinates.

Every detection box is moved into the coordinates of the half's first frame with the
per-frame affines of ``../shared/data/MOT17/camera_motion`` (line ``k``: frame ``k -> k+1``;
box centre through the accumulated affine, width and height scaled by the square root of its
determinant), the tracker runs on the moved boxes and its output is moved back. Not part of
the package: the result (docs/benchmarks.md section 6) is a tie, both trackers gain alike.

    python benchmarks/camera_motion.py --half val
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from spamlabels.core import Detections
from spamlabels.core.splits import half_range
from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence
from spamlabels.track import ByteTrack, ByteTrackConfig, create_tracker

SEQS = ("02", "04", "05", "09", "10", "11", "13")


def to_first_frame(affines: NDArray[np.float64], first: int, n: int) -> NDArray[np.float64]:
    """(n, 3, 3) maps from half frame ``f`` (1-based) to half frame 1; ``affines`` (N, 7)."""
    maps = [np.eye(3)]
    acc = np.eye(3)  # frame ``first`` -> frame ``first + f - 1``
    for f in range(2, n + 1):
        step = np.eye(3)
        step[:2] = affines[first + f - 2, 1:].reshape(2, 3)
        acc = step @ acc
        maps.append(np.linalg.inv(acc))
    return np.stack(maps)


def warp(table: Detections, maps: NDArray[np.float64]) -> Detections:
    """Move every box of ``table`` through ``maps[frame - 1]`` (centre affine, size scaled)."""
    m = maps[table.frame - 1]
    cx = table.xywh[:, 0] + table.xywh[:, 2] / 2
    cy = table.xywh[:, 1] + table.xywh[:, 3] / 2
    qx = m[:, 0, 0] * cx + m[:, 0, 1] * cy + m[:, 0, 2]
    qy = m[:, 1, 0] * cx + m[:, 1, 1] * cy + m[:, 1, 2]
    scale = np.sqrt(np.abs(m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]))
    w, h = table.xywh[:, 2] * scale, table.xywh[:, 3] * scale
    return table.replace(xywh=np.stack([qx - w / 2, qy - h / 2, w, h], 1))


def main() -> None:
    """Print combined and per-sequence HOTA for each tracker without and with compensation."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val"), default="val")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    runs = {  # name: (candidate conf, tracker factory)
        "ByteTrack (official)": (0.1, lambda seq: None),
        "SPAM A (conf >= 0.6)": (0.6, lambda seq: create_tracker(
            "spam", image_size=(seq.info.im_width, seq.info.im_height), node_level=0)),
    }  # fmt: skip
    for name, (conf, factory) in runs.items():
        for compensate in (False, True):
            inputs = {}
            for s in SEQS:
                seq = MOTSequence.open(args.data / "train" / f"MOT17-{s}-YOLOX")
                dets, n = seq.det(args.half), seq.length(args.half)
                dets = dets[dets.score >= conf]
                spam = factory(seq)
                if compensate:
                    first, _ = half_range(seq.info.seq_length, args.half)
                    affines = np.loadtxt(args.data / "camera_motion" / f"MOT17-{s}.txt")
                    maps = to_first_frame(affines, first, n)
                    dets = warp(dets, maps)
                if spam is None:
                    tracks = ByteTrack(ByteTrackConfig()).track(
                        dets, seq_length=n, frame_rate=seq.info.frame_rate
                    )
                else:
                    tracks = spam.track(dets, n, seq.info.frame_rate)
                if compensate:
                    tracks = warp(tracks, np.linalg.inv(maps))
                inputs[seq.name] = (seq.gt(args.half), tracks, n)
            table = evaluate(inputs).table
            c = table.pop("COMBINED")
            per = " ".join(f"{k[6:8]}:{v['HOTA']:.1f}" for k, v in table.items())
            print(f"{args.half} {name} {'CMC' if compensate else 'raw'}: HOTA {c['HOTA']:.2f} "
                  f"DetA {c['DetA']:.2f} AssA {c['AssA']:.2f} IDSW {int(c['IDSW'])} | {per}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
