"""Compare the simulated detector of ``spamlabels.synth`` with real MOT17 detections.

Real: the YOLOX-X detections of MOT17 train (validation half only, frames N//2+2..N, since
the detector was trained on the first half) and the public Faster R-CNN detections (all
frames), against the MOT17 ground truth. Simulated: ``--sequences`` in-memory synthetic scenes
drawn like ``spam synth`` draws them, with the ``yolox`` and the ``frcnn`` detector presets
(same scenes for both; their ground truth follows MOT17's conventions: visibility from
boxes, boxes not clipped to the image). Matching: per frame, Hungarian on IoU >= 0.5 against
ground truth of class 1 with consider = 1; detections matched to distractor classes are ignored
(:mod:`spamlabels.synth.stats`).

Usage::

    python benchmarks/synth_detector_stats.py --out /tmp/synth_stats.json

Prints a table, writes the statistics as JSON to ``--out`` and, when matplotlib is
importable, a PNG plot next to it (or to ``--plot``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from spamlabels.core import Detections, Tracks
from spamlabels.io import MOTSequence
from spamlabels.synth import DetectorConfig, detector_stats, sample_config, simulate_scene
from spamlabels.synth.stats import DetectorStats

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "MOT17" / "train"
SEQUENCES = ("02", "04", "05", "09", "10", "11", "13")
REAL_HALF = {"YOLOX": "val", "FRCNN": "all"}
PRESET_OF = {"YOLOX": "yolox", "FRCNN": "frcnn"}


def real_pairs(data: Path, detector: str) -> Iterator[tuple[Tracks, Detections]]:
    """``(gt, det)`` of every MOT17 train sequence for one detector (YOLOX: validation half)."""
    half = REAL_HALF[detector]
    for s in SEQUENCES:
        seq = MOTSequence.open(data / f"MOT17-{s}-{detector}")
        yield seq.gt(half=half), seq.det(half=half)  # type: ignore[arg-type]


def sim_pairs(preset: str, n: int, frames: int, seed: int) -> list[tuple[Tracks, Detections]]:
    """``(gt, det)`` of ``n`` synthetic scenes with the detector preset ``preset``."""
    out = []
    for child in np.random.SeedSequence(seed).spawn(n):
        rng = np.random.default_rng(child)
        config = sample_config(rng, n_frames=frames, detector=DetectorConfig.preset(preset))
        # MOT17's conventions: visibility from boxes, boxes not clipped to the image
        config = replace(config, visibility="box", clip_boxes=False)
        _, gt, det = simulate_scene(config, int(rng.integers(0, 2**31 - 1)))
        out.append((gt, det))
    return out


def _f(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}"


def _rows(stats: dict[str, DetectorStats]) -> list[tuple[str, list[str]]]:
    """Table rows: (label, one formatted value per column)."""
    cols = list(stats.values())
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, values: list[float | None], digits: int = 3) -> None:
        rows.append((label, [_f(v, digits) for v in values]))

    rows.append(("# ground-truth boxes / detections", [f"{s.n_gt} / {s.n_det}" for s in cols]))
    for k, b in enumerate(cols[0].conf_bins):
        rng = f"[{b['lo']:.2f},{b['hi']:.2f}{']' if b['hi'] >= 1 else ')'}"
        add(f"conf {rng} share of dets", [s.conf_bins[k]["share"] for s in cols])
        add(f"conf {rng} precision", [s.conf_bins[k]["precision"] for s in cols])
        add(f"recall at conf >= {b['lo']:.2f}", [s.conf_bins[k]["recall_at_lo"] for s in cols])
    for k, b in enumerate(cols[0].vis_bins):
        rng = f"[{b['lo']:.1f},{min(b['hi'], 1.0):.1f}{']' if b['hi'] >= 1 else ')'}"
        add(f"visibility {rng} share of gt", [s.vis_bins[k]["n_gt"] / max(s.n_gt, 1) for s in cols])
        add(f"visibility {rng} recall (any conf)", [s.vis_bins[k]["recall"] for s in cols])
        add(f"visibility {rng} recall (conf>=0.5)", [s.vis_bins[k]["recall_05"] for s in cols])
    for k, b in enumerate(cols[0].height_bins):
        hi = "inf" if not math.isfinite(b["hi"]) else f"{b['hi']:.0f}"
        add(
            f"height [{b['lo']:.0f},{hi}) px share of gt",
            [s.height_bins[k]["n_gt"] / max(s.n_gt, 1) for s in cols],
        )
        add(f"height [{b['lo']:.0f},{hi}) px recall", [s.height_bins[k]["recall"] for s in cols])
    for q in ("q10", "q25", "q50", "q75", "q90", "mean"):
        add(f"IoU to matched gt {q}", [s.iou_quantiles.get(q) for s in cols])
    for key in ("vis<0.5", "vis>=0.5"):
        add(f"mean IoU, gt {key}", [s.iou_mean_by_vis.get(key) for s in cols])
    add("detections per gt box (all)", [s.dets_per_gt["all"] for s in cols])
    add("detections per gt box (conf>=0.5)", [s.dets_per_gt["score>=0.5"] for s in cols])
    for key in ("clutter", "part_or_duplicate", "near_miss"):
        add(f"FP share: {key}", [s.fp_kinds[key] for s in cols])
    add("median conf of TPs", [s.tp_score_median for s in cols], 2)
    add("median conf of FPs", [s.fp_score_median for s in cols], 2)
    add("TPs (conf>=0.1) also in previous frame", [s.persistence.get("tp") for s in cols])
    add("FPs (conf>=0.1) also in previous frame", [s.persistence.get("fp") for s in cols])
    return rows


def format_table(stats: dict[str, DetectorStats]) -> str:
    """A plain-text table, one column per statistics set."""
    rows = _rows(stats)
    width = max(len(r[0]) for r in rows)
    colw = max(12, *(len(k) for k in stats))
    head = " " * width + " | " + " | ".join(k.rjust(colw) for k in stats)
    lines = [head, "-" * len(head)]
    lines += [
        label.ljust(width) + " | " + " | ".join(v.rjust(colw) for v in vals) for label, vals in rows
    ]
    return "\n".join(lines)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def plot(stats: dict[str, DetectorStats], path: Path) -> bool:
    """Write a 2x2 comparison plot; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for name, s in stats.items():
        style = "--" if name.startswith("sim") else "-"
        x = [b["lo"] for b in s.conf_bins]
        axes[0, 0].plot(x, [b["precision"] for b in s.conf_bins], style, marker="o", label=name)
        axes[0, 1].plot(
            [b["lo"] for b in s.vis_bins],
            [b["recall"] for b in s.vis_bins],
            style,
            marker="o",
            label=name,
        )
        axes[1, 0].plot(
            [b["lo"] for b in s.height_bins],
            [b["recall"] for b in s.height_bins],
            style,
            marker="o",
            label=name,
        )
        axes[1, 1].plot(x, [b["recall_at_lo"] for b in s.conf_bins], style, marker="o", label=name)
    titles = (
        "precision per confidence bin (lower edge)",
        "recall per gt visibility bin",
        "recall per gt height bin (px, lower edge)",
        "recall at confidence >= x",
    )
    for ax, title in zip(axes.ravel(), titles, strict=True):
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    """Compute, print and save the comparison; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="MOT17/train folder (default: ../shared/data/MOT17/train)",
    )
    parser.add_argument("--sequences", type=int, default=12, help="synthetic scenes")
    parser.add_argument("--frames", type=int, default=300, help="frames per synthetic scene")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic scenes")
    parser.add_argument("--out", type=Path, required=True, help="JSON output path")
    parser.add_argument("--also", nargs="*", default=[],
                        help="more simulated presets to compare (e.g. yolox-weak)")  # fmt: skip
    parser.add_argument(
        "--plot",
        type=Path,
        default=None,
        help="PNG path (default: --out with .png; needs matplotlib)",
    )
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no MOT17 train folder at {args.data}", file=sys.stderr)
        return 2
    stats: dict[str, DetectorStats] = {}
    timing = {}
    for det in ("YOLOX", "FRCNN"):
        t0 = time.perf_counter()
        stats[f"real {det}"] = detector_stats(real_pairs(args.data, det))
        timing[f"real {det}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pairs = sim_pairs(PRESET_OF[det], args.sequences, args.frames, args.seed)
        timing[f"simulate {PRESET_OF[det]}"] = time.perf_counter() - t0
        stats[f"sim {PRESET_OF[det]}"] = detector_stats(pairs)
    for name in args.also:
        pairs = sim_pairs(name, args.sequences, args.frames, args.seed)
        stats[f"sim {name}"] = detector_stats(pairs)
    print(format_table(stats))
    command = "python benchmarks/synth_detector_stats.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    doc = {
        "command": command,
        "protocol": {
            "iou_threshold": 0.5,
            "real_half": REAL_HALF,
            "sequences": SEQUENCES,
            "sim_sequences": args.sequences,
            "sim_frames": args.frames,
            "sim_seed": args.seed,
        },
        "stats": {k: s.to_dict() for k, s in stats.items()},
        "seconds": timing,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_jsonable(doc), indent=1), encoding="utf-8")
    png = args.plot or args.out.with_suffix(".png")
    made = plot(stats, png)
    print(f"\nwrote {args.out}" + (f" and {png}" if made else " (no plot: matplotlib missing)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
