"""Compare simulated re-ID embeddings (``spamlabels.synth.reid``) with real deep_sort ones.

Real: the 128-d "mars-small128" embeddings of ``../shared/data/MOT17/appearance`` (MOT17-05-FRCNN,
MOT17-09-FRCNN, MOT17-09-SDP, all frames), attached to the det.txt rows. Simulated:
``--sequences`` in-memory scenes drawn like ``spam train synth`` draws them, with the ``frcnn``
detector preset and confidence >= 0.3 (the public FRCNN/SDP detections start there). Detections
get ground-truth ids by :func:`spamlabels.graph.assign_gt_ids` (the training labels); the
statistics are cosine distances (1 - cos) between detections of the same identity one frame,
1 s and 10 s apart and between different identities of the same frame
(:func:`spamlabels.synth.stats.appearance_stats`).

Usage::

    python benchmarks/synth_appearance_stats.py [--sequences 4] [--out runs/appearance_stats.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spamlabels.graph import assign_gt_ids
from spamlabels.io import MOTSequence
from spamlabels.synth import DetectorConfig, sample_config, simulate_scene
from spamlabels.synth.reid import ReidConfig, simulate_embeddings
from spamlabels.synth.stats import appearance_stats

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "MOT17"
REAL = ("MOT17-05-FRCNN", "MOT17-09-FRCNN", "MOT17-09-SDP")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sequences", type=int, default=4)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    rows: dict[str, dict[str, float]] = {}
    for name in REAL:
        seq = MOTSequence.open(args.data / "train" / name)
        det = seq.det(appearance=args.data / "appearance" / f"{name}.npy")
        gid = assign_gt_ids(det, seq.gt())
        rows[name] = appearance_stats(det.frame, det.data["embedding"], gid, seq.info.frame_rate)
    sim: dict[str, list[float]] = {}
    for child in np.random.SeedSequence(args.seed).spawn(args.sequences):
        rng = np.random.default_rng(child)
        config = sample_config(rng, n_frames=args.frames, detector=DetectorConfig.preset("frcnn"))
        _, gt, det = simulate_scene(config, int(rng.integers(0, 2**31 - 1)))
        det = det[det.score >= 0.3]
        emb = simulate_embeddings(det, config.fps, rng, ReidConfig())
        for k, v in appearance_stats(det.frame, emb, assign_gt_ids(det, gt), config.fps).items():
            sim.setdefault(k, []).append(v)
    rows[f"simulated ({args.sequences} scenes)"] = {k: float(np.nanmean(v)) for k, v in sim.items()}
    keys = list(next(iter(rows.values())))
    print("| statistic | " + " | ".join(rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for k in keys:
        print(f"| {k} | " + " | ".join(f"{r[k]:.3f}" for r in rows.values()) + " |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
