"""How fast and how linearly people move: MOT17 ground truth against the synthetic scenes.

For every ground-truth track, at every frame ``t`` where the box is at least half visible (and
so are the boxes at ``t - 0.5 s`` and ``t + H``), the feet point (bottom centre) is predicted
``H`` seconds ahead from its velocity over the last 0.5 s. Reported, in box heights (of the box
at ``t``): the speed (box heights per second), the share of nearly still boxes (< 0.05 box
heights per second) and the median / 90th percentile of the prediction error at horizons of
0.25 to 4 s, the gaps the deep levels of the hierarchy bridge.

A second table (``--gaps``) counts, per 1,000 counted ground-truth boxes, the gaps inside
ground-truth tracks between frames covered by a detection of conf >= 0.6 (IoU >= 0.5, Hungarian
per frame): all, longer than 1 s, longer than 2 s; and the share of counted boxes less than
20 % visible (box visibility, as MOT17 reports it). Real: the YOLOX detections of both halves
of every sequence; synthetic: the simulated ``yolox`` detector on the scenes above.

Real: the MOT17 ground truth of the *train* halves (frames 1..N//2+1; class 1, consider = 1),
static-camera sequences (02, 04, 09) and moving-camera ones (05, 10, 11, 13) pooled apart.
Synthetic: ``--sequences`` scenes drawn as ``spam train synth`` draws them
(:func:`spamlabels.synth.sample_config`), with ``--slow-share`` 0 (the shipped weights'
training scenes) and with the share given, pooled by camera motion (static / moving).

Usage::

    python benchmarks/synth_motion_stats.py --slow-share 0.5 --out runs/synth_motion_stats.json
    python benchmarks/synth_motion_stats.py --gaps --slow-share 0 --sequences 16
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from spamlabels.active.budget import counted_boxes
from spamlabels.core import Detections, Tracks
from spamlabels.core.matching import match_per_frame
from spamlabels.io import MOTSequence
from spamlabels.synth import Scene, SceneConfig, sample_config, simulate_scene

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "MOT17" / "train"
HORIZONS = (0.25, 0.5, 1.0, 2.0, 4.0)
STATIC = ("02", "04", "09")
MOVING = ("05", "10", "11", "13")


def motion_samples(
    gt: Tracks, fps: float, min_visibility: float = 0.5
) -> tuple[NDArray[np.float64], dict[float, NDArray[np.float64]]]:
    """Speeds ``(n,)`` in box heights per second and, per horizon in seconds, prediction
    errors of a constant-velocity feet point in box heights."""
    keep = counted_boxes(gt) & (gt.visibility >= min_visibility)
    gt = gt[np.flatnonzero(keep)]
    back = max(1, round(0.5 * fps))
    speeds: list[NDArray[np.float64]] = []
    errors: dict[float, list[NDArray[np.float64]]] = {h: [] for h in HORIZONS}
    xyxy = gt.xyxy
    for tid in np.unique(gt.id):
        rows = np.flatnonzero(gt.id == tid)
        n = int(gt.frame[rows].max()) + 1
        pos = np.full((n, 3), np.nan)  # feet x, feet y, height
        b = xyxy[rows]
        pos[gt.frame[rows]] = np.stack([(b[:, 0] + b[:, 2]) / 2, b[:, 3], b[:, 3] - b[:, 1]], 1)
        t = np.arange(back, n)
        now, past = pos[t], pos[t - back]
        ok = ~np.isnan(now[:, 0]) & ~np.isnan(past[:, 0])
        vel = (now[:, :2] - past[:, :2]) / back  # pixels per frame
        speeds.append(np.hypot(*vel[ok].T) * fps / now[ok, 2])
        for h in HORIZONS:
            d = max(1, round(h * fps))
            sel = ok & (t + d < n)
            future = pos[np.minimum(t + d, n - 1)]
            sel &= ~np.isnan(future[:, 0])
            err = future[sel, :2] - (now[sel, :2] + vel[sel] * d)
            errors[h].append(np.hypot(*err.T) / now[sel, 2])
    cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
    return cat(speeds), {h: cat(v) for h, v in errors.items()}


def summary(
    samples: list[tuple[NDArray[np.float64], dict[float, NDArray[np.float64]]]],
) -> dict[str, float]:
    """Pooled statistics of several sequences' :func:`motion_samples`."""
    speed = np.concatenate([s for s, _ in samples])
    out = {
        "boxes": float(len(speed)),
        "speed_median": float(np.median(speed)),
        "speed_q90": float(np.quantile(speed, 0.9)),
        "still_share": float(np.mean(speed < 0.05)),
    }
    for h in HORIZONS:
        err = np.concatenate([e[h] for _, e in samples])
        out[f"err{h:g}s_median"] = float(np.median(err))
        out[f"err{h:g}s_q90"] = float(np.quantile(err, 0.9))
    return out


def _scenes(
    n: int, seed: int, slow_share: float, **overrides: Any
) -> Iterator[tuple[SceneConfig, Scene]]:
    """``n`` training-like scenes (600 frames) drawn as ``spam train synth`` draws them, with
    ``overrides`` of their :class:`SceneConfig` (e.g. ``visibility="box"``)."""
    for child in np.random.SeedSequence(seed).spawn(n):
        rng = np.random.default_rng(child)
        cfg = replace(sample_config(rng, n_frames=600, slow_share=slow_share), **overrides)
        yield cfg, simulate_scene(cfg, seed=int(rng.integers(2**31)))


