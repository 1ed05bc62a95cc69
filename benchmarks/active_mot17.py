"""Active learning on MOT17: label quality against clicks for each selection strategy.

For each budget (share of the full manual cost of all sequences, one pool) and strategy, the
shipped synthetic-only model labels the candidate detections (conf >= ``--min-conf``) of the
seven MOT17 YOLOX halves with the simulated oracle annotator; the labels are scored against
ground truth with TrackEval. Also: the ceiling (every node of every level asked, unlimited
budget) and frame-based labelling at the same clicks (every k-th frame labelled by hand,
interpolated). The x-axis of the plot is the effort actually spent (a level that runs out of
questions leaves part of its share unspent).

    python benchmarks/active_mot17.py --half val --out runs/active_mot17.json \
        --plot docs/active_mot17.png
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from spamlabels.active import (
    OracleAnnotator,
    frame_based_labels,
    frame_step_for_budget,
    label_sequences,
    parse_budget,
)
from spamlabels.core import Tracks
from spamlabels.engine import load_label_inputs
from spamlabels.eval import evaluate
from spamlabels.io import MOTSequence

SEQS = ("02", "04", "05", "09", "10", "11", "13")
METRICS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1")


def _score(gts: dict[str, tuple[Tracks, int]], tracks: dict[str, Tracks]) -> dict[str, float]:
    c = evaluate({k: (gts[k][0], v, gts[k][1]) for k, v in tracks.items()}).combined
    return {m: round(float(c[m]), 2) for m in METRICS}


def _plot(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = next(r["HOTA"] for r in rows if r["method"] == "hierarchical" and r["budget"] == 0)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    styles = {"hierarchical": ("C3", "o", "hierarchical (ours)"), "random": ("C0", "^", "random"),
              "frame-based": ("C2", "s", "frame-based + interpolation")}  # fmt: skip
    for method, (color, marker, label) in styles.items():
        pts = sorted((r["effort"], r["HOTA"] - base) for r in rows if r["method"] == method)
        if pts:
            ax.plot(*zip(*pts, strict=True), color=color, marker=marker, label=label)
    ceiling = [r for r in rows if r["method"] == "ceiling"]
    if ceiling:
        top = ceiling[0]
        ax.axhline(
            top["HOTA"] - base,
            color="k",
            ls="--",
            label=f"ceiling: all decisions correct ({top['effort']:.0f} % effort)",
        )
    ax.set_xlabel("annotation effort (% of the full manual cost, clicks spent)")
    ax.set_ylabel("HOTA gain over the 0 % labels")
    ax.set_title(title, fontsize=9)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    """Print one line per (method, budget); write JSON and the plot."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/MOT17"))
    ap.add_argument("--half", choices=("train", "val", "all"), default="val")
    ap.add_argument("--detector", default="YOLOX")
    ap.add_argument("--min-conf", type=float, default=0.1)
    ap.add_argument("--budgets", nargs="+", default=["0", "1", "2", "3.3", "5", "10", "20"])
    ap.add_argument("--strategies", nargs="+", default=["hierarchical", "random"])
    ap.add_argument("--no-ceiling", action="store_true")
    ap.add_argument("--no-frame-based", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    seqs = [MOTSequence.open(args.data / "train" / f"MOT17-{s}-{args.detector}") for s in SEQS]
    inputs = load_label_inputs(seqs, args.half, args.min_conf)
    tasks, truth, gts, full = inputs.tasks, inputs.truth, inputs.gts, inputs.full_cost
    print(f"{len(tasks)} sequences ({args.half}), full manual cost {full} clicks", flush=True)
    rows: list[dict[str, Any]] = []

    def record(method: str, budget: float, clicks: int, scores: dict[str, float],
               seconds: float, extra: str = "") -> None:  # fmt: skip
        row = {"method": method, "budget": budget, "clicks": clicks, **scores,
               "effort": round(100 * clicks / full, 3), "seconds": round(seconds, 1)}  # fmt: skip
        rows.append(row)
        print(f"{method:13s} budget {budget:5.1f} %: {clicks:6d} clicks ({row['effort']:.2f} %) "
              + " ".join(f"{m} {scores[m]:.1f}" for m in METRICS) + f" [{seconds:.0f} s]{extra}",
              flush=True)  # fmt: skip

    for budget_text in args.budgets:
        clicks = parse_budget(f"{budget_text}%", full)
        for strategy in args.strategies if clicks else args.strategies[:1]:
            t0 = time.perf_counter()
            res = label_sequences(tasks, OracleAnnotator(truth), clicks, strategy=strategy)
            record(strategy, float(budget_text), res.clicks, _score(gts, res.tracks),
                   time.perf_counter() - t0)  # fmt: skip
        if clicks and not args.no_frame_based:
            step = frame_step_for_budget([g for g, _ in gts.values()], clicks)
            if step is not None:
                labels, spent = {}, 0
                for name, (gt, _) in gts.items():
                    labels[name], c = frame_based_labels(gt, step)
                    spent += c
                record("frame-based", float(budget_text), spent, _score(gts, labels), 0.0,
                       f" every {step} frames")  # fmt: skip
    if not args.no_ceiling:
        t0 = time.perf_counter()
        res = label_sequences(tasks, OracleAnnotator(truth), 10**9, ask_all=True)
        record("ceiling", 100.0, res.clicks, _score(gts, res.tracks), time.perf_counter() - t0)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"half": args.half, "detector": args.detector,
                                        "min_conf": args.min_conf, "full_cost": full,
                                        "rows": rows}, indent=1) + "\n")  # fmt: skip
    if args.plot:
        _plot(rows, args.plot, f"MOT17 {args.detector} {args.half} halves, conf >= "
              f"{args.min_conf}, oracle annotator")  # fmt: skip


if __name__ == "__main__":
    main()