def gap_samples(gt: Tracks, dets: Detections, fps: float) -> tuple[NDArray[np.float64], int, int]:
    """Detection gaps inside ground-truth tracks, in seconds; the number of counted boxes and
    of those less than 20 % visible."""
    gt = gt[np.flatnonzero(counted_boxes(gt))]
    strong = dets[np.flatnonzero(dets.score >= 0.6)]
    to_gt, _ = match_per_frame(strong, gt, 0.5)
    covered = np.unique(to_gt[to_gt >= 0])
    ids, frames = gt.id[covered], gt.frame[covered]
    order = np.lexsort((frames, ids))  # covered boxes by track, then frame
    ids, frames = ids[order], frames[order]
    gap = np.diff(frames) - 1
    gaps = gap[(ids[1:] == ids[:-1]) & (gap > 0)] / fps
    return gaps, len(gt), int(np.sum(gt.visibility < 0.2))


def _gap_row(name: str, parts: list[tuple[NDArray[np.float64], int, int]]) -> str:
    gaps = np.concatenate([g for g, _, _ in parts])
    n = sum(b for _, b, _ in parts)
    hidden = sum(h for _, _, h in parts)
    per = 1000.0 / max(n, 1)
    return (f"{name:44s} {n:7d} | {len(gaps) * per:5.1f} | {np.sum(gaps > 1) * per:4.1f} | "
            f"{np.sum(gaps > 2) * per:4.1f} | {hidden / max(n, 1):.2f}")  # fmt: skip


def gap_table(data: Path, n: int, seed: int, slow_share: float) -> None:
    """Print the detection-gap table (module docstring)."""
    print(f"{'':44s} {'boxes':>7s} | gaps | > 1 s | > 2 s | visible < 0.2  (per 1,000 boxes)")
    for num in STATIC + MOVING:
        seq = MOTSequence.open(data / f"MOT17-{num}-YOLOX")
        for half in ("train", "val"):
            s = gap_samples(seq.gt(half), seq.det(half), seq.info.frame_rate)
            print(_gap_row(f"MOT17-{num} ({half} half, YOLOX)", [s]))
    parts = [gap_samples(scene.gt, scene.det, cfg.fps)
             for cfg, scene in _scenes(n, seed, slow_share, visibility="box")]  # fmt: skip
    print(_gap_row(f"synthetic, slow share {slow_share:g}", parts))


def synthetic(n: int, seed: int, slow_share: float) -> dict[str, list]:
    """Motion samples of ``n`` training-like scenes (600 frames), by camera motion."""
    pools: dict[str, list] = {"static": [], "moving": []}
    for cfg, scene in _scenes(n, seed, slow_share):
        kind = "static" if cfg.camera_motion == "static" else "moving"
        pools[kind].append(motion_samples(scene.gt, cfg.fps))
    return pools


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--sequences", type=int, default=24, help="synthetic scenes per setting")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--slow-share", type=float, default=0.5)
    p.add_argument("--out", type=Path, default=None, help="write the table as JSON")
    p.add_argument("--gaps", action="store_true",
                   help="the detection-gap table instead (YOLOX, both halves)")  # fmt: skip
    args = p.parse_args(argv)
    if args.gaps:
        if not args.data.is_dir():
            print(f"error: {args.data} not found (--data)", file=sys.stderr)
            return 2
        gap_table(args.data, args.sequences, args.seed, args.slow_share)
        return 0

    rows: dict[str, dict[str, float]] = {}
    real: dict[str, list] = {"static": [], "moving": []}
    for num in STATIC + MOVING:
        path = args.data / f"MOT17-{num}-FRCNN"
        if not path.is_dir():
            print(f"error: {path} not found (--data)", file=sys.stderr)
            return 2
        seq = MOTSequence.open(path)
        s = motion_samples(seq.gt("train"), seq.info.frame_rate)
        rows[f"MOT17-{num} (train half)"] = summary([s])
        real["static" if num in STATIC else "moving"].append(s)
    for kind in ("static", "moving"):
        rows[f"MOT17 {kind} camera"] = summary(real[kind])
    for share in (0.0, args.slow_share) if args.slow_share > 0 else (0.0,):
        pools = synthetic(args.sequences, args.seed, share)
        for kind in ("static", "moving"):
            rows[f"synthetic, slow share {share:g}, {kind} camera"] = summary(pools[kind])

    head = ["boxes", "speed med", "q90", "still"] + [f"err {h:g}s med/q90" for h in HORIZONS]
    print(f"{'':44s} " + " | ".join(head))
    for name, r in rows.items():
        errs = " | ".join(
            f"{r[f'err{h:g}s_median']:.3f}/{r[f'err{h:g}s_q90']:.3f}" for h in HORIZONS
        )
        print(
            f"{name:44s} {r['boxes']:7.0f} | {r['speed_median']:.3f} | {r['speed_q90']:.3f} | "
            f"{r['still_share']:.2f} | {errs}"
        )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
